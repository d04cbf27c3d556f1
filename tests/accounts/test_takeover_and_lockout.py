"""Lock-outs that cannot be turned on the owner (issue "Hardening", item 4), no account
takeover from a left-open session (item 5) and no e-mail flooding (item 7)."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse

from accounts import email_change, signin_link
from accounts.client_ip import client_ip
from accounts.models import User
from tests.accounts.test_signup_profile import profile_data
from tests.conftest import PASSWORD
from tests.factories import SupplementProductFactory, UserFactory
from tracker import services
from tracker.models import WarningSent

pytestmark = pytest.mark.django_db

PROXY = "10.0.0.1"
LINK = re.compile(r"https?://testserver(/accounts/\S+/)")


def login(client, username, password, client_address=None):
    extra = {"REMOTE_ADDR": PROXY}
    if client_address:
        extra["HTTP_X_FORWARDED_FOR"] = client_address
    return client.post(reverse("login"), {"username": username, "password": password}, **extra)


def link_in(message) -> str:
    return LINK.search(message.body)[1]


# --- Item 4: the client's real address, and the owner's way in -------------------------------


@pytest.mark.parametrize(
    "count,forwarded,expected",
    [
        (0, "1.2.3.4", PROXY),  # no proxy trusted: the header is the client's own words
        (1, "1.2.3.4", "1.2.3.4"),
        (1, "6.6.6.6, 1.2.3.4", "1.2.3.4"),  # the left entry was written by the client
        (2, "6.6.6.6, 1.2.3.4, 10.0.0.9", "1.2.3.4"),
        (2, "1.2.3.4", PROXY),  # fewer entries than proxies: not through them all
        (1, "not-an-address", PROXY),
        (1, "", PROXY),
    ],
)
def test_the_client_address_counts_only_trusted_proxies(rf, settings, count, forwarded, expected):
    settings.TRUSTED_PROXY_COUNT = count
    request = rf.get("/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=forwarded)
    assert client_ip(request) == expected


def test_behind_the_proxy_an_attacker_cannot_lock_the_owner_out(client, user, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    for _ in range(6):
        login(client, user.username, "wrong password", client_address="203.0.113.66")
    assert login(client, user.username, PASSWORD, "203.0.113.66").status_code == 429
    owner = login(client, user.username, PASSWORD, client_address="198.51.100.7")
    assert owner.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)


def test_a_locked_out_owner_gets_in_with_a_one_time_emailed_link(client, user, mailoutbox):
    for _ in range(6):
        login(client, user.username, "wrong password")
    locked = login(client, user.username, PASSWORD)
    assert locked.status_code == 429
    assert reverse("signin_link") in locked.content.decode()

    response = client.post(reverse("signin_link"), {"who": user.username})
    assert response.status_code == 302
    assert len(mailoutbox) == 1 and mailoutbox[0].to == [user.email]
    url = link_in(mailoutbox[0])
    page = client.get(url)  # a mail scanner following the link signs nobody in
    assert page.status_code == 200 and "_auth_user_id" not in client.session
    assert client.post(url).status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)
    # The lock-out is lifted, and the link is used up.
    client.post(reverse("logout"))
    assert login(client, user.username, PASSWORD).status_code == 302
    client.post(reverse("logout"))
    assert client.post(url).status_code == 400
    assert "_auth_user_id" not in client.session


def test_the_link_request_says_the_same_for_unknown_names(client, mailoutbox):
    response = client.post(reverse("signin_link"), {"who": "nobody-here"}, follow=True)
    assert response.status_code == 200
    assert "If that names an account" in response.content.decode()
    assert mailoutbox == []


def test_an_expired_or_forged_link_does_not_sign_in(client, user, monkeypatch):
    token = signin_link.make_token(user)
    monkeypatch.setattr(signin_link, "MAX_AGE_SECONDS", -1)
    assert client.post(reverse("signin_link_use", args=[token])).status_code == 400
    monkeypatch.setattr(signin_link, "MAX_AGE_SECONDS", 900)
    assert client.post(reverse("signin_link_use", args=[token + "x"])).status_code == 400
    assert "_auth_user_id" not in client.session


# --- Item 5: e-mail and password changes ------------------------------------------------------


def test_a_left_open_session_cannot_change_the_email(logged_in, user, mailoutbox):
    old = user.email
    response = logged_in.post(reverse("profile"), profile_data(email="thief@example.net"))
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.email == old
    assert mailoutbox == []
    page = logged_in.get(reverse("dashboard")).content.decode()
    assert "not changed" in page
    # ...so a password reset to the thief's address sends nothing.
    logged_in.post(reverse("password_reset"), {"email": "thief@example.net"})
    assert mailoutbox == []


def test_a_wrong_current_password_is_a_form_error(logged_in, user):
    response = logged_in.post(
        reverse("profile"),
        profile_data(email="new@example.net", current_password="not it"),
    )
    assert response.status_code == 200
    assert "current_password" in response.context["form"].errors


def test_a_new_address_is_used_only_after_its_link_is_opened(logged_in, user, mailoutbox):
    old = user.email
    response = logged_in.post(
        reverse("profile"), profile_data(email="new@example.net", current_password=PASSWORD)
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.email == old  # not yet
    by_address = {m.to[0]: m for m in mailoutbox}
    assert set(by_address) == {"new@example.net", old}
    assert "new@example.net" in by_address[old].body  # the old address is told
    # Nothing but the confirmation goes to the new address meanwhile.
    logged_in.post(reverse("password_reset"), {"email": "new@example.net"})
    assert len(mailoutbox) == 2
    url = link_in(by_address["new@example.net"])
    assert logged_in.get(url).status_code == 200
    user.refresh_from_db()
    assert user.email == old  # GET only shows the button
    assert logged_in.post(url).status_code == 302
    user.refresh_from_db()
    assert user.email == "new@example.net"
    assert logged_in.post(url).status_code == 400  # used up


def test_another_account_cannot_use_the_confirmation_link(client, user):
    token = email_change.make_token(user, "new@example.net")
    intruder = UserFactory()
    client.force_login(intruder)
    assert client.post(reverse("email_change_confirm", args=[token])).status_code == 400
    intruder.refresh_from_db()
    user.refresh_from_db()
    assert "new@example.net" not in (intruder.email, user.email)


def test_changing_the_password_needs_the_old_one_and_tells_the_address(logged_in, user, mailoutbox):
    new = "another long passphrase 42"
    refused = logged_in.post(
        reverse("password_change"),
        {"old_password": "wrong", "new_password1": new, "new_password2": new},
    )
    assert refused.status_code == 200 and mailoutbox == []
    done = logged_in.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": new, "new_password2": new},
    )
    assert done.status_code == 302
    assert len(mailoutbox) == 1 and mailoutbox[0].to == [user.email]
    assert "password" in mailoutbox[0].subject.lower()


# --- Item 7: e-mail abuse ------------------------------------------------------------------------


def test_password_resets_are_limited_per_address(client, user, mailoutbox):
    for n in range(5):
        response = client.post(
            reverse("password_reset"), {"email": user.email}, REMOTE_ADDR=f"192.0.2.{n}"
        )
    assert len(mailoutbox) == 3
    assert response.status_code == 200
    assert "Too many e-mails" in response.content.decode()


def test_password_resets_are_limited_per_client(client, mailoutbox):
    people = UserFactory.create_batch(12)
    codes = [client.post(reverse("password_reset"), {"email": p.email}).status_code for p in people]
    assert codes == [302] * 10 + [200] * 2
    assert len(mailoutbox) == 10


def test_signin_links_are_limited_too(client, user, mailoutbox):
    for _ in range(5):
        client.post(reverse("signin_link"), {"who": user.username})
    assert len(mailoutbox) == 3


@pytest.mark.parametrize("days_ago,mails", [(0, 1), (1, 1), (2, 0), (400, 0)])
def test_warning_emails_only_for_today_and_yesterday(
    days_ago, mails, mailoutbox, django_capture_on_commit_callbacks
):
    person = UserFactory(email_warnings=True, date_of_birth=None)
    form = SupplementProductFactory(owner=person).form
    product = SupplementProductFactory(
        owner=person, form=form, label_basis="elemental", amount_per_serving_mg=Decimal("250")
    )
    day = services.person_today(person) - timedelta(days=days_ago)
    with django_capture_on_commit_callbacks(execute=True):
        written = services.log_supplement(
            owner=person, product=product, servings=Decimal("1"), day=day
        )
    assert written.crossed  # the page still says so...
    assert len(mailoutbox) == mails  # ...but only recent days are e-mailed
    assert WarningSent.objects.filter(owner=person).count() == (1 if mails else 0)


def test_back_dated_entries_to_1900_send_nothing(mailoutbox, django_capture_on_commit_callbacks):
    from datetime import date

    person = UserFactory(email_warnings=True, date_of_birth=None)
    product = SupplementProductFactory(
        owner=person, label_basis="elemental", amount_per_serving_mg=Decimal("250")
    )
    with django_capture_on_commit_callbacks(execute=True):
        for year in range(1900, 1910):
            services.log_supplement(
                owner=person, product=product, servings=Decimal("1"), day=date(year, 1, 1)
            )
    assert mailoutbox == []
    assert User.objects.filter(pk=person.pk).exists()


def test_a_left_open_session_cannot_guess_the_password_through_the_profile(logged_in, user):
    for n in range(5):
        response = logged_in.post(
            reverse("profile"), profile_data(email="new@example.net", current_password=f"g{n}")
        )
        assert "That is not your current password." in response.content.decode()
    response = logged_in.post(
        reverse("profile"), profile_data(email="new@example.net", current_password=PASSWORD)
    )
    assert response.status_code == 200
    assert "5 wrong passwords in an hour" in response.content.decode()
    # ...nor through the deletion form.
    response = logged_in.post(reverse("delete_account"), {"password": PASSWORD, "confirm": "on"})
    assert response.status_code == 200
    assert User.objects.filter(pk=user.pk).exists()


def test_nor_through_the_password_change_form(logged_in, user):
    new = "another long passphrase 42"
    for n in range(5):
        logged_in.post(
            reverse("password_change"),
            {"old_password": f"g{n}", "new_password1": new, "new_password2": new},
        )
    response = logged_in.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": new, "new_password2": new},
    )
    assert response.status_code == 200
    assert "5 wrong passwords in an hour" in response.content.decode()
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
