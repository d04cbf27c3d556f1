"""Symptoms: add on the list page, edit, delete with confirmation, the side-effect flag."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import SupplementEntryFactory, SymptomEntryFactory
from tracker.models import SymptomEntry

pytestmark = pytest.mark.django_db


def symptom_data(**overrides) -> dict:
    data = {
        "symptom": "cramps",
        "severity": "3",
        "day": timezone.localdate().isoformat(),
        "note": "",
    }
    return {**data, **overrides}


def test_add_a_symptom(logged_in, user):
    response = logged_in.post(reverse("symptom-list"), symptom_data(note="after running"))
    assert response.status_code == 302
    symptom = SymptomEntry.objects.get(owner=user)
    assert (symptom.symptom, symptom.severity, symptom.note) == ("cramps", 3, "after running")
    page = logged_in.get(reverse("symptom-list")).content.decode()
    assert "Cramps" in page and "after running" in page
    assert reverse("symptom-edit", args=[symptom.pk]) in page


def test_the_form_offers_every_symptom(logged_in):
    html = logged_in.get(reverse("symptom-list")).content.decode()
    for label in (
        "Muscle twitching", "Cramps", "Anxiety", "Poor sleep", "Headache or migraine",
        "Diarrhea", "Fatigue", "Low blood pressure or dizziness", "Palpitations", "Other",
    ):  # fmt: skip
        assert label in html


def test_a_side_effect_on_a_supplement_day_is_announced(logged_in, user):
    SupplementEntryFactory(owner=user, day=timezone.localdate())
    response = logged_in.post(
        reverse("symptom-list"), symptom_data(symptom="diarrhea"), follow=True
    )
    assert "Possible side effects: You logged diarrhea" in response.content.decode()


BAD = {
    "severity 0": {"severity": "0"},
    "severity 6": {"severity": "6"},
    "severity letters": {"severity": "bad"},
    "unknown symptom": {"symptom": "plague"},
    "two days ahead": {"day": "__ahead__"},
    "before 1900": {"day": "1899-01-01"},
    "100 kB note": {"note": "x" * 100_000},
}


@pytest.mark.parametrize("overrides", BAD.values(), ids=BAD.keys())
def test_bad_symptom_input_is_a_form_error(logged_in, overrides):
    if overrides.get("day") == "__ahead__":
        overrides = {"day": (timezone.localdate() + timedelta(days=2)).isoformat()}
    response = logged_in.post(reverse("symptom-list"), symptom_data(**overrides))
    assert response.status_code == 200 and response.context["form"].errors
    assert not SymptomEntry.objects.exists()


def test_edit_a_symptom(logged_in, user):
    symptom = SymptomEntryFactory(owner=user, day=timezone.localdate() - timedelta(days=2))
    url = reverse("symptom-edit", args=[symptom.pk])
    assert logged_in.get(url).context["form"].initial["severity"] == 2
    response = logged_in.post(
        url, symptom_data(symptom="headache", severity="5", day=symptom.day.isoformat())
    )
    assert response.url == reverse("day", kwargs={"day": symptom.day.isoformat()})
    symptom.refresh_from_db()
    assert (symptom.symptom, symptom.severity) == ("headache", 5)


def test_delete_asks_first(logged_in, user):
    symptom = SymptomEntryFactory(owner=user)
    url = reverse("symptom-delete", args=[symptom.pk])
    assert "Delete this symptom?" in logged_in.get(url).content.decode()
    assert SymptomEntry.objects.filter(pk=symptom.pk).exists()
    logged_in.post(url)
    assert not SymptomEntry.objects.filter(pk=symptom.pk).exists()


@pytest.mark.parametrize("action", ["symptom-edit", "symptom-delete"])
@pytest.mark.parametrize("method", ["get", "post"])
def test_another_persons_symptom_is_404(logged_in, other_user, action, method):
    theirs = SymptomEntryFactory(owner=other_user, note="theirs")
    response = getattr(logged_in, method)(
        reverse(action, args=[theirs.pk]), symptom_data(note="mine")
    )
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.note == "theirs"


def test_list_shows_only_mine_with_constant_queries(logged_in, user, other_user, flat_queries):
    SymptomEntryFactory(owner=other_user, note="not mine")
    SymptomEntryFactory(owner=user)
    response = flat_queries(
        logged_in, reverse("symptom-list"), lambda: SymptomEntryFactory.create_batch(80, owner=user)
    )
    html = response.content.decode()
    assert "not mine" not in html
    assert "Page 1 of 2" in html
