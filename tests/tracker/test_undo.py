"""Undo instead of confirmation pages: a log, quick log, repeat or delete is put back exactly
by one POST of the signed token its message carried (tracker/services/undo.py)."""

import re
from datetime import time, timedelta
from decimal import Decimal
from html import unescape

import pytest
from django.core import signing
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from tests.factories import (
    FoodEntryFactory,
    FoodFactory,
    SupplementEntryFactory,
    SupplementProductFactory,
)
from tracker.models import IntakeEntry, WarningSent
from tracker.services import undo

pytestmark = pytest.mark.django_db

TOKEN = re.compile(r'name="token" value="([^"]+)"')


def token_on(response) -> str:
    """The Undo button's token on the page a write led to."""
    found = TOKEN.search(response.content.decode())
    assert found, "no Undo button on the page"
    return unescape(found[1])


def columns(entry: IntakeEntry) -> dict:
    return {f.attname: getattr(entry, f.attname) for f in IntakeEntry._meta.concrete_fields}


def test_undo_a_log_removes_the_entry(logged_in, user, product):
    response = logged_in.post(
        reverse("entry-add"),
        {"product": product.pk, "servings": "2", "day": timezone.localdate().isoformat()},
        follow=True,
    )
    assert IntakeEntry.objects.filter(owner=user).count() == 1
    version = User.objects.get(pk=user.pk).data_version

    done = logged_in.post(reverse("undo"), {"token": token_on(response)}, follow=True)

    assert IntakeEntry.objects.filter(owner=user).count() == 0
    assert User.objects.get(pk=user.pk).data_version > version  # cached pages stale
    assert "Undone: Glycinate caps removed" in done.content.decode()
    # A second press finds nothing and changes nothing.
    again = logged_in.post(reverse("undo"), {"token": token_on(response)}, follow=True)
    assert "Nothing to undo" in again.content.decode()


def test_undo_a_quick_log_with_the_stepper(logged_in, user, product):
    response = logged_in.post(
        reverse("quick-log-product", args=[product.pk]), {"servings": "3"}, follow=True
    )
    entry = IntakeEntry.objects.get(owner=user)
    assert entry.servings == 3
    logged_in.post(reverse("undo"), {"token": token_on(response)})
    assert not IntakeEntry.objects.filter(owner=user).exists()


@pytest.mark.parametrize("servings", ["0", "21", "-1", "abc", "1.5", "9" * 50])
def test_the_stepper_refuses_odd_counts(logged_in, user, product, servings):
    response = logged_in.post(
        reverse("quick-log-product", args=[product.pk]), {"servings": servings}, follow=True
    )
    assert response.status_code == 200
    assert "Choose between 1 and 20 servings" in response.content.decode()
    assert not IntakeEntry.objects.filter(owner=user).exists()


def test_undo_repeat_yesterday_removes_only_the_repeated(logged_in, user, product):
    today = timezone.localdate()
    SupplementEntryFactory(owner=user, product=product, day=today - timedelta(days=1))
    SupplementEntryFactory(owner=user, product=product, day=today - timedelta(days=1))
    kept = SupplementEntryFactory(owner=user, product=product, day=today)
    response = logged_in.post(reverse("repeat-yesterday"), follow=True)
    assert IntakeEntry.objects.filter(owner=user, day=today).count() == 3

    logged_in.post(reverse("undo"), {"token": token_on(response)})

    assert list(IntakeEntry.objects.filter(owner=user, day=today)) == [kept]


def test_delete_needs_no_confirmation_page_and_undo_restores_it_exactly(logged_in, user):
    food = FoodFactory(name="Almonds, test", mg_per_100g=Decimal("270"))
    entry = FoodEntryFactory(
        owner=user, food=food, day=timezone.localdate(), time=time(7, 45), note="breakfast"
    )
    before = columns(IntakeEntry.objects.get(pk=entry.pk))

    response = logged_in.post(reverse("entry-delete", args=[entry.pk]), follow=True)
    assert not IntakeEntry.objects.filter(pk=entry.pk).exists()
    assert "Deleted Almonds, test" in response.content.decode()

    logged_in.post(reverse("undo"), {"token": token_on(response)})

    assert columns(IntakeEntry.objects.get(pk=entry.pk)) == before  # every column, id too
    # Pressed again: the entry is not inserted twice.
    again = logged_in.post(reverse("undo"), {"token": token_on(response)}, follow=True)
    assert "already back" in again.content.decode()
    assert IntakeEntry.objects.filter(owner=user).count() == 1


def test_restoring_keeps_the_email_records_and_announces_a_crossed_flag(logged_in, user):
    user.email_warnings = True
    user.save()
    product = SupplementProductFactory(owner=user, elemental_mg="250")
    entry = SupplementEntryFactory(owner=user, product=product, day=timezone.localdate())
    WarningSent.objects.create(owner=user, day=entry.day, flag="above_starting_range")
    response = logged_in.post(reverse("entry-delete", args=[entry.pk]), follow=True)
    # The day no longer carries the flag, but the record of the e-mail sent stays.
    assert WarningSent.objects.filter(owner=user).count() == 1

    restored = logged_in.post(reverse("undo"), {"token": token_on(response)}, follow=True)

    assert "Above the starting range" in restored.content.decode()  # crossed again: said so
    assert WarningSent.objects.filter(owner=user).count() == 1  # e-mailed once, not twice


def test_someone_elses_token_undoes_nothing(client, user, other_user, product):
    entry = SupplementEntryFactory(owner=user, product=product)
    token = undo.created_token(owner=user, entries=[entry])
    client.force_login(other_user)  # a stranger to the entry
    response = client.post(reverse("undo"), {"token": token}, follow=True)
    assert "not valid" in response.content.decode()
    assert IntakeEntry.objects.filter(pk=entry.pk).exists()


@pytest.mark.parametrize("token", ["", "x", "abc:def:ghi", "a" * 5000])
def test_a_forged_token_undoes_nothing(logged_in, user, product, token):
    entry = SupplementEntryFactory(owner=user, product=product)
    response = logged_in.post(reverse("undo"), {"token": token}, follow=True)
    assert response.status_code == 200
    assert "not valid" in response.content.decode()
    assert IntakeEntry.objects.filter(pk=entry.pk).exists()


def test_an_expired_token_undoes_nothing(logged_in, user, product, monkeypatch):
    entry = SupplementEntryFactory(owner=user, product=product)
    token = undo.created_token(owner=user, entries=[entry])
    monkeypatch.setattr(undo, "UNDO_SECONDS", -1)
    response = logged_in.post(reverse("undo"), {"token": token}, follow=True)
    assert "Too late to undo" in response.content.decode()
    assert IntakeEntry.objects.filter(pk=entry.pk).exists()


def test_a_token_signed_for_something_else_is_refused(user, product):
    entry = SupplementEntryFactory(owner=user, product=product)
    other = signing.dumps({"u": user.pk, "a": "created", "ids": [entry.pk]})  # default salt
    with pytest.raises(undo.UndoError):
        undo.undo(owner=user, token=other)


def test_undo_is_post_only(logged_in):
    assert logged_in.get(reverse("undo")).status_code == 405


def test_restore_refuses_when_the_product_is_gone(user, product):
    entry = SupplementEntryFactory(owner=user, product=product)
    token = undo.deleted_token(owner=user, entry=entry)
    entry.delete()
    product.delete()
    with pytest.raises(undo.UndoError):
        undo.undo(owner=user, token=token)
    assert not IntakeEntry.objects.filter(owner=user).exists()
