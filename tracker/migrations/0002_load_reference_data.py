"""Fill MagnesiumForm (26 compounds) and the reference Foods (100) from tracker/data/*.csv.

Re-runnable: rows are matched by name (reference foods: by name with no owner) and updated, so
running it again, or after the CSVs are corrected, creates no duplicates. Going backwards
keeps the rows: entries and products may point at them.
"""

from django.db import migrations

from tracker.reference_data import load_foods, load_forms


def load_reference_data(apps, schema_editor):
    load_forms(apps.get_model("tracker", "MagnesiumForm"))
    load_foods(apps.get_model("tracker", "Food"))


class Migration(migrations.Migration):
    dependencies = [
        ("tracker", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(load_reference_data, migrations.RunPython.noop),
    ]
