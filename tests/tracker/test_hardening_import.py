"""Imports: exactly once, kept out of the session, and held to the forms' own rules (issue
"Hardening", items 2, 6 and 8)."""

import json
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone

from accounts.models import User
from tests.factories import FoodEntryFactory, FoodFactory, UserFactory
from tests.tracker.test_import import HEADER, confirm, preview_html, problems_of, upload
from tracker import limits
from tracker.models import IntakeEntry, SymptomEntry
from tracker.pending_imports import PendingImport
from tracker.views.transfer import SESSION_KEY

pytestmark = pytest.mark.django_db

ROW = "2026-11-01,,food,Oats (hardening),,100,g,138,\n"


@pytest.fixture
def oats():
    return FoodFactory(name="Oats (hardening)", mg_per_100g=Decimal("138"))


def account(**parts) -> str:
    return json.dumps({"format": "magnesium-tracker-account", "version": 1, **parts})


# --- Item 2: a double confirm imports once --------------------------------------------------


def test_a_second_confirm_of_the_same_upload_imports_nothing_and_says_so(logged_in, user, oats):
    assert upload(logged_in, HEADER + "\n" + ROW).status_code == 302
    digest = logged_in.session[SESSION_KEY]["digest"]
    ref = dict(logged_in.session[SESSION_KEY])
    first = logged_in.post("/import/confirm/", {"digest": digest})
    assert first.status_code == 302
    # A second tab (or the second click of a double click) still has the upload in its
    # session: put it back as that tab's request would carry it.
    session = logged_in.session
    session[SESSION_KEY] = ref
    session.save()
    second = logged_in.post("/import/confirm/", {"digest": digest}, follow=True)
    assert second.status_code == 200
    assert "already been imported" in second.content.decode()
    assert IntakeEntry.objects.filter(owner=user).count() == 1


# --- Item 8: the upload waits in its own row, not in the session ----------------------------


def test_the_upload_waits_outside_the_session(logged_in, user, oats):
    text = HEADER + "\n" + ROW * 50
    assert upload(logged_in, text).status_code == 302
    ref = logged_in.session[SESSION_KEY]
    assert set(ref) == {"id", "digest"}
    stored = PendingImport.objects.get(owner=user)
    assert stored.text == text and stored.pk == ref["id"]
    assert stored.expires_at > timezone.now() + timedelta(hours=23)
    assert len(logged_in.session.encode(dict(logged_in.session.items()))) < 1000


def test_a_new_upload_replaces_the_old_and_clears_expired_ones(logged_in, user, oats):
    other = UserFactory()
    old = PendingImport.objects.create(
        owner=other, text="x", digest="0" * 64, expires_at=timezone.now() - timedelta(minutes=1)
    )
    upload(logged_in, HEADER + "\n" + ROW)
    upload(logged_in, HEADER + "\n" + ROW + ROW)
    assert PendingImport.objects.filter(owner=user).count() == 1
    assert not PendingImport.objects.filter(pk=old.pk).exists()


def test_an_expired_upload_cannot_be_imported(logged_in, user, oats):
    upload(logged_in, HEADER + "\n" + ROW)
    PendingImport.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    response = confirm(logged_in)
    assert response.status_code == 302 and response["Location"] == "/import/"
    assert not IntakeEntry.objects.filter(owner=user).exists()


def test_the_cleanup_command_deletes_expired_uploads(user, capsys):
    now = timezone.now()
    PendingImport.objects.create(
        owner=user, text="a", digest="0" * 64, expires_at=now - timedelta(hours=1)
    )
    fresh = PendingImport.objects.create(
        owner=user, text="b", digest="1" * 64, expires_at=now + timedelta(hours=1)
    )
    call_command("clear_pending_imports")
    assert list(PendingImport.objects.all()) == [fresh]
    assert "Deleted 1 expired" in capsys.readouterr().out


def test_deleting_the_account_deletes_its_pending_upload(logged_in, user, oats):
    upload(logged_in, HEADER + "\n" + ROW)
    from accounts.services import delete_account

    delete_account(user=user)
    assert not PendingImport.objects.exists()


# --- Item 6: the forms' rules -----------------------------------------------------------------


@pytest.mark.parametrize(
    "escape,word", [("\\u0000", "NUL"), ("\\ud800", "surrogate"), ("\\udfff x", "surrogate")]
)
def test_nul_and_lone_surrogates_in_json_are_refused_with_a_message(logged_in, escape, word):
    text = account(
        profile={"timezone": "UTC"},
        symptoms=[{"date": "2026-11-01", "symptom": "fatigue", "severity": 2, "note": "a@@"}],
    ).replace("@@", escape)
    assert escape in text  # still the six-character escape, as a file would carry it
    problems = problems_of(logged_in, text, name="account.json")
    assert len(problems) == 1 and word in problems[0], problems
    response = confirm(logged_in)
    assert response.status_code == 200
    assert not SymptomEntry.objects.exists()


