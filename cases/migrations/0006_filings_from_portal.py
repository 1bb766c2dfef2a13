"""Filings (appeals, credit-repair applications) move from the portal app to cases, where DESIGN §3 puts them.

State only: the tables keep their names (``portal_filing``, ``portal_historicalfiling`` ...), so no row moves
and the audit chain over their history rows (which names the tables) still verifies.
"""

import cases.models.evidence
import django.db.models.deletion
import django.utils.timezone
import simple_history.models
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('cases', '0005_lifecycle'),
        ('portal', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name='Filing',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('kind', models.CharField(choices=[('appeal', 'appeal against the decision'), ('repair', 'application for credit repair')], max_length=16, verbose_name='kind')),
                        ('reference', models.CharField(editable=False, max_length=64, unique=True, verbose_name='reference number')),
                        ('text', models.TextField(verbose_name='reasons or commitment')),
                        ('status', models.CharField(choices=[('filed', 'filed, awaiting review')], default='filed', max_length=16, verbose_name='status')),
                        ('filed_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='filed at')),
                        ('case', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='filings', to='cases.case', verbose_name='case')),
                        ('filed_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='filed by')),
                    ],
                    options={
                        'verbose_name': 'filing',
                        'verbose_name_plural': 'filings',
                        'db_table': 'portal_filing',
                        'ordering': ['-filed_at', '-id'],
                    },
                ),
                migrations.CreateModel(
                    name='FilingAttachment',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('file', models.FileField(max_length=200, storage=cases.models.evidence.evidence_storage, upload_to=cases.models.evidence.evidence_path, verbose_name='file')),
                        ('original_name', models.CharField(max_length=255, verbose_name='original file name')),
                        ('content_type', models.CharField(max_length=100, verbose_name='detected type')),
                        ('size', models.PositiveBigIntegerField(verbose_name='size (bytes)')),
                        ('sha256', models.CharField(max_length=64, verbose_name='SHA-256')),
                        ('uploaded_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='uploaded at')),
                        ('filing', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='attachments', to='cases.filing', verbose_name='filing')),
                    ],
                    options={
                        'verbose_name': 'filing attachment',
                        'verbose_name_plural': 'filing attachments',
                        'db_table': 'portal_filingattachment',
                        'ordering': ['filing', 'id'],
                    },
                ),
                migrations.CreateModel(
                    name='HistoricalFiling',
                    fields=[
                        ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                        ('kind', models.CharField(choices=[('appeal', 'appeal against the decision'), ('repair', 'application for credit repair')], max_length=16, verbose_name='kind')),
                        ('reference', models.CharField(db_index=True, editable=False, max_length=64, verbose_name='reference number')),
                        ('text', models.TextField(verbose_name='reasons or commitment')),
                        ('status', models.CharField(choices=[('filed', 'filed, awaiting review')], default='filed', max_length=16, verbose_name='status')),
                        ('filed_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='filed at')),
                        ('history_id', models.BigAutoField(editable=False, primary_key=True, serialize=False)),
                        ('history_date', models.DateTimeField(db_index=True)),
                        ('history_change_reason', models.TextField(null=True)),
                        ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                        ('case', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='cases.case', verbose_name='case')),
                        ('filed_by', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='filed by')),
                        ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'verbose_name': 'historical filing',
                        'verbose_name_plural': 'historical filings',
                        'db_table': 'portal_historicalfiling',
                        'ordering': ('-history_date', '-history_id'),
                        'get_latest_by': ('history_date', 'history_id'),
                    },
                    bases=(simple_history.models.HistoricalChanges, models.Model),
                ),
                migrations.CreateModel(
                    name='HistoricalFilingAttachment',
                    fields=[
                        ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                        ('file', models.TextField(max_length=200, verbose_name='file')),
                        ('original_name', models.CharField(max_length=255, verbose_name='original file name')),
                        ('content_type', models.CharField(max_length=100, verbose_name='detected type')),
                        ('size', models.PositiveBigIntegerField(verbose_name='size (bytes)')),
                        ('sha256', models.CharField(max_length=64, verbose_name='SHA-256')),
                        ('uploaded_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='uploaded at')),
                        ('history_id', models.BigAutoField(editable=False, primary_key=True, serialize=False)),
                        ('history_date', models.DateTimeField(db_index=True)),
                        ('history_change_reason', models.TextField(null=True)),
                        ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                        ('filing', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='cases.filing', verbose_name='filing')),
                        ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'verbose_name': 'historical filing attachment',
                        'verbose_name_plural': 'historical filing attachments',
                        'db_table': 'portal_historicalfilingattachment',
                        'ordering': ('-history_date', '-history_id'),
                        'get_latest_by': ('history_date', 'history_id'),
                    },
                    bases=(simple_history.models.HistoricalChanges, models.Model),
                ),
            ],
        ),
    ]
