"""Twenty people-tabs logging at the same moment: every entry lands, the day's total is exact,
and the over-intake e-mail goes out once. Real concurrency needs PostgreSQL's row locks; SQLite
serialises whole-database writes, so this runs in the PostgreSQL pass of CI."""

import threading
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection, connections
from django.db.models import Sum
from django.test import Client
from django.urls import reverse

from tests.factories import MagnesiumFormFactory, SupplementProductFactory, UserFactory
from tracker.models import IntakeEntry, WarningSent

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks"),
    pytest.mark.django_db(transaction=True),
]

REQUESTS = 20


def test_twenty_simultaneous_entries_all_land_and_email_once(mailoutbox):
    person = UserFactory(email="ana@example.com", email_warnings=True, timezone="UTC")
    form = MagnesiumFormFactory(
        name="Concurrency bisglycinate", elemental_fraction=Decimal("0.1410")
    )
    product = SupplementProductFactory(
        owner=person, form=form, amount_per_serving_mg=Decimal("1000")
    )
    today = date.today().isoformat()
    barrier = threading.Barrier(REQUESTS)
    statuses: list[int] = []
    errors: list[BaseException] = []

    def log_one():
        client = Client()
        client.force_login(person)
        try:
            barrier.wait(timeout=30)
            response = client.post(
                reverse("entry-add"),
                {"product": product.pk, "servings": "1", "day": today, "time": "", "note": ""},
            )
            statuses.append(response.status_code)
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=log_one) for _ in range(REQUESTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert errors == []
    assert statuses == [302] * REQUESTS
    entries = IntakeEntry.objects.filter(owner=person, day=today)
    assert entries.count() == REQUESTS
    # 20 x 141.00 mg, summed by the database: exact, no lost update.
    assert entries.aggregate(total=Sum("elemental_mg"))["total"] == Decimal("2820.00")
    # Crossing 200, 350 and 400 mg is recorded once each, whatever the interleaving...
    sent = list(WarningSent.objects.filter(owner=person, day=today).values_list("flag", flat=True))
    assert sorted(sent) == ["above_documented_range", "above_starting_range", "above_ul"]
    # ...and each flag is in exactly one e-mail (the 2nd entry crosses 200 mg, the 3rd crosses
    # 350 and 400 mg together, so two e-mails in all).
    subjects = [message.subject.lower() for message in mailoutbox]
    for title in ("above the starting range", "above the upper limit", "above the documented"):
        assert sum(title in subject for subject in subjects) == 1, (title, subjects)
    assert len(mailoutbox) == 2
