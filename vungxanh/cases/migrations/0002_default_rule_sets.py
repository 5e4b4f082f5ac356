"""The shipped tracing rule sets (Quảng Ninh 2021 and the definitions of 29/12/2021) as
data. Later versions are added by officials (cases.actions.publish_rule_set)."""

from django.db import migrations


def forward(apps, schema_editor):
    from vungxanh.cases.rules import load_default_rule_sets

    load_default_rule_sets(apps.get_model("cases", "RuleSet"))


class Migration(migrations.Migration):
    dependencies = [("cases", "0001_initial")]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
