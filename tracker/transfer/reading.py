"""An upload, decoded, turned into an ImportPlan; nothing is written here."""

from __future__ import annotations

from collections import Counter
from datetime import date

from django.db.models import Count
from django.utils import timezone

from accounts.models import User
from tracker import limits
from tracker.models import IntakeEntry, SymptomEntry
from tracker.transfer.account_file import read_account
from tracker.transfer.csv_files import read_entries, read_symptoms
from tracker.transfer.formats import BOM, Kind, detect_kind
from tracker.transfer.importer import Importer
from tracker.transfer.plan import ImportPlan


def _check_day_caps(plan: ImportPlan, owner: User) -> None:
    """No day may end up with more entries (or symptoms) than a person can log on one day."""
    for model, days, limit, what in (
        (IntakeEntry, [p.day for p in plan.entries], limits.MAX_ENTRIES_PER_DAY, "entries"),
        (SymptomEntry, [p.symptom.day for p in plan.symptoms], limits.MAX_SYMPTOMS_PER_DAY,
         "symptoms"),
    ):  # fmt: skip
        wanted = Counter(days)
        if not wanted:
            continue
        existing = dict(
            model.objects.filter(owner=owner, day__range=(min(wanted), max(wanted)))
            .values("day")
            .annotate(n=Count("id"))
            .values_list("day", "n")
        )
        for day in sorted(wanted):
            have = existing.get(day, 0)
            if have + wanted[day] > limit:
                plan.add(
                    None,
                    f"{day.isoformat()} would have {have + wanted[day]} {what} ({wanted[day]} "
                    f"from the file, {have} already logged); one day holds at most {limit}",
                )


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
    _check_day_caps(plan, owner)
    if plan.ok and plan.is_empty and not plan.profile:
        plan.add(None, "the file has no rows to import")
    plan.sort()
    return plan
