"""scope_of_case gives the rows scope() gives for one case, for every role and row kind (issue 11)."""

import pytest
from django.apps import apps

from accounts import roles
from accounts.permissions import _CASE_PATH, _RULES, _via_case, can, scope, scope_of_case
from cases import services
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

VIA_CASE = sorted(label for label, rule in _RULES.items() if rule is _via_case)


@pytest.fixture
def people(caseworker, supervisor, other_caseworker, market):
    return [
        caseworker, supervisor, other_caseworker,
        UserFactory(role=roles.AUDITOR), UserFactory(role=roles.APPEALS_REVIEWER),
        UserFactory(role=roles.ADMINISTRATOR), UserFactory(role=roles.SUPERVISOR, department=market),
        UserFactory(role=roles.CASEWORKER, department=caseworker.department, is_active=False),
        UserFactory(is_superuser=True, is_staff=True), UserFactory(role=roles.ENTITY_REPRESENTATIVE),
    ]  # fmt: skip


def test_the_same_rows_as_scope_for_every_role_and_row_kind(people, make_draft, caseworker, supervisor):
    drafted = make_draft()
    submitted = services.case_approve(case=services.case_submit(case=make_draft(), actor=caseworker), actor=supervisor)
    compared = 0
    for case in (drafted, submitted):
        for user in people:
            for action in ("view", "change"):
                allowed = can(user, "view" if action == "view" else "change", case)
                for label in VIA_CASE:
                    model = apps.get_model(label)
                    path = _CASE_PATH.get(label, "case")
                    expected = set(scope(model.objects.all(), user, action).filter(**{path: case}))
                    got = set(scope_of_case(model.objects.all(), user, action, case, case_allowed=allowed))
                    assert got == expected, (user.username, action, label, case.state)
                    compared += len(expected)
    assert compared > 0


def test_the_case_page_filters_its_inlines_by_the_case(client, caseworker, make_draft):
    """Each inline lists the case's rows by ``case_id``, not by re-deriving the case's scope in SQL."""
    from django.db import connection
    from django.urls import reverse

    case = make_draft()
    client.force_login(caseworker)
    statements = []

    def wrapper(execute, sql, params, many, context):
        statements.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        assert client.get(reverse("admin:cases_case_change", args=[case.pk])).status_code == 200
    sanctions = [sql for sql in statements if sql.startswith('SELECT "cases_sanction"."id"')]
    assert sanctions and all("guardian" not in sql and "objectpermission" not in sql for sql in sanctions)
