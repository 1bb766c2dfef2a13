"""Drop the pattern-matching copy of the chain links' hash index (issue 25 §2: every appended row pays for it).

On PostgreSQL Django gives a unique ``CharField`` a second index with ``varchar_pattern_ops`` for ``LIKE`` queries.
Nothing searches link hashes by pattern; the unique constraint's own index stays. Each of these two indexes takes
a random position for every new link (hashes are random), which is what makes appending slower as the chain grows.
Django drops this index by name with ``IF EXISTS`` should the field ever change, so removing it here is safe.
"""

from django.db import migrations

INDEX = "audit_chainlink_hash_429a6c03_like"


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


def restore(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {INDEX} ON audit_chainlink (hash varchar_pattern_ops)")


class Migration(migrations.Migration):
    dependencies = [("audit", "0003_chain")]

    operations = [migrations.RunPython(drop, restore, elidable=False)]
