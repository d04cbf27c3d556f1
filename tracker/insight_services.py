"""Writes for the daily check-in: which symptoms a person follows, and a day's scores.

Keyword-only, validated with ``full_clean()`` inside ``transaction.atomic``; each write raises
the person's data version (tracker.page_cache) in the same transaction, so the cached
dashboard shows the new check-in at once. A check-in is not a symptom event: it never touches
SymptomEntry and raises no flag.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.models import User
from tracker import page_cache, services
from tracker.models import CheckIn, CheckInSymptom, FollowedSymptom


def set_followed(*, owner: User, symptoms: Iterable[str]) -> list[str]:
    """Follow exactly ``symptoms``. Past check-ins of an unfollowed symptom are kept: following
    it again brings its history back."""
    wanted = list(dict.fromkeys(symptoms))
    unknown = [s for s in wanted if s not in CheckInSymptom.values]
    if unknown:
        raise ValidationError({"symptoms": f"Unknown symptom: {', '.join(unknown)}."})
    with transaction.atomic():
        page_cache.mark_changed(owner)
        FollowedSymptom.objects.filter(owner=owner).exclude(symptom__in=wanted).delete()
        have = set(FollowedSymptom.objects.filter(owner=owner).values_list("symptom", flat=True))
        for code in wanted:
            if code not in have:
                follow = FollowedSymptom(owner=owner, symptom=code)
                follow.full_clean(validate_unique=False)
                follow.save()
    return wanted


def save_checkin(*, owner: User, day: date, scores: Mapping[str, int | None]) -> int:
    """Store the day's scores; None removes that symptom's check-in (back to "no check-in").

    Only followed symptoms are stored. Returns how many scores the day now holds.
    """
    errors = services.day_errors(user=owner, day=day)
    if errors:
        raise ValidationError({"day": errors})
    with transaction.atomic():
        page_cache.mark_changed(owner)
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
        return CheckIn.objects.filter(owner=owner, day=day).count()
