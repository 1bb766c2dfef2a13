"""Clients and tokens in the admin (administrators, with history), usage for auditors (issue 19)."""

import datetime

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from accounts import roles
from api.models import ApiCall, ApiClient, ApiToken
from api.scopes import Scope
from api.services import api_token_find
from tests.api.conftest import PURPOSE
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _as(client, user):
    client.force_login(user)
    return client


def test_an_administrator_registers_a_client_with_history(client, administrator, tax):
    response = _as(client, administrator).post(
        reverse("admin:api_apiclient_add"),
        {"department": tax.pk, "name": "Tax inspection system", "scopes": [Scope.STATUS_QUERY, Scope.REGISTER_READ],
         "active": "on", "rate_per_minute": "", "reason": "MoU 2026-14"},
    )  # fmt: skip
    assert response.status_code == 302, response.content
    api_client = ApiClient.objects.get()
    assert api_client.scopes == [Scope.REGISTER_READ, Scope.STATUS_QUERY]
    assert api_client.account.department == tax and not api_client.account.has_usable_password()
    (history,) = api_client.history.all()
    assert history.history_user == administrator and history.history_change_reason == "MoU 2026-14"


def test_a_new_token_is_shown_once_and_stored_as_a_digest(client, administrator, tax, make_client):
    api_client, _secret = make_client(tax)
    expires = (timezone.localtime() + datetime.timedelta(days=30)).replace(microsecond=0)
    response = _as(client, administrator).post(
        reverse("admin:api_apitoken_add"),
        {"client": api_client.pk, "expires_at_0": expires.date().isoformat(),
         "expires_at_1": expires.strftime("%H:%M:%S")},
    )  # fmt: skip
    assert response.status_code == 200
    page = response.content.decode()
    secret = page.split('id="api-token-secret">')[1].split("<")[0]
    token = api_token_find(secret)
    assert token is not None and token.client == api_client and token.history.get().history_user == administrator
    assert secret.split("_")[2] not in token.secret_hash  # only the digest is kept
    listing = _as(client, administrator).get(reverse("admin:api_apitoken_change", args=[token.pk])).content.decode()
    assert secret not in listing


def test_revoking_in_the_admin_stops_the_token(client, administrator, tax, make_client, http):
    api_client, secret = make_client(tax)
    token = api_client.tokens.get()
    _as(client, administrator).post(
        reverse("admin:api_apitoken_changelist"), {"action": "revoke", "_selected_action": [token.pk]}
    )
    token.refresh_from_db()
    assert token.revoked_at is not None and token.history.first().history_user == administrator
    assert http(secret).get("/api/v1/sanctions", **PURPOSE).status_code == 401


def test_auditors_see_a_clients_usage(client, tax, make_client, http, publish, firm, django_assert_max_num_queries):
    publish(entity=firm)
    api_client, secret = make_client(tax)
    http(secret).post("/api/v1/status", {"uscc": firm.uscc}, format="json", **PURPOSE)
    http(secret).get("/api/v1/sanctions", **{**PURPOSE, "HTTP_X_PURPOSE": "administrative_licensing"})
    http(secret).get("/api/v1/sanctions")  # no purpose: refused, still counted
    assert ApiCall.objects.count() == 3
    auditor = _as(client, UserFactory(role=roles.AUDITOR, username="auditor"))
    url = reverse("admin:api_apiclient_usage", args=[api_client.pk])
    auditor.get(url)
    with django_assert_max_num_queries(12):
        page = auditor.get(url)
    body = page.content.decode()
    assert page.status_code == 200
    assert "credit supervision" in body and "administrative licensing" in body
    assert "<td>3</td><td>1</td><td>2</td>" in body  # today: 3 calls, 1 refused, 2 entities touched


@pytest.mark.parametrize("role", [roles.CASEWORKER, roles.SUPERVISOR, roles.APPEALS_REVIEWER])
def test_other_roles_see_no_clients(client, role, tax, make_client):
    api_client, _secret = make_client(tax)
    user = _as(client, UserFactory(role=role, department=tax))
    assert user.get(reverse("admin:api_apiclient_changelist")).status_code == 403
    assert user.get(reverse("admin:api_apiclient_usage", args=[api_client.pk])).status_code == 404


def test_api_token_create_command(administrator, tax, make_client, capsys):
    api_client, _secret = make_client(tax, name="Market system")
    call_command("api_token_create", "--client", "Market system", "--by", administrator.username, "--days", "7")
    secret = capsys.readouterr().out.strip()
    token = api_token_find(secret)
    assert token.client == api_client and token.expires_at - timezone.now() < datetime.timedelta(days=7, seconds=5)
    assert ApiToken.objects.filter(client=api_client).count() == 2


@pytest.mark.parametrize(
    "args, message",
    [
        (["--client", "nobody", "--by", "admin_api"], "No API client is named 'nobody'."),
        (["--client", "Market system", "--by", "cw_tax"], "'cw_tax' is not an active user allowed to create"),
        (["--client", "Market system", "--by", "admin_api", "--days", "0"], "--days must be at least 1."),
    ],
)
def test_api_token_create_refusals(administrator, caseworker, tax, make_client, args, message):
    make_client(tax, name="Market system")
    with pytest.raises(CommandError, match=message):
        call_command("api_token_create", *args)
