"""The entity self-service pages (issue 6). Representatives only: staff are sent to the admin.

Every object comes through the policy (``portal.selectors`` → ``accounts.permissions.scope``): anything
not the user's entity's answers 404, exactly as if it did not exist.
"""

import json
from functools import wraps

from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import logout as auth_logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import SetPasswordForm
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods
from django_otp import login as otp_login

from accounts.twofactor import TokenForm, confirmed_device, secret_base32, totp_device_pending
from audit.history import attribute
from cases.models import Case, Filing
from cases.services import filings as filing_services
from cases.services.filings import statement_receipt, statement_window_refusal
from creditportal.forms import form_add_service_errors
from creditportal.uploads import file_count_shown_by_form

from . import selectors
from .forms import (
    AppealForm,
    InviteForm,
    ObjectionForm,
    PortalAuthenticationForm,
    PortalPasswordResetForm,
    PublicStatementForm,
    RepairForm,
    StatementForm,
    SupplementForm,
)
from .services import invitation_accept, invitation_find, invitation_problem, representative_invite


def representative_required(view):
    """Anonymous → the portal sign-in; staff → their workspace (the admin)."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        user = request.user
        if not user.is_authenticated:
            return redirect_to_portal_login(request)
        if user.is_staff:
            return redirect("admin:index")
        if not _second_factor_done(user):
            return redirect("portal:twofactor_verify")
        return view(request, *args, **kwargs)

    return wrapped


def _second_factor_done(user) -> bool:
    """Two-factor sign-in is optional for representatives; once set up, every session needs a code."""
    is_verified = getattr(user, "is_verified", None)
    return bool(is_verified and is_verified()) or confirmed_device(user) is None


def _representative_signed_in(view):
    """Signed in with a password (not staff): for the two-factor pages themselves."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_portal_login(request)
        if request.user.is_staff:
            return redirect("admin:index")
        return view(request, *args, **kwargs)

    return wrapped


def redirect_to_portal_login(request):
    return auth_views.redirect_to_login(request.get_full_path(), reverse("portal:login"))


class LoginView(auth_views.LoginView):
    template_name = "portal/login.html"
    authentication_form = PortalAuthenticationForm

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            return redirect("admin:index" if request.user.is_staff else "portal:records")
        return super().dispatch(request, *args, **kwargs)

    def get_default_redirect_url(self):
        return reverse("portal:records")


class LogoutView(auth_views.LogoutView):
    next_page = reverse_lazy("portal:login")


class PasswordResetView(auth_views.PasswordResetView):
    template_name = "portal/password_reset.html"
    email_template_name = "portal/password_reset_email.txt"
    subject_template_name = "portal/password_reset_subject.txt"
    form_class = PortalPasswordResetForm
    success_url = reverse_lazy("portal:password_reset_done")


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "portal/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "portal/password_reset_confirm.html"
    success_url = reverse_lazy("portal:password_reset_complete")

    def form_valid(self, form):
        # The history row of the new password names the person who followed the link.
        attribute(form.user, actor=form.user, reason="password reset by e-mail link")
        return super().form_valid(form)


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "portal/password_reset_complete.html"


