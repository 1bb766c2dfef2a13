"""The staff landing page: the dashboards of the user's roles, in the admin's look."""

from django.contrib import admin
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from . import selectors

# A dashboard is shown to whoever holds the model permission of the work it sums up.
SECTIONS = (
    ("cases", ("cases.add_case", "cases.review_case"), selectors.case_dashboard),
    ("appeals", ("cases.decide_filing",), selectors.appeals_dashboard),
    ("audit", ("audit.view_accesslog",), selectors.audit_dashboard),
)
SECTION_TITLES = {
    "cases": lambda: _("Department cases"),
    "appeals": lambda: _("Objections, appeals and credit repair"),
    "audit": lambda: _("Access and audit"),
}


@require_safe
def index(request):
    today = timezone.localdate()
    sections = [
        {"key": key, "title": SECTION_TITLES[key](), **build(request.user, today)}
        for key, permissions, build in SECTIONS
        if any(request.user.has_perm(permission) for permission in permissions)
    ]
    context = {**admin.site.each_context(request), "title": _("Dashboard"), "sections": sections, "today": today}
    return TemplateResponse(request, "dashboards/index.html", context)
