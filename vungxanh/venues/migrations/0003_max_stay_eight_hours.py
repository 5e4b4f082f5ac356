"""The longest stay of a check-in rule set is capped at 8 hours (the requirement: "never
more than 8 hours"); it could be set up to 24 hours before. A rule set that allowed more is
brought down to 8 hours so that the tighter constraint can be added."""

import django.core.validators
from django.conf import settings
from django.db import migrations, models


def cap_longest_stays(apps, schema_editor):
    CheckInRuleSet = apps.get_model("venues", "CheckInRuleSet")
    CheckInRuleSet.objects.filter(max_stay_minutes__gt=480).update(max_stay_minutes=480)


class Migration(migrations.Migration):
    dependencies = [
        ("venues", "0002_checkin_postgres_and_rules"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="checkinruleset",
            name="venues_checkinruleset_max_stay_range",
        ),
        migrations.AlterField(
            model_name="checkinruleset",
            name="max_stay_minutes",
            field=models.PositiveIntegerField(
                default=480,
                validators=[
                    django.core.validators.MinValueValidator(1),
                    django.core.validators.MaxValueValidator(480),
                ],
                verbose_name="longest stay (minutes)",
            ),
        ),
        migrations.RunPython(cap_longest_stays, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="checkinruleset",
            constraint=models.CheckConstraint(
                condition=models.Q(("max_stay_minutes__gte", 1), ("max_stay_minutes__lte", 480)),
                name="venues_checkinruleset_max_stay_range",
            ),
        ),
    ]
