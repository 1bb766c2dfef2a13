"""Who has access to a case, in the admin: supervisors of the owning department share it with another department
or grant and revoke a person's access, always with a reason (``cases.services.access``). ``CaseAdmin`` routes
its ``access/`` URL here.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _

from accounts.models import Department, User
from accounts.permissions import can
from creditportal.forms import form_add_service_errors

from ..forms import GrantUserForm, RevokeForm, ShareDepartmentForm
from ..services import access


def access_view(model_admin, request, object_id: int):
    """Who has access to the case; supervisors of the owning department share it or grant/revoke access."""
    case = model_admin.get_object(request, str(object_id))
    if case is None:
        raise Http404
    if not (request.user.is_superuser or can(request.user, "review", case)):
        raise PermissionDenied
    staff = User.objects.filter(is_staff=True, is_active=True).order_by("username")
    departments = Department.objects.exclude(pk=case.department_id)
    data = request.POST if request.method == "POST" else None
    action = request.POST.get("action") if data else None
    forms_ = {
        "grant": GrantUserForm(data if action == "grant" else None, users=staff, prefix="grant"),
        "share": ShareDepartmentForm(data if action == "share" else None, departments=departments, prefix="share"),
        "revoke": RevokeForm(data if action == "revoke" else None, prefix="revoke"),
    }
    form = forms_.get(action)
    if data is not None and form is None:
        raise Http404
    if form is not None and form.is_valid():
        try:
            _change_access(request, case, action, form.cleaned_data, staff, departments)
        except ValidationError as error:
            form_add_service_errors(form, error)
        else:
            model_admin.message_user(request, _("Access to the case was changed."), messages.SUCCESS)
            return redirect("admin:cases_case_access", case.pk)
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.opts,
        "original": case,
        "title": _("Access to the case"),
        "user_grants": case.caseuserobjectpermission_set.select_related("user", "permission").order_by(
            "user__username", "permission__codename"
        ),
        "group_grants": case.casegroupobjectpermission_set.select_related(
            "group__department_role__department", "permission"
        ).order_by("group__name", "permission__codename"),
        **forms_,
    }
    return TemplateResponse(request, "admin/cases/case/access.html", context)


def _change_access(request, case, action, data, staff, departments):
    actor, reason = request.user, data["reason"]
    if action == "grant":
        access.case_grant_user(case=case, user=data["user"], actor=actor, reason=reason, codenames=data["codenames"])
    elif action == "share":
        access.case_share_with_department(case=case, department=data["department"], actor=actor, reason=reason)
    elif data.get("user"):
        user = get_object_or_404(staff, pk=data["user"])
        access.case_revoke_user(case=case, user=user, actor=actor, reason=reason)
    else:
        department = get_object_or_404(departments, pk=data.get("department"))
        access.case_unshare_department(case=case, department=department, actor=actor, reason=reason)
