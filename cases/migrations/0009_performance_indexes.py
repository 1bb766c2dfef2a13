"""Indexes the benchmark calls for (issue 11, docs/performance.md). Written by hand.

- ``case_created_idx`` (-created_at, -id): the changelist's order, walked with the scope's ``EXISTS`` probes.
- ``case_state_created_idx``: lists filtered by state and the review queue (submitted / decision pending).
- ``case_number_trgm``: admin search (``number__icontains`` is ``UPPER(number) LIKE``) — a trigram GIN index on
  ``UPPER(number)``, PostgreSQL only: on SQLite the state knows it and the database does nothing.
- ``cases_historicalcase (id, history_date DESC)``: a case's timeline without sorting its history (both databases;
  not in the migration state, because simple-history builds the historical model).
"""

from django.contrib.postgres.indexes import GinIndex, OpClass
from django.db import migrations, models
from django.db.models.functions import Upper

TRIGRAM_INDEX = GinIndex(OpClass(Upper("number"), name="gin_trgm_ops"), name="case_number_trgm")


def add_trigram_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    # Written out: Django wraps an OpClass expression in one pair of parentheses too many for CREATE INDEX.
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS case_number_trgm ON cases_case USING gin (UPPER(number) gin_trgm_ops)"
    )


def remove_trigram_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP INDEX IF EXISTS case_number_trgm")


class Migration(migrations.Migration):
    dependencies = [("cases", "0008_review_deadlines")]

    operations = [
        migrations.AddIndex(
            model_name="case", index=models.Index(fields=["-created_at", "-id"], name="case_created_idx")
        ),
        migrations.AddIndex(
            model_name="case", index=models.Index(fields=["state", "-created_at"], name="case_state_created_idx")
        ),
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.AddIndex(model_name="case", index=TRIGRAM_INDEX)],
            database_operations=[migrations.RunPython(add_trigram_index, remove_trigram_index)],
        ),
        migrations.RunSQL(
            "CREATE INDEX historicalcase_timeline_idx ON cases_historicalcase (id, history_date DESC)",
            "DROP INDEX historicalcase_timeline_idx",
        ),
    ]
