"""Property-based run of the API's own OpenAPI schema (schemathesis, in-process through the WSGI app): whatever the
generated request, schema-valid or not, the API never answers 500 (issue 19). Kept short for CI (max_examples)."""

import json

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, settings

from creditportal.wsgi import application

# The schema as /api/v1/schema/ serves it, generated in-process (loading it through the app at import would open a
# database transaction before pytest-django allows one); calls then go through the WSGI app.
schema = schemathesis.openapi.from_dict(json.loads(json.dumps(SchemaGenerator().get_schema(request=None, public=True))))
schema.app = application


@pytest.fixture(autouse=True)
def _test_connection_kept():
    """Calls go through the WSGI app, whose request signals close the database connection — on PostgreSQL the test's
    own, with its transaction. Django's test client unhooks that receiver for the same reason; so do we."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def bearer(db, tax, make_client, publish, firm):
    """A token with every scope, and one published case so the reads have something to find."""
    publish(entity=firm)
    _client, secret = make_client(tax)
    return secret


@schema.parametrize()
@settings(
    max_examples=10, deadline=None, derandomize=True,
    suppress_health_check=list(HealthCheck),
)  # fmt: skip
@pytest.mark.django_db
def test_no_request_answers_500(case, bearer):
    headers = {"Authorization": f"Bearer {bearer}", "Accept-Language": "en"}
    if case.headers and "X-Purpose" in case.headers:
        headers["X-Purpose"] = case.headers["X-Purpose"]
    else:
        headers["X-Purpose"] = "credit_supervision"
    response = case.call(headers=headers)
    assert response.status_code < 500, response.text
