"""The daily screen on a phone and a desktop: status first, logging in two taps, undo in one,
a food found and logged in three, nothing scrolling sideways, the time zone from the
browser. Each test runs at 1280 and 390 px (conftest.py); every page goes through
check_page (axe, no sideways scroll, a screenshot under screenshots/)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.helpers import check_page, log_in, watched_page
from tests.e2e.test_journeys import glycinate_product, log_capsules, sign_up, today
from tests.factories import UserFactory
from tracker import services
from tracker.models import Food, IntakeEntry, MagnesiumForm, SupplementProduct

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def in_first_screen(page: Page, selector: str) -> None:
    """The element's bottom edge is inside the first screen, without scrolling."""
    page.evaluate("() => window.scrollTo(0, 0)")
    box = page.locator(selector).first.bounding_box()
    assert box is not None, selector
    height = page.viewport_size["height"]
    assert box["y"] + box["height"] <= height, f"{selector} ends at {box['y'] + box['height']}"


def five_products(user) -> list[SupplementProduct]:
    """A person with five products, as the issue's new user had."""
    forms = list(MagnesiumForm.objects.exclude(short_name="").order_by("name")[:5])
    return [
        services.create_product(
            owner=user,
            name=f"Long product name number {n} with a brand and a strength 500 mg",
            form=form,
            label_basis=SupplementProduct.LabelBasis.COMPOUND,
            amount_per_serving_mg=Decimal("500"),
        ).obj
        for n, form in enumerate(forms, 1)
    ]


def test_status_first_on_a_flagged_day(page: Page) -> None:
    """A past day above the UL opens with the limit, the flags and the total in view."""
    user = UserFactory(username="uma")
    product = glycinate_product(user)
    five_products(user)
    past = today() - timedelta(days=2)
    log_capsules(user, product, past, "3")  # 423 mg: above the UL
    log_capsules(user, product, today(), "3")
    log_in(page, "uma")

    # The dashboard: status before the quick-log buttons, flags strongest first.
    status = page.get_by_test_id("day-status")
    expect(status.locator("[data-flag]").first).to_have_attribute("data-flag", "above_ul")
    in_first_screen(page, '[data-testid="day-status"]')
    check_page(page, "dashboard-flagged")

    page.goto(f"/day/{past.isoformat()}/")
    status = page.get_by_test_id("day-status")
    expect(status).to_contain_text("Above your upper limit of 350.0 mg by 73.0 mg")
    expect(status).not_to_contain_text("today")
    expect(status.locator('[data-flag="above_ul"]')).to_be_visible()
    in_first_screen(page, '[data-testid="day-status"]')
    # The strongest flag's source is shown; the others' are one tap away.
    expect(status.locator('[data-flag="above_ul"] .citation')).to_be_visible()
    other = status.locator('[data-flag="above_documented_range"]')
    other.locator("summary").click()
    expect(other.locator(".citation")).to_be_visible()
    # Every "log" link carries the day; the symptom form opens on it.
    page.get_by_role("link", name="Log a symptom").click()
    expect(page.get_by_label("Day")).to_have_value(past.isoformat())
    page.go_back()
    check_page(page, "day-flagged")


