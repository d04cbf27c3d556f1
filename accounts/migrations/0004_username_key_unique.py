"""User.username_key becomes unique once 0003 has filled it."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_username_key"),
    ]

    operations = [
        migrations.AlterField(
            model_name="user",
            name="username_key",
            field=models.CharField(
                editable=False,
                help_text="The username after NFKC, case folding and look-alike letters "
                "(accounts.usernames.canonical): unique, so no two names can pass for each "
                "other.",
                max_length=600,
                null=True,
                unique=True,
            ),
        ),
    ]
