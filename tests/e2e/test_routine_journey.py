"""The routine in a real browser: plan "magnesium glycinate, 2 capsules at 21:30 daily", open
a bottle of 60, tick the dose as taken on the dashboard and see 58 left; and a Web Push
reminder delivered to the service worker (Chromium's DevTools protocol) shows a notification
whose "Taken" answer logs the dose."""

from __future__ import annotations

import datetime as dt
import json
import re
import time
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.helpers import check_page, click_nav, log_in
from tests.e2e.test_journeys import glycinate_product, today
from tests.factories import UserFactory
from tracker.models import DoseRecord, IntakeEntry, Notice, Stock
from tracker.services import routine as routine_services

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def nav(page: Page, name: str) -> None:
    """click_nav once the page has loaded: before its stylesheet applies, the phone menu's
    toggle shows on a desktop too, and click_nav would wait for it to be clickable."""
    page.wait_for_load_state("load")
    click_nav(page, name)


def test_j10_routine(page: Page) -> None:
    user = UserFactory(username="rita")
    product = glycinate_product(user)
    log_in(page, "rita")
    nav(page, "Routine")
    expect(page).to_have_url(re.compile(r"/routine/$"))
    check_page(page, "routine-empty")

    page.get_by_label("Product").select_option(str(product.pk))
    page.get_by_label("Amount").fill("2")
    page.get_by_label("Unit").select_option("capsule")
    page.get_by_label("Time of day").fill("21:30")
    page.get_by_role("button", name="Plan dose").click()
    expect(page.get_by_role("status").filter(has_text="Planned Magnesium glycinate at 21:30"))
    main = page.get_by_role("main")
    expect(main).to_contain_text(re.compile(r"gives\s+282\.0\s+mg"))
    expect(main).to_contain_text("daily")
    check_page(page, "routine-planned")

    page.get_by_role("link", name="Magnesium glycinate").click()
    check_page(page, "routine-stock")
    page.get_by_label("Units in the new bottle").fill("60")
    page.get_by_role("button", name="Add the bottle").click()
    expect(page.locator(f'[data-stock="{product.pk}"]')).to_have_text("60")

    nav(page, "Today")
    item = page.locator(".routine-item").first
    expect(item).to_have_attribute("data-status", "pending")
    check_page(page, "dashboard-routine")
    item.get_by_role("button", name="Taken").click()
    expect(page.locator(".routine-item").first).to_have_attribute("data-status", "taken")
    expect(page.get_by_test_id("supplement-mg")).to_have_text(re.compile(r"^282\.0\s+mg$"))
    check_page(page, "dashboard-routine-taken")

    nav(page, "Routine")
    expect(page.locator(f'[data-stock="{product.pk}"]')).to_have_text("58")
    assert Stock.objects.get(product=product).units_on_hand == 58

    page.get_by_role("link", name="reminders").click()
    check_page(page, "routine-notifications")
    page.get_by_label("E-mail me at each planned dose").check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status").filter(has_text="Saved your notification settings"))
    expect(page.get_by_label("E-mail me at each planned dose")).to_be_checked()

    page.goto("/routine/medicines/")
    check_page(page, "routine-medicines")
    page.get_by_label("Medicine group").select_option("oral bisphosphonates")
    page.get_by_label("Name (optional)").fill("alendronate")
    page.get_by_label("Usual time (optional)").fill("20:30")
    page.get_by_role("button", name="Add").click()
    nav(page, "Routine")
    expect(page.get_by_role("main")).to_contain_text("inside the spacing window of alendronate")
    check_page(page, "routine-medicine-flag")


@pytest.mark.service_worker
def test_j11_push_notification_taken(page: Page, live_server) -> None:
    from tracker.tasks import push_payload

    user = UserFactory(username="tom")
    product = glycinate_product(user)
    dose, _ = routine_services.save_dose(
        owner=user,
        product=product,
        quantity=Decimal(2),
        unit="capsule",
        time=dt.time(21, 30),
        weekdays="0123456",
        start_date=today(),
    ).obj
    page.context.grant_permissions(["notifications"], origin=live_server.url)
    log_in(page, "tom")
    scope = page.evaluate("navigator.serviceWorker.ready.then(r => r.scope)")
    assert scope == live_server.url + "/"

    cdp = page.context.new_cdp_session(page)
    registrations: list[dict] = []
    cdp.on(
        "ServiceWorker.workerRegistrationUpdated",
        lambda event: registrations.extend(event["registrations"]),
    )
    cdp.send("ServiceWorker.enable")
    deadline = time.monotonic() + 30
    while not registrations and time.monotonic() < deadline:
        page.wait_for_timeout(100)
    # The browser is shared by the whole run and the live server's origin too, so an earlier
    # journey's (closed) context may have left a registration for the same scope: push to
    # every live one; only this page's worker has a client to show the notification to.
    scope_url = live_server.url + "/"
    payload = push_payload(Notice(owner=user, dose=dose, day=today()))
    shown: list = []
    # A push delivered while Chromium is still starting the worker up can be dropped on a
    # busy machine; deliver it again (the notification's tag makes a repeat replace the
    # first), at most three times.
    for _attempt in range(3):
        live = {
            r["registrationId"]
            for r in registrations
            if r["scopeURL"] == scope_url and not r.get("isDeleted")
        }
        assert live, registrations
        for registration_id in sorted(live):
            cdp.send(
                "ServiceWorker.deliverPushMessage",
                {"origin": live_server.url, "registrationId": registration_id, "data": payload},
            )
        shown = page.evaluate(
            """async () => {
              const registration = await navigator.serviceWorker.ready;
              for (let i = 0; i < 100; i++) {
                const shown = await registration.getNotifications();
                if (shown.length) return shown.map(n => ({
                  title: n.title, tag: n.tag, actions: n.actions.map(a => a.action)}));
                await new Promise(resolve => setTimeout(resolve, 100));
              }
              return [];
            }"""
        )
        if shown:
            break
    assert shown and shown[0]["title"] == "Time for 2 capsules of Magnesium glycinate"
    assert shown[0]["actions"] == ["taken", "snooze"]
    page.evaluate(
        """tag => navigator.serviceWorker.ready.then(r =>
             r.active.postMessage({type: "notification-action", tag: tag, action: "taken"}))""",
        shown[0]["tag"],
    )
    deadline = time.monotonic() + 15
    while not DoseRecord.objects.filter(dose=dose, status="taken").exists():
        assert time.monotonic() < deadline, "the notification's Taken did not log the dose"
        page.wait_for_timeout(200)
    assert IntakeEntry.objects.filter(owner=user).count() == 1
    page.reload()
    expect(page.locator(".routine-item").first).to_have_attribute("data-status", "taken")
    check_page(page, "dashboard-push-taken")
    assert json.loads(payload)["tag"] == shown[0]["tag"]
