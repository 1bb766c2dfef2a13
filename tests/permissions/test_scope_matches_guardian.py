"""The policy's hand-written EXISTS returns exactly what guardian says, on random grants (DESIGN §6)."""

import random

import pytest
from django.contrib.auth.models import Group, Permission
from guardian.shortcuts import get_objects_for_user

from accounts import permissions as policy
from accounts.permissions import granted_cases
from cases.models import Case, CaseGroupObjectPermission, CaseUserObjectPermission
from tests.factories import CaseFactory, DepartmentFactory, UserFactory

pytestmark = pytest.mark.django_db

CODENAMES = ["view_case", "change_case", "submit_case", "review_case"]


@pytest.mark.parametrize("many", [False, True], ids=["exists", "probes"])
@pytest.mark.parametrize("seed", range(6))
def test_granted_cases_equals_get_objects_for_user(seed, many, monkeypatch, django_assert_num_queries):
    """Both forms of the query (``EXISTS``, and scalar probes for users with many grants) give guardian's answer."""
    monkeypatch.setattr(policy, "_many_grants", lambda *args: many)
    rng = random.Random(seed)
    department = DepartmentFactory()
    cases = [CaseFactory(department=department, grants=False) for _ in range(12)]
    users = [UserFactory(is_staff=True) for _ in range(5)]
    groups = [Group.objects.create(name=f"g{seed}-{n}") for n in range(3)]
    permissions = {p.codename: p for p in Permission.objects.filter(content_type__app_label="cases",
                                                                   codename__in=CODENAMES)}  # fmt: skip
    for user in users:
        user.groups.set(rng.sample(groups, rng.randint(0, len(groups))))
    for _ in range(rng.randint(5, 40)):
        case, codename = rng.choice(cases), rng.choice(CODENAMES)
        if rng.random() < 0.5:
            CaseUserObjectPermission.objects.get_or_create(
                user=rng.choice(users), permission=permissions[codename], content_object=case
            )
        else:
            CaseGroupObjectPermission.objects.get_or_create(
                group=rng.choice(groups), permission=permissions[codename], content_object=case
            )

    compared = 0
    for user in users:
        for codename in CODENAMES:
            ours = set(granted_cases(Case.objects.all(), user, codename).values_list("pk", flat=True))
            theirs = set(
                get_objects_for_user(
                    user, f"cases.{codename}", klass=Case, accept_global_perms=False, with_superuser=False
                ).values_list("pk", flat=True)
            )
            assert ours == theirs, (seed, user.username, codename)
            compared += len(theirs)
    assert compared > 0  # the random grants did give someone something

    with django_assert_num_queries(1):
        list(granted_cases(Case.objects.all(), users[0], "view_case"))


@pytest.mark.postgres
def test_many_grants_is_the_planners_estimate_asked_once(monkeypatch, django_assert_num_queries):
    """PostgreSQL's estimate of a user's grants decides the form, asked once per user and permission."""
    user = UserFactory(is_staff=True)
    group = Group.objects.create(name="estimated")
    user.groups.add(group)
    permission = Permission.objects.get(content_type__app_label="cases", codename="view_case")
    policy._GRANT_ESTIMATES.clear()
    monkeypatch.setattr(policy, "MANY_GRANTS", -1)  # any estimate is "many"
    with django_assert_num_queries(1):
        assert policy._many_grants(user, [group.pk], permission.pk, "default")
    with django_assert_num_queries(0):
        assert policy._many_grants(user, [group.pk], permission.pk, "default")
    monkeypatch.setattr(policy, "MANY_GRANTS", 10**9)
    policy._GRANT_ESTIMATES.clear()
    assert not policy._many_grants(user, [group.pk], permission.pk, "default")
