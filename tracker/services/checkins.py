"""Writes for the daily check-in: which symptoms a person follows, and a day's scores.

Keyword-only, validated with ``full_clean()`` inside ``person_write``
(tracker.services.writes), so the cached dashboard shows the new check-in at once. A check-in
is not a symptom event: it never touches SymptomEntry and raises no flag.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date

from django.core.exceptions import ValidationError

from accounts.models import User
from tracker.models import CheckIn, CheckInSymptom, FollowedSymptom
from tracker.services.writes import Written, check_day, person_write


def set_followed(*, owner: User, symptoms: Iterable[str]) -> Written[list[str]]:
    """Follow exactly ``symptoms``. Past check-ins of an unfollowed symptom are kept: following
    it again brings its history back."""
    wanted = list(dict.fromkeys(symptoms))
    unknown = [s for s in wanted if s not in CheckInSymptom.values]
    if unknown:
        raise ValidationError({"symptoms": f"Unknown symptom: {', '.join(unknown)}."})
    with person_write(owner):
        FollowedSymptom.objects.filter(owner=owner).exclude(symptom__in=wanted).delete()
        have = set(FollowedSymptom.objects.filter(owner=owner).values_list("symptom", flat=True))
        for code in wanted:
            if code not in have:
                follow = FollowedSymptom(owner=owner, symptom=code)
                follow.full_clean(validate_unique=False)
                follow.save()
    return Written(wanted)


def save_checkin(*, owner: User, day: date, scores: Mapping[str, int | None]) -> Written[int]:
    """Store the day's scores; None removes that symptom's check-in (back to "no check-in").

    Only followed symptoms are stored. ``obj`` is how many scores the day now holds.
    """
    check_day(user=owner, day=day)
    with person_write(owner):
        followed = set(
            FollowedSymptom.objects.filter(owner=owner).values_list("symptom", flat=True)
        )
        for code, score in scores.items():
            if code not in followed:
                continue
            if score is None:
                CheckIn.objects.filter(owner=owner, day=day, symptom=code).delete()
                continue
            checkin = CheckIn.objects.filter(owner=owner, day=day, symptom=code).first() or CheckIn(
                owner=owner, day=day, symptom=code
            )
            checkin.score = score
            checkin.full_clean(validate_unique=False)
            checkin.save()
        return Written(CheckIn.objects.filter(owner=owner, day=day).count())
