"""An upload, decoded, turned into an ImportPlan; nothing is written here."""

from __future__ import annotations

from datetime import date

from django.utils import timezone

from accounts.models import User
from tracker.transfer.account_file import read_account
from tracker.transfer.csv_files import read_entries, read_symptoms
from tracker.transfer.formats import BOM, Kind, detect_kind
from tracker.transfer.importer import Importer
from tracker.transfer.plan import ImportPlan

READERS = {
    Kind.ENTRIES_CSV: read_entries,
    Kind.SYMPTOMS_CSV: read_symptoms,
    Kind.ACCOUNT_JSON: read_account,
}


def parse_upload(text: str, owner: User, *, today: date | None = None) -> ImportPlan:
    """Read a decoded upload into a plan against ``owner``'s products and foods. Raises
    UploadRejected when the file as a whole is not one of the export formats."""
    text = text.removeprefix(BOM)  # decode_upload drops it; text from elsewhere may not
    kind = detect_kind(text)
    importer = Importer(owner, kind, today or timezone.localdate())
    READERS[kind](importer, text)
    plan = importer.plan
    if plan.ok and plan.is_empty and not plan.profile:
        plan.add(None, "the file has no rows to import")
    plan.sort()
    return plan
