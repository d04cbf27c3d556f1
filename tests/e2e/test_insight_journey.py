"""A new user's six weeks of check-ins: does magnesium help, and the report for the doctor.

Twitching falls after glycinate starts and diarrhoea clusters above 350 mg
(tests/insight_scenario.py). In the browser: today's check-in from the dashboard, a past
day's through its link, what to follow, the insight page, and the report printed to PDF by
Chromium (page.pdf), whose text is read back with pypdf.
"""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from tests.e2e.helpers import SCREENSHOTS, check_page, click_nav, log_in
from tests.factories import UserFactory
from tests.insight_scenario import six_weeks
from tracker.models import CheckIn

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def rate(page: Page, symptom: str, score: str) -> None:
    page.get_by_role("group", name=symptom, exact=True).get_by_text(score, exact=True).click()


def test_does_it_help_and_the_report_for_the_doctor(page: Page, device):
    today = timezone.now().date()
    user = UserFactory(username="twitchy", first_name="Alex", last_name="Example")
    yesterday = today - timedelta(days=1)
    six_weeks(user, yesterday)
    CheckIn.objects.filter(owner=user, day=yesterday - timedelta(days=3)).delete()
    log_in(page, "twitchy")

    # Today's check-in, on the dashboard: diarrhoea none (a real 0), twitching 1.
    expect(page.get_by_role("heading", name="Daily check-in")).to_be_visible()
    check_page(page, "dashboard")
    rate(page, "Diarrhea", "none")
    rate(page, "Muscle twitching", "1")
    page.get_by_role("button", name="Save check-in").click()
    expect(page.get_by_text("Check-in saved")).to_be_visible()
    assert dict(CheckIn.objects.filter(owner=user, day=today).values_list("symptom", "score")) == {
        "diarrhea": 0,
        "muscle_twitching": 1,
    }

    # A past day without a check-in, through its link.
    missed = yesterday - timedelta(days=3)
    page.goto(f"/checkin/?day={missed.isoformat()}")
    check_page(page, "past-day")
    rate(page, "Muscle twitching", "2")
    page.get_by_role("button", name="Save check-in").click()
    page.wait_for_url(f"**/day/{missed.isoformat()}/")
    assert CheckIn.objects.get(owner=user, day=missed, symptom="muscle_twitching").score == 2

    # Follow sleep too.
    page.goto("/")
    page.get_by_role("link", name="Choose symptoms").click()
    check_page(page, "follow")
    page.get_by_label("Poor sleep (last night)").check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("group", name="Poor sleep (last night)", exact=True)).to_be_visible()

    # The insight page.
    click_nav(page, "Insight")
    expect(page.get_by_role("heading", name="Is magnesium helping?")).to_be_visible()
    check_page(page, "insight")
    main = page.get_by_role("main")
    expect(main).to_contain_text("An association, not proof.")
    twitching = page.locator('[data-symptom="muscle_twitching"]')
    row = twitching.locator("tr", has_text="you started Calm Glycinate")
    row_text = re.sub(r"\s+", " ", row.inner_text())
    assert re.search(r"3\.0\s*14 days\s*1\.1\s*28 days\s*-1\.9", row.inner_text()), row_text
    assert re.search(r"-\d\.\d to -\d\.\d", row_text), row_text
    expect(row).to_contain_text("Lower after")
    diarrhea = page.locator('[data-symptom="diarrhea"]')
    expect(diarrhea).to_contain_text("Diarrhea on 6 of 9 days above 350 mg, 1 of 33 days below")
    expect(diarrhea).to_contain_text(
        "If you notice diarrhea, fatigue, or low blood pressure, reduce your dose"
    )
    expect(twitching).to_contain_text("Common triggers include stress, caffeine, lack of sleep")

    # The report, printed to PDF by Chromium.
    page.get_by_role("link", name="Report for your doctor").click()
    expect(page.get_by_role("heading", name=re.compile("report for a doctor"))).to_be_visible()
    check_page(page, "report")
    page.get_by_role("link", name="90 days").click()
    expect(page.get_by_text("last 90 days").first).to_be_visible()
    pdf = page.pdf(format="A4", print_background=True)
    (SCREENSHOTS / f"insight-report-{device}.pdf").write_bytes(pdf)
    reader = PdfReader(io.BytesIO(pdf))
    assert 1 <= len(reader.pages) <= 2, f"{len(reader.pages)} pages"
    text = re.sub(r"\s+", " ", " ".join(p.extract_text() for p in reader.pages))
    for expected in (
        "report for a doctor",
        "Alex Example",
        "31-50 years",
        "United States (NIH / Institute of Medicine)",
        "Calm Glycinate (Acme)",
        "Citrate Plus",
        "2 capsules",
        "200 mg elemental",
        "above the upper limit",
        "Muscle twitching",
        "Diarrhea on 6 of 9 days above 350 mg",
        "an association, not proof",
        "Magnesium: Fact Sheet for Health Professionals",
        "A Solution-Oriented Guide",
    ):
        assert expected in text, expected
    assert "Print or save as PDF" not in text  # the screen's tools are not printed
