"""The register's index of publications (issue 18).

Name search is ``name__icontains``, i.e. ``UPPER(name) LIKE UPPER(%s)``: a GIN index with ``gin_trgm_ops`` on
``UPPER(name)`` serves it. The extension comes from ``TrigramExtension`` (a no-op on SQLite); the index is
written out in SQL because Django wraps an ``OpClass`` expression in one pair of parentheses too many for
``CREATE INDEX``. On SQLite the migration state knows the index and the database does nothing.
"""

from django.contrib.postgres.indexes import GinIndex, OpClass
from django.contrib.postgres.operations import TrigramExtension
import django.db.models.deletion
from django.db.models.functions import Upper
import django.utils.timezone
import register.models
from django.db import migrations, models


TRIGRAM_INDEX = GinIndex(OpClass(Upper("name"), name="gin_trgm_ops"), name="register_listing_name_trgm")


def add_trigram_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS register_listing_name_trgm ON register_listing USING gin (UPPER(name) gin_trgm_ops)"
    )


def remove_trigram_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP INDEX IF EXISTS register_listing_name_trgm")


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('accounts', '0003_department_groups'),
        ('cases', '0012_review_queue_indexes'),
    ]

    operations = [
        TrigramExtension(),
        migrations.CreateModel(
            name='Listing',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('token', models.CharField(default=register.models.new_token, editable=False, max_length=32, unique=True, verbose_name='public identifier')),
                ('content', models.JSONField(verbose_name='public content')),
                ('name', models.CharField(max_length=200, verbose_name='name')),
                ('uscc', models.CharField(blank=True, db_index=True, max_length=18, verbose_name='unified social credit code')),
                ('natural_person', models.BooleanField(verbose_name='natural person')),
                ('minor', models.BooleanField(verbose_name='minor')),
                ('listed', models.BooleanField(verbose_name='listed')),
                ('decided_on', models.DateField(null=True, verbose_name='decision date')),
                ('published_from', models.DateField(verbose_name='published from')),
                ('max_end_on', models.DateField(verbose_name='latest end')),
                ('ended_on', models.DateField(null=True, verbose_name='ended on')),
                ('updated_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='updated at')),
                ('catalogue_item', models.ForeignKey(null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='cases.catalogueitem', verbose_name='conduct')),
                ('department', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='accounts.department', verbose_name='deciding department')),
                ('measure_types', models.ManyToManyField(related_name='+', to='cases.measuretype', verbose_name='measures')),
                ('publication', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='register_listing', to='cases.publication', verbose_name='publication')),
            ],
            options={
                'verbose_name': 'register entry',
                'verbose_name_plural': 'register entries',
                'ordering': ['-decided_on', '-id'],
                'indexes': [models.Index(fields=['-decided_on', '-id'], name='register_listing_order_idx')],
            },
        ),
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.AddIndex(model_name="listing", index=TRIGRAM_INDEX)],
            database_operations=[migrations.RunPython(add_trigram_index, remove_trigram_index)],
        ),
    ]
