import pytest
from django.contrib.auth.models import Group, Permission

from accounts import roles


def _labels(group):
    return {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.select_related("content_type")}


def test_every_permission_named_in_roles_exists(db):
    """A typo in roles.py would silently grant nothing; every label must match a real permission."""
    existing = {f"{p.content_type.app_label}.{p.codename}" for p in Permission.objects.select_related("content_type")}
    named = set().union(*roles.ROLE_PERMISSIONS.values())
    assert named - existing == set()


@pytest.mark.parametrize("role", list(roles.ROLE_PERMISSIONS))
def test_migrations_seed_each_role_with_exactly_its_permissions(db, role):
    assert _labels(Group.objects.get(name=role)) == roles.ROLE_PERMISSIONS[role]


def test_auditor_changes_nothing(db):
    assert not any(
        p.split(".")[1].startswith(("add_", "change_", "delete_")) for p in roles.ROLE_PERMISSIONS[roles.AUDITOR]
    )


def test_the_only_deletion_is_a_proposed_measure_on_a_draft(db):
    deletions = {perm for perms in roles.ROLE_PERMISSIONS.values() for perm in perms if ".delete_" in perm}
    assert deletions == {"cases.delete_sanction"}


def test_only_supervisors_reviewers_and_auditors_may_reveal_identifiers(db):
    revealers = {role for role, perms in roles.ROLE_PERMISSIONS.items() if "entities.reveal_entity" in perms}
    assert revealers == {roles.SUPERVISOR, roles.APPEALS_REVIEWER, roles.AUDITOR}


def test_sync_roles_is_idempotent_and_restores_drift(db):
    from django.apps import apps

    group = Group.objects.get(name=roles.CASEWORKER)
    group.permissions.add(Permission.objects.get(codename="delete_entity"))
    roles.sync_roles(apps)
    roles.sync_roles(apps)
    assert _labels(group) == roles.ROLE_PERMISSIONS[roles.CASEWORKER]
    assert Group.objects.filter(name__in=roles.ROLE_PERMISSIONS).count() == len(roles.ROLE_PERMISSIONS)
