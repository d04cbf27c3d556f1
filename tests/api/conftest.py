import pytest

from api.models import ApiToken
from api.tokens import create_token


@pytest.fixture
def write_token(user):
    return create_token(owner=user, name="phone", scope=ApiToken.Scope.WRITE).secret


@pytest.fixture
def read_token(user):
    return create_token(owner=user, name="reader", scope=ApiToken.Scope.READ).secret


def bearer(secret: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
