"""Browser policies on every kind of page (issue 9), and production settings that pass ``check --deploy``.

The header test is a table: page kind → how to get it. A new kind of page (the entity portal's pages,
when they come) is one new row in ``PAGES``; every row is checked for every header in ``EXPECTED``.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from accounts import roles
from tests.factories import EntityFactory, UserFactory

pytestmark = pytest.mark.django_db

BASE_DIR = Path(__file__).resolve().parents[2]

CSP = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self'",
    "frame-ancestors": "'none'",
    "form-action": "'self'",
    "base-uri": "'none'",
    "object-src": "'none'",
}
EXPECTED = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def _policy(header: str) -> dict[str, str]:
    return dict(directive.strip().split(" ", 1) for directive in header.split(";") if directive.strip())


def _browser(user=None, **kwargs):
    client = Client(headers={"Accept-Language": "en"}, **kwargs)
    if user is not None:
        client.force_login(user)
    return client


def _boom(request):
    raise RuntimeError("internals")


def _server_error(monkeypatch):
    monkeypatch.setattr("creditportal.views.render", _boom)
    return _browser(raise_request_exception=False).get("/")


# Page kind → (signed in?, how to get the response). Portal pages become new rows here.
PAGES = {
    "public: home": (False, lambda env: _browser().get("/")),
    "admin: login": (False, lambda env: _browser().get(reverse("admin:login"))),
    "admin: index": (True, lambda env: _browser(env["staff"]).get(reverse("admin:index"))),
    "admin: changelist": (True, lambda env: _browser(env["staff"]).get(reverse("admin:entities_entity_changelist"))),
    "admin: change form": (
        True,
        lambda env: _browser(env["staff"]).get(reverse("admin:entities_entity_change", args=[env["entity"].pk])),
    ),
    "admin: history": (
        True,
        lambda env: _browser(env["staff"]).get(reverse("admin:entities_entity_history", args=[env["entity"].pk])),
    ),
    "admin: custom view (review queue)": (
        True,
        lambda env: _browser(env["supervisor"]).get(reverse("admin:cases_case_queue")),
    ),
    "account: two-factor enrolment": (
        True,
        lambda env: _browser(env["staff"]).get(reverse("accounts:twofactor_enrol")),
    ),
    "error: 404": (False, lambda env: _browser().get("/no-such-page/")),
    "error: 404 signed in": (True, lambda env: _browser(env["staff"]).get("/no-such-page/")),
    "error: 403 CSRF": (
        False,
        lambda env: _browser(enforce_csrf_checks=True).post("/i18n/setlang/", {"language": "en"}),
    ),
    "error: 400 too many fields": (
        False,
        lambda env: _browser().post(reverse("admin:login"), {f"field{n}": "x" for n in range(1001)}),
    ),
    "error: 500": (False, lambda env: _server_error(env["monkeypatch"])),
}
STATUS = {
    "error: 404": 404,
    "error: 404 signed in": 404,
    "error: 403 CSRF": 403,
    "error: 400 too many fields": 400,
    "error: 500": 500,
}


@pytest.fixture
def env(settings, monkeypatch):
    settings.DEBUG = False  # error pages as production shows them (django-csp skips 404/500 in DEBUG)
    return {
        "staff": UserFactory(role=roles.CASEWORKER),
        "supervisor": UserFactory(role=roles.SUPERVISOR),
        "entity": EntityFactory(person=True),
        "monkeypatch": monkeypatch,
    }


@pytest.mark.parametrize("page", list(PAGES))
def test_every_page_kind_carries_the_browser_policies(env, page):
    signed_in, get = PAGES[page]
    response = get(env)
    assert response.status_code == STATUS.get(page, 200), page
    assert _policy(response["Content-Security-Policy"]) == CSP
    for header, value in EXPECTED.items():
        assert response.get(header) == value, header
    if signed_in:
        assert {"no-store", "private"} <= {part.strip() for part in response["Cache-Control"].split(",")}


# Third-party markup the CSP blocks, harmlessly: the browser ignores the style and admin.css restores the look.
KNOWN_BLOCKED_INLINE_STYLES = {
    "admin: history": '<p class="paginator" style="border-top: 0">',  # simple-history's object_history_list.html
}


def test_pages_contain_no_inline_script_or_style(env):
    """What the CSP forbids is not in our pages either (the browser check found no violation; this keeps it so)."""
    for page, (_signed_in, get) in PAGES.items():
        body = get(env).content.decode().replace(KNOWN_BLOCKED_INLINE_STYLES.get(page, "\0"), "")
        assert "<script>" not in body and " style=" not in body and " onclick=" not in body, page


def test_evidence_download_keeps_its_own_sandbox_policy(settings, tmp_path):
    """The project-wide CSP does not overwrite the download's stricter one."""
    from django.core.files.base import ContentFile
    from django.core.files.storage import storages

    from cases.models import Evidence
    from tests.factories import CaseFactory

    settings.STORAGES = {
        **settings.STORAGES,
        "evidence": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": tmp_path}},
    }
    storages._storages.pop("evidence", None)
    Evidence._meta.get_field("file").storage = storages["evidence"]
    try:
        case = CaseFactory()
        evidence = Evidence(case=case, original_name="x.txt", content_type="text/plain", size=1, sha256="0" * 64)
        evidence.uploaded_by = case.caseworker
        evidence.file.save("x.txt", ContentFile(b"x"), save=False)
        evidence.save()
        response = _browser(UserFactory(is_staff=True, is_superuser=True)).get(
            reverse("cases:evidence_download", args=[evidence.pk])
        )
        assert response.status_code == 200
        assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
        assert response["Content-Disposition"].startswith("attachment")
        assert response["X-Content-Type-Options"] == "nosniff"
    finally:
        storages._storages.pop("evidence", None)


