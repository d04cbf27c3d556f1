"""Over-intake warnings: the message on the next page and one e-mail per day per flag."""

import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.db import connection, connections
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from tests.factories import (
    SupplementProductFactory,
    UserFactory,
)
from tracker import flag_alerts, intake, selectors, services
from tracker.intake import FlagCode
from tracker.models import IntakeEntry, WarningSent

pytestmark = pytest.mark.django_db


@pytest.fixture
def person(db):
    return UserFactory(email="ana@example.com", email_warnings=True)


def log(owner, product, *, servings="1", day=None):
    return services.log_supplement(
        owner=owner,
        product=product,
        servings=Decimal(servings),
        day=day or services.person_today(owner),
    )


def test_crossing_sends_one_email_with_text_and_html(
    person, mailoutbox, django_capture_on_commit_callbacks
):
    product = SupplementProductFactory(owner=person, elemental_mg="150")
    with django_capture_on_commit_callbacks(execute=True):
        log(person, product)
    assert mailoutbox == []  # 150 mg: below every threshold
    with django_capture_on_commit_callbacks(execute=True):
        written = log(person, product)  # 300 mg
    assert [f.code for f in written.crossed] == [FlagCode.ABOVE_STARTING_RANGE]
    assert len(mailoutbox) == 1
    email = mailoutbox[0]
    assert email.to == ["ana@example.com"]
    assert "above the starting range" in email.subject
    assert "300.0 mg from supplements" in email.body
    assert intake.STARTING_RANGE_SOURCE.title in email.body  # plain text: no HTML escaping
    assert "http://testserver/day/" in email.body
    ((html, mimetype),) = email.alternatives
    assert mimetype == "text/html"
    assert "<strong>Above the starting range</strong>" in html
    assert "Begin with 100-200 mg/day" in html


def test_once_per_day_per_flag_even_when_the_day_crosses_again(
    person, mailoutbox, django_capture_on_commit_callbacks
):
    product = SupplementProductFactory(owner=person, elemental_mg="250")
    with django_capture_on_commit_callbacks(execute=True):
        first = log(person, product)
    assert len(mailoutbox) == 1
    # Delete the entry and log it again: the day crosses the starting range a second time.
    services.delete_entry(entry=first.obj)
    assert selectors.day_flags(user=person, day=first.obj.day) == []
    with django_capture_on_commit_callbacks(execute=True):
        again = log(person, product)
    assert [f.code for f in again.crossed] == [FlagCode.ABOVE_STARTING_RANGE]  # still said
    assert len(mailoutbox) == 1  # but not e-mailed twice
    assert WarningSent.objects.filter(owner=person).count() == 1

    # A new, higher flag on the same day is e-mailed, alone.
    with django_capture_on_commit_callbacks(execute=True):
        log(person, product)  # 500 mg
    assert len(mailoutbox) == 2
    assert "upper limit" in mailoutbox[1].subject and "documented range" in mailoutbox[1].subject
    assert "starting range" not in mailoutbox[1].subject
    assert set(WarningSent.objects.values_list("flag", flat=True)) == {
        "above_starting_range",
        "above_ul",
        "above_documented_range",
    }


def test_another_day_is_e_mailed_again(person, mailoutbox, django_capture_on_commit_callbacks):
    product = SupplementProductFactory(owner=person, elemental_mg="250")
    today = services.person_today(person)
    with django_capture_on_commit_callbacks(execute=True):
        log(person, product, day=today)
        log(person, product, day=today - timedelta(days=1))
    assert len(mailoutbox) == 2


@pytest.mark.parametrize("opt_in,email", [(False, "ana@example.com"), (True, "")])
def test_no_email_without_opt_in_and_address(
    opt_in, email, mailoutbox, django_capture_on_commit_callbacks
):
    person = UserFactory(email=email, email_warnings=opt_in)
    with django_capture_on_commit_callbacks(execute=True):
        written = log(person, SupplementProductFactory(owner=person, elemental_mg="250"))
    assert [f.code for f in written.crossed] == [FlagCode.ABOVE_STARTING_RANGE]
    assert mailoutbox == [] and not WarningSent.objects.exists()


def test_a_recorded_warning_claims_nothing_and_keeps_the_write(
    person, mailoutbox, django_capture_on_commit_callbacks
):
    """The insert comes first: a row already there (another request won) means no e-mail,
    and the failed insert rolls back only its savepoint, not the entry being logged."""
    today = services.person_today(person)
    WarningSent.objects.create(owner=person, day=today, flag="above_starting_range")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        written = log(person, SupplementProductFactory(owner=person, elemental_mg="250"))
    assert callbacks == [] and mailoutbox == []
    assert IntakeEntry.objects.filter(pk=written.obj.pk).exists()


