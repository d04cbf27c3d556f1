"""Symptoms are deleted and logged like entries: at once, with an Undo button that puts back
exactly what was there (tracker/services/undo.py), flags and page versions included."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from tests.factories import SupplementEntryFactory, SymptomEntryFactory, UserFactory
from tests.tracker.test_undo import token_on
from tracker.models import SymptomEntry
from tracker.services import undo

pytestmark = pytest.mark.django_db


def columns(symptom: SymptomEntry) -> dict:
    return {f.attname: getattr(symptom, f.attname) for f in SymptomEntry._meta.concrete_fields}


def test_the_day_page_deletes_a_symptom_with_a_post_button_not_a_link(logged_in, user):
    symptom = SymptomEntryFactory(owner=user, day=timezone.localdate())
    page = logged_in.get(reverse("day", args=[symptom.day.isoformat()])).content.decode()
    delete_url = reverse("symptom-delete", args=[symptom.pk])
    assert f'<form method="post" action="{delete_url}"' in page
    assert f'href="{delete_url}"' not in page
    listing = logged_in.get(reverse("symptom-list")).content.decode()
    assert f'<form method="post" action="{delete_url}"' in listing


def test_delete_then_undo_restores_the_symptom_exactly(logged_in, user):
    day = timezone.localdate() - timedelta(days=3)
    symptom = SymptomEntryFactory(
        owner=user, day=day, symptom="headache", severity=4, note="after lunch"
    )
    before = columns(SymptomEntry.objects.get(pk=symptom.pk))

    response = logged_in.post(reverse("symptom-delete", args=[symptom.pk]), follow=True)
    assert not SymptomEntry.objects.filter(pk=symptom.pk).exists()
    assert f"Deleted headache or migraine from {day:%d %b %Y}" in response.content.decode()
    version = User.objects.get(pk=user.pk).data_version

    done = logged_in.post(reverse("undo"), {"token": token_on(response)}, follow=True)

    assert columns(SymptomEntry.objects.get(pk=symptom.pk)) == before  # id and every column
    assert User.objects.get(pk=user.pk).data_version > version
    assert done.redirect_chain[-1][0] == reverse("day", args=[day.isoformat()])
    assert "Restored headache or migraine" in done.content.decode()
    again = logged_in.post(reverse("undo"), {"token": token_on(response)}, follow=True)
    assert "already back" in again.content.decode()
    assert SymptomEntry.objects.filter(owner=user).count() == 1


def test_undo_a_logged_symptom_removes_it(logged_in, user):
    day = timezone.localdate()
    response = logged_in.post(
        reverse("symptom-list"),
        {"day": day.isoformat(), "symptom": "cramps", "severity": "2", "note": ""},
        follow=True,
    )
    assert SymptomEntry.objects.filter(owner=user).count() == 1
    assert "Logged cramps." in response.content.decode()

    done = logged_in.post(reverse("undo"), {"token": token_on(response)}, follow=True)

    assert not SymptomEntry.objects.filter(owner=user).exists()
    assert "Undone: cramps removed" in done.content.decode()


def test_restoring_a_side_effect_symptom_raises_the_flag_again(logged_in, user):
    day = timezone.localdate()
    SupplementEntryFactory(owner=user, day=day)
    symptom = SymptomEntryFactory(owner=user, day=day, symptom="diarrhea", severity=3)
    response = logged_in.post(reverse("symptom-delete", args=[symptom.pk]), follow=True)
    assert 'data-flag="side_effects"' not in response.content.decode()

    restored = logged_in.post(reverse("undo"), {"token": token_on(response)}, follow=True)

    assert 'data-flag="side_effects"' in restored.content.decode()


def test_a_symptom_token_of_someone_else_restores_nothing(client, user):
    symptom = SymptomEntryFactory(owner=user)
    token = undo.deleted_token(owner=user, entry=symptom)
    symptom.delete()
    stranger = UserFactory()
    client.force_login(stranger)
    client.post(reverse("undo"), {"token": token})
    assert not SymptomEntry.objects.exists()
    with pytest.raises(undo.UndoError):
        undo.undo(owner=stranger, token=token)


def test_a_token_naming_an_unknown_kind_is_refused(user):
    from django.core import signing

    forged = signing.dumps(
        {"u": user.pk, "a": "created", "ids": [1], "k": "user"}, salt="tracker.undo"
    )
    with pytest.raises(undo.UndoError):
        undo.undo(owner=user, token=forged)
