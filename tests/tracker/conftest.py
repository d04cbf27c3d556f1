from decimal import Decimal

import pytest
from django.urls import reverse

from tests.factories import MagnesiumFormFactory, SupplementProductFactory


@pytest.fixture
def glycinate(db):
    """A test compound with the 14.10 % magnesium of magnesium bisglycinate."""
    return MagnesiumFormFactory(
        name="Magnesium bisglycinate (test)", elemental_fraction=Decimal("0.1410")
    )


@pytest.fixture
def product(user):
    """The person's own capsules, "Glycinate caps"."""
    return SupplementProductFactory(owner=user, name="Glycinate caps")


@pytest.fixture
def browser(client, user):
    """A signed-in client holding a CSRF cookie, as a browser does after its first page."""
    client.force_login(user)
    client.get(reverse("profile"))
    assert "csrftoken" in client.cookies
    return client
