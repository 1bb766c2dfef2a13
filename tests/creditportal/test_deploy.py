"""deploy/: the gunicorn config, the systemd units and the production-like plain-HTTP switch."""

import configparser
import datetime
import json
import multiprocessing
import os
import runpy
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.core.management import get_commands
from gunicorn.config import Config
from gunicorn.glogging import Logger

BASE_DIR = Path(__file__).resolve().parents[2]
DEPLOY = BASE_DIR / "deploy"


def _gunicorn_settings(monkeypatch, **env):
    for name in [n for n in os.environ if n.startswith("GUNICORN_")]:
        monkeypatch.delenv(name)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(DEPLOY / "gunicorn.conf.py"))


def test_gunicorn_workers_follow_the_cpu_count_unless_overridden(monkeypatch):
    assert _gunicorn_settings(monkeypatch)["workers"] == multiprocessing.cpu_count() * 2 + 1
    overridden = _gunicorn_settings(monkeypatch, GUNICORN_WORKERS="3", GUNICORN_TIMEOUT="45")
    assert (overridden["workers"], overridden["timeout"]) == (3, 45)
    assert overridden["graceful_timeout"] > 0


def test_gunicorn_access_log_has_neither_query_string_nor_referrer(monkeypatch):
    settings = _gunicorn_settings(monkeypatch)
    config = Config()
    config.set("access_log_format", settings["access_log_format"])
    logger = Logger(config)
    request = SimpleNamespace(headers=[("REFERER", "https://x/?id=110101199003077777")])
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": "/portal/?id=110101199003077777",
        "PATH_INFO": "/portal/",
        "QUERY_STRING": "id=110101199003077777",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_REFERER": "https://x/?id=110101199003077777",
    }
    response = SimpleNamespace(
        status="200 OK", response_length=10, sent=10, headers=[("X-Request-ID", "abc12345")], status_code=200
    )
    line = settings["access_log_format"] % logger.atoms(response, request, environ, datetime.timedelta(seconds=0.25))
    assert '"GET /portal/ HTTP/1.1" 200 10 250ms abc12345' in line
    assert "110101199003077777" not in line


def _unit(name):
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    parser.read(DEPLOY / "systemd" / name)
    return parser


@pytest.mark.parametrize(
    ("unit", "commands"),
    [
        ("creditportal-worker@.service", ["db_worker"]),
        ("creditportal-lifecycle.service", ["run_lifecycle"]),
        ("creditportal-purge.service", ["purge_expired_personal_data", "verify_audit"]),
    ],
)
def test_systemd_units_run_management_commands_that_exist(unit, commands):
    service = _unit(unit)["Service"]
    lines = [service["ExecStart"], service.get("ExecStartPost", "")]
    named = [line.split("manage.py ")[1].split()[0] for line in lines if "manage.py " in line]
    assert named == commands
    assert set(named) <= set(get_commands())


@pytest.mark.parametrize("timer", ["creditportal-lifecycle.timer", "creditportal-purge.timer"])
def test_each_timer_has_its_service_and_runs_daily_in_the_office_time_zone(timer):
    assert (DEPLOY / "systemd" / timer.replace(".timer", ".service")).exists()
    assert _unit(timer)["Timer"]["OnCalendar"].endswith("Asia/Shanghai")


def test_web_unit_starts_gunicorn_with_the_config_and_reloads_gracefully():
    service = _unit("creditportal-web.service")["Service"]
    assert "gunicorn -c deploy/gunicorn.conf.py creditportal.wsgi" in service["ExecStart"]
    assert "HUP" in service["ExecReload"]


def _settings(env_overrides):
    env = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "PLAIN_HTTP"}}
    env.update(
        DEBUG="0",
        SECRET_KEY="plain-http-test-" + "x" * 40,
        FIELD_ENCRYPTION_KEYS="ZGV2LW9ubHktZmllbGQta2V5LWRvLW5vdC11c2UtMDE=",
        FIELD_HASH_KEY="plain-http-test-hash-key-0123456789abcdef",
        REGISTER_LOG_SIGNING_KEY="cHJvZHVjdGlvbi1jaGVjay1yZWdpc3Rlci1sb2cta2V5",
        DJANGO_SETTINGS_MODULE="creditportal.settings",
        **env_overrides,
    )
    script = (
        "import json; from django.conf import settings as s; print(json.dumps({n: getattr(s, n, None) for n in "
        "['SECURE_SSL_REDIRECT', 'SESSION_COOKIE_SECURE', 'SESSION_COOKIE_NAME', 'SECURE_HSTS_SECONDS']}))"
    )
    return subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", script], cwd=BASE_DIR, env=env, capture_output=True, text=True, check=False
    )


def test_plain_http_switch_drops_https_only_settings_for_loopback_hosts():
    result = _settings({"PLAIN_HTTP": "1", "ALLOWED_HOSTS": "127.0.0.1,localhost"})
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == {
        "SECURE_SSL_REDIRECT": False,
        "SESSION_COOKIE_SECURE": False,
        "SESSION_COOKIE_NAME": "sessionid",
        "SECURE_HSTS_SECONDS": 0,
    }


def test_plain_http_switch_refuses_a_real_host_name():
    result = _settings({"PLAIN_HTTP": "1", "ALLOWED_HOSTS": "127.0.0.1,portal.example.org"})
    assert result.returncode != 0
    assert "PLAIN_HTTP is for local trials" in result.stderr


def test_pgbouncer_switch_disables_server_side_cursors_and_the_options_parameter():
    script = (
        "import json; from django.conf import settings as s; d = s.DATABASES['default']; "
        "print(json.dumps([d.get('DISABLE_SERVER_SIDE_CURSORS', False), 'options' in d['OPTIONS']]))"
    )
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_PGBOUNCER"}}
    env.update(DEBUG="1", DJANGO_SETTINGS_MODULE="creditportal.settings", DATABASE_URL="postgres://u@127.0.0.1:6432/cp")

    def run(**extra):
        result = subprocess.run(  # noqa: S603 - our own interpreter and script
            [sys.executable, "-c", script],
            cwd=BASE_DIR,
            env={**env, **extra},
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        return json.loads(result.stdout.strip().splitlines()[-1])

    assert run() == [False, True]
    assert run(DATABASE_PGBOUNCER="1") == [True, False]
