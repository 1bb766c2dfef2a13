"""The endpoints' answers, the access log they write, and what never leaves (issue 19)."""

import datetime
import json
import logging

import pytest
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from api.models import ApiCall
from api.scopes import Scope
from audit.models import AccessLog
from entities.models import Entity
from tests.api.conftest import PURPOSE
from tests.factories import EntityFactory, make_id_number, make_uscc
from tests.portal.fixtures import login

pytestmark = pytest.mark.django_db


def _rows(entity):
    return AccessLog.objects.filter(target_type=ContentType.objects.get_for_model(Entity), target_id=entity.pk)


def test_status_by_credit_code_lists_the_register_entries_and_logs_the_read(publish, firm, tax, make_client, http):
    listing = publish(entity=firm)
    client, secret = make_client(tax)
    response = http(secret).post("/api/v1/status", {"uscc": firm.uscc}, format="json", **PURPOSE)
    body = response.json()
    assert body["found"] is True and body["listed"] is True
    assert body["entity"] == {"name": firm.name, "kind": firm.kind, "identifier": firm.uscc}
    assert [entry["id"] for entry in body["entries"]] == [listing.token]
    assert body["entries"][0]["entry"] == listing.content  # the register's allow-list, nothing more
    (row,) = _rows(firm)
    assert row.actor == client.account and row.actor_department == tax and row.via_api
    assert row.purpose == "信用监管"  # the purpose's label, in the site's language
    call = ApiCall.objects.get()
    assert (call.endpoint, call.purpose, call.status_code, call.entities) == ("status", "credit_supervision", 200, 1)


def test_status_of_an_unknown_code_touches_nobody(tax, make_client, http):
    _client, secret = make_client(tax)
    code = make_uscc()
    response = http(secret).post("/api/v1/status", {"uscc": code}, format="json", **PURPOSE)
    assert response.json() == {"found": False, "entity": None, "listed": False, "entries": []}
    assert not AccessLog.objects.exists()


def _status(http, secret, body):
    return http(secret).post("/api/v1/status", body, format="json", **PURPOSE)


@pytest.mark.parametrize("identifier", ["uscc", "identity_number"])
def test_status_of_a_registered_entity_off_the_register_answers_like_an_unknown_one(
    identifier, make_draft, tax, make_client, http
):
    """Being in the registry is itself personal data: without a public listing (and without a case the client may
    see), a registered entity and an unknown one get the same bytes, and nobody's access log gets a row."""
    entity = EntityFactory(person=identifier == "identity_number")
    make_draft(entity=entity, measures=(("public_disclosure", 24),))  # a tax case, not decided: not on the register
    _client, secret = make_client(tax, [Scope.STATUS_QUERY])
    unknown = make_id_number() if identifier == "identity_number" else make_uscc()
    known = entity.id_number if identifier == "identity_number" else entity.uscc
    registered = _status(http, secret, {identifier: known})
    nobody = _status(http, secret, {identifier: unknown})
    assert registered.status_code == nobody.status_code == 200
    assert registered.content == nobody.content
    assert registered.json() == {"found": False, "entity": None, "listed": False, "entries": []}
    assert {k: registered[k] for k in ("Content-Type", "Cache-Control")} == {
        k: nobody[k] for k in ("Content-Type", "Cache-Control")
    }
    assert not AccessLog.objects.exists()
    assert list(ApiCall.objects.values_list("status_code", "entities")) == [(200, 0), (200, 0)]


def test_status_of_an_entity_whose_listing_ended_answers_like_an_unknown_one(
    publish, firm, tax, make_client, http, clock
):
    listing = publish(entity=firm)
    clock.set(listing.max_end_on)  # off the register by date, before any sweep wrote anything
    _client, secret = make_client(tax, [Scope.STATUS_QUERY], name="after the end")
    ended = _status(http, secret, {"uscc": firm.uscc})
    assert ended.content == _status(http, secret, {"uscc": make_uscc()}).content
    assert not AccessLog.objects.exists()


def test_identity_number_never_in_a_url_a_log_line_or_a_response(
    wang,
    rep_wang,
    make_draft,
    tax,
    make_client,
    http,
    caplog,
):
    make_draft(entity=wang, measures=(("public_disclosure", 24),))  # a case the client (cases:read) may see
    number = wang.id_number
    _client, secret = make_client(tax)
    with caplog.at_level(logging.DEBUG):
        response = http(secret).post("/api/v1/status", {"identity_number": number}, format="json", **PURPOSE)
        refused = http(secret).post(
            "/api/v1/status", {"identity_number": number[:17] + ("0" if number[17] != "0" else "1")}, format="json",
            **PURPOSE,
        )  # fmt: skip
    assert response.status_code == 200 and refused.status_code == 400
    body = response.content.decode() + refused.content.decode()
    assert number not in body and number[:17] not in body and number[6:14] not in body
    assert response.json()["entity"]["identifier"] == wang.id_number_masked
    assert number not in caplog.text and number[:17] not in caplog.text
    assert refused["Content-Type"] == "application/problem+json"
    assert refused.json()["errors"][0]["field"] == "identity_number"
    # ... and the person sees the query in the portal, with the department and the purpose.
    (row,) = _rows(wang)
    assert row.via_api
    page = login(rep_wang).get(f"/portal/entities/{wang.pk}/access/").content.decode()
    assert "Tax bureau queried your record through the data-sharing API, purpose: 信用监管" in page


