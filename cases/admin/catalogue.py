"""The catalogue in the admin (DESIGN §4): administrators edit it, other staff read it, history keeps each change."""

from django.contrib import admin, messages
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from creditportal.admin_base import ScopedModelAdmin

from .. import calendar
from ..models import CalendarDay, CatalogueItem, LegalSource, MeasureType, ProportionalityRule, RulePeriod

MISSING_CALENDAR_WARNING = _(
    "The official holiday notice for %(years)s is not loaded: working-day deadlines in those years count "
    "weekends only. Add the notice's holidays and make-up working days."
)


class MissingCalendarWarningMixin:
    """Shows a warning on the changelist when the current or next year has no holiday-calendar rows."""

    def changelist_view(self, request, extra_context=None):
        if request.method == "GET":
            this_year = timezone.localdate().year
            missing = calendar.missing_years({this_year, this_year + 1})
            if missing:
                years = ", ".join(str(year) for year in sorted(missing))
                self.message_user(request, MISSING_CALENDAR_WARNING % {"years": years}, messages.WARNING)
        return super().changelist_view(request, extra_context)


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
