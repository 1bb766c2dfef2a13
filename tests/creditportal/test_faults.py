"""The database failing under a request: reads retried once, writes never half-applied, a translated 503, no 500."""

import time

import psycopg
import pytest
from django.db import OperationalError, connection, connections
from django.http import HttpResponse
from django.test import Client, override_settings
from django.urls import path, reverse

from accounts.models import Department
from creditportal import views
from tests.factories import DepartmentFactory

calls = {"n": 0}


def flaky_read(request):
    calls["n"] += 1
    if calls["n"] <= calls.get("failures", 1):
        raise OperationalError("terminating connection due to administrator command")
    return HttpResponse(str(Department.objects.count()))


def flaky_cursor_close(request):
    calls["n"] += 1
    if calls["n"] == 1:
        # Closing a server-side cursor (.iterator()) on a terminated connection: Django does not wrap this one.
        raise psycopg.OperationalError("consuming input failed: server closed the connection unexpectedly")
    return HttpResponse("listed")


def write_then_lose_the_connection(request):
    Department.objects.create(code="HALF", name="Half-applied")
    raise OperationalError("server closed the connection unexpectedly")


urlpatterns = [
    path("read/", flaky_read),
    path("write/", write_then_lose_the_connection),
    path("iterate/", flaky_cursor_close),
]


@pytest.fixture
def browser():
    calls.clear()
    calls["n"] = 0
    return Client(raise_request_exception=False, headers={"Accept-Language": "en"})


@pytest.mark.django_db
@override_settings(ROOT_URLCONF=__name__, DEBUG=False)
def test_a_read_whose_connection_dies_is_tried_once_more(browser):
    response = browser.get("/read/")
    assert response.status_code == 200
    assert calls["n"] == 2


@pytest.mark.django_db
@override_settings(ROOT_URLCONF=__name__, DEBUG=False)
def test_the_drivers_own_connection_error_is_retried_too(browser):
    # Found by deploy/drills.py terminate: the register's search answered 500 when its connection was terminated.
    response = browser.get("/iterate/")
    assert response.status_code == 200
    assert calls["n"] == 2


@pytest.mark.django_db
@override_settings(ROOT_URLCONF=__name__, DEBUG=False)
def test_a_read_failing_twice_gets_the_translated_503_page(browser):
    calls["failures"] = 2
    response = browser.get("/read/")
    assert response.status_code == 503
    assert response["Retry-After"] == "10"
    body = response.content.decode()
    assert "The database could not be reached, so nothing was saved" in body
    assert "administrator command" not in body and "Traceback" not in body
    assert calls["n"] == 2  # once more, not in a loop
    chinese = Client(raise_request_exception=False, headers={"Accept-Language": "zh-hans"})
    calls["n"] = 0
    assert "数据库" in chinese.get("/read/").content.decode()


@pytest.mark.django_db
@override_settings(ROOT_URLCONF=__name__, DEBUG=False)
def test_a_write_is_never_retried_nor_half_applied(browser):
    response = browser.post("/write/")
    assert response.status_code == 503
    assert not Department.objects.filter(code="HALF").exists()


@override_settings(DEBUG=False)
def test_the_database_failing_outside_a_view_is_a_503_too(rf):
    try:
        raise OperationalError("connection refused")
    except OperationalError:
        response = views.server_error(rf.get("/"))
    assert response.status_code == 503
    try:
        raise RuntimeError("other")
    except RuntimeError:
        assert views.server_error(rf.get("/")).status_code == 500


# -- on PostgreSQL: a real terminated connection, and the server unreachable ---------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_list_page_survives_its_connection_being_terminated(superuser, monkeypatch):
    from accounts.admin import DepartmentAdmin

    DepartmentFactory(name="Still listed")
    browser = Client(raise_request_exception=False, headers={"Accept-Language": "en"})
    browser.force_login(superuser)
    terminated = []
    get_queryset = DepartmentAdmin.get_queryset

    def terminate_own_connection_once(self, request):
        if not terminated:  # as an administrator's pg_terminate_backend or a restart would, mid-request
            pid = connection.connection.info.backend_pid
            other = connections.create_connection("default")
            with other.cursor() as cursor:
                cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
            other.close()
            terminated.append(pid)
        return get_queryset(self, request)

    monkeypatch.setattr(DepartmentAdmin, "get_queryset", terminate_own_connection_once)
    response = browser.get(reverse("admin:accounts_department_changelist"))
    assert terminated
    assert response.status_code == 200
    assert "Still listed" in response.content.decode()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_postgresql_unreachable_answers_503_fast_and_recovers_without_restart(superuser):
    browser = Client(raise_request_exception=False, headers={"Accept-Language": "en"})
    browser.force_login(superuser)
    url = reverse("admin:accounts_department_changelist")
    reachable = connection.settings_dict
    connection.close()
    connection.settings_dict = {**reachable, "PORT": "5439"}  # nothing listens: refused at once
    try:
        started = time.monotonic()
        response = browser.get(url)
        assert time.monotonic() - started < 5  # refused, not hanging (connect_timeout bounds a silent host)
        assert response.status_code == 503
        assert "The database could not be reached" in response.content.decode()
    finally:
        connection.close()
        connection.settings_dict = reachable
    assert browser.get(url).status_code == 200  # the same process, the next request
