"""A trigram index behind the entity search (issue 11). Written by hand.

The admin searches ``name__icontains``, which Django compiles to ``UPPER(name) LIKE UPPER(%s)``: a GIN index with
``gin_trgm_ops`` on ``UPPER(name)`` serves it. PostgreSQL only: on SQLite the state knows the index and the
database does nothing.
"""

from django.contrib.postgres.indexes import GinIndex, OpClass
from django.db import migrations
from django.db.models.functions import Upper

TRIGRAM_INDEX = GinIndex(OpClass(Upper("name"), name="gin_trgm_ops"), name="entity_name_trgm")


def add_trigram_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    # Written out: Django wraps an OpClass expression in one pair of parentheses too many for CREATE INDEX.
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS entity_name_trgm ON entities_entity USING gin (UPPER(name) gin_trgm_ops)"
    )


def remove_trigram_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP INDEX IF EXISTS entity_name_trgm")


class Migration(migrations.Migration):
    dependencies = [("entities", "0002_sync_roles")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.AddIndex(model_name="entity", index=TRIGRAM_INDEX)],
            database_operations=[migrations.RunPython(add_trigram_index, remove_trigram_index)],
        ),
    ]
