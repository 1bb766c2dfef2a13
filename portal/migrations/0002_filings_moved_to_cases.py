"""Filings moved to the cases app (see cases 0006): state only, the tables stay where they are."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('portal', '0001_initial'),
        ('cases', '0006_filings_from_portal'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.RemoveField(
                    model_name='filing',
                    name='case',
                ),
                migrations.RemoveField(
                    model_name='filing',
                    name='filed_by',
                ),
                migrations.RemoveField(
                    model_name='historicalfilingattachment',
                    name='filing',
                ),
                migrations.RemoveField(
                    model_name='historicalfiling',
                    name='case',
                ),
                migrations.RemoveField(
                    model_name='historicalfiling',
                    name='filed_by',
                ),
                migrations.RemoveField(
                    model_name='historicalfiling',
                    name='history_user',
                ),
                migrations.RemoveField(
                    model_name='historicalfilingattachment',
                    name='history_user',
                ),
                migrations.DeleteModel(
                    name='FilingAttachment',
                ),
                migrations.DeleteModel(
                    name='Filing',
                ),
                migrations.DeleteModel(
                    name='HistoricalFiling',
                ),
                migrations.DeleteModel(
                    name='HistoricalFilingAttachment',
                ),
            ],
        ),
    ]
