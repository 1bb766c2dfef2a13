"""API clients, tokens and published cases for the data-sharing API's tests (decided 2026-11-16, Shanghai time)."""

import datetime

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from accounts import roles
from api.scopes import Scope
from api.services import api_client_register, api_token_create
from tests.cases.conftest import caseworker, firm, make_draft, market, supervisor, tax  # noqa: F401
from tests.factories import UserFactory
from tests.portal.fixtures import rep_wang, wang  # noqa: F401
from tests.register.conftest import DECIDED_ON, clear_cache, clock, download_root, publish  # noqa: F401

ALL_SCOPES = [Scope.REGISTER_READ, Scope.STATUS_QUERY, Scope.CASES_READ]
PURPOSE = {"HTTP_X_PURPOSE": "credit_supervision", "HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture
def administrator(db):
    return UserFactory(role=roles.ADMINISTRATOR, username="admin_api")


@pytest.fixture
def make_client(administrator):
    """``make_client(department, scopes, state="valid")`` → (ApiClient, bearer token)."""

    def make(department, scopes=ALL_SCOPES, *, state="valid", name=None):
        client = api_client_register(
            actor=administrator, department=department, name=name or f"{department.code} system {scopes}",
            scopes=scopes,
        )  # fmt: skip
        created = api_token_create(client=client, actor=administrator)
        token = created.token
        if state == "expired":
            token.expires_at = timezone.now() - datetime.timedelta(seconds=1)
            token.save()
        elif state == "revoked":
            from api.services import api_token_revoke

            api_token_revoke(token=token, actor=administrator, reason="test")
        return client, created.secret

    return make


@pytest.fixture
def http():
    """``http(secret)`` → a DRF test client sending the bearer token."""

    def make(secret=None):
        client = APIClient()
        if secret:
            client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
        return client

    return make
