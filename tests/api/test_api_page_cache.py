"""Every write the API offers makes the person's cached pages stale (tracker/page_cache.py),
like the forms do (tests/tracker/test_page_cache.py). Generated from the API's schema: a new
write operation fails here until it has a request below."""

import pytest
from django.utils import timezone

from accounts.models import User
from api.endpoints import api
from tests.api.conftest import bearer
from tests.factories import FoodFactory, SupplementEntryFactory, SupplementProductFactory

pytestmark = pytest.mark.django_db


def _writes() -> list[tuple[str, str]]:
    paths = api.get_openapi_schema()["paths"]
    return sorted(
        (method, path)
        for path, operations in paths.items()
        for method in operations
        if method in ("post", "put", "patch", "delete")
    )


def _request(method: str, path: str, user) -> tuple[str, dict]:
    day = timezone.localdate().isoformat()
    if path == "/api/entries/supplements":
        return path, {
            "product_id": SupplementProductFactory(owner=user).pk,
            "day": day,
            "servings": 1,
        }
    if path == "/api/entries/foods":
        return path, {"food_id": FoodFactory().pk, "day": day, "grams": 10}
    if path == "/api/symptoms":
        return path, {"day": day, "symptom": "cramps", "severity": 2}
    if path == "/api/entries/{entry_id}" and method == "delete":
        return f"/api/entries/{SupplementEntryFactory(owner=user).pk}", {}
    raise AssertionError(f"add a request for {method.upper()} {path} to this test")


@pytest.mark.parametrize("method,path", _writes())
def test_every_api_write_makes_the_persons_pages_stale(client, user, write_token, method, path):
    url, body = _request(method, path, user)
    version = User.objects.get(pk=user.pk).data_version
    response = getattr(client, method)(
        url, body, content_type="application/json", **bearer(write_token)
    )
    assert response.status_code in (201, 204), response.content
    assert User.objects.get(pk=user.pk).data_version > version