@require_http_methods(["GET", "POST"])
def invitation(request, token: str):
    """Set a password from a one-time, expiring invitation link; then the representative is signed in."""
    found = invitation_find(token)
    problem = invitation_problem(found)
    if problem:
        return render(request, "portal/invitation.html", {"problem": problem}, status=410 if found else 404)
    user = found.representative.user
    if asked := _ask_before_switching_accounts(request, token, found):
        return asked
    form = SetPasswordForm(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = invitation_accept(token=token, password=form.cleaned_data["new_password1"])
        except ValidationError as error:
            return render(request, "portal/invitation.html", {"problem": error.messages[0]}, status=410)
        auth_login(request, user, backend="accounts.backends.PermissionBackend")
        messages.success(request, _("Your password is set. Welcome to the entity portal."))
        return redirect("portal:records")
    return render(request, "portal/invitation.html", {"form": form, "entity": found.representative.entity})


def _ask_before_switching_accounts(request, token: str, found):
    """Accepting signs in as the invited account: whoever is signed in as someone else is asked first (issue 24).

    The confirmation (a POST with ``switch=confirm``) signs them out and shows the invitation afresh; a password
    posted without it is not used. Never a silent switch of accounts.
    """
    current = request.user
    if not current.is_authenticated or current.pk == found.representative.user_id:
        return None
    if request.method == "POST" and request.POST.get("switch") == "confirm":
        auth_logout(request)
        return redirect("portal:invitation", token=token)
    context = {"signed_in_as": current.get_username(), "entity": found.representative.entity}
    return render(request, "portal/invitation_switch.html", context)


# A firm with a long history has hundreds of cases: the records page shows them a page at a time (issue 11).
RECORDS_PER_PAGE = 20


@require_GET
@representative_required
def records(request):
    """My records: every case against my entities from the notice served on, newest first, a page at a time."""
    cases = selectors.my_cases(request.user, listing=True)
    page = Paginator(cases, RECORDS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "portal/records.html",
        {
            "entities": list(selectors.my_entities(request.user)),
            "cases": page.object_list,
            "page": page,
            "page_range": page.paginator.get_elided_page_range(page.number),
            "today": timezone.localdate(),
        },
    )


def _my_case(request, pk: int) -> Case:
    return get_object_or_404(selectors.my_cases(request.user), pk=pk)


@require_GET
@representative_required
def case_detail(request, pk: int):
    case = _my_case(request, pk)
    today = timezone.localdate()
    return render(
        request,
        "portal/case_detail.html",
        {
            "case": case,
            "notices": selectors.case_notices(request.user, case),
            "deadlines": selectors.case_deadlines(case, today=today),
            "statements": [(statement, statement_receipt(statement)) for statement in case.statements.all()],
            "statement_refusal": statement_window_refusal(case, today=today),
            "filings": selectors.case_filings(request.user, case),
            "objection_refusal": filing_services.objection_refusal(case),
            "appeal_refusal": filing_services.appeal_refusal(case, today=today),
            "repair_refusal": filing_services.repair_refusal(case, today=today),
            "public_statement_refusal": filing_services.public_statement_refusal(case, today=today),
            "publication": getattr(case, "publication", None),
            "today": today,
        },
    )


@require_GET
@representative_required
def notice_download(request, pk: int):
    """A notice as served, as a text file in the user's language."""
    notice = selectors.my_notice(request.user, pk)
    title, body = selectors.notice_text(notice, get_language())
    response = HttpResponse(f"{title}\n\n{body}\n", content_type="text/plain; charset=utf-8")
    filename = f"{notice.case.number}-{notice.kind}-{notice.served_at:%Y%m%d}.txt"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@file_count_shown_by_form
@require_http_methods(["GET", "POST"])
@representative_required
def statement_file(request, pk: int):
    """File a statement or objection while the statement window is open; refused with the date otherwise."""
    case = _my_case(request, pk)
    refusal = statement_window_refusal(case)
    form = StatementForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and refusal is None and form.is_valid():
        try:
            receipt = filing_services.statement_file(
                case=case, actor=request.user, text=form.cleaned_data["text"], uploads=request.FILES.getlist("files")
            )
        except ValidationError as error:
            refusal = form_add_service_errors(form, error, refusal=True)
        else:
            messages.success(request, _("Your statement was filed. Reference: %(ref)s") % {"ref": receipt.reference})
            return redirect("portal:statement_receipt", pk=case.pk, statement_pk=receipt.statement_id)
    status = 400 if request.method == "POST" else 200
    return render(
        request, "portal/statement_form.html", {"case": case, "form": form, "refusal": refusal}, status=status
    )


@require_GET
@representative_required
def statement_receipt_view(request, pk: int, statement_pk: int):
    case = _my_case(request, pk)
    statement = selectors.case_statement(request.user, case, statement_pk)
    return render(
        request,
        "portal/statement_receipt.html",
        {"case": case, "statement": statement, "receipt": statement_receipt(statement)},
    )


@require_GET
@representative_required
def my_data(request, entity_pk: int):
    """Everything held about my entity, as a printable page."""
    entity = selectors.my_entity(request.user, entity_pk)
    return render(
        request, "portal/my_data.html", {"entity": entity, "data": selectors.entity_export(request.user, entity)}
    )


@require_GET
@representative_required
def my_data_json(request, entity_pk: int):
    entity = selectors.my_entity(request.user, entity_pk)
    data = selectors.entity_export(request.user, entity)
    response = HttpResponse(
        json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2), content_type="application/json"
    )
    response["Content-Disposition"] = f'attachment; filename="my-data-{entity.pk}.json"'
    return response