def test_status_wants_exactly_one_identifier(tax, make_client, http, firm):
    _client, secret = make_client(tax)
    for body in ({}, {"uscc": firm.uscc, "identity_number": make_id_number()}):
        response = http(secret).post("/api/v1/status", body, format="json", **PURPOSE)
        assert response.status_code == 400
        assert response.json()["detail"] == "Send exactly one of uscc and identity_number."


def test_status_refuses_a_malformed_credit_code_with_the_rule_it_breaks(tax, make_client, http):
    _client, secret = make_client(tax)
    response = http(secret).post("/api/v1/status", {"uscc": "91110000ABC"}, format="json", **PURPOSE)
    assert response.status_code == 400
    assert response.json()["detail"] == "A unified social credit code has exactly 18 characters."


def test_sanctions_page_on_with_the_cursor_and_updated_since(publish, tax, make_client, http):
    listings = [publish(entity=EntityFactory()) for _ in range(3)]
    _client, secret = make_client(tax)
    api = http(secret)
    first = api.get("/api/v1/sanctions", {"limit": 2}, **PURPOSE).json()
    assert [r["id"] for r in first["results"]] == [listings[0].token, listings[1].token]
    second = api.get("/api/v1/sanctions", {"limit": 2, "cursor": first["next_cursor"]}, **PURPOSE).json()
    assert [r["id"] for r in second["results"]] == [listings[2].token] and second["next_cursor"] is None
    since = (listings[2].updated_at + datetime.timedelta(microseconds=1)).isoformat()
    assert api.get("/api/v1/sanctions", {"updated_since": since}, **PURPOSE).json()["results"] == []
    # Each entity on a page got its access-log row.
    assert AccessLog.objects.filter(field="api:sanctions").count() == 3


def test_sanctions_serve_nothing_past_its_end(publish, firm, tax, make_client, http, clock):
    listing = publish(entity=firm)
    _client, secret = make_client(tax)
    assert len(http(secret).get("/api/v1/sanctions", **PURPOSE).json()["results"]) == 1
    clock.set(listing.max_end_on)  # the day the publication reaches its maximum, before any sweep ran
    _client, secret = make_client(tax, name="after the end")  # the first token has expired by then
    assert http(secret).get("/api/v1/sanctions", **PURPOSE).json()["results"] == []
    body = http(secret).post("/api/v1/status", {"uscc": firm.uscc}, format="json", **PURPOSE).json()
    assert body["listed"] is False and body["entries"] == []


def test_a_cursor_not_made_by_the_api_is_a_400_problem(tax, make_client, http):
    _client, secret = make_client(tax)
    for cursor in ("nonsense", "W10", "WyIyMDI2LTAxLTAxIiwgMV0"):  # [], ["2026-01-01", 1] (naive)
        response = http(secret).get("/api/v1/sanctions", {"cursor": cursor}, **PURPOSE)
        assert response.status_code == 400, cursor
        assert response.json()["errors"][0]["field"] == "cursor"


def test_case_summary_is_the_shared_class_only(publish, firm, tax, make_client, http):
    from cases.selectors.sharing import SHARED_CASE_FIELDS

    case = publish(entity=firm).publication.case
    _client, secret = make_client(tax)
    response = http(secret).get(f"/api/v1/cases/{case.number}", **PURPOSE)
    body = response.json()
    assert set(body) == SHARED_CASE_FIELDS
    text = json.dumps(body, ensure_ascii=False)
    assert case.facts not in text and "cw_tax" not in text and "sup_tax" not in text
    assert body["measures"] and body["legal_document"]["number"] == "京税稽罚〔2026〕12号"
    assert AccessLog.objects.filter(field="api:case", target_id=case.pk).count() == 1


def test_case_summary_masks_a_persons_identity_number(make_draft, tax, make_client, http):
    person = EntityFactory(person=True, name="Li Si")
    case = make_draft(entity=person, measures=(("public_disclosure", 24),))
    _client, secret = make_client(tax)
    body = http(secret).get(f"/api/v1/cases/{case.number}", **PURPOSE).json()
    assert body["entity"]["identifier"] == person.id_number_masked
    assert person.id_number not in json.dumps(body)


