import pytest
from django.urls import reverse

from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def _login(client, username, password):
    return client.post(reverse("login"), {"username": username, "password": password})


def test_five_failures_lock_the_account_from_that_address(client, user):
    for _ in range(5):
        response = _login(client, user.username, "wrong password")
    assert response.status_code in (200, 429)
    locked = _login(client, user.username, PASSWORD)
    assert locked.status_code == 429
    assert "locked for 15 minutes" in locked.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_failure_or_two_still_lets_the_right_password_in(client, user):
    _login(client, user.username, "wrong password")
    response = _login(client, user.username, PASSWORD)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)


def test_lockout_is_per_account(client, user, other_user):
    for _ in range(6):
        _login(client, user.username, "wrong password")
    assert _login(client, other_user.username, PASSWORD).status_code == 302


def test_security_headers(client):
    response = client.get("/")
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "style-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_password_reset_link_expires(client, user, settings, mailoutbox):
    import re

    from django.contrib.auth.tokens import default_token_generator
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    token = default_token_generator.make_token(user)
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    url = reverse("password_reset_confirm", args=[uid, token])
    assert client.get(url, follow=True).context["validlink"] is True
    settings.PASSWORD_RESET_TIMEOUT = -1  # every token is now older than the timeout
    response = client.get(url, follow=True)
    assert response.context["validlink"] is False
    assert re.search(r"invalid or has expired", response.content.decode())
