"""Usernames are unique after NFKC and case folding, and look-alikes are refused (issue
"Hardening", item 12)."""

import pytest
from django.db import IntegrityError
from django.urls import reverse

from accounts.models import User
from accounts.usernames import canonical, mixed_script_message

pytestmark = pytest.mark.django_db


def signup(client, username):
    return client.post(
        reverse("signup"),
        {
            "username": username,
            "email": "",
            "password1": "a long enough passphrase",
            "password2": "a long enough passphrase",
        },
    )


@pytest.mark.parametrize(
    "lookalike",
    [
        "\u0430lice",  # Cyrillic a, then Latin
        "ALICE",
        "Alice",
        "ａｌｉｃｅ",  # fullwidth
        "\u0430\u04cf\u0456\u0441\u0435",  # all Cyrillic: а ӏ і с е
        "\u03b1lice",  # Greek alpha
    ],
)
def test_a_lookalike_of_an_existing_name_is_refused(client, lookalike):
    assert signup(client, "alice").status_code == 302
    client.post(reverse("logout"))
    response = signup(client, lookalike)
    assert response.status_code == 200
    assert "username" in response.context["form"].errors
    assert User.objects.count() == 1


def test_mixed_script_names_are_refused_even_when_new(client):
    response = signup(client, "p\u0430ypal")  # Cyrillic a inside Latin
    assert response.status_code == 200
    errors = response.context["form"].errors["username"]
    assert any("one alphabet" in e for e in errors)
    assert not User.objects.exists()


@pytest.mark.parametrize("name", ["alice", "Zoë", "Дмитрий", "Σωκράτης", "田中たなか", "anna_1"])
def test_single_script_names_are_welcome(client, name):
    assert mixed_script_message(name) is None
    assert signup(client, name).status_code == 302


def test_casefolding_is_full_not_just_lower_case(client):
    assert canonical("STRASSE") == canonical("straße")
    assert signup(client, "straße").status_code == 302
    client.post(reverse("logout"))
    assert signup(client, "STRASSE").status_code == 200


def test_the_database_refuses_a_lookalike_from_a_simultaneous_signup(db):
    User.objects.create_user("alice", password="x-long-passphrase")
    with pytest.raises(IntegrityError):
        User.objects.create_user("ALİCE".replace("İ", "I"), password="x-long-passphrase")


def test_the_migration_keys_existing_names_without_failing_on_lookalikes(db):
    from importlib import import_module

    from django.apps import apps

    fill_keys = import_module("accounts.migrations.0003_username_key").fill_keys
    User.objects.create_user("bob", password="x")
    other = User.objects.create_user("carol", password="x")
    User.objects.update(username_key=None)
    User.objects.filter(pk=other.pk).update(username="BOB")  # a legacy look-alike pair
    fill_keys(apps, None)
    keys = sorted(User.objects.values_list("username_key", flat=True), key=str)
    assert keys == ["bob", None] or keys == [None, "bob"]
