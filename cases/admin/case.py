"""The case workspace in the admin: caseworkers edit drafts, supervisors review from a queue."""

from django.contrib import admin
from django.db.models import Q
from django.template.defaultfilters import filesizeformat
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from audit.admin_export import ExportMixin
from creditportal.admin_base import (
    ScopedModelAdmin,
    ScopedStackedInline,
    ScopedTabularInline,
    choice_label,
    request_can,
)

from .. import clocks, services
from ..forms import (
    CaseForm,
    EvidenceUploadForm,
    LegalDocumentForm,
    SanctionForm,
)
from ..models import Case, Decision, Evidence, Filing, LegalDocument, Notice, Sanction, Statement
from ..selectors.queues import DUE_DATE
from ..workflow import State
from . import access as access_views
from . import workflow as workflow_views
from .challenges import LegalChallengeAdminMixin
from .lifecycle import PublicationInline, clocks_html


class OverdueFilter(admin.SimpleListFilter):
    title = _("deadline")
    parameter_name = "overdue"

    def lookups(self, request, model_admin):
        return [("yes", _("overdue")), ("no", _("on time"))]

    def queryset(self, request, queryset):
        today = timezone.localdate()
        if self.value() == "yes":
            return queryset.filter(due_on__lt=today)
        if self.value() == "no":
            return queryset.filter(Q(due_on__gte=today) | Q(due_on__isnull=True))
        return queryset


class LegalDocumentInline(ScopedStackedInline):
    model = LegalDocument
    form = LegalDocumentForm
    max_num = 1
    min_num = 0
    can_delete = False
    verbose_name_plural = _("legal document")

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)

        class JoinedRowFormSet(formset):
            def get_queryset(self):
                # Shown, not posted: the case's own query joined its legal document (object_select_related), so
                # the form shows that row instead of reading it again (issue 22). A posted form reads it afresh.
                case = self.instance
                field = Case._meta.get_field("legal_document")
                if self.is_bound or case.pk is None or not field.is_cached(case) or self.queryset.query.is_empty():
                    return super().get_queryset()
                if not hasattr(self, "_joined_rows"):
                    document = field.get_cached_value(case)
                    self._joined_rows = [document] if document is not None else []
                return self._joined_rows

        return JoinedRowFormSet


class SanctionInline(ScopedTabularInline):
    model = Sanction
    form = SanctionForm
    extra = 1
    allow_delete = True
    verbose_name_plural = _("measures")
    inline_select_related = ("case", "measure_type")

    def get_fields(self, request, obj=None):
        if obj is not None and not request_can(request, "change", obj):
            return [
                "measure_type",
                "duration_months",
                "status",
                "starts_on",
                "planned_end_on",
                "ended_on",
                "end_reason",
            ]
        return ["measure_type", "duration_months"]

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and not request_can(request, "change", obj):
            return self.get_fields(request, obj)
        return []

    def get_extra(self, request, obj=None, **kwargs):
        return 1 if self.has_add_permission(request, obj) else 0

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)

        class ParentAwareFormSet(formset):
            # The guards need the case as the form shows it, even before it is first saved.
            def get_form_kwargs(self, index):
                return {**super().get_form_kwargs(index), "case": self.instance}

            def get_queryset(self):
                # The deadlines table (clocks_html) lists these same measures: it reads them from here, so the
                # page reads them once (issue 22). Not when the rows are scoped away (the table reads its own).
                rows = super().get_queryset()
                case = self.instance
                if case.pk is not None and not rows.query.is_empty():
                    cache = case.__dict__.setdefault("_prefetched_objects_cache", {})
                    cache.setdefault("sanctions", rows)
                return rows

            def _construct_form(self, i, **kwargs):
                # Every row offers the same measure types: read them once, not once per row (issue 11).
                form = super()._construct_form(i, **kwargs)
                field = form.fields.get("measure_type")
                if field is not None and hasattr(field, "queryset"):
                    if not hasattr(self, "_measure_choices"):
                        self._measure_choices = list(field.choices)
                    field.choices = self._measure_choices
                return form

        return ParentAwareFormSet


class EvidenceInline(ScopedTabularInline):
    model = Evidence
    form = EvidenceUploadForm
    extra = 1
    verbose_name_plural = _("evidence")
    inline_select_related = ("case", "uploaded_by")
    readonly_fields = ["download", "kind_and_size", "sha256", "uploaded"]

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["file", "description"]  # a new case: nothing uploaded yet, nothing to show about it
        if self.has_add_permission(request, obj):
            return ["file", "description", *self.readonly_fields]
        return ["download", "description", *self.readonly_fields[1:]]  # nothing to upload: no file widget

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        if self.has_add_permission(request, obj):
            return self.readonly_fields
        return [*self.readonly_fields, "description"]

    def get_extra(self, request, obj=None, **kwargs):
        return 1 if self.has_add_permission(request, obj) else 0

    @admin.display(description=_("file"))
    def download(self, evidence):
        if not evidence.pk:
            return ""
        url = reverse("cases:evidence_download", args=[evidence.pk])
        return format_html('<a href="{}">{}</a>', url, evidence.original_name)

    @admin.display(description=_("detected type and size"))
    def kind_and_size(self, evidence):
        if not evidence.pk:
            return ""
        return format_html("{}<br>{}", evidence.content_type, filesizeformat(evidence.size))

    @admin.display(description=_("uploaded"))
    def uploaded(self, evidence):
        if not evidence.pk:
            return ""  # not the default "now" on the empty upload row
        when = timezone.localtime(evidence.uploaded_at).strftime("%Y-%m-%d %H:%M")
        return format_html("{}<br>{}", evidence.uploaded_by or "—", when)

    def has_change_permission(self, request, obj=None):
        return False  # evidence is added, never rewritten


