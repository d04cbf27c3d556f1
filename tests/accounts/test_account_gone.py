"""Deleting an account while it writes (issue "Hardening", item 3) and the Cache-Control of
pages with health data (item 9)."""

import pytest
from django.db import DatabaseError
from django.urls import reverse
from django.utils import timezone

from accounts import services as account_services
from accounts.errors import AccountGone
from accounts.models import User
from tests.conftest import PASSWORD
from tests.factories import SupplementProductFactory
from tracker import page_cache
from tracker.models import IntakeEntry
from tracker.services import entries as entries_services

pytestmark = pytest.mark.django_db


def test_marking_a_deleted_account_raises_account_gone(user):
    pk = user.pk
    account_services.delete_account(user=user)
    with pytest.raises(AccountGone):
        page_cache.mark_changed(pk)


def test_a_write_that_arrives_after_the_deletion_is_a_clean_redirect(logged_in, user, monkeypatch):
    product = SupplementProductFactory(owner=user)
    check_day = entries_services.check_day

    def deleted_meanwhile(**kwargs):
        # Another tab deletes the account after this request loaded the person.
        account_services.delete_account(user=User.objects.get(pk=user.pk))
        check_day(**kwargs)

    monkeypatch.setattr(entries_services, "check_day", deleted_meanwhile)
    day = timezone.localdate().isoformat()
    response = logged_in.post(
        reverse("entry-add"), {"product": product.pk, "servings": "1", "day": day, "note": ""}
    )
    assert response.status_code == 302 and response["Location"] == reverse("login")
    assert not IntakeEntry.objects.exists()
    assert "_auth_user_id" not in logged_in.session


def test_the_profile_of_a_deleted_account_is_a_clean_redirect(logged_in, user):
    from tests.accounts.test_signup_profile import profile_data

    User.objects.filter(pk=user.pk).delete()
    # The session no longer names an account: the log-in page, not a 500.
    response = logged_in.post(reverse("profile"), profile_data())
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_a_failed_deletion_leaves_the_person_signed_in(logged_in, user, monkeypatch):
    def fail(**kwargs):
        raise DatabaseError("simulated")

    monkeypatch.setattr(account_services, "delete_account", fail)
    with pytest.raises(DatabaseError):
        logged_in.post(reverse("delete_account"), {"password": PASSWORD, "confirm": "on"})
    assert logged_in.session["_auth_user_id"] == str(user.pk)
    assert User.objects.filter(pk=user.pk).exists()


@pytest.mark.parametrize(
    "path", ["/", "/history/", "/week/", "/accounts/profile/", "/supplements/", "/import/"]
)
def test_signed_in_pages_are_never_stored_by_browsers(logged_in, path):
    response = logged_in.get(path)
    assert response.status_code == 200
    directives = {d.strip() for d in response["Cache-Control"].split(",")}
    assert {"private", "no-store"} <= directives
    again = logged_in.get(path)  # from the page cache: the same headers
    assert {"private", "no-store"} <= {d.strip() for d in again["Cache-Control"].split(",")}


def test_the_public_landing_page_may_be_cached(client):
    assert "no-store" not in client.get("/").get("Cache-Control", "")


def test_saving_a_deleted_account_raises_account_gone(user):
    stale = User.objects.get(pk=user.pk)
    account_services.delete_account(user=user)
    with pytest.raises(AccountGone):
        stale.save(update_fields=["last_login"])  # what logging in does
    with pytest.raises(AccountGone):
        stale.save()  # what a password change does


def test_logging_in_to_an_account_deleted_meanwhile_is_a_clean_redirect(client, user, monkeypatch):
    from django.contrib.auth import views as auth_views

    valid = auth_views.LoginView.form_valid

    def deleted_meanwhile(self, form):
        User.objects.filter(pk=user.pk).delete()
        return valid(self, form)

    monkeypatch.setattr(auth_views.LoginView, "form_valid", deleted_meanwhile)
    response = client.post(reverse("login"), {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == reverse("login")
    assert "_auth_user_id" not in client.session
