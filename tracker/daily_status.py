"""What the top of the dashboard and the day page say, in words that fit the day.

The status block answers, in this order and within a phone's first screen: how much
magnesium came from supplements and medications against the person's upper limit, which
flags the day carries (strongest first), and the total against the target. Everything here
is text prepared once in Python, so the most viewed pages render it without per-figure
template filters; the figures come from tracker.selectors.day_overview, unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from django.utils.html import format_html

from tracker import intake
from tracker.citations import Citation
from tracker.limits import ZERO
from tracker.templatetags.mg import mg, mg_number


@lru_cache(maxsize=256)
def citation_html(citation: Citation | None, quote: str = "") -> str:
    """The same markup as templates/includes/citation.html, built once per citation and
    quote: an {% include %} inside the status block's loops was a large part of rendering
    the most viewed page."""
    if citation is None:
        return ""
    if citation.url:
        title = format_html('<a href="{}" rel="noopener">{}</a>', citation.url, citation.title)
    else:
        title = format_html("<cite>{}</cite>", citation.title)
    year = f", {citation.year}" if citation.year else ""
    said = format_html(": &ldquo;{}&rdquo;", quote) if quote else ""
    return format_html(
        '<span class="citation">{} ({}{}){}</span>', title, citation.publisher_words, year, said
    )


@dataclass(frozen=True)
class ShownFlag:
    """A flag as the status block shows it: its words for the day, its source as HTML."""

    code: str
    severity: intake.Severity
    css: str  # Bootstrap colour of its severity, worked out once
    severity_word: str
    title: str
    message: str
    source: Citation
    quote: str
    source_html: str


@dataclass(frozen=True)
class LimitRow:
    """One threshold the supplemental total is compared with, and where the day stands."""

    label: str
    limit: str  # "350.0 mg", or "" when not established
    exceeded: bool
    standing: str  # "over by 50.0 mg" / "50.0 mg to go" / "not established"
    source: object
    quote: str = ""

    @property
    def source_html(self) -> str:
        return citation_html(self.source)


@dataclass(frozen=True)
class DayStatus:
    tone: str  # Bootstrap colour of the block's edge: danger, warning, info, success
    headline: str
    supplemental: str
    supplemental_words: str
    total: str
    total_words: str
    food: str
    target: str  # "" without a target
    total_number: str  # for aria-valuenow: "318.0"
    target_number: str
    flags: list[ShownFlag]
    limit_rows: list[LimitRow]


def _when(*, day: date, today: date) -> str:
    if day == today:
        return "today"
    if (today - day).days == 1:
        return "yesterday"
    if day > today:
        return "on this day (planned)"
    return "on this day"


def strongest_first(flags: list[intake.Flag]) -> list[intake.Flag]:
    """Danger before warning before notice; equal ones keep the rules' order."""
    return sorted(flags, key=lambda flag: -int(flag.severity))


def for_the_day(flag: intake.Flag, when: str) -> ShownFlag:
    """The rules word their messages for today ("... from supplements today is above ...");
    on another day's page the same words say which day it was."""
    message = flag.message
    if when != "today":
        message = message.replace(" today", f" {when}")
    return ShownFlag(
        code=flag.code.value,
        severity=flag.severity,
        css=flag.severity.css,
        severity_word=flag.severity.name.lower(),
        title=flag.title,
        message=message,
        source=flag.source,
        quote=flag.quote,
        source_html=citation_html(flag.source, flag.quote),
    )


def limit_rows(overview) -> list[LimitRow]:
    rows = []
    supplemental = overview.totals.supplemental_mg
    for row in overview.supplement_thresholds:
        if row.mg is None:
            standing = "not established"
        elif row.exceeded:
            standing = f"over by {mg(supplemental - row.mg)}"
        else:
            standing = f"{mg(row.mg - supplemental)} to go"
        rows.append(
            LimitRow(
                label=row.label,
                limit=mg(row.mg) if row.mg is not None else "",
                exceeded=row.exceeded,
                standing=standing,
                source=row.source,
                quote=row.quote,
            )
        )
    return rows


def day_status(overview, *, today: date) -> DayStatus:
    """The words of the status block for ``overview`` (a tracker.selectors.DayOverview)."""
    totals, target, ul = overview.totals, overview.target, overview.ul
    when = _when(day=overview.day, today=today)
    supplemental = totals.supplemental_mg
    flags = [for_the_day(flag, when) for flag in strongest_first(list(overview.flags))]
    over_ul = ul.mg is not None and supplemental > ul.mg

    if ul.mg is None:
        supplemental_words = (
            f"No upper limit is established for supplements at this age ({ul.rule})."
        )
    elif over_ul:
        supplemental_words = f"Above your upper limit of {mg(ul.mg)} by {mg(supplemental - ul.mg)}."
    elif supplemental == ZERO:
        supplemental_words = f"None {when}; your upper limit is {mg(ul.mg)}."
    else:
        supplemental_words = (
            f"Within your upper limit of {mg(ul.mg)} ({mg(ul.mg - supplemental)} to spare)."
        )

    if target is None:
        total_words = "No target for this day."
    elif overview.shortfall_mg > ZERO:
        gap = mg(overview.shortfall_mg)
        total_words = (
            f"{gap} to go to reach your target of {mg(target.mg)}."
            if when == "today"
            else f"{gap} below your target of {mg(target.mg)}."
        )
    elif over_ul:
        total_words = (
            f"Target of {mg(target.mg)} reached, but supplements are above the upper limit."
        )
    else:
        total_words = f"Target of {mg(target.mg)} reached."

    if flags:
        tone = flags[0].css
        headline = flags[0].title
    elif target is not None and overview.shortfall_mg == ZERO:
        tone, headline = "success", f"Target reached {when}"
    elif totals.entries == 0:
        tone, headline = "secondary", f"Nothing logged {when}"
    else:
        tone, headline = "info", f"No flags {when}"

    return DayStatus(
        tone=tone,
        headline=headline,
        supplemental=mg(supplemental),
        supplemental_words=supplemental_words,
        total=mg(totals.total_mg),
        total_words=total_words,
        food=mg(totals.food_mg),
        target=mg(target.mg) if target else "",
        total_number=mg_number(totals.total_mg),
        target_number=mg_number(target.mg) if target else "",
        flags=flags,
        limit_rows=limit_rows(overview),
    )
