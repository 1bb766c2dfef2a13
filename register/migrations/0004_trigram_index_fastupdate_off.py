"""The name search's trigram index without GIN's pending list (issue 18, measured in docs/performance.md).

With ``fastupdate`` on (PostgreSQL's default), rows inserted since the last vacuum wait in an unsorted pending list
that every search reads through: right after the register was indexed, a 4-character search took 10–28 ms instead
of 0.3 ms. The register is read far more than it is written, so each insert updates the index itself. State: the
model's index gains ``fastupdate=False``; database: ``ALTER INDEX``, then the list left so far is merged.
"""

from django.contrib.postgres.indexes import GinIndex, OpClass
from django.db import migrations
from django.db.models.functions import Upper

NAME = "register_listing_name_trgm"


def fastupdate_off(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"ALTER INDEX IF EXISTS {NAME} SET (fastupdate = off)")
    schema_editor.execute(f"SELECT gin_clean_pending_list('{NAME}'::regclass)")


def fastupdate_default(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"ALTER INDEX IF EXISTS {NAME} RESET (fastupdate)")


class Migration(migrations.Migration):
    dependencies = [("register", "0003_audit_witness")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveIndex(model_name="listing", name=NAME),
                migrations.AddIndex(
                    model_name="listing",
                    index=GinIndex(OpClass(Upper("name"), name="gin_trgm_ops"), name=NAME, fastupdate=False),
                ),
            ],
            database_operations=[migrations.RunPython(fastupdate_off, fastupdate_default)],
        )
    ]
