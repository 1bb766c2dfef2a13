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
        # Seams (docs/architecture.md): the layers below accounts reach the one policy and the second factor
        # through creditportal.policy, and the retention purge acts as the system account.
        from audit import retention
        from creditportal.policy import policy_install

        from .permissions import can, require, scope
        from .services import system_actor
        from .twofactor import needs_second_factor, second_factor_redirect

        policy_install(
            scope=scope,
            can=can,
            require=require,
            needs_second_factor=needs_second_factor,
            second_factor_redirect=second_factor_redirect,
        )
        retention.system_actor_register(system_actor)
