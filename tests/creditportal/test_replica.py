"""Read replica routing (creditportal/replica.py): unit tests anywhere, and against a real streaming replica.

The real-replica tests run where DATABASE_REPLICA_URL names one (make replica-up; CI does): PostgreSQL streams the
test database to it like any other.
"""

import contextvars
import os
import time

import environ
import pytest
from django.db import DatabaseError, connections
from django.http import HttpResponse
from django.test import RequestFactory, override_settings
from django.urls import reverse

from creditportal import replica
from creditportal.replica import PIN_COOKIE, ReplicaReadsMiddleware, ReplicaRouter, reads_from_replica


@reads_from_replica
def list_view(request):
    return HttpResponse(ReplicaRouter().db_for_read(None))


def write_view(request):
    return HttpResponse(ReplicaRouter().db_for_read(None))


def _through_middleware(request, view, *, usable=True, monkeypatch):
    monkeypatch.setattr(replica, "replica_usable", lambda: usable)
    middleware = ReplicaReadsMiddleware(lambda r: middleware.process_view(r, view, (), {}) or view(r))
    request.resolver_match = None
    return middleware(request)


def test_a_marked_read_only_view_reads_from_the_replica(monkeypatch):
    response = _through_middleware(RequestFactory().get("/list/"), list_view, monkeypatch=monkeypatch)
    assert response.content == b"replica"
    assert PIN_COOKIE not in response.cookies
    assert ReplicaRouter().db_for_read(None) == "default"  # only for the request's own duration


def test_unmarked_views_and_writes_use_the_primary_and_a_write_pins_the_client(monkeypatch):
    assert _through_middleware(RequestFactory().get("/x/"), write_view, monkeypatch=monkeypatch).content == b"default"
    response = _through_middleware(RequestFactory().post("/list/"), list_view, monkeypatch=monkeypatch)
    assert response.content == b"default"
    assert int(response.cookies[PIN_COOKIE].value) > time.time()


def test_a_client_that_just_wrote_reads_its_writes_from_the_primary(monkeypatch):
    request = RequestFactory().get("/list/")
    request.COOKIES[PIN_COOKIE] = str(int(time.time()) + 10)
    assert _through_middleware(request, list_view, monkeypatch=monkeypatch).content == b"default"
    request = RequestFactory().get("/list/")
    request.COOKIES[PIN_COOKIE] = str(int(time.time()) - 1)  # the window has passed
    assert _through_middleware(request, list_view, monkeypatch=monkeypatch).content == b"replica"
    request.COOKIES[PIN_COOKIE] = "junk"
    assert _through_middleware(request, list_view, monkeypatch=monkeypatch).content == b"replica"


def test_an_unusable_replica_sends_reads_to_the_primary(monkeypatch):
    request = RequestFactory().get("/list/")
    assert _through_middleware(request, list_view, usable=False, monkeypatch=monkeypatch).content == b"default"


def test_admin_list_pages_read_from_the_replica_by_name(monkeypatch):
    monkeypatch.setattr(replica, "replica_usable", lambda: True)
    middleware = ReplicaReadsMiddleware(lambda r: HttpResponse())

    def routed(view_name):
        request = RequestFactory().get("/admin/")
        request.reads_from_replica = False
        request.resolver_match = type("Match", (), {"view_name": view_name})()
        contextvars.copy_context().run(middleware.process_view, request, write_view, (), {})  # leaves ours alone
        return request.reads_from_replica

    assert routed("admin:cases_case_changelist")
    assert not routed("admin:cases_case_change")


def test_a_replica_failing_mid_request_is_retried_once_on_the_primary(monkeypatch):
    monkeypatch.setattr(replica, "replica_usable", lambda: True)
    monkeypatch.setattr(replica, "connections", {"replica": type("C", (), {"close": lambda self: None})()})
    request = RequestFactory().get("/list/")
    request.resolver_match = None
    middleware = ReplicaReadsMiddleware(lambda r: HttpResponse())
    context = contextvars.copy_context()
    context.run(middleware.process_view, request, list_view, (), {})
    response = context.run(middleware.process_exception, request, DatabaseError("server closed the connection"))
    assert response.content == b"default"
    assert replica._health["usable"] is False
    assert context.run(middleware.process_exception, request, DatabaseError("again")) is None  # once only


def test_writes_and_migrations_go_to_the_primary_only():
    router = ReplicaRouter()
    assert router.db_for_write(None) == "default"
    assert router.allow_migrate("default", "cases") and not router.allow_migrate("replica", "cases")


class _Cursor:
    def __init__(self, lag=None, error=None):
        self.lag, self.error = lag, error

    def __enter__(self):
        if self.error:
            raise self.error
        return self

    def __exit__(self, *exc):
        return False

    def execute(self, sql):
        pass

    def fetchone(self):
        return (self.lag,)


