"""The appeals reviewer's workspace (issue 7): the queues and the review page of each filing.

The changelist lists every filing the user may see; the queue (``queue/``) is the reviewer's work: open
objections, appeals and repair applications, most overdue first, with the corrections waiting for a second
reviewer. The change page of a filing *is* its review page: the case, what was filed with its documents, the
department's evidence, the decisions and notices so far, and (for a reviewer who may act on it) the forms
of the steps the services allow. The services check everything again.
"""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from accounts.permissions import scope
from audit.admin_export import ExportMixin
from creditportal.admin_base import ReadOnlyScopedModelAdmin
from creditportal.forms import form_add_service_errors

from ..forms import CorrectionForm, DocumentsRequestForm, FilingDecisionForm, FilingStepForm, ReturnCorrectionForm
from ..models import Evidence, Filing, Sanction
from ..selectors.queues import FILING_QUEUE_STATUSES, filing_queue
from ..services import appeals
from ..services.errors import ConflictError
from ..workflow import TransitionError


class FilingOverdueFilter(admin.SimpleListFilter):
    title = _("deadline")
    parameter_name = "overdue"

    def lookups(self, request, model_admin):
        return [("yes", _("overdue")), ("no", _("on time"))]

    def queryset(self, request, queryset):
        today = timezone.localdate()
        if self.value() == "yes":
            return queryset.filter(status__in=FILING_QUEUE_STATUSES, due_on__lt=today)
        if self.value() == "no":
            return queryset.exclude(status__in=FILING_QUEUE_STATUSES, due_on__lt=today)
        return queryset


