"""The token page (/accounts/tokens/): made, shown once, stored hashed, scoped, revoked."""

import hashlib

import pytest

from api.models import ApiToken
from api.tokens import create_token
from tests.api.conftest import bearer

pytestmark = pytest.mark.django_db


def test_a_new_token_is_shown_once_and_stored_only_as_its_digest(logged_in, user):
    made = logged_in.post("/accounts/tokens/", {"name": "Shortcut", "scope": "write"})
    assert made.status_code == 302
    response = logged_in.get(made.url)
    token = ApiToken.objects.get(owner=user)
    secret = response.context["created"].secret
    assert secret.startswith("mgt_") and len(secret) >= 4 + 43
    assert secret in response.content.decode()
    assert token.digest == hashlib.sha256(secret.encode()).hexdigest()
    assert not ApiToken.objects.filter(digest=secret).exists()
    assert token.scope == "write" and token.name == "Shortcut"

    again = logged_in.get("/accounts/tokens/")
    assert secret not in again.content.decode()
    assert token.prefix in again.content.decode()
    assert "never used" in again.content.decode()
    assert again.context["created"] is None and "api_new_token" not in logged_in.session


def test_the_token_opens_the_api_and_records_its_last_use(client, user):
    secret = create_token(owner=user, name="x", scope="read").secret
    assert client.get("/api/products", **bearer(secret)).status_code == 200
    assert ApiToken.objects.get(owner=user).last_used_at is not None


@pytest.mark.parametrize("name", ["", "   ", "bad\x00name", "evil\u202e", "a" * 61])
def test_a_bad_name_is_a_form_error(logged_in, user, name):
    response = logged_in.post("/accounts/tokens/", {"name": name, "scope": "read"})
    assert response.status_code == 200
    assert response.context["form"].errors
    assert not ApiToken.objects.filter(owner=user).exists()


def test_a_read_only_token_cannot_write(client, user, read_token):
    response = client.post(
        "/api/symptoms",
        {"day": "2026-01-05", "symptom": "cramps", "severity": 2},
        content_type="application/json",
        **bearer(read_token),
    )
    assert response.status_code == 403
    assert "read-only" in response.json()["detail"]
    assert client.get("/api/symptoms", **bearer(read_token)).status_code == 200


def test_revoking_closes_the_api_to_that_token(logged_in, client, user, write_token):
    token = ApiToken.objects.get(owner=user, scope="write")
    response = logged_in.post("/accounts/tokens/revoke/", {"token": token.pk})
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    answer = client.get("/api/products", **bearer(write_token))
    assert answer.status_code == 401
    assert answer["Content-Type"].startswith("application/json")
    assert "revoked" in logged_in.get("/accounts/tokens/").content.decode()


def test_another_persons_token_cannot_be_revoked(logged_in, other_user):
    theirs = create_token(owner=other_user, name="theirs", scope="read").token
    assert logged_in.post("/accounts/tokens/revoke/", {"token": theirs.pk}).status_code == 404
    theirs.refresh_from_db()
    assert theirs.revoked_at is None


@pytest.mark.parametrize("value", ["", "x", "-1", "9" * 30])
def test_a_bad_revoke_request_changes_nothing(logged_in, user, write_token, value):
    assert logged_in.post("/accounts/tokens/revoke/", {"token": value}).status_code == 302
    assert ApiToken.objects.get(owner=user).revoked_at is None


def test_tokens_are_limited_per_person(logged_in, user):
    for n in range(20):
        create_token(owner=user, name=f"t{n}", scope="read")
    response = logged_in.post("/accounts/tokens/", {"name": "one more", "scope": "read"})
    assert "revoke one" in response.content.decode()
    assert ApiToken.objects.filter(owner=user).count() == 20


def test_the_page_needs_a_sign_in(client):
    assert client.get("/accounts/tokens/").status_code == 302


@pytest.mark.parametrize(
    "header",
    ["", "Bearer", "Bearer nope", "Basic abc", "Bearer mgt_" + "a" * 43, "Bearer " + "x" * 5000],
)
def test_no_or_a_wrong_token_is_a_json_401(client, header):
    response = client.get("/api/products", HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert "Bearer" in response.json()["detail"]


def test_a_signed_in_session_alone_does_not_open_the_api(logged_in):
    assert logged_in.get("/api/products").status_code == 401
    response = logged_in.post(
        "/api/symptoms",
        {"day": "2026-01-05", "symptom": "cramps", "severity": 2},
        content_type="application/json",
    )
    assert response.status_code == 401


def test_staff_see_tokens_in_the_admin_but_never_the_secret(client, user, write_token):
    from tests.factories import UserFactory

    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    token = ApiToken.objects.get(owner=user)
    listing = client.get("/admin/api/apitoken/")
    assert listing.status_code == 200 and token.prefix in listing.content.decode()
    detail = client.get(f"/admin/api/apitoken/{token.pk}/change/")
    assert detail.status_code == 200 and write_token not in detail.content.decode()
    assert client.get("/admin/api/apitoken/add/").status_code == 403
