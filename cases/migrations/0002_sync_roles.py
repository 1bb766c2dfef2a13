from django.db import migrations

from accounts.roles import sync_roles


class Migration(migrations.Migration):
    """Give the role groups their permissions on the cases app's models (accounts/roles.py)."""

    dependencies = [
        ("cases", "0001_initial"),
        ("audit", "0002_sync_roles"),
    ]

    operations = [migrations.RunPython(sync_roles, migrations.RunPython.noop)]
