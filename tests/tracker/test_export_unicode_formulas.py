"""Formula prefixes hidden behind Unicode are neutralised too (issue "Hardening", item 10)."""

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.factories import SupplementEntryFactory, SupplementProductFactory, SymptomEntryFactory
from tests.tracker.test_export import csv_rows, download
from tracker import transfer

HIDDEN = [
    "＝1+1",  # fullwidth equals
    "＋1",
    "－1",
    "＠SUM(A1)",
    "﹦1",  # small equals sign
    "\u200b=1+1",  # zero-width space first
    "\u2060=1",  # word joiner
    "\ufeff=1",  # BOM
    "\u200e+1",  # left-to-right mark
    '\u200b\u200b＝HYPERLINK("http://x")',
    "\u200b" * 100 + "=1",  # however many
]


def spreadsheet_view(cell: str) -> str:
    head = unicodedata.normalize("NFKC", cell)
    return "".join(c for c in head if unicodedata.category(c) != "Cf")


@pytest.mark.parametrize("text", HIDDEN)
def test_hidden_formula_prefixes_are_escaped_and_restored(text):
    cell = transfer.neutralise(text)
    assert cell == "'" + text
    assert not spreadsheet_view(cell).startswith(transfer.FORMULA_TRIGGERS)
    assert transfer.restore(cell) == text


@given(st.text(max_size=20))
def test_any_text_round_trips_and_is_safe(text):
    cell = transfer.neutralise(text)
    assert transfer.restore(cell) == text
    assert not spreadsheet_view(cell).startswith(transfer.FORMULA_TRIGGERS)


@pytest.mark.django_db
def test_the_export_escapes_hidden_prefixes(logged_in, user):
    product = SupplementProductFactory(owner=user, name="＝cmd|' /C calc'!A0")
    SupplementEntryFactory(owner=user, product=product, note="\u200b@SUM(1)")
    SymptomEntryFactory(owner=user, note="\ufeff-2+3")
    rows = csv_rows(download(logged_in, "/export/entries.csv"))[1:]
    rows += csv_rows(download(logged_in, "/export/symptoms.csv"))[1:]
    for row in rows:
        for cell in row:
            assert not spreadsheet_view(cell).startswith(transfer.FORMULA_TRIGGERS), cell
