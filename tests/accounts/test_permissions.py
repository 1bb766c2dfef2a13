import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone

from accounts import roles
from accounts.models import User
from accounts.permissions import can, require, scope
from entities.models import Entity, Representative
from entities.services import representative_add
from tests.factories import EntityFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def acme():
    return EntityFactory(name="ACME")


@pytest.fixture
def other():
    return EntityFactory(name="Other")


def _visible(user):
    return set(scope(Entity.objects.all(), user, "view"))


def test_anonymous_and_inactive_users_see_nothing(acme):
    from django.contrib.auth.models import AnonymousUser

    inactive = UserFactory(role=roles.SUPERVISOR, is_active=False)
    assert _visible(AnonymousUser()) == set()
    assert _visible(inactive) == set()
    assert not can(inactive, "view", acme)


@pytest.mark.parametrize("role", [roles.CASEWORKER, roles.SUPERVISOR, roles.APPEALS_REVIEWER, roles.AUDITOR])
def test_registry_is_shared_by_every_staff_role(role, acme, other):
    assert _visible(UserFactory(role=role)) == {acme, other}


def test_staff_without_a_role_sees_nothing(acme):
    staff = UserFactory(is_staff=True)
    assert _visible(staff) == set()
    with pytest.raises(Http404):
        require(staff, "view", acme)


def test_caseworker_may_change_but_not_reveal(acme):
    caseworker = UserFactory(role=roles.CASEWORKER)
    assert can(caseworker, "change", acme)
    with pytest.raises(PermissionDenied):
        require(caseworker, "reveal", acme)


def test_auditor_reads_but_never_changes(acme):
    auditor = UserFactory(role=roles.AUDITOR)
    assert require(auditor, "view", acme) == acme
    assert scope(Entity.objects.all(), auditor, "change").count() == 0
    with pytest.raises(PermissionDenied):
        require(auditor, "change", acme)


def _represent(user, entity, **kwargs):
    return representative_add(
        actor=UserFactory(role=roles.SUPERVISOR),
        user=user,
        entity=entity,
        relationship=Representative.Relationship.LEGAL_REPRESENTATIVE,
        **kwargs,
    )


def test_representative_sees_only_its_own_entity(acme, other):
    rep = UserFactory(role=roles.ENTITY_REPRESENTATIVE)
    _represent(rep, acme)
    assert _visible(rep) == {acme}
    assert require(rep, "view", acme) == acme
    with pytest.raises(Http404):
        require(rep, "view", other)
    with pytest.raises(PermissionDenied):
        require(rep, "change", acme)


def test_representation_counts_only_within_its_validity_dates(acme):
    today = timezone.localdate()
    ended = UserFactory(role=roles.ENTITY_REPRESENTATIVE)
    _represent(ended, acme, valid_from=today - datetime.timedelta(days=30), valid_to=today - datetime.timedelta(days=1))
    future = UserFactory(role=roles.ENTITY_REPRESENTATIVE)
    _represent(future, acme, valid_from=today + datetime.timedelta(days=1))
    assert _visible(ended) == set()
    assert _visible(future) == set()


def test_superuser_sees_everything(acme, other):
    assert _visible(UserFactory(is_staff=True, is_superuser=True)) == {acme, other}


def test_scope_is_one_query(acme, other, django_assert_num_queries):
    rep = UserFactory(role=roles.ENTITY_REPRESENTATIVE)
    _represent(rep, acme)
    rep = User.objects.get(pk=rep.pk)  # fresh, so no permission cache is warm
    with django_assert_num_queries(1):
        assert list(scope(Entity.objects.all(), rep, "view")) == [acme]


def test_portal_accounts_are_choosable_by_those_who_verify_representatives(acme):
    supervisor = UserFactory(role=roles.SUPERVISOR)
    portal_user = UserFactory(role=roles.ENTITY_REPRESENTATIVE)
    visible = set(scope(User.objects.all(), supervisor, "view"))
    assert portal_user in visible
    assert supervisor not in visible  # staff accounts stay out of reach
    assert set(scope(User.objects.all(), UserFactory(role=roles.CASEWORKER), "view")) == set()
