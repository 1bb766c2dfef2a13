"""Project glue: health check, error pages, languages, settings safety, migrations, demo data."""

import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.http import HttpRequest
from django.test import Client, override_settings
from django.urls import reverse

from accounts.models import Department, User
from entities.models import Entity, Representative

BASE_DIR = Path(__file__).resolve().parents[2]


@pytest.mark.django_db
def test_healthz_reports_database_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_healthz_reports_database_failure_as_503(client, monkeypatch):
    class DownDatabase:
        def cursor(self):
            raise connection.Database.OperationalError("connection refused")

    monkeypatch.setattr("creditportal.views.connection", DownDatabase())
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": "unavailable"}
    assert "refused" not in response.content.decode()


@pytest.mark.django_db
def test_home_page_explains_the_portal_and_links_staff_sign_in(client):
    body = client.get("/").content.decode()
    assert "Public credit portal" in body
    assert reverse("admin:index") in body
    assert 'action="/i18n/setlang/"' in body


@pytest.mark.django_db
def test_default_language_is_simplified_chinese_and_the_switcher_changes_it():
    browser = Client()
    assert '<html lang="zh-hans">' in browser.get("/").content.decode()
    assert "公共信用" in browser.get("/").content.decode()
    response = browser.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302
    assert '<html lang="en">' in browser.get("/").content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(("language", "text"), [("en", "Page not found"), ("zh-hans", "页面不存在")])
def test_404_is_the_projects_own_and_translated(language, text):
    response = Client(headers={"Accept-Language": language}).get("/no-such-page/")
    assert response.status_code == 404
    assert text in response.content.decode()


@override_settings(DEBUG=False)
@pytest.mark.django_db
def test_500_is_the_projects_own_page_without_a_traceback(monkeypatch):
    def boom(request):
        raise RuntimeError("secret internals")

    monkeypatch.setattr("creditportal.views.render", boom)
    browser = Client(raise_request_exception=False, headers={"Accept-Language": "en"})
    response = browser.get("/")
    assert response.status_code == 500
    body = response.content.decode()
    assert "Something went wrong" in body
    assert "secret internals" not in body and "Traceback" not in body


@pytest.mark.django_db
def test_csrf_failure_page_is_the_projects_own():
    browser = Client(enforce_csrf_checks=True, headers={"Accept-Language": "en"})
    response = browser.post("/i18n/setlang/", {"language": "en"})
    assert response.status_code == 403
    assert "Your session or form has expired" in response.content.decode()


def test_requests_carry_a_request_id(client, db):
    first, second = client.get("/healthz"), client.get("/healthz", headers={"X-Request-ID": "proxy-abc-12345"})
    assert len(first["X-Request-ID"]) == 32
    assert second["X-Request-ID"] == "proxy-abc-12345"
    assert client.get("/healthz", headers={"X-Request-ID": "<script>"})["X-Request-ID"] != "<script>"


def _settings_import(env_overrides):
    env = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY", "FIELD_ENCRYPTION_KEYS"}}
    env.update(env_overrides)
    return subprocess.run(
        [sys.executable, "-c", "import creditportal.settings"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def test_production_start_up_fails_clearly_without_a_secret_key():
    result = _settings_import({"DEBUG": "0", "FIELD_ENCRYPTION_KEYS": "x", "FIELD_HASH_KEY": "y" * 40})
    assert result.returncode != 0
    assert "The environment variable SECRET_KEY is required when DEBUG is off" in result.stderr


def test_production_start_up_fails_clearly_without_the_register_log_key():
    result = _settings_import(
        {"DEBUG": "0", "SECRET_KEY": "s" * 50, "FIELD_ENCRYPTION_KEYS": "x", "FIELD_HASH_KEY": "y" * 40}
    )
    assert result.returncode != 0
    assert "The environment variable REGISTER_LOG_SIGNING_KEY is required when DEBUG is off" in result.stderr


def test_manage_py_says_what_is_missing_without_a_traceback():
    hidden = {"DEBUG", "SECRET_KEY", "FIELD_ENCRYPTION_KEYS", "DJANGO_SETTINGS_MODULE"}
    env = {k: v for k, v in os.environ.items() if k not in hidden}
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=BASE_DIR, env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode == 1
    assert "creditportal: The environment variable SECRET_KEY is required when DEBUG is off" in result.stderr
    assert "Traceback" not in result.stderr


def test_development_start_up_uses_development_secrets():
    assert _settings_import({"DEBUG": "1"}).returncode == 0


@pytest.mark.django_db
def test_no_model_changes_without_a_migration():
    out = StringIO()
    call_command("makemigrations", "--check", "--dry-run", stdout=out)
    assert "No changes detected" in out.getvalue()


@pytest.fixture
def debug(settings):
    settings.DEBUG = True


@pytest.mark.django_db
@pytest.mark.usefixtures("debug")
def test_seed_demo_is_idempotent_and_creates_exactly_the_documented_accounts():
    call_command("seed_demo", stdout=StringIO())
    counts = (User.objects.count(), Department.objects.count(), Entity.objects.count(), Entity.history.count())
    call_command("seed_demo", stdout=StringIO())
    assert (User.objects.count(), Department.objects.count(), Entity.objects.count(), Entity.history.count()) == counts
    assert set(User.objects.values_list("username", flat=True)) == {
        "admin", "cw_tax", "sup_tax", "cw_market", "sup_market", "reviewer", "reviewer2", "auditor", "rep_acme",
        "rep_wang",
    }  # fmt: skip
    assert set(Department.objects.values_list("code", flat=True)) == {"TAX", "MKT"}
    assert User.objects.get(username="cw_tax").check_password("demo")
    assert not User.objects.filter(username__startswith="rep_", is_staff=True).exists()
    acme = Representative.objects.get(user__username="rep_acme").entity
    wang = Representative.objects.get(user__username="rep_wang").entity
    assert acme.kind == Entity.Kind.LEGAL_PERSON and acme.uscc
    assert wang.kind == Entity.Kind.NATURAL_PERSON and wang.id_number


@pytest.mark.django_db
@pytest.mark.usefixtures("debug")
def test_seed_demo_password_option_and_login(client):
    call_command("seed_demo", "--password", "another-pass", stdout=StringIO())
    # django-axes needs the request (address) of every password check; the test client passes none by itself.
    assert client.login(request=HttpRequest(), username="cw_tax", password="another-pass")
    assert client.get(reverse("admin:entities_entity_changelist")).status_code == 200


@override_settings(DEBUG=False)
@pytest.mark.django_db
def test_seed_demo_refuses_to_run_with_debug_off():
    with pytest.raises(CommandError, match="Refusing"):
        call_command("seed_demo", stdout=StringIO())
    assert not User.objects.exists()


def test_favicon_points_at_the_static_icon(client, db):
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response.url.endswith("creditportal/favicon.svg")
