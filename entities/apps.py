from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EntitiesConfig(AppConfig):
    name = "entities"
    verbose_name = _("Entity registry")

    def ready(self):
        # Seams (docs/architecture.md): the retention purge de-identifies a person through this app's service.
        from audit import retention

        from .services import entity_deidentify

        retention.person_deidentifier_register(entity_deidentify)
