"""The case page's workflow in the admin: its buttons, the transition pages and the supervisors' review queue.

The admin only renders what the services decide: which transitions the user may take comes from
``cases.services.case_transitions_available``, and every press goes through the transition's service, which
checks everything again. ``CaseAdmin`` routes its URLs here.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from creditportal.admin_base import request_can
from creditportal.forms import form_add_service_errors

from .. import services, workflow
from ..forms import SanctionDecisionForm, StatementForm, TransitionForm
from ..models import Case
from ..selectors.queues import review_queue

# Transition name → (service, form, success message). The service does every check again.
TRANSITION_VIEWS = {
    "submit": (services.case_submit, TransitionForm, _("The case was submitted for review.")),
    "withdraw": (services.case_withdraw, TransitionForm, _("The case was withdrawn to draft.")),
    "return": (services.case_return, TransitionForm, _("The case was returned to the caseworker.")),
    "reject": (services.case_reject, TransitionForm, _("The case was rejected.")),
    "approve": (services.case_approve, TransitionForm, _("The case was approved and the notice served.")),
    "record_statement": (services.case_record_statement, StatementForm, _("The statement was recorded.")),
    "sanction": (services.case_sanction, SanctionDecisionForm, _("The decision was made: measures imposed.")),
    "dismiss": (services.case_dismiss, TransitionForm, _("The decision was made: case dismissed.")),
}


def transitions_for(user, case: Case, request) -> list[workflow.Transition]:
    """The workflow buttons of this page: the service's answer (``case_transitions_available``), with the
    policy's answers shared with the rest of the request (``request_can``)."""
    available = services.case_transitions_available(
        case=case, actor=user, may=lambda action, obj: request_can(request, action, obj)
    )
    return [t for t in available if t.name in TRANSITION_VIEWS]


def queue_view(model_admin, request):
    """A supervisor's work: the department's cases awaiting review or decision, most urgent first."""
    if not request.user.has_perm("cases.review_case"):
        raise PermissionDenied
    cases = review_queue(request.user)
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.opts,
        "title": _("Review queue"),
        "cases": cases,
        "rows": queue_rows(cases, today=timezone.localdate()),
    }
    return TemplateResponse(request, "admin/cases/case/queue.html", context)


def queue_rows(cases, *, today) -> list[dict]:
    """The queue's table cells, formatted once in Python (issue 22).

    The template then prints strings: no URL reversed, date localised, label translated or choice looked up
    per row (200 rows made that most of the page's time). Formatted dates are memoised: many cases share one.
    """
    change_url = reverse("admin:cases_case_change", args=[0])
    head, tail = change_url.rsplit("/0/", 1)
    waiting = {workflow.State.SUBMITTED: _("review"), workflow.State.DECISION_PENDING: _("decision")}
    waiting = {state: str(label) for state, label in waiting.items()}
    severities = {value: str(label) for value, label in Case._meta.get_field("severity").flatchoices}
    dates: dict = {}

    def shown(value):
        if value is None:
            return "—"
        if value not in dates:
            dates[value] = formats.localize(timezone.localtime(value) if hasattr(value, "tzinfo") else value)
        return dates[value]

    return [
        {
            "url": f"{head}/{case.pk}/{tail}",
            "number": case.number,
            "due_on": shown(case.due_on) if case.due_on else None,
            "overdue": bool(case.due_on and case.due_on < today),
            "waiting": waiting.get(case.state, waiting[workflow.State.DECISION_PENDING]),
            "entity": f"{case.entity.name} ({case.entity.display_identifier})",
            "conduct": str(case.catalogue_item) if case.catalogue_item_id else "—",
            "severity": severities.get(case.severity, case.severity),
            "submitted_by": str(case.submitted_by) if case.submitted_by_id else "—",
            "submitted_at": shown(case.submitted_at),
        }
        for case in cases
    ]


def transition_view(model_admin, request, object_id: int, name: str):
    case = model_admin.get_object(request, str(object_id))
    if case is None or name not in TRANSITION_VIEWS:
        raise Http404
    transition = workflow.transition(name)
    if not services.case_transition_allowed(
        case=case, actor=request.user, transition=transition, may=lambda action, obj: request_can(request, action, obj)
    ):
        raise PermissionDenied  # the service would refuse it too; do not even show the form
    if transition not in workflow.available(case.state):
        # The case moved on since the page was shown, e.g. another supervisor decided it first: the loser of that
        # race is told so, never "access denied"; nothing was applied.
        model_admin.message_user(request, services.ConflictError().messages[0], messages.ERROR)
        return redirect("admin:cases_case_change", case.pk)
    service, form_class, success = TRANSITION_VIEWS[name]
    initial = {"version": case.version, "received_on": timezone.localdate()}
    form = form_class(
        request.POST or None,
        initial=initial,
        reason_required=transition.reason_required,
        **form_class.kwargs_for(case),
    )
    if request.method == "POST" and form.is_valid():
        kwargs = {"case": case, "actor": request.user, "expected_version": form.cleaned_data["version"]}
        if name == "record_statement":
            kwargs.update(text=form.cleaned_data["text"], received_on=form.cleaned_data["received_on"])
        if name == "sanction" and "publish" in form.fields:
            kwargs["publish"] = form.cleaned_data["publish"]
        if name not in ("submit", "record_statement"):
            kwargs["reasons"] = form.cleaned_data["reasons"]
        try:
            service(**kwargs)
        except services.ConflictError as error:
            model_admin.message_user(request, error.messages[0], messages.ERROR)
            return redirect("admin:cases_case_change", case.pk)
        except workflow.TransitionError as error:
            model_admin.message_user(request, str(error), messages.ERROR)
            return redirect("admin:cases_case_change", case.pk)
        except PermissionDenied as error:
            if not str(error):
                raise
            model_admin.message_user(request, str(error), messages.ERROR)
            return redirect("admin:cases_case_change", case.pk)
        except ValidationError as error:
            form_add_service_errors(form, error)
        else:
            model_admin.message_user(request, success, messages.SUCCESS)
            return redirect("admin:cases_case_change", case.pk)
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.opts,
        "original": case,
        "transition": transition,
        "title": transition.label,
        "form": form,
        "problems": services.submission_problems(case) if name == "submit" else {},
    }
    return TemplateResponse(request, "admin/cases/case/transition.html", context)
