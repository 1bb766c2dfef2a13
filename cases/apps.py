from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "cases"
    # Not "Cases": the app's name above its Case list would read "Cases > Cases" in the breadcrumbs.
    verbose_name = _("Case work")

    def ready(self):
        from . import timeline_labels

        timeline_labels.register()
