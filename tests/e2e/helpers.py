"""What every e2e page goes through (``check_page``) and the steps journeys share."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Page,
    Request,
    Route,
    expect,
)

CHROMIUM = "/usr/bin/chromium"
ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "screenshots"
AXE_JS = ROOT / "node_modules" / "axe-core" / "axe.min.js"
DEVICES: dict[str, tuple[int, int]] = {"desktop": (1280, 900), "phone": (390, 844)}
PASSWORD = "correct horse battery"
# Only these axe impacts fail a test; "moderate" and "minor" ones are printed, not fatal.
FATAL_IMPACTS = ("serious", "critical")
# E2E_REPORT_ONLY=1 prints the problems check_page finds instead of failing on them: a way to
# list every finding of a run at once. Never set in CI.
REPORT_ONLY = os.environ.get("E2E_REPORT_ONLY", "") == "1"

_axe_source: str | None = None


def axe_source() -> str:
    global _axe_source
    if _axe_source is None:
        if not AXE_JS.exists():
            raise AssertionError(f"{AXE_JS} is missing: run `npm ci` (make install) first")
        _axe_source = AXE_JS.read_text(encoding="utf-8")
    return _axe_source


@dataclass
class Monitor:
    """Records what the browser did since the last ``check_page``: errors and foreign requests."""

    base_url: str
    journey: str
    device: str
    console_errors: list[str] = field(default_factory=list)
    foreign_requests: list[str] = field(default_factory=list)

    @property
    def origin(self) -> str:
        parts = urlsplit(self.base_url)
        return f"{parts.scheme}://{parts.netloc}"

    def guard(self, context: BrowserContext) -> None:
        """Let requests to the live server through; abort and record every other one."""

        def route(route: Route, request: Request) -> None:
            parts = urlsplit(request.url)
            if f"{parts.scheme}://{parts.netloc}" == self.origin:
                route.continue_()
            else:
                self.foreign_requests.append(request.url)
                route.abort("blockedbyclient")

        context.route("**/*", route)

    def watch(self, page: Page) -> None:
        page._e2e_monitor = self  # check_page finds the monitor from the page alone

        def on_console(msg: ConsoleMessage) -> None:
            if msg.type != "error":
                return
            location = msg.location.get("url", "") if msg.location else ""
            self.console_errors.append(f"{msg.text} ({location})" if location else msg.text)

        page.on("console", on_console)
        page.on("pageerror", lambda exc: self.console_errors.append(f"uncaught: {exc}"))

    def take_problems(self) -> list[str]:
        problems = [f"console error: {e}" for e in self.console_errors]
        problems += [f"request to another host (blocked): {u}" for u in self.foreign_requests]
        self.console_errors.clear()
        self.foreign_requests.clear()
        return problems

    def assert_clean(self, where: str) -> None:
        report(self, where, self.take_problems())


def attach_monitor(context: BrowserContext, base_url: str, journey: str, device: str) -> Monitor:
    monitor = Monitor(base_url=base_url, journey=journey, device=device)
    monitor.guard(context)
    return monitor


@contextmanager
def watched_page(
    browser: Browser,
    base_url: str,
    device: str,
    journey: str,
    *,
    locale: str = "en-US",
    timezone_id: str = "UTC",
    **options,
) -> Iterator[Page]:
    """A page in a fresh browser context the size of ``device`` on ``base_url``, watched by a
    ``Monitor``; on leaving, the context closes and the checks that need no page run."""
    width, height = DEVICES[device]
    context = browser.new_context(
        base_url=base_url,
        viewport={"width": width, "height": height},
        is_mobile=device == "phone",
        has_touch=device == "phone",
        locale=locale,
        timezone_id=timezone_id,
        **options,
    )
    # Generous waits: CI shares two cores with PostgreSQL and the rest of the suite.
    context.set_default_timeout(20_000)
    monitor = attach_monitor(context, base_url, journey, device)
    page = context.new_page()
    monitor.watch(page)
    yield page
    context.close()
    # A journey that forgot to check its last page still owes the checks that need no page.
    monitor.assert_clean("teardown")


def report(monitor: Monitor, name: str, problems: list[str]) -> None:
    if not problems:
        return
    text = f"{monitor.journey} / {name} / {monitor.device}:\n  " + "\n  ".join(problems)
    if REPORT_ONLY:
        print(f"\nE2E PROBLEMS {text}")
        return
    raise AssertionError(text)


def run_axe(page: Page) -> list[dict]:
    """axe-core's violations for the page as it is now (injected by the test, CSP or not).

    ``page.evaluate`` goes through the DevTools protocol, which the page's Content-Security-
    Policy does not govern, so the app's strict CSP stays on for everything else.
    """
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(axe_source())
    return page.evaluate(
        """async () => {
            const result = await axe.run(document, {resultTypes: ['violations']});
            return result.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                targets: v.nodes.slice(0, 5).map(n => n.target.join(' ')),
                count: v.nodes.length,
            }));
        }"""
    )


# Words (split at spaces, hyphens and slashes, where browsers may break lines) of up to 12
# characters that the layout has split over two lines: "Supplement/s", "0./0". Longer tokens
# (URLs, citations) may break. Hidden and visually-hidden text is skipped.
_BROKEN_WORDS_JS = """() => {
    const found = [];
    const range = document.createRange();
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    while (walker.nextNode()) {
        const node = walker.currentNode;
        const el = node.parentElement;
        if (!el || el.closest('.visually-hidden, .visually-hidden-focusable, select, script, style')
            || !el.getClientRects().length) continue;
        const word = /[^\\s\\-\\/\u2013\u2014]+/g;
        let m;
        while ((m = word.exec(node.data))) {
            if (m[0].length < 2 || m[0].length > 12) continue;
            range.setStart(node, m.index);
            range.setEnd(node, m.index + m[0].length);
            const tops = new Set(Array.from(range.getClientRects())
                .filter(r => r.width > 0).map(r => Math.round(r.top)));
            if (tops.size > 1) {
                const where = el.closest('[data-testid], table, nav, section, form, main');
                const name = where && (where.getAttribute('data-testid')
                    || where.getAttribute('aria-label') || where.id
                    || (where.querySelector('caption, h2') || {}).textContent || '');
                found.push(`"${m[0]}" in <${el.tagName.toLowerCase()}>` + (where
                    ? ` of <${where.tagName.toLowerCase()}> ${name.trim().slice(0, 40)}` : ''));
            }
        }
    }
    return found;
}"""


_TOO_WIDE_JS = """() => Array.from(document.querySelectorAll('body *'))
    .filter(e => e.getBoundingClientRect().right > window.innerWidth + 0.5)
    .slice(0, 5)
    .map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '')
         + (typeof e.className === 'string' && e.className.trim()
            ? '.' + e.className.trim().split(/\\s+/).join('.') : ''))"""


def check_page(page: Page, name: str, *, status: int = 200) -> None:
    """Check the page the journey is on, and screenshot it as ``<journey>-<name>-<width>.png``.

    ``status`` says which HTTP status the page is meant to have (a 404 page logs a console
    error of its own, which is expected there and only there).
    """
    monitor: Monitor = page._e2e_monitor
    page.wait_for_load_state("load")
    problems = monitor.take_problems()
    if status != 200:
        # Chromium logs "Failed to load resource: ... status of 404" for the document itself.
        problems = [p for p in problems if f"status of {status}" not in p]

    width = DEVICES[monitor.device][0]
    layout_width, scroll_width = page.evaluate(
        "() => [window.innerWidth, document.documentElement.scrollWidth]"
    )
    if layout_width != width:
        # Without <meta name="viewport" content="width=device-width"> a phone lays the page
        # out 980 px wide and shrinks it: nothing scrolls sideways, and nothing is readable.
        problems.append(
            f"no mobile viewport: laid out {layout_width} px wide on a {width} px screen"
            " (the page needs base.html's <meta name=viewport>)"
        )
    elif scroll_width > layout_width:
        problems.append(
            f"horizontal scrolling at {layout_width} px: the page is {scroll_width} px wide"
            f" (too wide: {', '.join(page.evaluate(_TOO_WIDE_JS))})"
        )
    broken = page.evaluate(_BROKEN_WORDS_JS)
    if broken:
        problems.append(
            f"{len(broken)} words broken across lines at {width} px (a column or menu too"
            " narrow for its words): " + "; ".join(broken[:6])
        )
    for v in run_axe(page):
        if v["impact"] in FATAL_IMPACTS:
            problems.append(
                f"axe {v['impact']} {v['id']}: {v['help']} ({v['count']} nodes: "
                + "; ".join(v["targets"])
                + ")"
            )

    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"{monitor.journey}-{name}-{width}.png", full_page=True)
    report(monitor, f"{name} ({page.url})", problems)


# --- Steps journeys share -------------------------------------------------------------------


def open_nav(page: Page) -> None:
    """Below 1400 px (a phone, a 1280 px laptop) the main menu is collapsed behind its toggle
    button: open it first."""
    # After "load" the stylesheet is applied: before it, the toggle (hidden from 1400 px on)
    # can look visible for a moment and then vanish under the click.
    page.wait_for_load_state("load")
    toggler = page.get_by_role("button", name="Toggle navigation")
    if toggler.is_visible() and toggler.get_attribute("aria-expanded") != "true":
        toggler.click()
        expect(page.locator("#nav-main")).to_be_visible()


def click_nav(page: Page, name: str | re.Pattern) -> None:
    open_nav(page)
    page.get_by_role("navigation", name="Main").get_by_role("link", name=name).click()


def log_in(page: Page, username: str, password: str = PASSWORD, *, check: bool = False) -> None:
    """Log in through the log-in page, as a person would.

    The log-in page is the same for every journey: it is checked (``check=True``) by the
    journey that is about logging in and out, not by each one on its way in.
    """
    page.goto("/accounts/login/")
    if check:
        check_page(page, "login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def log_out(page: Page) -> None:
    """The log-out button in the main menu (log-out is POST only); it leads to the landing page."""
    open_nav(page)
    page.get_by_role("navigation", name="Main").get_by_role("button", name="Log out").click()
    expect(page.get_by_role("main").get_by_role("link", name="Log in")).to_be_visible()


_PAINTED_PIXELS_JS = """canvas => {
    const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
    let painted = 0;
    for (let i = 3; i < data.length; i += 4) if (data[i] !== 0) painted++;
    return painted;
}"""


def canvas_painted_pixels(page: Page, selector: str) -> int:
    """How many pixels of the canvas are not fully transparent (read back from the canvas)."""
    return page.locator(selector).evaluate(_PAINTED_PIXELS_JS)


def wait_for_painted_canvas(page: Page, selector: str, minimum: int) -> int:
    """Wait until the canvas has at least ``minimum`` painted pixels (charts animate in)."""
    page.wait_for_function(
        f"([selector, minimum]) => ({_PAINTED_PIXELS_JS})(document.querySelector(selector))"
        " >= minimum",
        arg=[selector, minimum],
    )
    return canvas_painted_pixels(page, selector)


def numbers(text: str) -> list[float]:
    """The numbers in a piece of page text, in order ("1,234.5 mg" -> [1234.5])."""
    return [float(n.replace(",", "")) for n in re.findall(r"\d[\d,]*(?:\.\d+)?", text)]
