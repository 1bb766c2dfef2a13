"""Each listing keeps its bulk-download CSV line (issue 18 speed pass): writing the whole CSV then only joins lines.

Nullable, so that PostgreSQL adds the columns without rewriting the table and SQLite without rebuilding it. Listings
written before this migration have no line: the download renders theirs from the content until ``manage.py
rebuild_register`` (or their next change) stores it.
"""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('register', '0005_sync_indexes'),
    ]

    operations = [
        migrations.AddField(
            model_name='listing',
            name='csv_format',
            field=models.CharField(editable=False, max_length=16, null=True, verbose_name='CSV format'),
        ),
        migrations.AddField(
            model_name='listing',
            name='csv_line',
            field=models.TextField(editable=False, null=True, verbose_name='CSV line'),
        ),
    ]