def test_quick_log_and_undo(page: Page) -> None:
    """The usual dose in two taps (stepper, button); a slip undone in one."""
    user = UserFactory(username="vera")
    product = glycinate_product(user)
    log_in(page, "vera")
    quick = page.get_by_role("region", name="Quick log")
    quick.get_by_role("button", name=re.compile(r"^One serving more of")).click()
    quick.locator(".quick-log").first.click()
    logged = page.get_by_test_id("undo-message")
    expect(logged).to_contain_text("Logged 2 servings of Magnesium glycinate")
    assert IntakeEntry.objects.get(owner=user).servings == 2
    check_page(page, "quick-logged")
    logged.get_by_role("button", name="Undo").click()
    expect(page.get_by_role("status").filter(has_text="Undone")).to_be_visible()
    assert not IntakeEntry.objects.filter(owner=user).exists()
    expect(page.get_by_test_id("supplement-mg")).to_have_text("0.0 mg")

    # Logged through the form: undone the same way.
    page.get_by_role("link", name="Log a supplement").click()
    chooser = page.get_by_label("Product")
    chooser.select_option(str(product.pk))
    page.get_by_label("Amount").fill("1")
    page.get_by_role("button", name="Log it").click()
    page.get_by_test_id("undo-message").get_by_role("button", name="Undo").click()
    expect(page.get_by_role("status").filter(has_text="Undone")).to_be_visible()
    assert not IntakeEntry.objects.filter(owner=user).exists()


def test_repeat_yesterday_and_undo(page: Page) -> None:
    user = UserFactory(username="wim")
    product = glycinate_product(user)
    log_capsules(user, product, today() - timedelta(days=1), "2")
    log_in(page, "wim")
    page.get_by_role("button", name="Repeat yesterday's supplements").click()
    message = page.get_by_test_id("undo-message")
    expect(message).to_contain_text("Logged 1 supplement entries from yesterday")
    assert IntakeEntry.objects.filter(owner=user, day=today()).count() == 1
    check_page(page, "repeated")
    message.get_by_role("button", name="Undo").click()
    expect(page.get_by_role("status").filter(has_text="Undone")).to_be_visible()
    assert not IntakeEntry.objects.filter(owner=user, day=today()).exists()
    assert IntakeEntry.objects.filter(owner=user).count() == 1  # yesterday's stays


def test_find_and_log_a_food_in_three_taps(page: Page) -> None:
    UserFactory(username="xena")
    log_in(page, "xena")
    page.get_by_label("Find a food").fill("almond")
    page.get_by_label("Find a food").press("Enter")
    results = page.get_by_test_id("food-results")
    expect(results).to_contain_text("Almonds, raw")
    check_page(page, "food-results")
    results.get_by_role("button", name="Log 1 serving of Almonds, raw").click()
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.get_by_test_id("undo-message")).to_contain_text("Almonds, raw")
    almonds = Food.objects.get(name="Almonds, raw", owner=None)
    assert IntakeEntry.objects.filter(food=almonds).count() == 1
    check_page(page, "food-logged")


def test_lists_fit_a_phone(page: Page) -> None:
    """Supplements, week and a long user name: cards on a phone, nothing sideways."""
    user = UserFactory(username="a-very-long-user-name-that-goes-on-and-on")
    products = five_products(user)
    log_capsules(user, products[0], today(), "2")
    log_in(page, user.username)
    check_page(page, "dashboard-five-products")
    page.goto("/supplements/")
    expect(
        page.get_by_role("link", name=re.compile(r"^Edit Long product name number 1"))
    ).to_be_visible()
    check_page(page, "supplements")
    page.goto("/week/")
    expect(page.get_by_test_id("week-table")).to_contain_text("Warnings")
    check_page(page, "week")
    page.goto("/history/")
    check_page(page, "history")


@pytest.fixture
def berlin_page(browser, reference_data, live_server, device, request) -> Iterator[Page]:
    """A browser whose own time zone is Europe/Berlin."""
    with watched_page(
        browser,
        live_server.url,
        device,
        "timezone_from_browser",
        locale="de-DE",
        timezone_id="Europe/Berlin",
    ) as page:
        yield page


def test_timezone_from_browser(berlin_page: Page) -> None:
    page = berlin_page
    sign_up(page, "yann")
    expect(page.get_by_label("Time zone")).to_have_value("Europe/Berlin")
    expect(page.get_by_text("filled in from this device's settings")).to_be_visible()
    main = page.get_by_role("main")
    expect(main.get_by_role("link", name="your profile")).to_have_count(0)  # no self-link
    check_page(page, "profile-new")
