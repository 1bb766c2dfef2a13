"""My data (JSON and printable), who accessed my record, and fixed query counts on the records page."""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from audit.models import AccessLog
from audit.services import access_log_write
from entities.models import EntityRelation
from entities.services import relation_add

from .fixtures import login

pytestmark = pytest.mark.django_db


@pytest.fixture
def acme_world(clock, firm, wang, rep_acme, rep_wang, serve, sanction, supervisor):
    case = sanction(serve(firm))
    case.internal_notes = "INTERNAL: check the director's other firms"
    case.save()
    other_case = sanction(serve(wang))
    person = __import__("tests.factories", fromlist=["EntityFactory"]).EntityFactory(person=True, name="Zhao Liu")
    relation_add(actor=supervisor, organisation=firm, person=person, role=EntityRelation.Role.LEGAL_REPRESENTATIVE)
    access_log_write(actor=supervisor, action=AccessLog.Action.VIEW, target=case, purpose="review of the tax file")
    access_log_write(actor=supervisor, action=AccessLog.Action.VIEW, target=other_case, purpose="someone else")
    return case, other_case, person


def test_json_export_has_my_records_and_nothing_of_a_third_party(acme_world, rep_acme, firm, supervisor, caseworker):
    case, other_case, person = acme_world
    response = login(rep_acme).get(reverse("portal:my_data_json", args=[firm.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    data = json.loads(response.content)
    text = response.content.decode()
    assert data["entity"]["name"] == firm.name
    assert [c["number"] for c in data["cases"]] == [case.number]
    exported = data["cases"][0]
    assert exported["measures"] and exported["notices"] and exported["publication"]
    assert exported["legal_document"]["number"]
    assert {row["purpose"] for row in data["access_log"]} == {"review of the tax file"}
    assert data["access_log"][0]["department"] == supervisor.department.name
    # Nothing internal, nothing of other people or other entities.
    for leaked in [
        "INTERNAL", other_case.number, person.name, person.id_number_masked, "Wang Wei",
        supervisor.username, caseworker.username, "someone else",
    ]:  # fmt: skip
        assert leaked not in text, leaked


def test_printable_page_has_the_same_and_no_internal_notes(acme_world, rep_acme, firm):
    case, other_case, person = acme_world
    body = login(rep_acme).get(reverse("portal:my_data", args=[firm.pk])).content.decode()
    assert case.number in body
    assert "INTERNAL" not in body and other_case.number not in body and person.name not in body


def test_access_log_page_shows_department_purpose_date_but_no_staff_name(acme_world, rep_acme, firm, supervisor):
    body = login(rep_acme).get(reverse("portal:access_log", args=[firm.pk])).content.decode()
    assert "review of the tax file" in body
    assert supervisor.department.name in body
    assert supervisor.username not in body
    assert "someone else" not in body


def _records_queries(user) -> int:
    client = login(user)
    client.get(reverse("portal:records"))  # warm the session and content types
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("portal:records")).status_code == 200
    return len(queries)


def test_records_page_query_count_is_the_same_for_2_and_50_cases(clock, firm, rep_acme, serve, sanction):
    sanction(serve(firm))
    serve(firm)
    two = _records_queries(rep_acme)
    for _ in range(47):
        serve(firm)
    sanction(serve(firm))  # the first page (the newest 20) holds a decided case too, as with two
    from cases.models import Case

    assert Case.objects.filter(entity=firm).count() == 50
    assert _records_queries(rep_acme) == two


def test_export_lists_my_filings_and_their_status(acme_world, rep_acme, firm):
    from cases.services.filings import filing_appeal_file

    case, _other_case, _person = acme_world
    filing = filing_appeal_file(case=case, actor=rep_acme, text="Our appeal grounds.")
    data = json.loads(login(rep_acme).get(reverse("portal:my_data_json", args=[firm.pk])).content)
    assert [(f["reference"], f["status"]) for f in data["filings"]] == [(filing.reference, "filed")]