def test_the_queued_e_mail_sends_each_flag_once(
    person, mailoutbox, django_capture_on_commit_callbacks
):
    """The e-mail is a task queued on commit; two runs of it (two workers) send one e-mail,
    because the task records WarningSent before it sends."""
    with django_capture_on_commit_callbacks() as callbacks:
        log(person, SupplementProductFactory(owner=person, elemental_mg="500"))
    assert len(callbacks) == 1 and mailoutbox == []
    callbacks[0]()
    callbacks[0]()
    assert len(mailoutbox) == 1
    assert WarningSent.objects.filter(owner=person).count() == 3


def test_an_entry_undone_before_the_task_runs_sends_nothing(
    person, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        written = log(person, SupplementProductFactory(owner=person, elemental_mg="500"))
    services.delete_entry(entry=written.obj)
    callbacks[0]()
    assert mailoutbox == [] and not WarningSent.objects.exists()


def test_no_email_when_the_write_rolls_back(person, mailoutbox):
    """The e-mail waits for the commit: a rolled-back transaction e-mails nobody."""
    from django.db import transaction

    class Boom(Exception):
        pass

    with pytest.raises(Boom), transaction.atomic():
        log(person, SupplementProductFactory(owner=person, elemental_mg="250"))
        raise Boom
    assert mailoutbox == [] and not WarningSent.objects.exists()


def test_a_failing_mail_server_does_not_lose_the_entry(
    logged_in, user, mailoutbox, monkeypatch, django_capture_on_commit_callbacks
):
    user.email_warnings = True
    user.save()

    def refuse(self, fail_silently=False):
        raise OSError("mail server down")

    monkeypatch.setattr("django.core.mail.EmailMultiAlternatives.send", refuse)
    product = SupplementProductFactory(owner=user, elemental_mg="250")
    with django_capture_on_commit_callbacks(execute=True):
        response = logged_in.post(reverse("quick-log-product", args=[product.pk]))
    assert response.status_code == 302
    assert IntakeEntry.objects.filter(owner=user).count() == 1
    assert WarningSent.objects.filter(owner=user).count() == 1  # at most once, never twice


def test_the_next_page_says_what_was_crossed(logged_in, user):
    product = SupplementProductFactory(owner=user, elemental_mg="360")
    response = logged_in.post(reverse("quick-log-product", args=[product.pk]), follow=True)
    texts = [str(m) for m in response.context["messages"]]
    ul_source = intake.ul_for(user, timezone.localdate()).source
    assert any(t.startswith("Above the upper limit (UL)") and ul_source.title in t for t in texts)
    assert any(t.startswith("Above the starting range") for t in texts)
    html = response.content.decode()
    assert 'class="alert alert-danger" role="status">Above the upper limit' in html
    # Shown once: the page after that has no messages, only the day's flags.
    again = logged_in.get("/")
    assert list(get_messages(again.wsgi_request)) == []
    assert 'data-flag="above_ul"' in again.content.decode()


def test_announce_maps_severity_to_message_level(rf):
    from django.contrib.messages.storage.fallback import FallbackStorage

    request = rf.get("/")
    request.session = {}
    request._messages = FallbackStorage(request)
    flags = intake.day_flags(
        supplemental_mg=Decimal("500"), ul=intake.ul_for(UserFactory.build(), timezone.localdate())
    )
    flag_alerts.announce(request, flags)
    assert [m.tags for m in request._messages] == ["error", "info", "info"]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="real concurrency needs PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_requests_send_one_email(mailoutbox):
    """Two workers run the warning e-mail task for the same flag at the same moment: the
    unique constraint lets exactly one of them record and send it, however they interleave."""
    from tracker.tasks import send_day_warnings

    person = UserFactory(email="ana@example.com", email_warnings=False)
    day = services.person_today(person)  # warning e-mails are for today and yesterday
    log(person, SupplementProductFactory(owner=person, elemental_mg="250"), day=day)
    User.objects.filter(pk=person.pk).update(email_warnings=True)
    barrier = threading.Barrier(2)
    claimed: list[int] = []
    errors: list[BaseException] = []

    def request():
        from django.db import transaction

        try:
            with transaction.atomic():
                barrier.wait(timeout=10)
                sent = send_day_warnings.call(
                    person.pk, day.isoformat(), ["above_starting_range"], ""
                )
                claimed.append(len(sent))
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=request) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    assert sorted(claimed) == [0, 1]
    assert len(mailoutbox) == 1
    assert WarningSent.objects.filter(owner=person, day=day).count() == 1
