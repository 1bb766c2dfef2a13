from django.db import migrations

from accounts.roles import sync_roles


class Migration(migrations.Migration):
    """Give the role groups their permissions on this app's models (accounts/roles.py)."""

    dependencies = [
        ("entities", "0001_initial"),
        ("accounts", "0002_sync_roles"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(sync_roles, migrations.RunPython.noop)]
