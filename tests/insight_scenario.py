"""Six weeks of a new user's check-ins, for the insight and report tests (unit and browser).

Weeks 1-2: no supplement; twitching mostly 3. From day 14: a glycinate product every evening
(200 mg elemental) and twitching falls to about 1. On 9 of those days a citrate product comes
on top (400 mg, above the 350 mg upper limit), and diarrhoea comes on 6 of those 9 days; it
comes on 1 of the 33 other days.
"""

from __future__ import annotations

from datetime import date, time, timedelta
from decimal import Decimal

from tests.factories import MagnesiumFormFactory, SupplementEntryFactory, SupplementProductFactory
from tracker.models import CheckIn, FollowedSymptom, MagnesiumForm, SupplementProduct

DAYS = 42
START = 14
TWITCH_BEFORE = [3, 3, 3, 3, 4, 3, 3, 2, 3, 3, 4, 3, 2, 3]  # 42 / 14 = 3
TWITCH_AFTER = [2, 1, 1, 2, 1, 0, 1] * 4  # 32 / 28
HIGH_DAYS = {20, 23, 26, 29, 32, 35, 37, 39, 41}  # citrate on top: 400 mg
DIARRHEA_HIGH = {20, 23, 26, 29, 32, 35}  # 6 of the 9 days above 350 mg
DIARRHEA_LOW = {30}  # 1 of the other 33 days


def _form(name: str) -> MagnesiumForm:
    return MagnesiumForm.objects.filter(name__icontains=name).first() or MagnesiumFormFactory(
        name=f"Magnesium {name}", short_name=name
    )


def six_weeks(user, today: date) -> dict:
    first = today - timedelta(days=DAYS - 1)
    glycinate = SupplementProductFactory(
        owner=user,
        name="Calm Glycinate",
        brand="Acme",
        form=_form("glycinate"),
        label_basis=SupplementProduct.LabelBasis.ELEMENTAL,
        serving_quantity=Decimal("2"),
        amount_per_serving_mg=Decimal("200"),
        elemental_mg_per_serving=Decimal("200"),
    )
    citrate = SupplementProductFactory(
        owner=user,
        name="Citrate Plus",
        form=_form("citrate"),
        label_basis=SupplementProduct.LabelBasis.ELEMENTAL,
        amount_per_serving_mg=Decimal("200"),
        elemental_mg_per_serving=Decimal("200"),
    )
    for code in ("muscle_twitching", "diarrhea"):
        FollowedSymptom.objects.get_or_create(owner=user, symptom=code)
    checkins = []
    for i in range(DAYS):
        day = first + timedelta(days=i)
        twitch = TWITCH_BEFORE[i] if i < START else TWITCH_AFTER[i - START]
        checkins.append(CheckIn(owner=user, day=day, symptom="muscle_twitching", score=twitch))
        diarrhea = 2 if i in DIARRHEA_HIGH | DIARRHEA_LOW else 0
        checkins.append(CheckIn(owner=user, day=day, symptom="diarrhea", score=diarrhea))
        if i >= START:
            SupplementEntryFactory(owner=user, product=glycinate, day=day, time=time(21, 0))
        if i in HIGH_DAYS:
            SupplementEntryFactory(owner=user, product=citrate, day=day, time=time(8, 0))
    CheckIn.objects.bulk_create(checkins)
    return {"first": first, "start": first + timedelta(days=START), "glycinate": glycinate}