@require_GET
@representative_required
def access_log(request, entity_pk: int):
    """Who accessed my record: department, what, purpose and date (never the staff member's name)."""
    entity = selectors.my_entity(request.user, entity_pk)
    rows = list(selectors.access_log_for(entity)[:500])
    return render(request, "portal/access_log.html", {"entity": entity, "rows": rows})


@require_http_methods(["GET", "POST"])
def invite(request, entity_pk: int):
    """Staff invite a representative for an entity (linked from the entity's admin page); the link is shown once."""
    user = request.user
    if not user.is_authenticated:
        return auth_views.redirect_to_login(request.get_full_path(), reverse("admin:login"))
    if not user.is_staff:
        raise Http404
    entity = selectors.my_entity(user, entity_pk)
    if not user.has_perm("entities.add_representative"):
        raise PermissionDenied
    form = InviteForm(request.POST or None)
    link = None
    if request.method == "POST" and form.is_valid():
        try:
            _representative, token = representative_invite(actor=user, entity=entity, **form.cleaned_data)
        except ValidationError as error:
            form_add_service_errors(form, error)
        else:
            link = request.build_absolute_uri(reverse("portal:invitation", args=[token]))
    return render(
        request,
        "portal/invite.html",
        {"entity": entity, "form": form, "link": link, "title": _("Invite a representative"), "original": entity},
    )


def _filing_view(request, pk: int, *, form_class, refusal_for, file_service, text_field, title):
    case = _my_case(request, pk)
    refusal = refusal_for(case)
    form = form_class(request.POST or None, request.FILES or None)
    if request.method == "POST" and refusal is None and form.is_valid():
        try:
            filing = file_service(
                case=case, actor=request.user, uploads=request.FILES.getlist("files"),
                **{text_field: form.cleaned_data[text_field]},
            )  # fmt: skip
        except ValidationError as error:
            refusal = form_add_service_errors(form, error, refusal=True)
        else:
            messages.success(request, _("Filed. Reference: %(ref)s") % {"ref": filing.reference})
            return redirect("portal:filing_receipt", pk=case.pk, filing_pk=filing.pk)
    status = 400 if request.method == "POST" else 200
    context = {"case": case, "form": form, "refusal": refusal, "title": title}
    return render(request, "portal/filing_form.html", context, status=status)


@file_count_shown_by_form
@require_http_methods(["GET", "POST"])
@representative_required
def objection_file(request, pk: int):
    """Object to a record in force; it is flagged "under objection" until an appeals reviewer decides."""
    return _filing_view(
        request, pk, form_class=ObjectionForm, refusal_for=filing_services.objection_refusal,
        file_service=filing_services.filing_objection_file, text_field="text", title=_("Objection to the record"),
    )  # fmt: skip


@file_count_shown_by_form
@require_http_methods(["GET", "POST"])
@representative_required
def appeal_file(request, pk: int):
    """Appeal a sanction decision before its deadline; refused with the date otherwise."""
    return _filing_view(
        request, pk, form_class=AppealForm, refusal_for=filing_services.appeal_refusal,
        file_service=filing_services.filing_appeal_file, text_field="text", title=_("Appeal against the decision"),
    )  # fmt: skip


@file_count_shown_by_form
@require_http_methods(["GET", "POST"])
@representative_required
def repair_apply(request, pk: int):
    """Apply for credit repair once eligible; refused with the date it opens otherwise."""
    return _filing_view(
        request, pk, form_class=RepairForm, refusal_for=filing_services.repair_refusal,
        file_service=filing_services.filing_repair_apply, text_field="commitment",
        title=_("Application for credit repair"),
    )  # fmt: skip


def _my_filing(request, case: Case, filing_pk: int) -> Filing:
    return selectors.case_filing(request.user, case, filing_pk)


