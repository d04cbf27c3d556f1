import pytest
from django.urls import reverse

from accounts.models import User
from tests.conftest import PASSWORD
from tests.factories import FoodEntryFactory, FoodFactory, own_records
from tracker.models import Food, IntakeEntry, SupplementProduct, SymptomEntry, WarningSent

pytestmark = pytest.mark.django_db


def _fill(user):
    own_records(user)
    FoodEntryFactory(owner=user, food=FoodFactory())  # a reference food stays
    WarningSent.objects.create(owner=user, day="2026-01-01", flag="above_ul")


def _counts(user):
    return (
        IntakeEntry.objects.filter(owner=user).count(),
        SupplementProduct.objects.filter(owner=user).count(),
        Food.objects.filter(owner=user).count(),
        SymptomEntry.objects.filter(owner=user).count(),
        WarningSent.objects.filter(owner=user).count(),
    )


def test_page_offers_export_first(logged_in):
    page = logged_in.get(reverse("delete_account")).content.decode()
    assert 'href="/export/"' in page


def test_delete_needs_the_right_password(logged_in, user):
    _fill(user)
    response = logged_in.post(reverse("delete_account"), {"password": "wrong", "confirm": "on"})
    assert response.status_code == 200
    assert "password" in response.context["form"].errors
    assert User.objects.filter(pk=user.pk).exists()
    assert _counts(user) == (3, 1, 1, 1, 1)


def test_delete_needs_the_confirmation_box(logged_in, user):
    response = logged_in.post(reverse("delete_account"), {"password": PASSWORD})
    assert "confirm" in response.context["form"].errors
    assert User.objects.filter(pk=user.pk).exists()


def test_delete_removes_every_row_of_that_person_and_nothing_else(logged_in, user, other_user):
    _fill(user)
    _fill(other_user)
    reference_foods = Food.objects.filter(owner__isnull=True).count()
    response = logged_in.post(reverse("delete_account"), {"password": PASSWORD, "confirm": "on"})
    assert response.status_code == 302
    assert not User.objects.filter(pk=user.pk).exists()
    assert IntakeEntry.objects.filter(owner_id=user.pk).count() == 0
    assert SupplementProduct.objects.filter(owner_id=user.pk).count() == 0
    assert Food.objects.filter(owner_id=user.pk).count() == 0
    assert SymptomEntry.objects.filter(owner_id=user.pk).count() == 0
    assert _counts(other_user) == (3, 1, 1, 1, 1)
    assert Food.objects.filter(owner__isnull=True).count() == reference_foods
    assert "_auth_user_id" not in logged_in.session


def test_delete_refuses_visitors(client):
    response = client.post(reverse("delete_account"), {"password": "x", "confirm": "on"})
    assert response.status_code == 302 and reverse("login") in response.url
