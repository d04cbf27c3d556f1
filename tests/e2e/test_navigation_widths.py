"""The main menu at the widths where Bootstrap changes its layout: behind the toggle button
below 1400 px, one row from 1400 px; at none of them does the page scroll sideways, even
with a long user name."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.helpers import PASSWORD, log_in
from tests.factories import UserFactory

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

LONG_NAME = "a-very-long-user-name-that-goes-on-and-on"


@pytest.mark.parametrize("width", [576, 992, 1200, 1280, 1399, 1400, 1600, 1920])
def test_the_menu_fits_every_width(browser, reference_data, live_server, width) -> None:
    UserFactory(username=LONG_NAME)
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": width, "height": 900}
    )
    try:
        page = context.new_page()
        log_in(page, LONG_NAME, PASSWORD)
        page.wait_for_load_state("load")
        inner, scroll = page.evaluate(
            "() => [window.innerWidth, document.documentElement.scrollWidth]"
        )
        assert scroll <= inner, f"{scroll} px wide at {inner} px"
        toggle = page.get_by_role("button", name="Toggle navigation")
        log_out = page.get_by_role("navigation", name="Main").get_by_role("button", name="Log out")
        if width < 1400:
            expect(toggle).to_be_visible()
            toggle.click()
        else:
            expect(toggle).to_be_hidden()
        expect(log_out).to_be_visible()
        box = log_out.bounding_box()
        assert box is not None and box["x"] + box["width"] <= inner
    finally:
        context.close()
