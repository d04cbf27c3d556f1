"""The documented backup (dumpdata) and restore (loaddata) keep every entry."""

import pytest
from django.core.management import call_command

from accounts.models import User
from tests.factories import UserFactory, own_records
from tracker.models import Food, IntakeEntry, SupplementProduct, SymptomEntry

pytestmark = pytest.mark.django_db


def _snapshot():
    return (
        sorted(IntakeEntry.objects.values_list("owner__username", "day", "kind", "elemental_mg")),
        sorted(SymptomEntry.objects.values_list("owner__username", "day", "symptom", "severity")),
        sorted(SupplementProduct.objects.values_list("owner__username", "name")),
        sorted(Food.objects.filter(owner__isnull=False).values_list("owner__username", "name")),
    )


def test_dumpdata_loaddata_round_trip_keeps_every_entry(tmp_path):
    for _ in range(2):
        own_records(UserFactory(), days=[f"2026-03-0{n + 1}" for n in range(5)])
    before = _snapshot()
    assert len(before[0]) == 20

    backup = tmp_path / "backup.json"
    call_command(
        "dumpdata",
        "accounts",
        "tracker",
        "--natural-foreign",
        "--exclude=contenttypes",
        "--output",
        str(backup),
        verbosity=0,
    )
    IntakeEntry.objects.all().delete()
    User.objects.all().delete()
    assert _snapshot() == ([], [], [], [])

    call_command("loaddata", str(backup), verbosity=0)
    assert _snapshot() == before
