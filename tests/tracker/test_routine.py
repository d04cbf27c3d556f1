"""The routine's services and pages: planning doses, the limit check, the checklist (taken,
skipped, snoozed), stock and the refill notice, medicine timing, settings and 404s."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import RoutineDoseFactory, SupplementProductFactory, UserFactory
from tracker import services
from tracker.models import DoseRecord, IntakeEntry, Medicine, Notice, NotificationSettings, Stock
from tracker.services import routine as routine

pytestmark = pytest.mark.django_db


@pytest.fixture
def glycinate(user):
    # "Magnesium glycinate 1000 mg" per capsule at 14.1 %: 141 mg elemental a capsule.
    return SupplementProductFactory(owner=user, name="Magnesium glycinate")


def plan(owner, product, *, quantity="2", unit="capsule", at="21:30", weekdays="0123456"):
    dose, check = routine.save_dose(
        owner=owner,
        product=product,
        quantity=Decimal(quantity),
        unit=unit,
        time=dt.time.fromisoformat(at),
        weekdays=weekdays,
        start_date=services.person_today(owner) - dt.timedelta(days=7),
    ).obj
    return dose, check


def test_planning_a_dose_computes_its_daily_total(user, glycinate):
    dose, check = plan(user, glycinate)
    assert check.daily_mg == Decimal("282.000")  # 2 x 141 mg
    assert check.intakes == 1
    assert [n.text for n in check.notes if "upper limit" in n.text] == []


def test_a_routine_above_the_ul_says_so_before_any_dose_is_taken(user):
    product = SupplementProductFactory(
        owner=user, label_basis="elemental", amount_per_serving_mg=Decimal("225")
    )
    _, check = plan(user, product, quantity="1", at="08:00")
    _, check = plan(user, product, quantity="1", at="20:00")
    assert check.daily_mg == Decimal(450)
    texts = [n.text for n in check.notes]
    assert any(
        t.startswith("This routine gives 450.0 mg a day, above the upper limit of 350.0 mg")
        for t in texts
    )
    assert not IntakeEntry.objects.exists()


def test_eu_people_are_told_to_spread_the_dose(user, glycinate):
    user.authority = "eu"
    user.save()
    _, check = plan(user, glycinate)
    assert any(n.citation_key == "bfr_2017" for n in check.notes)
    _, check = plan(user, glycinate, at="08:00")
    assert not any(n.citation_key == "bfr_2017" for n in check.notes)


def test_a_dose_in_a_unit_the_label_does_not_use_is_refused(user, glycinate):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        plan(user, glycinate, unit="ml")


def test_taken_logs_the_planned_dose_and_counts_it_off_the_bottle(user, glycinate):
    dose, _ = plan(user, glycinate)
    routine.open_bottle(owner=user, product=glycinate, units=Decimal(60))
    today = services.person_today(user)
    record = routine.take_dose(dose=dose, day=today).obj
    entry = IntakeEntry.objects.get(owner=user)
    assert (entry.dose_quantity, entry.dose_unit, entry.day) == (Decimal(2), "capsule", today)
    assert entry.elemental_mg == Decimal("282")
    assert record.status == "taken" and record.entry == entry
    assert Stock.objects.get(product=glycinate).units_on_hand == Decimal(58)
    # A second tap logs nothing more.
    routine.take_dose(dose=dose, day=today)
    assert IntakeEntry.objects.filter(owner=user).count() == 1
    assert Stock.objects.get(product=glycinate).units_on_hand == Decimal(58)


def test_a_refill_notice_is_sent_once_when_seven_days_remain(
    user, glycinate, mailoutbox, django_capture_on_commit_callbacks
):
    NotificationSettings.objects.create(owner=user, refill_notices=True)
    dose, _ = plan(user, glycinate)
    routine.open_bottle(owner=user, product=glycinate, units=Decimal(18))
    today = services.person_today(user)
    with django_capture_on_commit_callbacks(execute=True):
        routine.take_dose(dose=dose, day=today - dt.timedelta(days=1))  # 16 left: 8 days
    assert mailoutbox == []
    with django_capture_on_commit_callbacks(execute=True):
        routine.take_dose(dose=dose, day=today)  # 14 left: 7 days
    assert len(mailoutbox) == 1
    assert "Magnesium glycinate is running low" in mailoutbox[0].subject
    assert "14 left, about 7 days" in mailoutbox[0].body
    assert "http://testserver/routine/" in mailoutbox[0].body  # where a new bottle is added
    # Fewer days still: no second notice for the same bottle.
    dose2, _ = plan(user, glycinate, at="08:00")
    with django_capture_on_commit_callbacks(execute=True):
        routine.take_dose(dose=dose2, day=today)
    assert len(mailoutbox) == 1
    # A new bottle: the next time it runs low, one more notice.
    routine.open_bottle(owner=user, product=glycinate, units=Decimal(2))
    dose3, _ = plan(user, glycinate, at="12:00")
    with django_capture_on_commit_callbacks(execute=True):
        routine.take_dose(dose=dose3, day=today)
    assert len(mailoutbox) == 2
    assert Notice.objects.filter(kind="refill", status="sent").count() == 2


def test_no_refill_notice_without_opting_in(user, glycinate, mailoutbox):
    dose, _ = plan(user, glycinate)
    routine.open_bottle(owner=user, product=glycinate, units=Decimal(4))
    routine.take_dose(dose=dose, day=services.person_today(user))
    assert mailoutbox == [] and not Notice.objects.exists()


def test_skip_and_snooze(user, glycinate):
    dose, _ = plan(user, glycinate)
    today = services.person_today(user)
    snoozed = routine.snooze_dose(dose=dose, day=today).obj
    assert snoozed.status == "snoozed" and snoozed.snoozes == 1 and snoozed.snoozed_until
    skipped = routine.skip_dose(dose=dose, day=today, reason="felt queasy").obj
    assert (skipped.status, skipped.reason) == ("skipped", "felt queasy")
    assert not IntakeEntry.objects.exists()


def test_the_checklist_tells_took_none_from_not_logged(user, glycinate):
    dose, _ = plan(user, glycinate)
    today = services.person_today(user)
    assert [i.status for i in routine.checklist(owner=user, day=today)] == ["pending"]
    routine.skip_dose(dose=dose, day=today)
    assert [i.status for i in routine.checklist(owner=user, day=today)] == ["skipped"]
    week = routine.adherence(owner=user, start=today, end=today)
    assert (week.planned, week.taken, week.skipped) == (1, 0, 1)


def test_a_dose_inside_a_medicine_window_is_flagged_with_its_source(user, glycinate):
    plan(user, glycinate, at="21:30")
    routine.add_medicine(
        owner=user, group="oral bisphosphonates", name="alendronate", time=dt.time(20, 0)
    )
    routine.add_medicine(owner=user, group="proton pump inhibitors", name="", time=None)
    items = routine.checklist(owner=user, day=services.person_today(user))
    notes = items[0].notes
    assert len(notes) == 1 and notes[0].is_timing
    assert "alendronate at 20:00" in notes[0].text and notes[0].citation_key == "nih_ods"
    group_notes = routine.medicine_notes(
        magnesium_at=None, medicines=list(Medicine.objects.filter(owner=user))
    )
    assert [n.is_timing for n in group_notes] == [False]


# --- Pages -----------------------------------------------------------------------------------


def test_plan_from_the_page_and_tick_it_on_the_dashboard(logged_in, user, glycinate):
    today = services.person_today(user)
    response = logged_in.post(
        reverse("routine"),
        {
            "product": glycinate.pk,
            "quantity": "2",
            "unit": "capsule",
            "time": "21:30",
            "weekdays": list("0123456"),
            "start_date": today.isoformat(),
        },
    )
    assert response.status_code == 302
    dashboard = logged_in.get("/").content.decode()
    assert "Planned today" in dashboard and 'data-status="pending"' in dashboard
    dose = user.routine_doses.get()
    response = logged_in.post(reverse("routine-take", args=[dose.pk, today.isoformat()]))
    assert response.status_code == 302
    assert 'data-status="taken"' in logged_in.get("/").content.decode()


@pytest.mark.parametrize(
    "field,value,error",
    [
        ("quantity", "-1", "greater than or equal to 0.001"),
        ("quantity", "abc", "Enter a number"),
        ("time", "25:00", "Enter a valid time"),
        ("end_date", "2000-01-01", "before the start date"),
    ],
)
def test_bad_input_gets_a_form_error(logged_in, user, glycinate, field, value, error):
    data = {
        "product": glycinate.pk,
        "quantity": "2",
        "unit": "capsule",
        "time": "21:30",
        "weekdays": ["0"],
        "start_date": "2026-01-01",
    }
    data[field] = value
    response = logged_in.post(reverse("routine"), data)
    assert response.status_code == 200
    assert error in response.content.decode()


def test_another_persons_product_cannot_be_planned(logged_in, glycinate, other_user):
    theirs = SupplementProductFactory(owner=other_user)
    response = logged_in.post(
        reverse("routine"),
        {
            "product": theirs.pk,
            "quantity": "1",
            "unit": "capsule",
            "time": "08:00",
            "weekdays": ["0"],
            "start_date": "2026-01-01",
        },
    )
    assert response.status_code == 200 and "Select a valid choice" in response.content.decode()


def test_another_persons_dose_is_404(logged_in, other_user):
    product = SupplementProductFactory(owner=other_user)
    dose, _ = plan(other_user, product)
    day = services.person_today(other_user).isoformat()
    for name in ("routine-take", "routine-skip", "routine-snooze"):
        assert logged_in.post(reverse(name, args=[dose.pk, day])).status_code == 404
    assert not DoseRecord.objects.exists()


def test_stock_page_opens_a_bottle(logged_in, user, glycinate):
    response = logged_in.post(
        reverse("routine-stock", args=[glycinate.pk]), {"action": "bottle", "units": "60"}
    )
    assert response.status_code == 302
    assert Stock.objects.get(product=glycinate).units_on_hand == 60
    bad = logged_in.post(
        reverse("routine-stock", args=[glycinate.pk]), {"action": "bottle", "units": "-5"}
    )
    assert bad.status_code == 200


def test_notification_settings_are_opt_in_and_one_place(logged_in, user):
    assert not routine.settings_for(user).email_reminders
    response = logged_in.post(
        reverse("routine-notifications"),
        {"email_reminders": "on", "quiet_start": "22:00", "quiet_end": "07:00"},
    )
    assert response.status_code == 302
    saved = NotificationSettings.objects.get(owner=user)
    assert saved.email_reminders and not saved.push_reminders
    response = logged_in.post(reverse("routine-notifications"), {"quiet_start": "22:00"})
    assert "Give both ends" in response.content.decode()


def test_service_worker_is_served_with_root_scope(client):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response["Service-Worker-Allowed"] == "/"
    assert "showNotification" in response.content.decode()
    manifest = client.get("/manifest.webmanifest").json()
    assert manifest["start_url"] == "/" and manifest["display"] == "standalone"


def test_push_action_takes_the_dose_with_a_signed_token(client, user, glycinate):
    from tracker.tasks import push_token

    dose, _ = plan(user, glycinate)
    today = services.person_today(user)
    token = push_token(owner_id=user.pk, dose_id=dose.pk, day=today)
    version = type(user).objects.get(pk=user.pk).data_version
    response = client.post(reverse("routine-push-action"), {"token": token, "action": "taken"})
    assert response.status_code == 200
    assert DoseRecord.objects.get(dose=dose).status == "taken"
    assert type(user).objects.get(pk=user.pk).data_version > version  # cached pages stale
    forged = client.post(reverse("routine-push-action"), {"token": token + "x", "action": "taken"})
    assert forged.status_code == 400


def test_another_person_cannot_subscribe_as_me(logged_in, user):
    other = UserFactory()
    response = logged_in.post(
        reverse("routine-push-subscribe"),
        data='{"endpoint": "https://push.example/1", "keys": {"p256dh": "a", "auth": "b"}}',
        content_type="application/json",
    )
    assert response.status_code == 200
    assert user.push_subscriptions.count() == 1 and other.push_subscriptions.count() == 0
    bad = logged_in.post(
        reverse("routine-push-subscribe"), data="not json", content_type="application/json"
    )
    assert bad.status_code == 400


def test_a_logged_dose_inside_a_window_is_flagged_on_the_dashboard(logged_in, user, glycinate):
    routine.add_medicine(
        owner=user, group="tetracycline antibiotics", name="doxycycline", time=dt.time(8, 0)
    )
    today = services.person_today(user)
    services.log_supplement(
        owner=user, product=glycinate, servings=Decimal(1), day=today, time=dt.time(9, 59)
    )
    notes = routine.logged_notes(owner=user, day=today)
    assert len(notes) == 1 and "Magnesium logged at 09:59" in notes[0].text
    assert "doxycycline at 08:00" in logged_in.get("/").content.decode()
    # Exactly 2 h after the antibiotic taken at least 2 h before: fine.
    IntakeEntry.objects.update(time=dt.time(10, 0))
    assert routine.logged_notes(owner=user, day=today) == []


def test_adherence_shows_on_the_week_and_history_pages(logged_in, user, glycinate):
    dose, _ = plan(user, glycinate)
    today = services.person_today(user)
    routine.take_dose(dose=dose, day=today)
    week = logged_in.get(reverse("week")).content.decode()
    assert 'data-testid="routine-adherence"' in week and "planned doses taken" in week
    history = logged_in.get(reverse("history")).content.decode()
    assert 'data-testid="routine-adherence"' in history


def test_push_action_snoozes_and_refuses_unknown_actions(client, user, glycinate):
    from tracker.tasks import push_token

    dose, _ = plan(user, glycinate)
    today = services.person_today(user)
    token = push_token(owner_id=user.pk, dose_id=dose.pk, day=today)
    url = reverse("routine-push-action")
    assert client.post(url, {"token": token, "action": "snooze"}).status_code == 200
    record = DoseRecord.objects.get(dose=dose)
    assert record.status == "snoozed" and record.snoozes == 1
    assert client.post(url, {"token": token, "action": "delete"}).status_code == 400
    # A token names one person's dose: another person's token cannot touch it.
    other = UserFactory()
    theirs = push_token(owner_id=other.pk, dose_id=dose.pk, day=today)
    assert client.post(url, {"token": theirs, "action": "taken"}).status_code == 404
    assert not IntakeEntry.objects.exists()


def test_a_taken_dose_whose_entry_was_deleted_is_pending_again(user, glycinate):
    dose, _ = plan(user, glycinate)
    today = services.person_today(user)
    record = routine.take_dose(dose=dose, day=today).obj
    services.delete_entry(entry=record.entry)
    assert [i.status for i in routine.checklist(owner=user, day=today)] == ["pending"]
    routine.take_dose(dose=dose, day=today)
    assert IntakeEntry.objects.filter(owner=user).count() == 1
    assert [i.status for i in routine.checklist(owner=user, day=today)] == ["taken"]


def test_taking_a_planned_dose_says_which_flag_it_crossed(logged_in, user):
    """A "Taken" tap logs an entry like any log: a flag it newly crosses is said on the next
    page (here 250 mg of supplements, above the 100-200 mg starting range)."""
    product = SupplementProductFactory(
        owner=user, label_basis="elemental", amount_per_serving_mg=Decimal("250")
    )
    dose = RoutineDoseFactory(owner=user, product=product)
    today = timezone.localdate()
    response = logged_in.post(
        reverse("routine-take", args=[dose.pk, today.isoformat()]), follow=True
    )
    page = response.content.decode()
    assert "Logged" in page
    assert "Above the starting range:" in page  # the message, not only the status block


def test_deleting_a_taken_doses_entry_gives_its_units_back(logged_in, user, glycinate):
    """A "Taken" tap by mistake, then Delete on the day: the capsules go back to the bottle,
    the dose is pending again, and taking it again counts them off once more."""
    dose, _ = plan(user, glycinate)
    routine.open_bottle(owner=user, product=glycinate, units=Decimal(60))
    today = services.person_today(user)
    routine.take_dose(dose=dose, day=today)
    entry = IntakeEntry.objects.get(owner=user)
    assert Stock.objects.get(product=glycinate).units_on_hand == Decimal(58)

    assert logged_in.post(reverse("entry-delete", args=[entry.pk])).status_code == 302

    assert Stock.objects.get(product=glycinate).units_on_hand == Decimal(60)
    assert [i.status for i in routine.checklist(owner=user, day=today)] == ["pending"]
    routine.take_dose(dose=dose, day=today)
    assert Stock.objects.get(product=glycinate).units_on_hand == Decimal(58)


def test_deleting_an_ordinary_entry_leaves_the_stock_alone(user, glycinate):
    routine.open_bottle(owner=user, product=glycinate, units=Decimal(60))
    entry = services.log_supplement(
        owner=user, product=glycinate, servings=Decimal(1), day=services.person_today(user)
    ).obj
    services.delete_entry(entry=entry)
    assert Stock.objects.get(product=glycinate).units_on_hand == Decimal(60)
