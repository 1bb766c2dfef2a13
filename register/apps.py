from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegisterConfig(AppConfig):
    name = "register"
    verbose_name = _("Public credit register")

    def ready(self):
        from django.db.models.signals import post_delete, post_migrate, post_save

        from accounts.models import Department
        from audit.witness import witness_publisher_register, witness_source_register
        from cases.models import Case, CatalogueItem, MeasureType, Publication
        from creditportal.health import register_readiness_check

        from . import log, monitor, signals

        # A publication or its case changed: refresh its register entry (and with it caches and downloads).
        post_save.connect(signals.on_publication_saved, sender=Publication, dispatch_uid="register.publication")
        post_save.connect(signals.on_case_saved, sender=Case, dispatch_uid="register.case")
        # The search form's filter lists are cached (selectors.search_filter_choices) until one of their rows changes.
        for model in (Department, CatalogueItem, MeasureType):
            for signal in (post_save, post_delete):
                signal.connect(
                    signals.on_search_filter_changed, sender=model, dispatch_uid=f"register.filters.{model._meta.label}"
                )
        post_migrate.connect(signals.on_migrated, sender=self, dispatch_uid="register.migrated")
        # Not critical: the condition is fleet-wide (every server reads the same database); /readyz reports it as a
        # warning for the alert, and `check_register` exits 1 from its timer (docs/operations.md).
        register_readiness_check("register_monitor", monitor.readiness_problem, critical=False)
        # Each seal of the audit chain is witnessed in the public log, and verify_audit checks the chain against it.
        witness_publisher_register(log.witness_append)
        witness_source_register(log.witness_records)
