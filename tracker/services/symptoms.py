"""Symptoms a person logs. A side-effect symptom on a day with supplements raises that day's
flag, so its writes compare the day's flags like entries do."""

from __future__ import annotations

from datetime import date

from accounts.models import User
from tracker.models import SymptomEntry
from tracker.services.writes import Written, check_day, check_symptom_room, person_write


def _save_symptom(
    *, symptom: SymptomEntry, day: date, code: str, severity: int, note: str
) -> Written[SymptomEntry]:
    owner = symptom.owner
    check_day(user=owner, day=day)
    # A symptom can raise the side-effect flag on a day with supplements.
    with person_write(owner, day=day, day_only=True) as crossing:
        if symptom.pk is None or symptom.day != day:  # tracker.limits
            check_symptom_room(owner, day)
        symptom.day, symptom.symptom, symptom.severity, symptom.note = day, code, severity, note
        symptom.full_clean()
        symptom.save()
    return Written(symptom, crossing.flags)


def log_symptom(
    *, owner: User, day: date, symptom: str, severity: int, note: str = ""
) -> Written[SymptomEntry]:
    return _save_symptom(
        symptom=SymptomEntry(owner=owner),
        day=day,
        code=symptom,
        severity=severity,
        note=note,
    )


def update_symptom(
    *,
    entry: SymptomEntry,
    day: date,
    symptom: str,
    severity: int,
    note: str = "",
) -> Written[SymptomEntry]:
    return _save_symptom(symptom=entry, day=day, code=symptom, severity=severity, note=note)


def delete_symptom(*, entry: SymptomEntry) -> Written[SymptomEntry]:
    with person_write(entry.owner_id, day_only=True):
        entry.delete()
    return Written(entry)
