"""/readyz (creditportal/health.py and the checks apps register) and the protected Prometheus /metrics."""

import datetime

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import override_settings
from django.utils import timezone

from cases.models import CalendarDay
from creditportal import health, metrics
from creditportal.health import register_readiness_check

NEW_YEAR = {"kind": CalendarDay.Kind.HOLIDAY, "name_zh": "元旦", "name_en": "New Year", "notice": "-", "source": "-"}
DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


@pytest.fixture
def calendar_loaded(db):
    today = timezone.localdate()
    for year in range(today.year, today.year + 2):
        CalendarDay.objects.get_or_create(date=datetime.date(year, 1, 1), defaults=NEW_YEAR)


@pytest.fixture
def extra_check(monkeypatch):
    monkeypatch.setattr(health, "_checks", dict(health._checks))
    return register_readiness_check


def test_readyz_is_ok_with_every_check_passing(client, calendar_loaded, django_assert_max_num_queries):
    from register.monitor import check_record

    check_record([])  # the register monitor's last full run found nothing stale
    with django_assert_max_num_queries(4):
        response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "checks": {
            "database": "ok",
            "cache": "ok",
            "migrations": "ok",
            "task_queue": "ok",
            "working_day_calendar": "ok",
            "register_monitor": "ok",
        },
    }
    assert "no-cache" in response["Cache-Control"]


def test_cases_registers_the_calendar_check_which_warns_without_failing_readiness(client, db):
    CalendarDay.objects.all().delete()
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["checks"]["working_day_calendar"] == "warning"


def test_calendar_check_names_the_years_missing_in_the_next_60_days(db):
    from cases.calendar import readiness_problem

    CalendarDay.objects.get_or_create(date=datetime.date(2026, 1, 1), defaults=NEW_YEAR)
    assert readiness_problem(datetime.date(2026, 10, 1)) is None
    assert readiness_problem(datetime.date(2026, 11, 15)) == "no holiday notice loaded for 2027"


def test_a_failing_critical_check_answers_503_without_its_reason(client, calendar_loaded, extra_check):
    extra_check("register_monitor", lambda: "secret detail of the failure")
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["status"] == "error"
    assert response.json()["checks"]["register_monitor"] == "failing"
    assert "secret detail" not in response.content.decode()


def test_a_check_that_raises_counts_as_failing(client, calendar_loaded, extra_check):
    def broken():
        raise RuntimeError("boom")

    extra_check("broken", broken)
    assert client.get("/readyz").json()["checks"]["broken"] == "failing"


def test_readyz_answers_503_when_the_database_is_down(client, calendar_loaded, monkeypatch):
    class DownConnections:
        def __getitem__(self, alias):
            raise connection.Database.OperationalError("connection refused")

    monkeypatch.setattr(health, "connections", DownConnections())
    monkeypatch.setattr(health, "_migrations_seen_applied", False)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["database"] == "failing"
    assert response.json()["checks"]["migrations"] == "failing"


def test_readyz_fails_while_a_migration_is_not_applied(client, calendar_loaded, monkeypatch):
    monkeypatch.setattr(health, "_migrations_seen_applied", False)
    monkeypatch.setattr(health.MigrationExecutor, "migration_plan", lambda self, targets: [("x", False)])
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["migrations"] == "failing"


def test_readyz_fails_when_the_cache_keeps_nothing(client, calendar_loaded):
    with override_settings(CACHES={"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}):
        response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["cache"] == "failing"


def _enqueue_email_task():
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.create(
        args_kwargs={"args": [], "kwargs": {}},
        task_path="cases.tasks.send_notification_email",
        backend_name="default",
        queue_name="default",
        run_after=timezone.now() - datetime.timedelta(minutes=30),
    )


@override_settings(TASKS=DATABASE_TASKS, READYZ_MAX_TASK_LAG_SECONDS=300)
def test_a_task_waiting_too_long_warns_but_keeps_the_server_in_service(client, calendar_loaded):
    from django_tasks_db.models import DBTaskResult

    task = _enqueue_email_task()
    assert client.get("/readyz").json()["checks"]["task_queue"] == "ok"  # enqueued just now
    DBTaskResult.objects.filter(pk=task.pk).update(enqueued_at=timezone.now() - datetime.timedelta(minutes=10))
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["checks"]["task_queue"] == "warning"


@pytest.mark.django_db
@override_settings(METRICS_TOKEN="", METRICS_ALLOWED_IPS=[])
def test_metrics_are_hidden_from_everyone_unless_configured(client):
    assert client.get("/metrics").status_code == 404


@pytest.mark.django_db
@override_settings(METRICS_TOKEN="s3cret-token", METRICS_ALLOWED_IPS=["10.0.0.0/8"])
def test_metrics_need_the_token_or_an_allowed_address(client):
    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 404
    assert client.get("/metrics", headers={"Authorization": "Bearer s3cret-token"}).status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="10.1.2.3").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="11.1.2.3").status_code == 404


@pytest.mark.django_db
@override_settings(METRICS_ALLOWED_IPS=["127.0.0.1"], TASKS=DATABASE_TASKS)
def test_metrics_report_request_latency_task_queue_and_the_last_sweep(client):
    client.get("/")
    _enqueue_email_task()
    call_command("run_lifecycle", verbosity=0)
    body = client.get("/metrics").content.decode()
    assert 'django_http_requests_latency_seconds_by_view_method_count{method="GET",view="home"}' in body
    assert 'creditportal_task_queue_depth{status="ready"} 1.0' in body
    assert "creditportal_task_queue_oldest_age_seconds" in body
    assert "creditportal_lifecycle_last_run_timestamp_seconds" in body
    assert "creditportal_lifecycle_last_run_errors 0.0" in body


@pytest.mark.django_db
@override_settings(METRICS_ALLOWED_IPS=["127.0.0.1"])
def test_metrics_count_what_the_sweep_moved_by_action(client):
    metrics.record_lifecycle_sweep(counts={"sanction_started": 3}, errors=1)
    body = client.get("/metrics").content.decode()
    assert 'creditportal_lifecycle_last_run_actions{action="sanction_started"} 3.0' in body
    assert "creditportal_lifecycle_last_run_errors 1.0" in body