@admin.register(Filing)
class FilingAdmin(ExportMixin, ReadOnlyScopedModelAdmin):
    list_display = ["reference", "kind", "case", "entity", "status", "due", "outcome", "filed_at"]
    list_filter = ["kind", "status", "outcome", FilingOverdueFilter]
    export_fields = ("reference", "kind", "case", "status", "due_on", "outcome", "filed_at", "decided_at")
    list_select_related = ["case__entity"]
    search_fields = ["reference", "case__number"]
    search_help_text = _("Search by reference or case number.")
    ordering = ["-filed_at", "-id"]

    @admin.display(description=_("entity"), ordering="case__entity__name")
    def entity(self, filing):
        return filing.case.entity.name

    @admin.display(description=_("review due"), ordering="due_on")
    def due(self, filing):
        if filing.due_on is None:
            return "—"
        if filing.status in FILING_QUEUE_STATUSES and filing.due_on < timezone.localdate():
            return format_html('<span class="overdue">{} {}</span>', filing.due_on, _("overdue"))
        return filing.due_on

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("queue/", view(self.queue_view), name="cases_filing_queue"),
            path("<int:object_id>/step/<slug:step>/", view(self.step_view), name="cases_filing_step"),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "can_decide": request.user.has_perm("cases.decide_filing")}
        return super().changelist_view(request, extra_context)

    # -- the queue ----------------------------------------------------------------------------------------
    def queue_view(self, request):
        """Open filings, by kind, most overdue first; then the corrections waiting for a second reviewer."""
        user = request.user
        if not user.has_perm("cases.decide_filing"):
            raise PermissionDenied
        today = timezone.localdate()
        rows = filing_queue(user, today=today)
        sections = [
            (kind.label, [f for f in rows if f.kind == kind and f.status == Filing.Status.FILED])
            for kind in Filing.Kind
        ]
        confirmations = [f for f in rows if f.status == Filing.Status.CORRECTION_PROPOSED]
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Appeals review queue"),
            "sections": sections,
            "confirmations": confirmations,
            "today": today,
            "user_pk": user.pk,
        }
        return TemplateResponse(request, "admin/cases/filing/queue.html", context)

    # -- the review page ----------------------------------------------------------------------------------
    def change_view(self, request, object_id, form_url="", extra_context=None):
        self._require_in_scope(request, object_id)  # 404 before anything else, like every scoped page
        filing = self._filing(request, object_id)
        return self._review_page(request, filing, {})

    def _filing(self, request, object_id) -> Filing:
        filing = (
            self.get_queryset(request)
            .select_related(
                "case__entity",
                "case__department",
                "case__catalogue_item",
                "case__legal_document",
                "case__submitted_by",
                "case__decided_by",
                "filed_by",
                "reviewer",
                "confirmed_by",
            )
            .filter(pk=object_id)
            .first()
        )
        if filing is None:
            raise Http404
        return filing

    def _forms(self, request, filing: Filing, bound: dict) -> dict:
        """The forms of the steps this user may take on this filing now (empty for anyone else)."""
        if not appeals.may_review(request.user, filing):
            return {}
        initial = {"version": filing.version}
        forms_ = {}
        if filing.status == Filing.Status.FILED:
            forms_["decide"] = FilingDecisionForm(bound.get("decide"), filing=filing, initial=initial, prefix="decide")
            if filing.kind in Filing.DISPUTES:
                running = filing.case.sanctions.filter(
                    status__in=(Sanction.Status.PENDING, Sanction.Status.ACTIVE)
                ).select_related("measure_type")
                forms_["correct"] = CorrectionForm(
                    bound.get("correct"), sanctions=running, initial=initial, prefix="correct"
                )
            elif filing.missing_requested_at is None:
                forms_["documents"] = DocumentsRequestForm(bound.get("documents"), initial=initial, prefix="documents")
        elif filing.status == Filing.Status.CORRECTION_PROPOSED and filing.reviewer_id != request.user.pk:
            forms_["confirm"] = FilingStepForm(bound.get("confirm"), initial=initial, prefix="confirm")
            forms_["return"] = ReturnCorrectionForm(bound.get("return"), initial=initial, prefix="return")
        return forms_

    def _review_page(self, request, filing: Filing, bound: dict, status: int = 200):
        case = filing.case
        may_review = appeals.may_review(request.user, filing)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": filing,
            "filing": filing,
            "case": case,
            "title": _("Review of %(ref)s") % {"ref": filing.reference},
            "attachments": filing.attachments.all(),
            "evidence": scope(Evidence.objects.filter(case=case), request.user, "view"),
            "sanctions": case.sanctions.select_related("measure_type").exclude(status=Sanction.Status.WITHDRAWN),
            "decisions": case.decisions.select_related("decided_by"),
            "notices": case.notices.all(),
            "publication": getattr(case, "publication", None),
            "other_filings": case.filings.exclude(pk=filing.pk),
            "forms": self._forms(request, filing, bound),
            "may_review": may_review,
            "excluded": request.user.has_perm("cases.decide_filing") and not may_review,
            "proposed_changes": self._proposed_changes(filing),
            "today": timezone.localdate(),
            "has_change_permission": False,
        }
        return TemplateResponse(request, "admin/cases/filing/review.html", context, status=status)

    @staticmethod
    def _proposed_changes(filing: Filing) -> list[tuple[str, str]]:
        if filing.status != Filing.Status.CORRECTION_PROPOSED:
            return []
        sanctions = {str(s.pk): s for s in filing.case.sanctions.select_related("measure_type")}
        rows = []
        for pk, change in filing.correction.get("sanctions", {}).items():
            sanction = sanctions.get(pk)
            label = str(sanction.measure_type) if sanction else pk
            rows.append((label, _("end now") if change.get("end") else change.get("planned_end_on")))
        if filing.correction.get("end_publication"):
            rows.append((str(_("publication")), _("end now")))
        return rows

    def step_view(self, request, object_id, step):
        """POST one review step; errors show on the review page, success goes back to it."""
        self._require_in_scope(request, str(object_id))
        filing = self._filing(request, object_id)
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        forms_ = self._forms(request, filing, {step: request.POST})
        form = forms_.get(step)
        if form is None:
            raise PermissionDenied  # not a step this user may take on this filing now
        if form.is_valid():
            try:
                self._run(step, filing, request.user, form.cleaned_data)
            except (ConflictError, TransitionError) as error:
                message = error.messages[0] if isinstance(error, ValidationError) else str(error)
                self.message_user(request, message, messages.ERROR)
                return redirect("admin:cases_filing_change", filing.pk)
            except PermissionDenied as error:
                if not str(error):
                    raise
                self.message_user(request, str(error), messages.ERROR)
                return redirect("admin:cases_filing_change", filing.pk)
            except ValidationError as error:
                form_add_service_errors(form, error)
            else:
                self.message_user(request, _("%(ref)s: done.") % {"ref": filing.reference}, messages.SUCCESS)
                return redirect(reverse("admin:cases_filing_change", args=[filing.pk]))
        filing.refresh_from_db()
        bound_forms = self._forms(request, filing, {})
        bound_forms[step] = form
        return self._review_page_with(request, filing, bound_forms)

    def _review_page_with(self, request, filing, forms_):
        response = self._review_page(request, filing, {}, status=400)
        response.context_data["forms"] = forms_
        return response

    @staticmethod
    def _run(step: str, filing: Filing, actor, data: dict):
        version = data["version"]
        if step == "decide":
            return appeals.filing_decide(
                filing=filing, actor=actor, outcome=data["outcome"], reasons=data["reasons"], expected_version=version
            )
        if step == "correct":
            return appeals.filing_propose_correction(
                filing=filing, actor=actor, outcome=data["outcome"], reasons=data["reasons"],
                changes=data["changes"], end_publication=data["end_publication"], expected_version=version,
            )  # fmt: skip
        if step == "documents":
            return appeals.filing_request_documents(
                filing=filing, actor=actor, missing=data["missing"], expected_version=version
            )
        if step == "confirm":
            return appeals.filing_confirm_correction(filing=filing, actor=actor, expected_version=version)
        if step == "return":
            return appeals.filing_return_correction(
                filing=filing, actor=actor, reasons=data["reasons"], expected_version=version
            )
        raise Http404