@pytest.mark.parametrize(
    ("cursor", "usable"),
    [(_Cursor(lag=0), True), (_Cursor(lag=4.0), True), (_Cursor(lag=9.0), False), (_Cursor(lag=None), False),
     (_Cursor(error=DatabaseError("connection refused")), False)],
)  # fmt: skip
@override_settings(REPLICA_MAX_LAG_SECONDS=5, REPLICA_CHECK_SECONDS=0)
def test_the_replica_is_used_only_while_it_streams_within_the_allowed_lag(monkeypatch, cursor, usable):
    connection = type("C", (), {"cursor": lambda self: cursor, "close": lambda self: None})()
    monkeypatch.setattr(replica, "connections", {"replica": connection})
    assert replica.replica_usable() is usable


# -- against a real streaming replica (make replica-up) -----------------------------------------------------------


@pytest.fixture
def real_replica():
    """The `replica` alias on the real replica, reading the test database that streams there."""
    url = environ.Env.db_url_config(os.environ["DATABASE_REPLICA_URL"])
    connection = connections["replica"]
    mirrored = connection.settings_dict
    connection.close()
    connection.settings_dict = {**mirrored, "HOST": url["HOST"], "PORT": url["PORT"]}
    replica._health["checked_at"] = float("-inf")
    yield connection
    connection.close()
    connection.settings_dict = mirrored
    replica._health["checked_at"] = float("-inf")


def _wait_for(connection, position):
    """Until the replica's WAL ``position`` reaches what the primary has written (a condition with a deadline)."""
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_lsn()")
        (target,) = cursor.fetchone()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {position} >= %s::pg_lsn", [target])
            if cursor.fetchone()[0]:
                return
        time.sleep(0.05)
    raise AssertionError(f"the replica's {position} did not catch up within 30 s")


def _wait_for_replay(connection):
    _wait_for(connection, "pg_last_wal_replay_lsn()")


def _staff_client(client, superuser):
    client.force_login(superuser)
    return client


@pytest.mark.postgres
@pytest.mark.replica
@pytest.mark.django_db(transaction=True, databases=["default", "replica"])
@override_settings(REPLICA_CHECK_SECONDS=0)
def test_list_page_reads_from_the_streaming_replica(client, superuser, real_replica):
    from tests.factories import DepartmentFactory

    DepartmentFactory(name="Replicated bureau")
    client = _staff_client(client, superuser)
    _wait_for_replay(real_replica)
    on_replica = []

    def count(execute, sql, params, many, context):
        on_replica.append(sql)
        return execute(sql, params, many, context)

    with real_replica.execute_wrapper(count):
        response = client.get(reverse("admin:accounts_department_changelist"))
    assert response.status_code == 200
    assert "Replicated bureau" in response.content.decode()
    assert any("accounts_department" in sql for sql in on_replica), on_replica
    assert client.get("/readyz").json()["checks"]["replica"] == "ok"


@pytest.mark.postgres
@pytest.mark.replica
@pytest.mark.django_db(transaction=True, databases=["default", "replica"])
@override_settings(REPLICA_CHECK_SECONDS=0, REPLICA_MAX_LAG_SECONDS=0)
def test_a_lagging_replica_is_passed_over_and_the_page_shows_the_latest_write(client, superuser, real_replica):
    from tests.factories import DepartmentFactory

    client = _staff_client(client, superuser)
    _wait_for_replay(real_replica)
    with real_replica.cursor() as cursor:
        cursor.execute("SELECT pg_wal_replay_pause()")
    try:
        DepartmentFactory(name="Written while the replica lags")
        _wait_for(real_replica, "pg_last_wal_receive_lsn()")  # received, not replayed: the replica lags
        response = client.get(reverse("admin:accounts_department_changelist"))
        assert response.status_code == 200
        assert "Written while the replica lags" in response.content.decode()
        assert replica._health["usable"] is False
        ready = client.get("/readyz")
        assert ready.status_code == 200
        assert ready.json()["checks"]["replica"] == "warning"
    finally:
        with real_replica.cursor() as cursor:
            cursor.execute("SELECT pg_wal_replay_resume()")


@pytest.mark.postgres
@pytest.mark.replica
@pytest.mark.django_db(transaction=True, databases=["default", "replica"])
@override_settings(REPLICA_CHECK_SECONDS=0)
def test_a_replica_that_is_down_is_passed_over_without_an_error(client, superuser, real_replica):
    from tests.factories import DepartmentFactory

    real_replica.close()
    real_replica.settings_dict = {**real_replica.settings_dict, "PORT": "5439"}  # nothing listens there
    DepartmentFactory(name="Read from the primary")
    response = _staff_client(client, superuser).get(reverse("admin:accounts_department_changelist"))
    assert response.status_code == 200
    assert "Read from the primary" in response.content.decode()