@require_GET
@representative_required
def filing_receipt(request, pk: int, filing_pk: int):
    """A filing as filed, where it stands, and the reviewer's decision with reasons once there is one."""
    case = _my_case(request, pk)
    filing = _my_filing(request, case, filing_pk)
    return render(
        request,
        "portal/filing_receipt.html",
        {"case": case, "filing": filing, "supplement_refusal": filing_services.supplement_refusal(filing)},
    )


@file_count_shown_by_form
@require_http_methods(["GET", "POST"])
@representative_required
def filing_supplement(request, pk: int, filing_pk: int):
    """Supply the documents an incomplete repair application was asked for."""
    case = _my_case(request, pk)
    filing = _my_filing(request, case, filing_pk)
    refusal = filing_services.supplement_refusal(filing)
    form = SupplementForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and refusal is None and form.is_valid():
        try:
            filing_services.filing_repair_supplement(
                filing=filing, actor=request.user, note=form.cleaned_data["note"],
                uploads=request.FILES.getlist("files"),
            )  # fmt: skip
        except ValidationError as error:
            refusal = form_add_service_errors(form, error, refusal=True)
        else:
            messages.success(request, _("The documents were filed; the review continues."))
            return redirect("portal:filing_receipt", pk=case.pk, filing_pk=filing.pk)
    status = 400 if request.method == "POST" else 200
    context = {"case": case, "filing": filing, "form": form, "refusal": refusal, "title": _("Supply documents")}
    return render(request, "portal/filing_form.html", context, status=status)


@require_http_methods(["GET", "POST"])
@representative_required
def public_statement(request, pk: int):
    """Add, change or remove the entity's short statement shown with its published entry."""
    case = _my_case(request, pk)
    refusal = filing_services.public_statement_refusal(case)
    publication = getattr(case, "publication", None)
    initial = {"text": publication.entity_statement} if publication else None
    form = PublicStatementForm(request.POST or None, initial=initial)
    if request.method == "POST" and refusal is None and form.is_valid():
        try:
            filing_services.publication_statement_set(case=case, actor=request.user, text=form.cleaned_data["text"])
        except ValidationError as error:
            refusal = form_add_service_errors(form, error, refusal=True)
        else:
            messages.success(request, _("Your public statement was saved."))
            return redirect("portal:case_detail", pk=case.pk)
    status = 400 if request.method == "POST" else 200
    context = {"case": case, "form": form, "refusal": refusal, "title": _("Public statement")}
    return render(request, "portal/filing_form.html", context, status=status)


@never_cache
@require_http_methods(["GET", "POST"])
@_representative_signed_in
def twofactor_setup(request):
    """Optional: turn on two-factor sign-in with an authenticator app (type the secret, confirm one code)."""
    if confirmed_device(request.user) is not None:
        # Removing or replacing a device needs staff: otherwise a stolen password could turn it off.
        return render(request, "portal/twofactor_setup.html", {"enabled": True})
    device = totp_device_pending(user=request.user)
    form = TokenForm(request.POST or None, device=device, request=request)
    if request.method == "POST" and form.is_valid():
        form.device.confirmed = True
        form.device.save(update_fields=["confirmed"])
        otp_login(request, form.device)
        request.session.cycle_key()
        messages.success(request, _("Two-factor sign-in is on: from now on you will be asked for a code."))
        return redirect("portal:records")
    secret = secret_base32(device)
    context = {"form": form, "secret_groups": [secret[i : i + 4] for i in range(0, len(secret), 4)]}
    return render(request, "portal/twofactor_setup.html", context)


@never_cache
@require_http_methods(["GET", "POST"])
@_representative_signed_in
def twofactor_verify(request):
    """Second step of signing in, for representatives who turned two-factor sign-in on."""
    device = confirmed_device(request.user)
    if device is None or _second_factor_done(request.user):
        return redirect("portal:records")
    form = TokenForm(request.POST or None, device=device, request=request)
    if request.method == "POST" and form.is_valid():
        otp_login(request, form.device)
        request.session.cycle_key()
        return redirect("portal:records")
    return render(request, "portal/twofactor_verify.html", {"form": form})