def test_a_surrogate_in_a_key_or_profile_value_never_500s(logged_in):
    text = account(profile={"timezone": "@@", "@@": 1}).replace("@@", "\\ud800")
    response = upload(logged_in, text, name="account.json")
    assert response.status_code == 302
    assert "surrogate" in preview_html(logged_in)
    assert confirm(logged_in).status_code == 200


def test_an_imported_profile_cannot_be_male_and_lactating(logged_in, user):
    text = account(profile={"sex": "male", "life_stage": "lactating"})
    problems = problems_of(logged_in, text, name="account.json")
    assert any("Pregnancy and lactation" in p for p in problems), problems
    confirm(logged_in, use_profile="on")
    user.refresh_from_db()
    assert user.life_stage == User.LifeStage.NONE


def test_an_imported_profile_cannot_ask_for_email_warnings_without_an_address(logged_in, user):
    user.email = ""
    user.save()
    text = account(profile={"email_warnings": True})
    problems = problems_of(logged_in, text, name="account.json")
    assert any("e-mail" in p for p in problems), problems
    confirm(logged_in, use_profile="on")
    user.refresh_from_db()
    assert user.email_warnings is False


def test_imported_entries_and_symptoms_cannot_predate_the_birth_date(logged_in, user, oats):
    born = user.date_of_birth
    before = born - timedelta(days=1)
    problems = problems_of(logged_in, HEADER + f"\n{before},,food,Oats (hardening),,100,g,138,\n")
    assert any("before your date of birth" in p for p in problems), problems
    text = "date,symptom,severity,note\n" + f"{before},fatigue,2,\n"
    problems = problems_of(logged_in, text, name="symptoms.csv")
    assert any("before your date of birth" in p for p in problems), problems
    assert not IntakeEntry.objects.exists() and not SymptomEntry.objects.exists()


# --- Item 1: what one day and one import can hold -------------------------------------------


def test_an_import_cannot_put_more_than_200_entries_on_a_day(logged_in, user, oats):
    day = date(2026, 11, 1)
    FoodEntryFactory.create_batch(150, owner=user, day=day, food=oats)
    problems = problems_of(logged_in, HEADER + "\n" + ROW * 51)
    assert any(f"at most {limits.MAX_ENTRIES_PER_DAY}" in p for p in problems), problems
    assert IntakeEntry.objects.filter(owner=user).count() == 150
    assert not problems_of(logged_in, HEADER + "\n" + ROW * 50)


def test_imported_entries_cannot_predate_the_birth_date_in_the_files_profile(logged_in, user):
    FoodFactory(name="Rice (hardening)", mg_per_100g=Decimal("12"))
    text = account(
        profile={"date_of_birth": "2000-01-01"},
        entries=[
            {
                "date": "1999-12-31",
                "kind": "food",
                "reference_food": "Rice (hardening)",
                "grams": "100",
                "elemental_mg": "12",
            }
        ],
    )
    problems = problems_of(logged_in, text, name="account.json")
    assert any("before the date of birth in the file" in p for p in problems), problems


def test_an_import_cannot_put_more_than_200_symptoms_on_a_day(logged_in, user):
    from tests.factories import SymptomEntryFactory

    SymptomEntryFactory.create_batch(199, owner=user, day=date(2026, 11, 1))
    text = "date,symptom,severity,note\n" + "2026-11-01,fatigue,2,\n" * 2
    problems = problems_of(logged_in, text, name="symptoms.csv")
    assert any(f"at most {limits.MAX_SYMPTOMS_PER_DAY}" in p for p in problems), problems


def test_a_day_holds_at_most_200_symptoms(logged_in, user):
    from django.urls import reverse

    from tests.factories import SymptomEntryFactory
    from tests.tracker.test_symptoms import symptom_data

    SymptomEntryFactory.create_batch(200, owner=user)
    SymptomEntry.objects.update(day=timezone.localdate())
    response = logged_in.post(reverse("symptom-list"), symptom_data())
    assert response.status_code == 200
    assert "at most 200" in response.content.decode()
    assert SymptomEntry.objects.filter(owner=user).count() == 200


def test_an_imported_profile_may_ask_for_email_warnings_when_there_is_an_address(logged_in, user):
    text = account(profile={"email_warnings": True, "sex": "female", "life_stage": "lactating"})
    assert problems_of(logged_in, text, name="account.json") == []
    assert confirm(logged_in, use_profile="on").status_code == 302
    user.refresh_from_db()
    assert user.email_warnings is True and user.life_stage == User.LifeStage.LACTATING


def test_a_confirm_that_waits_too_long_for_the_other_is_told_not_500(
    logged_in, user, oats, monkeypatch
):
    from django.db import OperationalError

    from tracker import pending_imports

    def locked(pending):
        raise OperationalError("database is locked")

    upload(logged_in, HEADER + "\n" + ROW)
    monkeypatch.setattr(pending_imports, "claim", locked)
    response = confirm(logged_in)
    assert response.status_code == 302 and response["Location"] == "/history/"
    assert not IntakeEntry.objects.exists()
