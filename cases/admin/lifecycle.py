"""Clocks, publications and notifications in the admin (issue 5). All read-only: only services write them.

For the case page (``cases/admin/case.py``) this module offers :class:`PublicationInline` and
:func:`clocks_html`, which renders every deadline of a case and its measures with the overdue ones
highlighted.
"""

from django.contrib import admin
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django_tasks_db.models import DBTaskResult

from accounts.permissions import can
from creditportal.admin_base import ReadOnlyScopedModelAdmin, ScopedStackedInline

from .. import clocks
from ..models import Case, Notification, Publication


def _clock_rows(items):
    rows = []
    for clock in items:
        when = clock.on if clock.on else "—"
        if clock.overdue:
            when = format_html('<strong class="overdue">{} ({})</strong>', when, _("overdue"))
        elif clock.running:
            when = format_html("<strong>{}</strong>", when)
        rows.append((clock.label, when, clock.note))
    return rows


# Why a measure's end date and its publication's end date differ (issue 25): shown wherever both appear.
MEASURE_AND_PUBLICATION_ENDS = _(
    "A measure ends when its own duration runs out (or with the record period if it has none). Publication "
    "follows the record period the rules set for the conduct and its severity: it may outlast a measure, and "
    "credit repair can end it early, from its earliest end."
)


def clocks_html(case: Case):
    """A table of the case's clocks and each imposed measure's start and end; overdue dates in red."""
    today = timezone.localdate()
    rows = _clock_rows(clocks.case_clocks(case, today=today))
    measures = 0
    # The case page's measures inline has read the case's measures already (cases/admin/case.py): use its rows.
    shared = getattr(case, "_prefetched_objects_cache", {}).get("sanctions")
    sanctions = shared if shared is not None else case.sanctions.select_related("measure_type")
    for sanction in sanctions:
        if sanction.starts_on is None:
            continue
        measures += 1
        for label, when, note in _clock_rows(clocks.sanction_clocks(sanction, today=today)):
            rows.append((f"{sanction.measure_type} — {label}", when, note or sanction.get_status_display()))
    if not rows:
        return "—"
    body = format_html_join("", "<tr><th>{}</th><td>{}</td><td>{}</td></tr>", rows)
    if not measures:
        return format_html('<table class="clocks">{}</table>', body)
    return format_html('<table class="clocks">{}</table><p class="help">{}</p>', body, MEASURE_AND_PUBLICATION_ENDS)


def snapshot_html(publication: Publication):
    """The published content as the public register shows it (both languages)."""
    data = publication.snapshot or {}
    measures = format_html_join(
        "", "<li>{} / {}: {} – {}</li>",
        ((m["name"]["zh"], m["name"]["en"], m["starts_on"], m["ends_on"] or "—") for m in data.get("measures", [])),
    )  # fmt: skip
    rows = [
        (_("case number"), data.get("case_number")),
        (_("department"), data.get("department")),
        (_("entity"), f"{data['entity']['name']} ({data['entity']['identifier']})" if data.get("entity") else ""),
        (_("conduct"), " / ".join(data.get("conduct", {}).values())),
        (_("legal document"), " ".join(str(v) for v in data.get("document", {}).values())),
    ]
    # Shown with the entry as it stands now (issues 6-7): the dispute flag and the entity's own statement.
    if publication.case.under_objection:
        rows.append((_("status"), _("under objection")))
    if publication.entity_statement:
        rows.append((_("statement of the entity"), publication.entity_statement))
    return format_html(
        '<table class="snapshot">{}<tr><th>{}</th><td><ul>{}</ul></td></tr></table>',
        format_html_join("", "<tr><th>{}</th><td>{}</td></tr>", rows),
        _("measures"),
        measures,
    )


class PublicationInline(ScopedStackedInline):
    """For the case page: the case's publication, read-only."""

    model = Publication
    extra = 0
    can_delete = False
    fields = readonly_fields = ["published_from", "min_end_on", "max_end_on", "ended_on", "end_reason", "content"]
    inline_select_related = ("case",)
    verbose_name_plural = _("publication")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description=_("published content"))
    def content(self, publication):
        return snapshot_html(publication)


@admin.register(Publication)
class PublicationAdmin(ReadOnlyScopedModelAdmin):
    list_display = [
        "case", "published_from", "min_end_on", "max_end_on", "ended_on", "end_reason", "public_now", "disputed",
    ]  # fmt: skip
    list_filter = ["end_reason"]
    list_select_related = ["case"]
    search_fields = ["case__number"]
    fields = readonly_fields = [
        "case", "published_from", "min_end_on", "max_end_on", "ended_on", "end_reason", "content", "created_at",
    ]  # fmt: skip

    @admin.display(description=_("public now"), boolean=True)
    def public_now(self, publication):
        return publication.is_visible()

    @admin.display(description=_("under objection"), boolean=True)
    def disputed(self, publication):
        return publication.case.under_objection

    @admin.display(description=_("published content"))
    def content(self, publication):
        return snapshot_html(publication)


class EmailStatusFilter(admin.SimpleListFilter):
    """E-mail status, with "needs attention" (failed or still retrying) first for administrators."""

    title = _("e-mail")
    parameter_name = "email"

    def lookups(self, request, model_admin):
        return [("attention", _("needs attention")), *Notification.EmailStatus.choices]

    def queryset(self, request, queryset):
        if self.value() == "attention":
            return queryset.filter(
                email_status__in=[Notification.EmailStatus.FAILED, Notification.EmailStatus.RETRYING]
            )
        if self.value():
            return queryset.filter(email_status=self.value())
        return queryset


_TEXT_FIELDS = {"subject_zh", "body_zh", "subject_en", "body_en"}


@admin.register(Notification)
class NotificationAdmin(ReadOnlyScopedModelAdmin):
    list_display = ["created_at", "recipient", "kind", "case", "subject", "email_status", "email_attempts", "read_at"]
    list_filter = [EmailStatusFilter, "kind"]
    list_select_related = ["recipient", "case"]
    search_fields = ["case__number", "recipient__username"]
    fields = readonly_fields = [
        "recipient", "case", "notice", "kind", "language", "created_at", "read_at", "subject_zh", "body_zh",
        "subject_en", "body_en", "email_status", "email_attempts", "email_last_error", "email_next_attempt_at",
        "email_sent_at",
    ]  # fmt: skip

    def get_fields(self, request, obj=None):
        """The texts only for their recipient and whoever may see the case; others follow the delivery."""
        if obj is None or obj.recipient_id == request.user.pk or (obj.case_id and can(request.user, "view", obj.case)):
            return self.fields
        return [f for f in self.fields if f not in _TEXT_FIELDS]

    @admin.display(description=_("subject"))
    def subject(self, notification):
        return notification.subject


# django-tasks-db registers a plain ModelAdmin whose list resolves each task's function (and fails for
# a task the running backend cannot take); this one lists the stored facts only, through the base class.
admin.site.unregister(DBTaskResult)


@admin.register(DBTaskResult)
class BackgroundJobAdmin(ReadOnlyScopedModelAdmin):
    """Background jobs (notification e-mails) for administrators following deliveries: read-only."""

    list_display = ["task_path", "status", "enqueued_at", "started_at", "finished_at", "queue_name"]
    list_filter = ["status", "queue_name"]
    ordering = ["-enqueued_at"]
    fields = readonly_fields = [
        "task_path", "status", "enqueued_at", "run_after", "started_at", "finished_at", "queue_name",
        "exception_class_path", "traceback",
    ]  # fmt: skip