class ReadOnlyInline(ScopedTabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class DecisionInline(ReadOnlyInline):
    model = Decision
    fields = readonly_fields = ["decided_at", "outcome", "reasons", "decided_by"]
    inline_select_related = ("case", "decided_by")
    verbose_name_plural = _("review decisions")


class StatementInline(ReadOnlyInline):
    model = Statement
    inline_select_related = ("case", "recorded_by")
    fields = readonly_fields = ["received_on", "text", "recorded_by", "evidence"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("attachments")

    @admin.display(description=_("evidence of the entity"))
    def evidence(self, statement):
        links = format_html_join(
            ", ", '<a href="{}">{}</a>',
            ((reverse("cases:statement_attachment_download", args=[a.pk]), a.original_name)
             for a in statement.attachments.all()),
        )  # fmt: skip
        return links or "—"


class NoticeInline(ReadOnlyInline):
    model = Notice
    fields = readonly_fields = ["served_at", "kind", "respond_by", "title", "text"]
    inline_select_related = ("case",)
    verbose_name_plural = _("notices served")

    @admin.display(description=_("title"))
    def title(self, notice):
        return notice.title_en if (get_language() or "").startswith("en") else notice.title_zh

    @admin.display(description=_("text (both languages)"))
    def text(self, notice):
        return format_html(
            "<pre class='notice-text'>{}</pre><pre class='notice-text'>{}</pre>", notice.body_zh, notice.body_en
        )


class FilingInline(ReadOnlyInline):
    model = Filing
    fields = readonly_fields = ["review_link", "kind", "filed_at", "status", "due_on", "outcome"]
    inline_select_related = ("case",)
    verbose_name_plural = _("objections, appeals and credit repair")

    @admin.display(description=_("reference number"))
    def review_link(self, filing):
        return format_html('<a href="{}">{}</a>', reverse("admin:cases_filing_change", args=[filing.pk]), filing)


@admin.register(Case)
class CaseAdmin(LegalChallengeAdminMixin, ExportMixin, ScopedModelAdmin):
    form = CaseForm
    inlines = [
        LegalDocumentInline, SanctionInline, EvidenceInline, StatementInline, DecisionInline, NoticeInline,
        FilingInline, PublicationInline,
    ]  # fmt: skip
    list_display = ["number", "entity", "catalogue_item", "severity_shown", "state_flagged", "due", "created_at"]
    list_filter = ["state", "severity", "catalogue_item", OverdueFilter]
    export_fields = (
        "number", "department", "entity", "catalogue_item", "severity", "state", "review_due_on",
        "statement_window_ends_on", "decision_due_on", "decided_at", "record_ends_on", "created_at",
    )  # fmt: skip
    list_select_related = ["entity", "catalogue_item"]
    search_fields = ["number", "entity__name", "=entity__uscc"]
    search_help_text = _("Search by case number, entity name or credit code.")
    object_select_related = (
        "department", "caseworker", "entity", "catalogue_item", "submitted_by", "approved_by", "decided_by",
        "legal_document", "publication",
    )  # fmt: skip
    # The page's edit rights and workflow buttons, answered in the case's own query.
    object_policy_actions = ("change", "submit", "review")
    autocomplete_fields = ["entity"]
    readonly_fields = [
        "number", "state", "department", "caseworker", "submitted_by", "submitted_at", "review_due_on",
        "approved_by", "notice_served_at", "statement_window_ends_on", "decision_due_on", "decided_by", "decided_at",
        "under_objection", "under_legal_challenge", "clocks",
    ]  # fmt: skip

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(due_on=DUE_DATE)

    # Rows a case can only have once it has reached a step (the field records when; it is never cleared): before
    # it, the inline is left off the page — nothing to show or add there — which also spares its query.
    inline_from_step = {
        DecisionInline: "submitted_at", NoticeInline: "notice_served_at", StatementInline: "notice_served_at",
        FilingInline: "notice_served_at", PublicationInline: "decided_at",
    }  # fmt: skip

    def get_inline_instances(self, request, obj=None):
        def reached(inline):
            step = self.inline_from_step.get(type(inline))
            return step is None or (obj is not None and getattr(obj, step) is not None)

        return [inline for inline in super().get_inline_instances(request, obj) if reached(inline)]

    def get_object_queryset(self, request):
        # The clocks show the appeal deadlines counted from the decision notice's service.
        return super().get_object_queryset(request).annotate(decision_served_at=clocks.DECISION_SERVED_AT)

    def get_fieldsets(self, request, obj=None):
        record = (None, {"fields": ["entity", "catalogue_item", "severity", "facts", "internal_notes"]})
        if obj is None:
            return [record]
        return [
            (None, {"fields": ["number", "state", "department", "caseworker"]}),
            record,
            (_("Deadlines"), {"fields": ["clocks"]}),
            (_("Review"), {"fields": ["submitted_by", "submitted_at", "approved_by", "notice_served_at",
                                     "decided_by", "decided_at", "under_objection", "under_legal_challenge"]}),
        ]  # fmt: skip

    def get_readonly_fields(self, request, obj=None):
        readonly = list(self.readonly_fields)
        if obj is not None:
            readonly.append("entity")  # a case is against one entity for its whole life
        return readonly

    @admin.display(description=_("deadlines"))
    def clocks(self, case):
        return clocks_html(case)

    @admin.display(description=_("state"), ordering="state")
    def state_flagged(self, case):
        """The state, with the "under objection" flag the record carries while an objection or appeal is open."""
        label = choice_label(Case, "state", case.state)
        if case.under_objection:
            return format_html('{} <span class="flag">{}</span>', label, _("under objection"))
        return label

    @admin.display(description=_("severity"), ordering="severity")
    def severity_shown(self, case):
        # As the field's own column showed it: its label, or the empty value's dash.
        return choice_label(Case, "severity", case.severity) if case.severity else self.get_empty_value_display()

    @admin.display(description=_("due"), ordering="due_on")
    def due(self, case):
        if case.due_on is None:
            return "—"
        if case.due_on < timezone.localdate():
            return format_html('<strong class="overdue">{} ({})</strong>', case.due_on, _("overdue"))
        return case.due_on

    # -- writes through the services -------------------------------------------------------------
    def service_save(self, request, form, change):
        data = form.cleaned_data
        if change:
            return services.case_update(
                case=form.instance,
                actor=request.user,
                facts=data["facts"],
                catalogue_item=data["catalogue_item"],
                severity=data["severity"],
                internal_notes=data["internal_notes"],
            )
        return services.case_create(
            actor=request.user,
            entity=data["entity"],
            facts=data["facts"],
            catalogue_item=data["catalogue_item"],
            severity=data["severity"],
            internal_notes=data["internal_notes"],
        )

    def save_formset(self, request, form, formset, change):
        """Inline rows are written by the services too; the lists filled here feed the admin's change log."""
        case = form.instance
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        for inline in formset.forms:
            data = inline.cleaned_data
            if not data or not (inline.has_changed() or data.get("DELETE")):
                continue
            saved = self._save_inline(request, case, formset.model, inline, data)
            if data.get("DELETE"):
                formset.deleted_objects.append(inline.instance)
            elif inline.instance.pk and inline.initial:
                formset.changed_objects.append((saved, inline.changed_data))
            else:
                formset.new_objects.append(saved)

    @staticmethod
    def _save_inline(request, case, model, inline, data):
        actor = request.user
        if model is LegalDocument:
            return services.legal_document_set(
                case=case, actor=actor, type=data["type"], number=data["number"], issuer=data["issuer"],
                issued_on=data["issued_on"],
            )  # fmt: skip
        if model is Sanction:
            if data.get("DELETE"):
                return services.measure_withdraw(sanction=inline.instance, actor=actor)
            if inline.instance.pk:
                return services.measure_change(
                    sanction=inline.instance, actor=actor, duration_months=data["duration_months"]
                )
            return services.measure_propose(
                case=case, actor=actor, measure_type=data["measure_type"], duration_months=data["duration_months"]
            )
        if model is Evidence:
            from ..services.evidence import evidence_add

            return evidence_add(
                case=case, actor=actor, uploaded_file=data["file"], description=data.get("description", "")
            )
        raise ValueError(model)  # read-only inlines never reach here: they offer nothing to save

    # -- workflow: buttons on the case page, the queue, the transition pages ----------------------
    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("queue/", view(self.queue_view), name="cases_case_queue"),
            path("<int:object_id>/act/<slug:name>/", view(self.transition_view), name="cases_case_transition"),
            path("<int:object_id>/access/", view(self.access_view), name="cases_case_access"),
            *self.legal_challenge_urls(),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, object_id)
        extra_context = {
            **(extra_context or {}),
            "transitions": workflow_views.transitions_for(request.user, obj, request) if obj else [],
            "can_manage_access": bool(obj) and (request.user.is_superuser or request_can(request, "review", obj)),
            "can_record_challenge": bool(obj)
            and obj.state == State.SANCTIONED
            and (request.user.is_superuser or request_can(request, "review", obj)),
        }
        return super().change_view(request, object_id, form_url, extra_context)

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "can_review": request.user.has_perm("cases.review_case")}
        return super().changelist_view(request, extra_context)

    def queue_view(self, request):
        return workflow_views.queue_view(self, request)

    def transition_view(self, request, object_id, name):
        return workflow_views.transition_view(self, request, object_id, name)

    def access_view(self, request, object_id):
        return access_views.access_view(self, request, object_id)
