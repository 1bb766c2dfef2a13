"""The catalogue in the admin (DESIGN §4): administrators edit it, other staff read it, history keeps each change."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from creditportal.admin_base import ScopedModelAdmin

from .. import calendar
from ..forms import CalendarNoticeForm
from ..models import CalendarDay, CatalogueItem, LegalSource, MeasureType, ProportionalityRule, RulePeriod
from ..services.deadlines import calendar_notice_enter, deadlines_recompute

MISSING_CALENDAR_WARNING = _(
    "The official holiday notice for %(years)s is not loaded: working-day deadlines in those years count "
    "weekends only. Add the notice's holidays and make-up working days."
)


class MissingCalendarWarningMixin:
    """Shows a warning on the changelist when this year, or from 1 November next year, has no calendar rows."""

    def changelist_view(self, request, extra_context=None):
        if request.method == "GET":
            missing = calendar.missing_years(timezone.localdate())
            if missing:
                years = ", ".join(str(year) for year in sorted(missing))
                self.message_user(request, MISSING_CALENDAR_WARNING % {"years": years}, messages.WARNING)
        return super().changelist_view(request, extra_context)


MISSING_CALENDAR_BANNER = _(
    "The State Council holiday notice for %(years)s is not loaded: deadlines in those years count the statutory "
    "holidays only and are provisional."
)


def missing_calendar_banner(request) -> list[dict]:
    """The admin banner (issue 20 §4): to those who may change the holiday calendar, the years with no notice.

    Registered with the admin site (``admin_notice_register``), so it runs on every admin page. Everyone else is
    answered from the permissions the page has already loaded (no query); administrators cost at most one cheap
    query every few minutes (``calendar.missing_years_cached``).
    """
    if not request.user.is_active or not request.user.has_perm("cases.change_calendarday"):
        return []
    missing = calendar.missing_years_cached(timezone.localdate())
    if not missing:
        return []
    return [
        {
            "message": MISSING_CALENDAR_BANNER % {"years": ", ".join(str(year) for year in sorted(missing))},
            "url": reverse("admin:cases_calendarday_notice"),
            "link": _("Enter the notice"),
        }
    ]


@admin.register(LegalSource)
class LegalSourceAdmin(ScopedModelAdmin):
    list_display = ["code", "title_zh", "title_en", "kind", "issued_on"]
    list_filter = ["kind"]
    search_fields = ["code", "title_zh", "title_en"]


@admin.register(CatalogueItem)
class CatalogueItemAdmin(ScopedModelAdmin):
    list_display = [
        "code",
        "name_zh",
        "name_en",
        "default_severity",
        "publishable",
        "court_only",
        "confidence",
        "is_active",
    ]
    list_filter = ["default_severity", "publishable", "court_only", "confidence", "is_active"]
    search_fields = ["code", "name_zh", "name_en"]
    filter_horizontal = ["sources"]


@admin.register(MeasureType)
class MeasureTypeAdmin(ScopedModelAdmin):
    list_display = [
        "code",
        "name_zh",
        "name_en",
        "category",
        "authority",
        "max_duration_months",
        "confidence",
        "is_active",
    ]
    list_filter = ["category", "authority", "confidence", "is_active"]
    search_fields = ["code", "name_zh", "name_en"]
    filter_horizontal = ["catalogue_items", "sources"]


@admin.register(ProportionalityRule)
class ProportionalityRuleAdmin(ScopedModelAdmin):
    """Which measures, for how long at most, per conduct and severity (issue 20 §3)."""

    list_display = ["catalogue_item", "severity", "measure_type", "max_duration_months", "valid_from", "valid_to"]
    list_filter = ["severity", "confidence", "catalogue_item"]
    list_select_related = ["catalogue_item", "measure_type"]
    search_fields = ["catalogue_item__code", "measure_type__code"]
    filter_horizontal = ["sources"]


@admin.register(RulePeriod)
class RulePeriodAdmin(MissingCalendarWarningMixin, ScopedModelAdmin):
    list_display = [
        "key",
        "kind",
        "severity",
        "value",
        "unit",
        "effective_from",
        "effective_to",
        "regime",
        "confidence",
    ]
    list_filter = ["kind", "severity", "unit", "confidence"]
    search_fields = ["key", "regime"]
    filter_horizontal = ["catalogue_items", "sources"]


@admin.register(CalendarDay)
class CalendarDayAdmin(MissingCalendarWarningMixin, ScopedModelAdmin):
    list_display = ["date", "kind", "name_zh", "name_en", "notice"]
    list_filter = ["kind"]
    search_fields = ["name_zh", "name_en", "notice"]
    date_hierarchy = "date"

    def get_urls(self):
        notice = path("notice/", self.admin_site.admin_view(self.notice_view), name="cases_calendarday_notice")
        return [notice, *super().get_urls()]

    def save_model(self, request, obj, form, change):
        """A single day changed: the open deadlines that may run through its year are counted again."""
        super().save_model(request, obj, form, change)
        self._recomputed(request, deadlines_recompute(actor=request.user, years={obj.date.year}))

    def _recomputed(self, request, moved):
        if moved:
            self.message_user(
                request,
                _("%(count)s open deadline(s) were recomputed on the new calendar.") % {"count": len(moved)},
                messages.INFO,
            )

    def notice_view(self, request):
        """Enter a year's notice at once: its holiday blocks and make-up working days, with its source."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = CalendarNoticeForm(request.POST or None, initial={"year": timezone.localdate().year + 1})
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                moved = calendar_notice_enter(
                    actor=request.user, year=data["year"], notice=data["notice"], source=data["source"],
                    holidays=data["holidays"], workdays=data["workdays"],
                )  # fmt: skip
            except ValidationError as error:
                for field, problems in error.message_dict.items():
                    form.add_error(field if field in form.fields else None, problems)
            else:
                self.message_user(request, _("The holiday notice for %(year)s was entered.") % data, messages.SUCCESS)
                self._recomputed(request, moved)
                return redirect("admin:cases_calendarday_changelist")
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Enter a year's holiday notice"),
            "form": form,
        }
        return TemplateResponse(request, "admin/cases/calendarday/notice.html", context)
