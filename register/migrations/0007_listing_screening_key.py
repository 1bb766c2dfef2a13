"""Screening on a normalised key (issue 19; docs/performance.md, "Screening on a normalised key").

Each listing gains ``screening_key`` (``register.screening.screening_key`` of its name), filled here for the listings
already written, then its two indexes: a B-tree for equal keys and a trigram GIN (PostgreSQL only) for similar ones,
both partial on what can be shown. The column is nullable (PostgreSQL adds it without rewriting the table, SQLite
without rebuilding it and its GIN index, as for ``csv_line`` in 0006) and null only until filled here; the keys are written in keyset pages of 5,000 (one ``UPDATE ... FROM unnest`` each), and the
indexes are built once over the filled column rather than updated row by row. At 1M cases (about 520,000 listings)
this is minutes inside ``migrate``; ``manage.py rebuild_register --screening-keys`` does the same filling again later.
"""

from django.contrib.postgres.indexes import GinIndex
from django.db import migrations, models

TRIGRAM = "register_listing_screen_trgm"
SHOWN_SQL = "listed AND NOT minor AND ended_on IS NULL"


def keys_store(apps, schema_editor):
    from register.services import listings_screening_keys_store

    listings_screening_keys_store(using=schema_editor.connection.alias)


def trigram_index_create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {TRIGRAM} ON register_listing USING gin (screening_key gin_trgm_ops) "
        f"WITH (fastupdate = off) WHERE {SHOWN_SQL}"
    )
    schema_editor.execute("ANALYZE register_listing")  # the planner learns the new column's values


def trigram_index_drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP INDEX IF EXISTS {TRIGRAM}")


class Migration(migrations.Migration):

    dependencies = [
        ('register', '0006_listing_csv_line'),
    ]

    operations = [
        migrations.AddField(
            model_name='listing',
            name='screening_key',
            field=models.CharField(editable=False, max_length=200, null=True, verbose_name='screening key'),
        ),
        migrations.RunPython(keys_store, migrations.RunPython.noop, elidable=True),
        migrations.AddIndex(
            model_name='listing',
            index=models.Index(condition=models.Q(('ended_on__isnull', True), ('listed', True), ('minor', False)), fields=['screening_key'], name='register_listing_screen_eq'),
        ),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AddIndex(
                    model_name='listing',
                    index=GinIndex(condition=models.Q(('ended_on__isnull', True), ('listed', True), ('minor', False)), fastupdate=False, fields=['screening_key'], name=TRIGRAM, opclasses=['gin_trgm_ops']),
                ),
            ],
            database_operations=[migrations.RunPython(trigram_index_create, trigram_index_drop)],
        ),
    ]
