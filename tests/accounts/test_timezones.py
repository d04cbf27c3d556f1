"""The profile's time zone: canonical Area/Location names, searchable, pre-filled from the
browser for a new account (static/js/app.js; the browser test checks the filling)."""

import pytest
from django.urls import reverse

from accounts import timezones
from accounts.models import User
from tests.accounts.test_signup_profile import profile_data
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_only_canonical_names():
    names = set(timezones.canonical_timezones())
    assert {"UTC", "Europe/Berlin", "America/New_York", "America/Argentina/Buenos_Aires"} <= names
    for deprecated in ("US/Pacific", "GB", "Etc/GMT+5", "Europe/Kiev", "Asia/Calcutta", "EST"):
        assert deprecated not in names
    assert len(names) < 554


def test_typed_names_are_normalised():
    assert timezones.normalise(" europe/berlin ") == "Europe/Berlin"
    assert timezones.normalise("America/New York") == "America/New_York"


def test_a_new_account_gets_the_browser_prefill_and_a_searchable_list(client):
    person = UserFactory(sex="", date_of_birth=None)
    client.force_login(person)
    html = client.get(reverse("profile")).content.decode()
    assert 'data-timezone-prefill="1"' in html and 'list="timezone-names"' in html
    assert '<option value="Europe/Berlin">' in html and '<option value="US/Pacific">' not in html
    # No link from the profile page to itself.
    assert f'href="{reverse("profile")}"' not in html.split("<main")[1]


def test_a_deprecated_name_is_refused_with_a_clear_error(logged_in, user):
    response = logged_in.post(reverse("profile"), profile_data(timezone="US/Pacific"))
    assert response.status_code == 200
    assert "Choose a time zone from the list" in response.content.decode()
    assert User.objects.get(pk=user.pk).timezone == "UTC"


def test_a_name_saved_before_stays_valid_for_its_owner(client):
    person = UserFactory(timezone="US/Pacific")
    client.force_login(person)
    response = client.post(reverse("profile"), profile_data(timezone="US/Pacific"))
    assert response.status_code == 302
    assert User.objects.get(pk=person.pk).timezone == "US/Pacific"
