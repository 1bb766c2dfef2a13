from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ImportsConfig(AppConfig):
    name = "imports"
    verbose_name = _("Bulk import")

    def ready(self):
        from . import services, tasks

        services.import_task_register(tasks.run_import)
