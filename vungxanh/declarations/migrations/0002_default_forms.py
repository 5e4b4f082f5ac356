"""The shipped declaration forms (version 1 of each kind), as data."""

from django.db import migrations


def load(apps, schema_editor):
    from vungxanh.declarations.defaults import load_default_forms

    load_default_forms(apps.get_model("declarations", "FormDefinition"))


class Migration(migrations.Migration):
    dependencies = [("declarations", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
