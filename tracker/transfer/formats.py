"""The export file formats, spreadsheet-safe cells, and recognising an uploaded file.

Spreadsheet formula injection: a CSV text cell that starts with = + - @ tab or CR is written
with a leading apostrophe, so a spreadsheet shows it as text instead of running it; the
importer removes exactly that apostrophe, so a round trip gives back the original text.
"Starts with" is judged as a spreadsheet might read the cell: after NFKC normalisation
(fullwidth ＝ ＋ － ＠ become = + - @) and with invisible format characters (zero-width
space, word joiner, BOM, direction marks) at the front ignored.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from decimal import Decimal

from accounts.models import PROFILE_FIELDS  # noqa: F401  (re-exported for the importer)

ENTRY_COLUMNS = (
    "date",
    "time",
    "kind",
    "item",
    "form",
    "quantity",
    "unit",
    "elemental_mg",
    "note",
    # Pages round once to one decimal, and so does elemental_mg above, so that a figure reads
    # the same everywhere; the exact figure rides along so that a re-import loses nothing.
    "elemental_mg_exact",
)
SYMPTOM_COLUMNS = ("date", "symptom", "severity", "note")
ACCOUNT_FORMAT = "magnesium-tracker-account"
ACCOUNT_VERSION = 1
# An account file carries and may restore the profile (accounts.models.PROFILE_FIELDS).
# Sections added since version 1 was first written ("followed", "checkins") are optional: a
# file without them (an older export) reads exactly as before, so the version stays 1 and
# every account file ever exported still imports.

MAX_IMPORT_BYTES = 5 * 1024 * 1024
# Rows (entries plus symptoms; in an account file also products, foods, followed symptoms
# and check-ins) one upload may hold. Reading and writing cost about half a
# millisecond a row on a busy server, and the preview and the import are each one web
# request: this keeps both well inside a 30-second worker timeout. About five years of
# ten entries a day; longer histories go in several files.
MAX_IMPORT_ROWS = 20_000
BOM = "\ufeff"  # so that spreadsheet programs open the CSV as UTF-8

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


class Kind:
    """What an uploaded file holds, recognised from its first line."""

    ENTRIES_CSV = "entries_csv"
    SYMPTOMS_CSV = "symptoms_csv"
    ACCOUNT_JSON = "account_json"

    LABELS = {
        ENTRIES_CSV: "intake entries (CSV)",
        SYMPTOMS_CSV: "symptoms (CSV)",
        ACCOUNT_JSON: "whole account (JSON)",
    }


class UploadRejected(Exception):
    """The file as a whole cannot be read; the message says why, for the person."""


def _is_trigger(text: str) -> bool:
    """Whether a spreadsheet could read ``text`` as a formula (see the module's docstring)."""
    for char in unicodedata.normalize("NFKC", text):
        if unicodedata.category(char) != "Cf":
            return char in FORMULA_TRIGGERS
    return False


def neutralise(text: str) -> str:
    """Make a CSV cell safe to open in a spreadsheet.

    Text that already looks escaped (apostrophes, then a trigger) gets one more apostrophe,
    so that ``restore`` can always take exactly one off.
    """
    return "'" + text if _is_trigger(text.lstrip("'")) else text


def restore(text: str) -> str:
    """Undo ``neutralise``: only an apostrophe in front of a trigger character is ours."""
    if text.startswith("'") and _is_trigger(text.lstrip("'")):
        return text[1:]
    return text


def plain_number(value: Decimal | None) -> str:
    """A decimal as people write it: no exponent, no trailing zeros ("1", "141.5")."""
    if value is None:
        return ""
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def food_serving_unit(serving_grams: Decimal) -> str:
    """A food row's unit in servings, with the serving's weight so a new food can be rebuilt."""
    return f"serving ({plain_number(serving_grams)} g)"


def rows_message() -> str:
    return (
        f"the file has more than {MAX_IMPORT_ROWS:,} rows, more than one import takes. Split "
        "it into several files (for example one per year) and import them one after the other"
    )


def size_message(size: int) -> str:
    return (
        f"The file is {size / (1024 * 1024):.1f} MB; the largest file this page takes is "
        f"{MAX_IMPORT_BYTES // (1024 * 1024)} MB. Split it into several files (for example "
        "one per year) and import them one after the other."
    )


def decode_upload(raw: bytes) -> str:
    """The upload as text, or UploadRejected with a message a person can act on."""
    if len(raw) > MAX_IMPORT_BYTES:
        raise UploadRejected(size_message(len(raw)))
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise UploadRejected(
            f"The file is not UTF-8 text (byte {raw[error.start]:#04x} at position "
            f"{error.start} cannot be read). Save it as “CSV UTF-8” (or export it again "
            "from this app) and upload it again."
        )
    if "\x00" in text:
        raise UploadRejected("The file contains NUL characters: it is not a text export.")
    if not text.strip():
        raise UploadRejected("The file is empty.")
    return text


def detect_kind(text: str) -> str:
    if text.lstrip().startswith("{"):
        return Kind.ACCOUNT_JSON
    try:
        first = next(csv.reader(io.StringIO(text, newline="")), [])
    except csv.Error:
        first = []
    columns = {restore(c).strip().casefold() for c in first}
    if {"symptom", "severity"} <= columns:
        return Kind.SYMPTOMS_CSV
    if {"kind", "item"} <= columns:
        return Kind.ENTRIES_CSV
    raise UploadRejected(
        "This is not one of this app's export files. The first line of an entries file is "
        f"“{','.join(ENTRY_COLUMNS)}”, of a symptoms file “{','.join(SYMPTOM_COLUMNS)}”; "
        "an account file is JSON."
    )