def test_hsts_on_https_responses_in_production(settings):
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    settings.SECURE_HSTS_PRELOAD = True
    response = _browser().get("/", secure=True)
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"


def _production_env():
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DEBUG", "REQUIRE_STAFF_2FA"))}
    env.update(
        DEBUG="0",
        SECRET_KEY="production-check-" + "k" * 50,
        FIELD_ENCRYPTION_KEYS="ZGV2LW9ubHktZmllbGQta2V5LWRvLW5vdC11c2UtMDE=",
        FIELD_HASH_KEY="production-check-hash-key-0123456789abcdef",
        REGISTER_LOG_SIGNING_KEY="cHJvZHVjdGlvbi1jaGVjay1yZWdpc3Rlci1sb2cta2V5",
        AUDIT_WITNESS_PUBLIC_KEY="cHJvZHVjdGlvbi1jaGVjay13aXRuZXNzLXB1YmxpYzA=",
        ALLOWED_HOSTS="portal.example.org",
        DJANGO_SETTINGS_MODULE="creditportal.settings",
    )
    return env


def test_production_settings_pass_the_deploy_check():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=BASE_DIR,
        env=_production_env(),
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_settings_are_strict():
    script = (
        "import json; from creditportal import settings as s; print(json.dumps({name: getattr(s, name) for name in ["
        "'SESSION_COOKIE_SECURE', 'CSRF_COOKIE_SECURE', 'SESSION_COOKIE_HTTPONLY', 'CSRF_COOKIE_HTTPONLY',"
        "'SESSION_COOKIE_NAME', 'SECURE_HSTS_SECONDS', 'SECURE_SSL_REDIRECT', 'REQUIRE_STAFF_2FA',"
        "'SESSION_SAVE_EVERY_REQUEST', 'X_FRAME_OPTIONS']}))"
    )
    result = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", script], cwd=BASE_DIR, env=_production_env(), capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == {
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "SESSION_COOKIE_HTTPONLY": True,
        "CSRF_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_NAME": "__Host-sessionid",
        "SECURE_HSTS_SECONDS": 31536000,
        "SECURE_SSL_REDIRECT": True,
        "REQUIRE_STAFF_2FA": True,
        "SESSION_SAVE_EVERY_REQUEST": False,
        "X_FRAME_OPTIONS": "DENY",
    }
