"""Version 2 of the shipped domestic-movement form (destination province; the arrival date
not before the departure date), in force from 13 October 2021."""

from django.db import migrations


def load(apps, schema_editor):
    from vungxanh.declarations.defaults import load_default_forms

    load_default_forms(apps.get_model("declarations", "FormDefinition"))


class Migration(migrations.Migration):
    dependencies = [("declarations", "0002_default_forms")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
