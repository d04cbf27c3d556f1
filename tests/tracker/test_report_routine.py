"""The doctor's report names the routine: planned doses with any medicine spacing they fall
inside, adherence over the report's days, and the other medicines with their notes."""

from datetime import time

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import MedicineFactory, RoutineDoseFactory
from tracker.services import routine

pytestmark = pytest.mark.django_db


def test_the_report_lists_the_routine_adherence_and_medicines(logged_in, user):
    dose = RoutineDoseFactory(owner=user, time=time(21, 30))
    MedicineFactory(owner=user, group="oral bisphosphonates", name="Alendronate", time=time(21, 0))
    MedicineFactory(owner=user, group="loop and thiazide diuretics", name="Furosemide", time=None)
    routine.take_dose(dose=dose, day=timezone.localdate())

    html = logged_in.get(reverse("report")).content.decode()

    assert 'data-testid="report-routine"' in html
    assert "at 21:30" in html and "141.0\xa0mg" in html.replace("&nbsp;", "\xa0")
    # 21:30 is 30 minutes after the bisphosphonate: inside its 2-hour spacing window.
    assert 'data-testid="report-spacing"' in html and "Alendronate at 21:00" in html
    assert 'data-testid="report-adherence"' in html and "1 of " in html
    assert "Furosemide" in html and "Alendronate" in html


def test_no_routine_no_section(logged_in, user):
    assert 'data-testid="report-routine"' not in logged_in.get(reverse("report")).content.decode()


def test_a_past_day_shows_its_adherence(logged_in, user):
    from datetime import timedelta

    dose = RoutineDoseFactory(owner=user)
    yesterday = timezone.localdate() - timedelta(days=1)
    routine.take_dose(dose=dose, day=yesterday)
    html = logged_in.get(reverse("day", args=[yesterday.isoformat()])).content.decode()
    assert 'data-testid="routine-adherence"' in html and "1 of 1 planned doses taken" in html
