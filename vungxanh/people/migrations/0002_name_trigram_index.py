"""On PostgreSQL: a trigram GIN index on the folded name, so that searching a name with or
without diacritics anywhere in it (LIKE '%nguyen van an%') stays an index scan over 1.3
million persons. Other databases search with a plain LIKE."""

from django.db import migrations

CREATE = """
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX IF NOT EXISTS people_person_name_trgm
    ON people_person USING gin (name_folded gin_trgm_ops);
"""

DROP = "DROP INDEX IF EXISTS people_person_name_trgm;"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("people", "0001_initial")]

    operations = [migrations.RunPython(create, drop)]
