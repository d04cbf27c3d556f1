"""A symptom logged by mistake is deleted with one tap on the day page and put back with one
more (Undo), at 1280 and 390 px; the day's side-effect flag follows it both ways."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.helpers import check_page, log_in
from tests.e2e.test_journeys import glycinate_product, log_capsules, today
from tests.factories import SymptomEntryFactory, UserFactory
from tracker.models import SymptomEntry

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_delete_a_symptom_and_undo(page: Page) -> None:
    user = UserFactory(username="sam")
    log_capsules(user, glycinate_product(user), today(), "1")
    SymptomEntryFactory(owner=user, day=today(), symptom="diarrhea", severity=3)
    log_in(page, "sam")
    page.goto(f"/day/{today():%Y-%m-%d}/")
    expect(page.locator('[data-flag="side_effects"]')).to_be_visible()

    page.get_by_role("button", name="Delete diarrhea").click()

    expect(page.get_by_test_id("undo-message")).to_contain_text("Deleted diarrhea")
    expect(page.locator('[data-flag="side_effects"]')).to_have_count(0)
    assert not SymptomEntry.objects.filter(owner=user).exists()
    check_page(page, "symptom-deleted")

    page.get_by_test_id("undo-message").get_by_role("button", name="Undo").click()

    expect(page.get_by_text("Restored diarrhea")).to_be_visible()
    expect(page.locator('[data-flag="side_effects"]')).to_be_visible()
    assert SymptomEntry.objects.filter(owner=user, symptom="diarrhea", severity=3).count() == 1
    check_page(page, "symptom-restored")
