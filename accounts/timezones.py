"""The time zones people choose from: canonical Area/Location names ("Europe/Berlin"), not
the 600 names the zone database also answers to (deprecated "US/Pacific", "GB", "Etc/GMT+5",
and old spellings kept as links such as "Europe/Kiev" or "Asia/Calcutta")."""

from __future__ import annotations

import zoneinfo
from functools import cache
from pathlib import Path

AREAS = frozenset(
    {
        "Africa",
        "America",
        "Antarctica",
        "Arctic",
        "Asia",
        "Atlantic",
        "Australia",
        "Europe",
        "Indian",
        "Pacific",
    }
)


def _links() -> set[str]:
    """Names that are only links to another zone, from the system's tzdata.zi ("L target
    link" lines); empty when the system has no such file (then the area filter alone)."""
    for root in zoneinfo.TZPATH:
        source = Path(root) / "tzdata.zi"
        if source.is_file():
            with source.open(encoding="utf-8") as lines:
                return {line.split()[2] for line in lines if line.startswith("L ")}
    return set()


@cache
def canonical_timezones() -> tuple[str, ...]:
    links = _links()
    names = {
        name
        for name in zoneinfo.available_timezones()
        if name.split("/", 1)[0] in AREAS and "/" in name and name not in links
    }
    return ("UTC", *sorted(names))


def normalise(text: str) -> str:
    """ "europe/new york" as typed -> "Europe/New_York" when that is a canonical name."""
    wanted = "_".join(text.strip().split()).casefold()
    for name in canonical_timezones():
        if name.casefold() == wanted or name.replace(" ", "_").casefold() == wanted:
            return name
    return text.strip()
