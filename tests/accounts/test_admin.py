import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from accounts import roles
from accounts.models import Department, User
from tests.factories import DepartmentFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def administrator(client):
    user = UserFactory(role=roles.ADMINISTRATOR)
    client.force_login(user)
    return user


def _user_form(user, **changes):
    data = {
        "username": user.username,
        "first_name": "",
        "last_name": "",
        "email": user.email,
        "preferred_language": "zh-hans",
        "is_active": "on",
        "is_staff": "on" if user.is_staff else "",
        "department": user.department_id or "",
        "groups": [g.pk for g in user.groups.all()],
        "date_joined_0": "2026-01-01",
        "date_joined_1": "00:00:00",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v != ""}


def test_administrator_cannot_make_a_superuser(client, administrator):
    target = UserFactory(is_staff=True)
    url = reverse("admin:accounts_user_change", args=[target.pk])
    response = client.post(url, _user_form(target, is_superuser="on"))
    assert response.status_code == 302
    target.refresh_from_db()
    assert not target.is_superuser


def test_caseworker_role_needs_a_department(client, administrator):
    target = UserFactory(is_staff=True)
    url = reverse("admin:accounts_user_change", args=[target.pk])
    caseworker = Group.objects.get(name=roles.CASEWORKER)
    response = client.post(url, _user_form(target, groups=[caseworker.pk]))
    assert response.status_code == 200
    assert "Caseworkers and supervisors must belong to a department." in response.content.decode()
    assert not target.groups.exists()

    department = DepartmentFactory()
    response = client.post(url, _user_form(target, groups=[caseworker.pk], department=department.pk))
    assert response.status_code == 302
    # The role, and the department's group for it (through which the department's cases are granted).
    assert set(target.groups.values_list("name", flat=True)) == {"Caseworker", f"{department.code} Caseworker"}


def test_role_grants_are_in_the_user_history(client, administrator):
    target = UserFactory(is_staff=True, department=DepartmentFactory())
    caseworker = Group.objects.get(name=roles.CASEWORKER)
    client.post(
        reverse("admin:accounts_user_change", args=[target.pk]),
        _user_form(target, groups=[caseworker.pk], department=target.department_id),
    )
    latest = target.history.first()
    assert latest.history_user == administrator
    assert caseworker.pk in [g.group_id for g in latest.groups.all()]


def test_portal_accounts_cannot_belong_to_a_department(client, administrator):
    target = UserFactory()
    response = client.post(
        reverse("admin:accounts_user_change", args=[target.pk]), _user_form(target, department=DepartmentFactory().pk)
    )
    assert response.status_code == 200
    assert "Only staff belong to a department." in response.content.decode()


def test_roles_are_read_only_in_the_admin(client, administrator):
    group = Group.objects.get(name=roles.AUDITOR)
    assert client.get(reverse("admin:auth_group_change", args=[group.pk])).status_code == 200
    client.post(reverse("admin:auth_group_change", args=[group.pk]), {"name": "Hacked", "permissions": []})
    group.refresh_from_db()
    assert group.name == roles.AUDITOR
    assert client.get(reverse("admin:auth_group_add")).status_code == 403


def test_administrator_adds_a_department_with_history(client, administrator):
    response = client.post(
        reverse("admin:accounts_department_add"), {"name": "Customs", "code": "CUS", "region_code": "310000"}
    )
    assert response.status_code == 302
    department = Department.objects.get(code="CUS")
    assert department.history.get().history_user == administrator


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [("code", "tax", "Use 2 to 16 capital letters"), ("region_code", "012345", "six digits")],
)
def test_department_bad_input_is_refused_at_the_field(client, administrator, field, value, message):
    data = {"name": "Customs", "code": "CUS", "region_code": "310000", field: value}
    response = client.post(reverse("admin:accounts_department_add"), data)
    assert response.status_code == 200
    assert message in str(response.context["adminform"].form.errors[field])
    assert not Department.objects.filter(name="Customs").exists()


def test_password_is_never_in_history(administrator):
    user = User.objects.get(pk=administrator.pk)
    user.set_password("new-secret-password")
    user.save()
    history_fields = {f.name for f in User.history.model._meta.fields}
    assert "password" not in history_fields


def test_a_look_alike_username_is_refused_when_an_administrator_creates_a_user(client, administrator):
    """``sup_t\u0430x`` (a Cyrillic a) would read as the supervisor ``sup_tax`` in history and logs (issue 24)."""
    UserFactory(username="sup_tax", role=roles.SUPERVISOR)
    response = client.post(
        reverse("admin:accounts_user_add"),
        {"username": "sup_t\u0430x", "password1": "a-Long-passphrase-42", "password2": "a-Long-passphrase-42",
         "usable_password": "true"},
    )  # fmt: skip
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors["username"]
    assert errors[0].startswith("Use only letters a–z, digits 0–9")
    assert not User.objects.filter(username="sup_t\u0430x").exists()


def test_a_look_alike_username_is_refused_when_a_user_is_renamed(client, administrator):
    target = UserFactory(is_staff=True)
    response = client.post(
        reverse("admin:accounts_user_change", args=[target.pk]), _user_form(target, username="\u0455up_tax")
    )
    assert response.status_code == 200
    assert "username" in response.context["adminform"].form.errors
