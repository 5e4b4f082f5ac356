"""The first check-in rule set, and the PostgreSQL-only pieces of the check-in table:

* the two tracing indexes declared plain on the model become covering btrees,
  ``(venue_id, check_in) INCLUDE (check_out, person_id)`` and
  ``(person_id, check_in) INCLUDE (venue_id, check_out)`` (same names, so Django's model
  state still matches; SQLite keeps the plain ones);
* a BRIN index on ``check_in`` for the retention purge and time-window counts (rows arrive
  in time order, so a BRIN of a few hundred kB prunes the heap; PERFORMANCE.md §5.5 (3));
* ``gen_random_uuid()`` as the database default of ``uuid`` so that bulk loads (COPY) need
  not send one.
"""

import datetime

from django.db import migrations

COVERING = """
DROP INDEX IF EXISTS venues_ci_venue_time_idx;
CREATE INDEX venues_ci_venue_time_idx ON venues_checkin (venue_id, check_in)
    INCLUDE (check_out, person_id);
DROP INDEX IF EXISTS venues_ci_person_time_idx;
CREATE INDEX venues_ci_person_time_idx ON venues_checkin (person_id, check_in)
    INCLUDE (venue_id, check_out);
"""
PLAIN = """
DROP INDEX IF EXISTS venues_ci_venue_time_idx;
CREATE INDEX venues_ci_venue_time_idx ON venues_checkin (venue_id, check_in);
DROP INDEX IF EXISTS venues_ci_person_time_idx;
CREATE INDEX venues_ci_person_time_idx ON venues_checkin (person_id, check_in);
"""
BRIN = "CREATE INDEX IF NOT EXISTS venues_ci_checkin_brin ON venues_checkin USING brin (check_in)"
DROP_BRIN = "DROP INDEX IF EXISTS venues_ci_checkin_brin"
UUID_DEFAULT = "ALTER TABLE venues_checkin ALTER COLUMN uuid SET DEFAULT gen_random_uuid()"
DROP_UUID_DEFAULT = "ALTER TABLE venues_checkin ALTER COLUMN uuid DROP DEFAULT"

FIRST_RULES = {
    "name": "checkin_2021-10",
    # Resolution 128/NQ-CP (11/10/2021) made QR check-in at public places mandatory.
    "valid_from": datetime.datetime(2021, 1, 1, tzinfo=datetime.timezone.utc),
    "max_stay_minutes": 480,
    "retention_days": 28,
    "clock_skew_minutes": 5,
    "default_stays": {
        "market": 45,
        "supermarket": 45,
        "restaurant": 60,
        "office": 480,
        "school": 420,
        "factory": 480,
        "construction": 480,
        "hospital": 120,
        "hotel": 480,
        "tourist_site": 120,
        "vehicle": 120,
        "event": 180,
        "religious": 60,
        "other": 60,
    },
    "decision": "Default: automatic check-out after the kind's stay, at most 8 hours; "
    "check-ins kept 28 days.",
}


def forward(apps, schema_editor):
    CheckInRuleSet = apps.get_model("venues", "CheckInRuleSet")
    if not CheckInRuleSet.objects.filter(name=FIRST_RULES["name"]).exists():
        CheckInRuleSet.objects.create(**FIRST_RULES)
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(COVERING, params=None)
        schema_editor.execute(BRIN, params=None)
        schema_editor.execute(UUID_DEFAULT, params=None)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP_BRIN, params=None)
        schema_editor.execute(DROP_UUID_DEFAULT, params=None)
        schema_editor.execute(PLAIN, params=None)


class Migration(migrations.Migration):
    dependencies = [("venues", "0001_initial")]

    operations = [migrations.RunPython(forward, backward)]
