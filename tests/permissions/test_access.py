"""Department scope through guardian grants; grants and revocations only through the services, audited."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.urls import reverse

from accounts import roles
from accounts.permissions import can, scope
from accounts.services import user_sync_department_groups
from cases.models import Case, CaseGroupObjectPermission, CaseUserObjectPermission
from cases.services import access
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _visible(user):
    return set(scope(Case.objects.all(), user, "view"))


def test_a_new_case_is_granted_to_its_department_and_caseworker(make_draft, caseworker, supervisor):
    case = make_draft()
    groups = {
        (g.group.name, g.permission.codename) for g in CaseGroupObjectPermission.objects.filter(content_object=case)
    }
    assert ("TAX Caseworker", "view_case") in groups and ("TAX Supervisor", "review_case") in groups
    assert ("TAX Caseworker", "review_case") not in groups
    mine = set(
        CaseUserObjectPermission.objects.filter(content_object=case).values_list("permission__codename", flat=True)
    )
    assert mine == {"view_case", "change_case", "submit_case"}
    grant = CaseUserObjectPermission.objects.filter(content_object=case).first()
    record = grant.history.get()
    assert (record.history_user, record.history_change_reason) == (caseworker, "assigned caseworker")
    assert can(supervisor, "review", case) and not can(caseworker, "review", case)


def test_other_departments_see_nothing_until_shared(make_draft, supervisor, other_caseworker, market):
    case = make_draft()
    other_supervisor = UserFactory(role=roles.SUPERVISOR, department=market)
    assert case not in _visible(other_caseworker)
    access.case_share_with_department(case=case, department=market, actor=supervisor, reason="Joint investigation")
    assert case in _visible(other_caseworker) and case in _visible(other_supervisor)
    # Shared for reading only: the other department neither edits nor decides.
    assert not can(other_caseworker, "change", case) and not can(other_supervisor, "review", case)
    shared = CaseGroupObjectPermission.objects.filter(content_object=case, group__name="MKT Caseworker").get()
    assert shared.history.get().history_change_reason == "Joint investigation"
    access.case_unshare_department(case=case, department=market, actor=supervisor, reason="Investigation closed")
    assert case not in _visible(other_caseworker)
    revoked = CaseGroupObjectPermission.history.filter(history_type="-", group__name="MKT Caseworker").get()
    assert (revoked.history_user, revoked.history_change_reason) == (supervisor, "Investigation closed")


def test_grant_and_revoke_a_person(make_draft, supervisor, market):
    case = make_draft()
    expert = UserFactory(role=roles.CASEWORKER, department=market)
    access.case_grant_user(case=case, user=expert, actor=supervisor, reason="Expert opinion on the invoices")
    assert case in _visible(expert) and not can(expert, "change", case)
    access.case_revoke_user(case=case, user=expert, actor=supervisor, reason="Opinion delivered")
    assert case not in _visible(expert)


def test_access_changes_need_a_reason_and_a_supervisor_of_the_owning_department(make_draft, caseworker, market):
    case = make_draft()
    expert = UserFactory(role=roles.CASEWORKER, department=market)
    with pytest.raises(PermissionDenied):
        access.case_grant_user(case=case, user=expert, actor=caseworker, reason="I want help")
    other_supervisor = UserFactory(role=roles.SUPERVISOR, department=market)
    with pytest.raises(Http404):
        access.case_grant_user(case=case, user=other_supervisor, actor=other_supervisor, reason="let me in")
    with pytest.raises(ValidationError) as error:
        colleague = UserFactory(role=roles.SUPERVISOR, department=case.department)
        access.case_grant_user(case=case, user=expert, actor=colleague, reason=" ")
    assert error.value.error_dict["reason"][0].code == "reason_required"
    assert case not in _visible(expert)


def test_portal_users_and_the_assigned_caseworker_are_refused(make_draft, supervisor, caseworker):
    case = make_draft()
    with pytest.raises(ValidationError):
        access.case_grant_user(
            case=case, user=UserFactory(role=roles.ENTITY_REPRESENTATIVE), actor=supervisor, reason="x"
        )
    with pytest.raises(ValidationError):
        access.case_revoke_user(case=case, user=caseworker, actor=supervisor, reason="x")


def test_leaving_a_department_takes_its_cases_away(make_draft, caseworker, market):
    case = make_draft()
    colleague = UserFactory(role=roles.CASEWORKER, department=case.department)
    assert case in _visible(colleague)
    colleague.department = market
    colleague.save()
    user_sync_department_groups(colleague)
    assert case not in _visible(colleague)
    assert set(colleague.groups.values_list("name", flat=True)) == {"Caseworker", "MKT Caseworker"}


def test_access_page_for_supervisors(client, make_draft, supervisor, caseworker, market):
    case = make_draft()
    url = reverse("admin:cases_case_access", args=[case.pk])
    client.force_login(caseworker)
    assert client.get(url).status_code == 403
    client.force_login(supervisor)
    assert client.get(url).status_code == 200
    response = client.post(url, {"action": "share", "share-department": market.pk, "share-reason": "Joint case"})
    assert response.status_code == 302
    assert CaseGroupObjectPermission.objects.filter(content_object=case, group__name="MKT Caseworker").exists()
    expert = UserFactory(role=roles.CASEWORKER, department=market)
    client.post(
        url, {"action": "grant", "grant-user": expert.pk, "grant-codenames": ["view_case"], "grant-reason": "Expert"}
    )
    assert CaseUserObjectPermission.objects.filter(content_object=case, user=expert).exists()
    response = client.post(url, {"action": "revoke", "revoke-user": expert.pk, "revoke-reason": ""})
    assert response.status_code == 200 and CaseUserObjectPermission.objects.filter(user=expert).exists()
    client.post(url, {"action": "revoke", "revoke-user": expert.pk, "revoke-reason": "Done"})
    assert not CaseUserObjectPermission.objects.filter(user=expert).exists()
    # A supervisor of the department the case is shared with reads it but does not manage its access.
    client.force_login(UserFactory(role=roles.SUPERVISOR, department=market))
    assert client.get(reverse("admin:cases_case_change", args=[case.pk])).status_code == 200
    assert client.get(url).status_code == 403
