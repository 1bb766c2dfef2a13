from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _sync_roles(sender, **kwargs):
    from django.apps import apps

    from .roles import sync_roles

    sync_roles(apps)


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts and departments")

    def ready(self):
        # Roles are code: every migrate brings the groups' permissions in line with accounts/roles.py.
        post_migrate.connect(_sync_roles, sender=self, dispatch_uid="accounts.sync_roles")
