from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "cases"
    # Not "Cases": the app's name above its Case list would read "Cases > Cases" in the breadcrumbs.
    verbose_name = _("Case work")

    def ready(self):
        # Seams (docs/architecture.md): lower modules and apps learn what this app provides without importing it.
        from accounts.permissions import case_states_register, scope_of_case
        from audit import retention
        from creditportal.admin_base import inline_parent_scope_register
        from creditportal.admin_site import admin_notice_register
        from creditportal.health import register_readiness_check

        from . import (
            calendar,
            checks,  # noqa: F401  (registers the system checks)
            timeline_labels,
        )
        from .admin.catalogue import missing_calendar_banner
        from .services import notifications
        from .services.lifecycle import case_records_deidentify
        from .tasks import send_notification_email
        from .workflow import EDITABLE_STATES, HIDDEN_FROM_ENTITY_STATES

        # The policy (accounts) names no case state: the workflow does.
        case_states_register(editable=sorted(EDITABLE_STATES), hidden_from_entity=sorted(HIDDEN_FROM_ENTITY_STATES))

        notifications.email_task_register(send_notification_email)
        # Inlines on a case's page filter by the case the page already read through the policy (issue 11).
        inline_parent_scope_register(
            "cases.case",
            lambda queryset, user, action, case, *, parent_allowed: scope_of_case(
                queryset, user, action, case, case_allowed=parent_allowed
            ),
        )
        # The retention purge: the notices served on a de-identified person and their published entries.
        retention.records_deidentifier_register(case_records_deidentify)
        # Not critical: every server shares the calendar, so taking them out of service would not help; alert instead.
        register_readiness_check("working_day_calendar", calendar.readiness_problem, critical=False)
        # Administrators see on every admin page that a year's holiday notice is missing (from 1 November, next year's).
        admin_notice_register("missing_holiday_notice", missing_calendar_banner)
        # Auditors' timelines show this app's change reasons translated.
        timeline_labels.register()
