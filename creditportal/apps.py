from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CreditportalConfig(AppConfig):
    name = "creditportal"
    verbose_name = _("Credit portal")

    def ready(self):
        from django.conf import settings

        if "replica" in settings.DATABASES:
            from .health import register_readiness_check
            from .replica import replica_usable

            # Not critical: without the replica, reads go to the primary and every page still works.
            register_readiness_check(
                "replica", lambda: None if replica_usable() else "reads go to the primary", critical=False
            )
