from datetime import date, timedelta

import pytest
from django.urls import reverse

from accounts.models import User

pytestmark = pytest.mark.django_db


def profile_data(**overrides):
    data = {
        "email": "ana@example.com",
        "sex": "female",
        "date_of_birth": "1990-05-17",
        "life_stage": "none",
        "timezone": "Europe/Lisbon",
        "target_override_mg": "",
    }
    data.update(overrides)
    return data


def test_signup_logs_in_and_goes_to_profile(client):
    response = client.post(
        reverse("signup"),
        {
            "username": "ana",
            "email": "ana@example.com",
            "password1": "a long enough passphrase",
            "password2": "a long enough passphrase",
        },
    )
    assert response.status_code == 302
    assert response.url == reverse("profile")
    assert User.objects.filter(username="ana").exists()
    # Signed in: the profile page answers instead of redirecting to the log-in page.
    assert client.get(reverse("profile")).status_code == 200


@pytest.mark.parametrize(
    "username, password1, password2",
    [
        ("ana", "a long passphrase 1", "different 2"),  # mismatched
        ("weak", "12345678", "12345678"),  # the password validators refuse it
    ],
    ids=["mismatched", "weak"],
)
def test_signup_rejects_a_bad_password(client, username, password1, password2):
    passwords = {"password1": password1, "password2": password2}
    response = client.post(reverse("signup"), {"username": username, **passwords})
    assert response.status_code == 200
    assert "password2" in response.context["form"].errors
    assert not User.objects.exists()


def test_profile_save_then_dashboard_shows_target(client):
    user = User.objects.create_user("ana", password="x-long-passphrase")
    client.force_login(user)
    response = client.post(reverse("profile"), profile_data())
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.sex == "female" and user.timezone == "Europe/Lisbon"
    page = client.get("/")
    assert page.status_code == 200
    # Born 1990 and a woman: on any date from 2021 to 2040 the 31-50 row applies (320 mg).
    assert "320.0\u00a0mg" in page.content.decode()
    assert "NIH RDA, women 31-50" in page.content.decode()


def test_dashboard_requires_a_complete_profile(client):
    user = User.objects.create_user("ana", password="x-long-passphrase")
    client.force_login(user)
    response = client.get("/")
    assert response.status_code == 302 and response.url == reverse("profile")


def test_root_shows_landing_to_visitors(client):
    response = client.get("/")
    assert response.status_code == 200
    assert reverse("signup") in response.content.decode()
    assert "tracker/landing.html" in [t.name for t in response.templates]


@pytest.mark.parametrize(
    "field,value",
    [
        ("timezone", "Mars/Olympus_Mons"),
        ("target_override_mg", "-5"),
        ("target_override_mg", "0"),
        ("target_override_mg", "1000000"),
        ("target_override_mg", "lots"),
        ("date_of_birth", (date.today() + timedelta(days=2)).isoformat()),
        ("date_of_birth", "1850-01-01"),
        ("date_of_birth", "1990-02-30"),
        ("sex", ""),
        ("sex", "other"),
        ("life_stage", "hibernating"),
    ],
)
def test_profile_bad_input_gives_form_errors(logged_in, user, field, value):
    before = User.objects.values().get(pk=user.pk)
    response = logged_in.post(reverse("profile"), profile_data(**{field: value}))
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert User.objects.values().get(pk=user.pk) == before


def test_pregnancy_needs_the_female_rows(logged_in):
    response = logged_in.post(reverse("profile"), profile_data(sex="male", life_stage="pregnant"))
    assert response.status_code == 200
    assert "life_stage" in response.context["form"].errors


def test_email_warnings_need_an_address(logged_in):
    response = logged_in.post(reverse("profile"), profile_data(email="", email_warnings="on"))
    assert "email" in response.context["form"].errors


def test_logout_refuses_get(logged_in):
    assert logged_in.get(reverse("logout")).status_code == 405
    response = logged_in.post(reverse("logout"))
    assert response.status_code == 302
    assert logged_in.get(reverse("profile")).status_code == 302  # now signed out


def test_password_reset_sends_mail(client, user, mailoutbox):
    response = client.post(reverse("password_reset"), {"email": user.email})
    assert response.status_code == 302
    assert len(mailoutbox) == 1
    assert "/accounts/password/reset/" in mailoutbox[0].body


def test_password_change_page(logged_in):
    assert logged_in.get(reverse("password_change")).status_code == 200


def test_timezone_middleware_activates_profile_zone(rf):
    from django.contrib.auth.models import AnonymousUser
    from django.utils import timezone

    from accounts.middleware import UserTimezoneMiddleware

    seen = []
    middleware = UserTimezoneMiddleware(
        lambda request: seen.append(timezone.get_current_timezone_name())
    )
    request = rf.get("/")
    request.user = User(username="tz", timezone="Pacific/Auckland")
    middleware(request)
    request.user = AnonymousUser()
    middleware(request)
    assert seen == ["Pacific/Auckland", "UTC"]
