"""Errors as RFC 9457 problem documents (issue 19): each status the API answers, and the rate limit."""

import pytest

from tests.api.conftest import PURPOSE

pytestmark = pytest.mark.django_db
PROBLEM = "application/problem+json"


def _problem(response, status):
    assert response.status_code == status, response.content
    assert response["Content-Type"] == PROBLEM
    body = response.json()
    assert body["status"] == status and body["type"].startswith("urn:creditportal:api:")
    assert body["title"] and body["detail"]
    return body


def test_no_token_is_401_with_the_scheme(http):
    response = http().get("/api/v1/sanctions", **PURPOSE)
    _problem(response, 401)
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'


@pytest.mark.parametrize("header", ["Bearer nonsense", "Bearer cpk_abc_def", "Basic dXNlcjpwYXNz", "Bearer"])
def test_an_unknown_or_malformed_token_is_401(http, header, tax, make_client):
    make_client(tax)
    client = http()
    client.credentials(HTTP_AUTHORIZATION=header)
    _problem(client.get("/api/v1/sanctions", **PURPOSE), 401)


def test_a_wrong_secret_for_a_known_prefix_is_401(http, tax, make_client):
    _client, secret = make_client(tax)
    _problem(http(secret[:-4] + "AAAA").get("/api/v1/sanctions", **PURPOSE), 401)


@pytest.mark.parametrize("purpose", [None, "", "curiosity"])
def test_a_missing_or_unknown_purpose_is_400(http, tax, make_client, purpose):
    _client, secret = make_client(tax)
    headers = {} if purpose is None else {"HTTP_X_PURPOSE": purpose}
    body = _problem(http(secret).get("/api/v1/sanctions", **headers), 400)
    assert body["errors"][0]["field"] == "purpose"
    assert "credit_supervision" in body["detail"]


def test_wrong_method_is_405(http, tax, make_client):
    _client, secret = make_client(tax)
    response = http(secret).get("/api/v1/status", **PURPOSE)
    _problem(response, 405)
    assert "POST" in response["Allow"]


def test_a_body_that_is_not_json_is_415(http, tax, make_client):
    _client, secret = make_client(tax)
    response = http(secret).post(
        "/api/v1/status", "uscc=x", content_type="application/x-www-form-urlencoded", **PURPOSE
    )
    _problem(response, 415)


def test_broken_json_is_400(http, tax, make_client):
    _client, secret = make_client(tax)
    response = http(secret).post("/api/v1/status", "{", content_type="application/json", **PURPOSE)
    _problem(response, 400)


def test_only_json_is_offered_406(http, tax, make_client):
    _client, secret = make_client(tax)
    _problem(http(secret).get("/api/v1/sanctions", HTTP_ACCEPT="text/html", **PURPOSE), 406)


def test_an_unknown_path_is_a_404_problem(http):
    _problem(http().get("/api/v1/nothing/here"), 404)


def test_the_clients_rate_limit_answers_429_with_retry_after(http, tax, make_client, administrator):
    from api.services import api_client_update

    client, secret = make_client(tax)
    api_client_update(client=client, actor=administrator, scopes=client.scopes, active=True, rate_per_minute=2,
                      reason="test")  # fmt: skip
    api = http(secret)
    assert [api.get("/api/v1/sanctions", **PURPOSE).status_code for _ in range(2)] == [200, 200]
    response = api.get("/api/v1/sanctions", **PURPOSE)
    _problem(response, 429)
    assert int(response["Retry-After"]) >= 1


def test_problems_are_translated(http):
    response = http().get("/api/v1/sanctions", **{**PURPOSE, "HTTP_ACCEPT_LANGUAGE": "zh-hans"})
    assert response.json()["title"] == "未认证"


def test_the_schema_and_the_docs_page_are_served_without_a_cdn(client):
    schema = client.get("/api/v1/schema/")
    assert schema.status_code == 200
    assert b"/api/v1/status" in schema.content and b"bearerToken" in schema.content
    docs = client.get("/api/v1/docs/")
    assert docs.status_code == 200
    page = docs.content.decode()
    assert "/static/drf_spectacular_sidecar/redoc" in page and "cdn" not in page.lower()
