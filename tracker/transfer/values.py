"""Reading one value of an imported row: dates, times, amounts, text and choices.

Each reader returns a clean value or raises RowError with a message that names the column
and the offending text, for the preview's list of problems.
"""

from __future__ import annotations

import re
from datetime import date, time, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from tracker.limits import DAYS_AHEAD_ALLOWED, EARLIEST_DAY
from tracker.transfer.formats import plain_number

CENTS = Decimal("0.01")
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
ISO_TIME = re.compile(r"\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?")


class RowError(ValueError):
    """One problem with one row; the message names the column."""


class Errors(list[str]):
    """Collects every problem of a row, so that one upload names them all at once."""

    def take(self, read, *args, **kwargs):
        try:
            return read(*args, **kwargs)
        except RowError as error:
            self.append(str(error))
            return None


def short(text: str, length: int = 40) -> str:
    return text if len(text) <= length else text[: length - 1] + "…"


def as_text(value: object) -> str:
    """JSON values that should be text but are not read as empty (and then fail as such)."""
    return value if isinstance(value, str) else ""


def read_day(text: str, today: date, column: str = "date") -> date:
    text = text.strip()
    if not ISO_DATE.fullmatch(text):
        raise RowError(f"{column} “{short(text)}” is not a date written YYYY-MM-DD")
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise RowError(f"{column} “{text}” is not a real date")
    if day < EARLIEST_DAY:
        raise RowError(f"{column} {text} is before {EARLIEST_DAY.year}")
    if day > today + timedelta(days=DAYS_AHEAD_ALLOWED):
        raise RowError(f"{column} {text} is in the future")
    return day


def read_time(text: str | None) -> time | None:
    text = (text or "").strip()
    if not text:
        return None
    if not ISO_TIME.fullmatch(text):
        raise RowError(f"time “{short(text)}” is not a time written HH:MM")
    try:
        return time.fromisoformat(text)
    except ValueError:
        raise RowError(f"time “{text}” is not a real time of day")


def read_decimal(
    value: object,
    column: str,
    *,
    maximum: Decimal,
    places: int,
    allow_zero: bool = False,
    round_extra: bool = False,
) -> Decimal:
    """A positive (or, with allow_zero, non-negative) finite decimal within bounds."""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise RowError(f"{column} is missing or not a number")
    text = str(value).strip()
    if not text:
        raise RowError(f"{column} is empty")
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise RowError(f"{column} “{short(text)}” is not a number")
    if not number.is_finite():
        raise RowError(f"{column} “{short(text)}” is not a number")
    if number < 0:
        raise RowError(f"{column} {short(text)} is negative")
    if number == 0 and not allow_zero:
        raise RowError(f"{column} is zero")
    if number > maximum:
        raise RowError(
            f"{column} {short(text)} is more than {plain_number(maximum)}: surely a typing error"
        )
    step = Decimal(1).scaleb(-places)
    if number != number.quantize(step, rounding=ROUND_HALF_UP):
        if not round_extra:
            raise RowError(f"{column} {short(text)} has more than {places} decimal places")
        number = number.quantize(step, rounding=ROUND_HALF_UP)
    return number


def read_text(value: object, column: str, max_length: int, *, required: bool = False) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise RowError(f"{column} is not text")
    if required and not value.strip():
        raise RowError(f"{column} is empty")
    if len(value) > max_length:
        raise RowError(f"{column} is {len(value)} characters long; at most {max_length} fit")
    return value


def read_choice(text: object, choices, column: str) -> str:
    """A TextChoices value given by its value or its label, any case."""
    wanted = as_text(text).strip().casefold()
    for value, label in choices:
        if wanted in (value.casefold(), str(label).casefold()):
            return value
    names = ", ".join(value for value, _ in choices)
    raise RowError(f"{column} “{short(as_text(text))}” is not one of: {names}")


def read_severity(value: object) -> int:
    ok = isinstance(value, str | int) and not isinstance(value, bool)
    text = str(value).strip() if ok else ""
    if not re.fullmatch(r"[1-5]", text):
        raise RowError(f"severity “{short(str(value))}” must be a whole number from 1 to 5")
    return int(text)


def agrees(given: Decimal, expected: Decimal, units: Decimal) -> bool:
    """The file's elemental mg matches the server's own arithmetic, allowing for the rounding
    of stored per-serving and per-100 g figures: 0.05 mg per serving (or per 100 g), plus
    0.5 %. A wrong digit or a doubled amount is far outside that."""
    tolerance = Decimal("0.05") * max(Decimal(1), units) + expected * Decimal("0.005")
    return abs(given - expected) <= tolerance
