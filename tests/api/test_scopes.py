"""The scope matrix (issue 19): every endpoint x scope x department x token state."""

import pytest

from api.scopes import Scope
from audit.models import AccessLog
from tests.api.conftest import PURPOSE
from tests.factories import EntityFactory, make_uscc


def _call(http, secret, endpoint, *, firm, case_number):
    client = http(secret)
    if endpoint == "status":
        return client.post("/api/v1/status", {"uscc": firm.uscc}, format="json", **PURPOSE)
    if endpoint == "sanctions":
        return client.get("/api/v1/sanctions", **PURPOSE)
    if endpoint == "case":
        return client.get(f"/api/v1/cases/{case_number}", **PURPOSE)
    return client.post("/api/v1/screening", {"queries": [firm.name]}, format="json", **PURPOSE)


REQUIRED = {
    "status": Scope.STATUS_QUERY,
    "sanctions": Scope.REGISTER_READ,
    "case": Scope.CASES_READ,
    "screening": Scope.REGISTER_READ,
}


@pytest.mark.django_db
@pytest.mark.parametrize("endpoint", list(REQUIRED))
@pytest.mark.parametrize("scope", list(Scope.values))
@pytest.mark.parametrize("department_name", ["tax", "market"])
@pytest.mark.parametrize("state", ["valid", "expired", "revoked"])
def test_scope_matrix(endpoint, scope, department_name, state, request, publish, firm, make_client, http):
    listing = publish(entity=firm)  # a case of the tax department, published
    department = request.getfixturevalue(department_name)
    _client, secret = make_client(department, [scope], state=state)
    response = _call(http, secret, endpoint, firm=firm, case_number=listing.publication.case.number)
    assert response["Content-Type"].startswith(
        "application/json" if response.status_code == 200 else "application/problem+json"
    )
    if state != "valid":
        assert response.status_code == 401
        assert response.json()["detail"] in ("The token has expired.", "The token has been revoked.")
    elif scope != REQUIRED[endpoint]:
        assert response.status_code == 403
    elif endpoint == "case" and department_name == "market":
        assert response.status_code == 404  # another department's case: out of scope, not "forbidden"
    else:
        assert response.status_code == 200


@pytest.mark.django_db
def test_a_case_shared_with_another_department_is_in_its_scope(publish, firm, market, supervisor, make_client, http):
    from cases.services.access import case_share_with_department

    case = publish(entity=firm).publication.case
    _client, secret = make_client(market, [Scope.CASES_READ])
    assert http(secret).get(f"/api/v1/cases/{case.number}", **PURPOSE).status_code == 404
    case_share_with_department(case=case, actor=supervisor, department=market, reason="joint inspection")
    assert http(secret).get(f"/api/v1/cases/{case.number}", **PURPOSE).status_code == 200


@pytest.mark.django_db
def test_an_inactive_client_is_refused(publish, firm, tax, administrator, make_client, http):
    from api.services import api_client_update

    client, secret = make_client(tax)
    api_client_update(client=client, actor=administrator, scopes=client.scopes, active=False, rate_per_minute=None,
                      reason="retired")  # fmt: skip
    response = http(secret).get("/api/v1/sanctions", **PURPOSE)
    assert response.status_code == 401
    assert response.json()["detail"] == "The client is not active."


# The status of a registered entity without a public listing: found only for a client that may see one of its cases.
@pytest.mark.django_db
@pytest.mark.parametrize(
    ("department_name", "scopes", "found"),
    [
        ("tax", [Scope.STATUS_QUERY, Scope.CASES_READ], True),  # the case is the client's department's
        ("tax", [Scope.STATUS_QUERY], False),  # no cases:read: only the register says an entity exists
        ("market", [Scope.STATUS_QUERY, Scope.CASES_READ], False),  # cases:read, but the case is out of scope
    ],
)
def test_status_of_an_unlisted_entity_with_a_case_in_scope(
    department_name, scopes, found, request, make_draft, make_client, http
):
    entity = EntityFactory()
    make_draft(entity=entity)  # a case of the tax department, not on the register
    department = request.getfixturevalue(department_name)
    _client, secret = make_client(department, scopes)
    api = http(secret)
    response = api.post("/api/v1/status", {"uscc": entity.uscc}, format="json", **PURPOSE)
    assert response.status_code == 200
    if found:
        assert response.json() == {
            "found": True, "entity": {"name": entity.name, "kind": entity.kind, "identifier": entity.uscc},
            "listed": False, "entries": [],
        }  # fmt: skip
        (row,) = AccessLog.objects.filter(target_id=entity.pk, field="api:status")
        assert row.via_api
    else:
        unknown = api.post("/api/v1/status", {"uscc": make_uscc()}, format="json", **PURPOSE)
        assert response.content == unknown.content
        assert not AccessLog.objects.exists()