def test_an_unknown_case_is_a_404_problem(tax, make_client, http):
    _client, secret = make_client(tax)
    response = http(secret).get("/api/v1/cases/TAX-2026-999999", **PURPOSE)
    assert response.status_code == 404 and response["Content-Type"] == "application/problem+json"


def test_screening_answers_candidates_with_a_score(publish, tax, make_client, http):
    acme = publish(entity=EntityFactory(name="ACME Trading Co., Ltd."))
    coded = publish(entity=EntityFactory(name="Blue Sky Media"))
    _client, secret = make_client(tax)
    queries = ["ACME Trading Co Ltd", "Completely Different Name", coded.uscc]
    body = http(secret).post("/api/v1/screening", {"queries": queries}, format="json", **PURPOSE).json()
    results = body["results"]
    assert [r["query_index"] for r in results] == [0, 1, 2]
    assert results[0]["candidates"][0]["id"] == acme.token and 0.8 < results[0]["candidates"][0]["score"] <= 1
    assert all(c["id"] != acme.token for c in results[1]["candidates"])
    assert results[2]["candidates"] == [
        {"id": coded.token, "name": "Blue Sky Media", "identifier": coded.uscc, "score": 1.0}
    ]
    assert AccessLog.objects.filter(field="api:screening").count() == 2


def test_screening_more_than_1000_queries_is_a_400_problem(tax, make_client, http):
    _client, secret = make_client(tax)
    response = http(secret).post("/api/v1/screening", {"queries": ["x"] * 1001}, format="json", **PURPOSE)
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "queries"


def test_screening_refuses_identity_numbers_without_repeating_them(tax, make_client, http):
    _client, secret = make_client(tax)
    number = make_id_number()
    response = http(secret).post("/api/v1/screening", {"queries": ["A name", number]}, format="json", **PURPOSE)
    assert response.status_code == 400
    assert number not in response.content.decode() and "(queries 1)" in response.json()["detail"]


def test_token_last_used_is_noted(tax, make_client, http):
    client, secret = make_client(tax)
    http(secret).get("/api/v1/sanctions", **PURPOSE)
    assert client.tokens.get().last_used_at is not None
    assert timezone.now() - client.tokens.get().last_used_at < datetime.timedelta(minutes=1)


def test_a_call_opens_no_session(publish, firm, tax, make_client, http):
    """The client's account answers for the call, not as a signed-in person: no session row, no cookie (the sliding
    session would otherwise write one for every call of a client that keeps no cookies)."""
    from django.contrib.sessions.models import Session

    listing = publish(entity=firm)
    _client, secret = make_client(tax)
    api = http(secret)
    for response in (
        api.get("/api/v1/sanctions", **PURPOSE),
        api.post("/api/v1/status", {"uscc": listing.uscc}, format="json", **PURPOSE),
        api.get("/api/v1/sanctions", {"cursor": "not-ours"}, **PURPOSE),  # a refusal, too
    ):
        assert response.status_code in (200, 400)
        assert "sessionid" not in response.cookies
        assert response["Cache-Control"] == "no-store, private"
    assert not Session.objects.exists()


def test_the_access_log_names_the_accounts_roles_and_stays_chained(publish, tax, make_client, http):
    """Rows written set-based (one insert, chained as stored) carry what one by one did, and verify."""
    from audit import chain
    from audit.services import access_log_roles

    entities = [EntityFactory() for _ in range(3)]
    for entity in entities:
        publish(entity=entity)
    client, secret = make_client(tax)
    response = http(secret).get("/api/v1/sanctions", **PURPOSE)
    assert response.status_code == 200
    rows = AccessLog.objects.filter(field="api:sanctions").order_by("pk")
    assert [row.target_id for row in rows] == [entity.pk for entity in entities]
    roles = access_log_roles(client.account)
    assert roles  # the API client role
    assert {(row.actor_id, row.actor_roles, row.actor_department_id, row.request_id) for row in rows} == {
        (client.account.pk, roles, tax.pk, response["X-Request-ID"])
    }
    assert chain.verify() == []


def test_a_page_is_what_the_json_renderer_would_write(publish, tax, make_client, http):
    """The page is written with each entry's content spliced in as stored: the same JSON as rendering it whole."""
    from rest_framework.renderers import JSONRenderer

    listings = [publish(entity=EntityFactory(name=name)) for name in ("Ünïcode «Firm»", 'Quote "and" \\ Co', "高新")]
    _client, secret = make_client(tax)
    response = http(secret).get("/api/v1/sanctions", {"limit": 2}, **PURPOSE)
    assert response["Content-Type"] == "application/json"
    body = json.loads(response.content)
    expected = {
        "results": [
            {"id": listing.token, "updated_at": listing.updated_at, "removed": False, "entry": listing.content}
            for listing in listings[:2]
        ],
        "next_cursor": body["next_cursor"],
    }
    assert body["next_cursor"] and body == json.loads(JSONRenderer().render(expected))
