from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "audit"
    verbose_name = _("Audit")

    def ready(self):
        from django.db.models.signals import post_save
        from simple_history.signals import post_create_historical_m2m_records, post_create_historical_record

        from creditportal.admin_site import recent_actions_register

        from . import chain, checks  # noqa: F401  (checks: registers the system checks)
        from .models import AccessLog
        from .timeline import recent_actions

        post_create_historical_record.connect(chain.on_historical_record, dispatch_uid="audit_chain_history")
        post_create_historical_m2m_records.connect(chain.on_historical_m2m_records, dispatch_uid="audit_chain_m2m")
        post_save.connect(chain.on_access_log_saved, sender=AccessLog, dispatch_uid="audit_chain_accesslog")
        register_append_only_triggers()
        recent_actions_register(recent_actions)


APPEND_ONLY_TRIGGER = "append_only"


def register_append_only_triggers():
    """On PostgreSQL, refuse UPDATE and DELETE on every history table, the access log and the chain (DESIGN §8).

    Registered here rather than in each model's Meta, so no other app needs a migration:
    ``PGTRIGGER_MIGRATIONS = False`` and ``PGTRIGGER_INSTALL_ON_MIGRATE = True`` install them after every
    ``migrate``. pgtrigger does nothing on SQLite. The retention purge (``audit.services``) is the one path
    that lifts them, with ``pgtrigger.ignore``.
    """
    import pgtrigger

    from . import chain
    from .models import ChainHead, ChainLink

    for model in [*chain.chained_models(), ChainLink, ChainHead]:
        if any(registered is model for registered, _trigger in pgtrigger.registered()):
            continue
        pgtrigger.Protect(name=APPEND_ONLY_TRIGGER, operation=pgtrigger.Update | pgtrigger.Delete).register(model)
