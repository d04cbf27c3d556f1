"""Fill User.username_key (accounts/usernames.py) for existing people, (0004 makes it unique, in a transaction of its own).

Existing names that already pass for one another keep working: the later ones get no key
(NULL, which a unique column allows more than once) instead of failing the migration; they
get one when their username next changes."""

from django.db import migrations, models


def fill_keys(apps, schema_editor):
    from accounts.usernames import canonical

    User = apps.get_model("accounts", "User")
    seen = set()
    for user in User.objects.order_by("pk").only("pk", "username").iterator():
        key = canonical(user.username)
        if key in seen:
            continue
        seen.add(key)
        User.objects.filter(pk=user.pk).update(username_key=key)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_data_version"),
    ]

    operations = [
        migrations.AddField(
            model_name="user",
            name="username_key",
            field=models.CharField(editable=False, max_length=600, null=True),
        ),
        migrations.RunPython(fill_keys, migrations.RunPython.noop),
    ]
