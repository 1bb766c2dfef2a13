"""Exports of filtered staff lists (issue 25): the list's rows only, masked, formula-safe, every record logged."""

import csv
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from accounts import roles
from audit import admin_export
from audit.models import AccessLog
from cases.models import Case
from tests.factories import CaseFactory, DepartmentFactory, EntityFactory, UserFactory

CASES_EXPORT = reverse("admin:cases_case_export")
ENTITIES_EXPORT = reverse("admin:entities_entity_export")


@pytest.fixture
def tax(db):
    return DepartmentFactory(code="TAX", name="Tax bureau")


@pytest.fixture
def supervisor(tax):
    return UserFactory(role=roles.SUPERVISOR, department=tax)


@pytest.fixture
def cases(tax):
    """Tax: two submitted, one draft; another department: one submitted."""
    made = {}
    for key, department, state in (("a", tax, "submitted"), ("b", tax, "submitted"), ("c", tax, "draft")):
        case = CaseFactory(department=department)
        Case.objects.filter(pk=case.pk).update(state=state)
        made[key] = case
    other = CaseFactory(department=DepartmentFactory(code="MKT"))
    Case.objects.filter(pk=other.pk).update(state="submitted")
    made["other"] = other
    return made


def _csv_rows(response) -> list[list[str]]:
    text = b"".join(response.streaming_content if response.streaming else [response.content]).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def test_the_list_links_to_its_export_with_its_filters(client, supervisor, cases):
    client.force_login(supervisor)
    html = client.get(reverse("admin:cases_case_changelist") + "?state__exact=submitted").text
    assert f'href="{CASES_EXPORT}?state__exact=submitted"' in html


def test_export_page_counts_the_filtered_scoped_rows(client, supervisor, cases):
    client.force_login(supervisor)
    page = client.get(CASES_EXPORT + "?state__exact=submitted")
    assert page.status_code == 200
    assert page.context["count"] == 2  # not the draft, not the other department's case


def test_csv_export_holds_the_filtered_rows_and_logs_each(client, supervisor, cases):
    client.force_login(supervisor)
    response = client.post(CASES_EXPORT + "?state__exact=submitted", {"format": "csv", "purpose": "monthly report"})
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    rows = _csv_rows(response)
    assert rows[0][0] == "case number"
    assert sorted(row[0] for row in rows[1:]) == sorted([cases["a"].number, cases["b"].number])
    logged = AccessLog.objects.filter(actor=supervisor, action=AccessLog.Action.EXPORT)
    assert sorted(logged.values_list("target_id", flat=True)) == sorted([cases["a"].pk, cases["b"].pk])
    assert set(logged.values_list("purpose", flat=True)) == {"monthly report"}


def test_a_purpose_is_required_and_nothing_is_logged_without_it(client, supervisor, cases):
    client.force_login(supervisor)
    response = client.post(CASES_EXPORT, {"format": "csv", "purpose": "  "})
    assert response.status_code == 200
    assert "This field is required." in response.text
    assert not AccessLog.objects.filter(action=AccessLog.Action.EXPORT).exists()


def test_too_many_rows_are_refused_with_a_clear_message(client, supervisor, cases, monkeypatch):
    monkeypatch.setattr(admin_export, "EXPORT_MAX_ROWS", 1)
    client.force_login(supervisor)
    response = client.post(CASES_EXPORT, {"format": "csv", "purpose": "report"})
    assert "narrow the list with its filters first" in response.text
    assert not AccessLog.objects.filter(action=AccessLog.Action.EXPORT).exists()


def test_xlsx_export_masks_identity_numbers_and_keeps_formulas_as_text(client, supervisor, db):
    person = EntityFactory(person=True, name='=HYPERLINK("http://evil.example/","x")')
    client.force_login(supervisor)
    response = client.post(ENTITIES_EXPORT, {"format": "xlsx", "purpose": "registry check"})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert rows[0][:3] == ["name", "kind", "identifier"]
    exported = next(row for row in rows[1:] if "HYPERLINK" in row[0])
    assert exported[0].startswith("'=")  # text, never a formula
    assert exported[2] == person.display_identifier
    assert person.id_number not in str(rows)
    assert AccessLog.objects.filter(actor=supervisor, action=AccessLog.Action.EXPORT, target_id=person.pk).exists()


def test_roles_without_the_list_cannot_export(client, db, cases):
    administrator = UserFactory(role=roles.ADMINISTRATOR)
    client.force_login(administrator)
    assert client.get(CASES_EXPORT).status_code == 403
    portal_user = UserFactory(role=roles.ENTITY_REPRESENTATIVE)
    client.force_login(portal_user)
    assert client.get(CASES_EXPORT).status_code == 302  # to the staff sign-in
