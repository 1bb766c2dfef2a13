from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "cases"
    verbose_name = _("Cases")

    def ready(self):
        from creditportal.health import register_readiness_check

        from . import calendar

        # Not critical: every server shares the calendar, so taking them out of service would not help; alert instead.
        register_readiness_check("working_day_calendar", calendar.readiness_problem, critical=False)
