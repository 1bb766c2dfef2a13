"""accounts.backends.PermissionBackend gives Django's ModelBackend's answers, in one query (issue 11)."""

import pytest
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group, Permission

from accounts import roles
from accounts.backends import PermissionBackend
from accounts.models import User
from accounts.permissions import _group_ids
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _fresh(user):
    return User.objects.get(pk=user.pk)


def _answers(backend, user):
    user = _fresh(user)
    return (
        backend.get_user_permissions(user),
        backend.get_group_permissions(user),
        backend.get_all_permissions(user),
    )


@pytest.fixture
def mixed():
    """A supervisor with a direct permission, and in a group that has no permission at all."""
    user = UserFactory(role=roles.SUPERVISOR)
    user.user_permissions.add(Permission.objects.get(codename="view_logentry"))
    user.groups.add(Group.objects.create(name="no permissions"))
    return user


@pytest.mark.parametrize(
    "make",
    [
        lambda: UserFactory(role=roles.CASEWORKER),
        lambda: UserFactory(role=roles.AUDITOR),
        lambda: UserFactory(),
        lambda: UserFactory(role=roles.SUPERVISOR, is_active=False),
        lambda: UserFactory(is_superuser=True, is_staff=True),
    ],
)
def test_same_answers_as_django(make):
    user = make()
    assert _answers(PermissionBackend(), user) == _answers(ModelBackend(), user)


def test_direct_and_group_permissions_are_kept_apart(mixed):
    assert _answers(PermissionBackend(), mixed) == _answers(ModelBackend(), mixed)
    user = _fresh(mixed)
    assert "admin.view_logentry" in PermissionBackend().get_user_permissions(user)
    assert "admin.view_logentry" not in PermissionBackend().get_group_permissions(user)


def test_permissions_and_group_ids_are_one_query(mixed, django_assert_num_queries):
    user = _fresh(mixed)
    with django_assert_num_queries(1):
        assert user.has_perm("cases.review_case")
        assert not user.has_perm("cases.oversee_case")
        groups = _group_ids(user)
    # Every group the user is in, the one without permissions too (its object grants still count).
    assert groups == sorted(mixed.groups.values_list("pk", flat=True))
    assert Group.objects.get(name="no permissions").pk in groups
