"""Two-factor sign-in for staff (issue 9): required for the admin, enrolment with a QR code, demo devices.

The test settings keep ``REQUIRE_STAFF_2FA`` off (as a local demo does); these tests switch it on.
"""

import base64
import os
import subprocess
import sys
import time
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import roles
from demo.management.commands.seed_demo import DEMO_TOTP_SECRETS
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

BASE_DIR = Path(__file__).resolve().parents[2]
VERIFY = "/account/two-factor/"
ENROL = "/account/two-factor/enrol/"


@pytest.fixture(autouse=True)
def required(settings):
    settings.REQUIRE_STAFF_2FA = True


@pytest.fixture
def caseworker():
    return UserFactory(role=roles.CASEWORKER, username="cw_tax")


def _browser(user=None):
    client = Client(headers={"Accept-Language": "en"})
    if user is not None:
        client.force_login(user)
    return client


def _device(user, confirmed=True):
    return TOTPDevice.objects.create(user=user, name="phone", confirmed=confirmed)


def _code(device, offset=0):
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + offset * device.step
    return f"{totp.token():06d}"


ADMIN_PAGES = [
    reverse("admin:index"),
    reverse("admin:entities_entity_changelist"),
    reverse("admin:cases_case_changelist"),
    reverse("admin:cases_case_queue"),
    reverse("admin:entities_entity_reveal", args=[1]),
]


@pytest.mark.parametrize("url", ADMIN_PAGES)
def test_admin_is_refused_without_a_verified_second_factor(caseworker, url):
    _device(caseworker)
    response = _browser(caseworker).get(url)
    assert response.status_code == 302
    assert response.url == f"{VERIFY}?next={url.replace('/', '%2F')}"


def test_admin_site_itself_denies_unverified_staff(rf, caseworker):
    """Defence in depth: the site's permission check holds even for a request the middleware never saw."""
    from django.contrib import admin

    request = rf.get("/admin/")
    request.user = caseworker
    assert admin.site.has_permission(request) is False
    request.user.is_verified = lambda: True
    assert admin.site.has_permission(request) is True


def test_staff_pages_outside_the_admin_are_refused_too(caseworker):
    _device(caseworker)
    response = _browser(caseworker).get(reverse("cases:evidence_download", args=[1]))
    assert response.status_code == 302
    assert response.url.startswith(VERIFY)


def test_staff_without_a_device_are_sent_to_enrolment_not_locked_out(caseworker):
    response = _browser(caseworker).get(reverse("admin:index"))
    assert response.status_code == 302
    assert response.url.startswith(ENROL)


def test_password_then_code_signs_in(caseworker):
    device = _device(caseworker)
    browser = _browser()
    response = browser.post(reverse("admin:login"), {"username": "cw_tax", "password": "pw", "next": "/admin/"})
    assert response.url == "/admin/"
    step = browser.get("/admin/")
    assert step.url.startswith(VERIFY)
    # The sign-in page itself points a half-signed-in user at the code.
    assert browser.get(reverse("admin:login")).url.startswith(VERIFY)
    page = browser.get(step.url)
    assert page.status_code == 200
    assert "enter the code" in page.content.decode()
    key_before = browser.session.session_key
    wrong = browser.post(VERIFY, {"token": "000000" if _code(device) != "000000" else "111111", "next": "/admin/"})
    assert "That code is not right" in wrong.content.decode()
    device.refresh_from_db()
    device.throttling_failure_timestamp = None
    device.throttling_failure_count = 0
    device.save()
    done = browser.post(VERIFY, {"token": _code(device), "next": "/admin/cases/case/"})
    assert done.status_code == 302
    assert done.url == "/admin/cases/case/"
    assert browser.session.session_key != key_before
    assert browser.get("/admin/").status_code == 200
    assert browser.get("/admin/cases/case/").status_code == 200


def test_a_code_is_used_once(caseworker):
    device = _device(caseworker)
    first, second = _browser(caseworker), _browser(caseworker)
    code = _code(device)
    assert first.post(VERIFY, {"token": code}).status_code == 302
    assert "That code is not right" in second.post(VERIFY, {"token": code}).content.decode()


def _wrong(device):
    return "123456" if _code(device) != "123456" else "654321"


class FrozenClock:
    """The back-off's clock (accounts.throttle), moved by hand: no test waits for real time."""

    def __init__(self):
        self.now = time.time()

    def time(self):
        return self.now


@pytest.fixture
def frozen(monkeypatch):
    from accounts import throttle

    clock = FrozenClock()
    monkeypatch.setattr(throttle, "time", clock)
    return clock


def test_repeated_wrong_codes_are_throttled_and_the_message_states_the_wait(caseworker, frozen):
    device = _device(caseworker)
    browser = _browser(caseworker)
    for _ in range(4):  # three wrong codes are free; the fourth costs a second
        assert "That code is not right" in browser.post(VERIFY, {"token": _wrong(device)}).content.decode()
    response = browser.post(VERIFY, {"token": _code(device)})
    assert response.status_code == 200
    assert "Too many wrong codes. Wait 1 second," in response.content.decode()
    frozen.now += 1
    assert browser.post(VERIFY, {"token": _code(device)}).status_code == 302


def test_the_wait_doubles_up_to_the_cap_and_is_said_in_minutes(caseworker, frozen, settings):
    settings.TOTP_DEVICE_MAX_WAIT_SECONDS = settings.TOTP_THROTTLE_MAX_WAIT_SECONDS = 300
    device = _device(caseworker)
    browser = _browser(caseworker)
    for _ in range(20):
        browser.post(VERIFY, {"token": _wrong(device)})
        frozen.now += 10_000  # every attempt counts
    frozen.now -= 10_000
    response = browser.post(VERIFY, {"token": _code(device)})
    assert "Too many wrong codes. Wait 5 minutes," in response.content.decode()


def test_a_strangers_wrong_codes_keep_the_owner_out_no_longer_than_the_device_cap(caseworker, frozen, settings):
    """Someone with the password guessing codes in another session and from another address (issue 24)."""
    device = _device(caseworker)
    stranger = Client(headers={"Accept-Language": "en"}, REMOTE_ADDR="198.51.100.66")
    stranger.force_login(caseworker)
    for _ in range(30):
        stranger.post(VERIFY, {"token": _wrong(device)})
        frozen.now += 10_000  # each guess after the last wait ran out: the stranger's own wait doubles
    frozen.now -= 10_000
    stranger_wait = stranger.post(VERIFY, {"token": _code(device)}).content.decode()
    assert "Wait 15 minutes" in stranger_wait

    owner = Client(headers={"Accept-Language": "en"}, REMOTE_ADDR="203.0.113.10")
    owner.force_login(caseworker)  # a fresh session, from the office
    refused = owner.post(VERIFY, {"token": _code(device)}).content.decode()
    assert "Too many wrong codes. Wait 1 minute," in refused  # the device's cap, not the stranger's 15 minutes
    frozen.now += settings.TOTP_DEVICE_MAX_WAIT_SECONDS
    assert owner.post(VERIFY, {"token": _code(device)}).status_code == 302


def test_throttle_settings_are_set_deliberately():
    from django.conf import settings

    assert settings.OTP_TOTP_THROTTLE_FACTOR == 0
    assert (settings.TOTP_DEVICE_MAX_WAIT_SECONDS, settings.TOTP_THROTTLE_MAX_WAIT_SECONDS) == (60, 900)


def test_the_code_must_be_six_digits(caseworker):
    _device(caseworker)
    response = _browser(caseworker).post(VERIFY, {"token": "12ab56"})
    assert "Enter the six digits" in response.content.decode()


def test_next_must_stay_on_this_site(caseworker):
    device = _device(caseworker)
    response = _browser(caseworker).post(VERIFY, {"token": _code(device), "next": "https://evil.example/"})
    assert response.url == reverse("dashboards:index")  # the staff landing page, never the foreign site


def test_enrolment_with_qr_code(caseworker):
    browser = _browser(caseworker)
    page = browser.get(ENROL + "?next=/admin/entities/entity/")
    assert page.status_code == 200
    body = page.content.decode()
    assert f'src="{reverse("accounts:twofactor_qr")}"' in body
    pending = TOTPDevice.objects.get(user=caseworker, confirmed=False)
    secret = base64.b32encode(pending.bin_key).decode().rstrip("=")
    assert " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)) in body
    qr = browser.get(reverse("accounts:twofactor_qr"))
    assert qr["Content-Type"] == "image/svg+xml"
    assert qr.content.startswith(b"<svg") and b'xmlns="http://www.w3.org/2000/svg"' in qr.content
    assert "no-store" in qr["Cache-Control"]
    # Reloading the page keeps the same secret (the app was perhaps already set up with it).
    browser.get(ENROL)
    assert TOTPDevice.objects.filter(user=caseworker).count() == 1
    done = browser.post(ENROL, {"token": _code(pending), "next": "/admin/entities/entity/"})
    assert done.url == "/admin/entities/entity/"
    assert TOTPDevice.objects.get(user=caseworker).confirmed
    assert browser.get("/admin/entities/entity/").status_code == 200
    # Once confirmed, neither the QR code nor a second enrolment is available.
    assert browser.get(reverse("accounts:twofactor_qr")).status_code == 404
    assert browser.get(ENROL).url.startswith(VERIFY)


def test_enrolment_refuses_a_wrong_code(caseworker):
    browser = _browser(caseworker)
    browser.get(ENROL)
    response = browser.post(ENROL, {"token": "12345"})
    assert "Enter the six digits" in response.content.decode()
    assert not TOTPDevice.objects.filter(confirmed=True).exists()


def test_two_factor_pages_are_for_signed_in_staff_only():
    anonymous = _browser()
    assert anonymous.get(VERIFY).url.startswith(reverse("admin:login"))
    assert anonymous.get(ENROL).url.startswith(reverse("admin:login"))
    assert anonymous.get(reverse("accounts:twofactor_qr")).status_code == 404
    representative = _browser(UserFactory(role=roles.ENTITY_REPRESENTATIVE))
    assert representative.get(ENROL).url.startswith(reverse("admin:login"))
    assert not TOTPDevice.objects.exists()


def test_entity_users_are_not_asked_for_a_second_factor():
    representative = _browser(UserFactory(role=roles.ENTITY_REPRESENTATIVE))
    assert representative.get("/").status_code == 200


def test_unverified_staff_can_sign_out(caseworker):
    _device(caseworker)
    browser = _browser(caseworker)
    assert browser.post(reverse("admin:logout")).status_code == 200
    assert "_auth_user_id" not in browser.session


def test_switched_off_for_local_demos(settings, caseworker):
    settings.REQUIRE_STAFF_2FA = False
    assert _browser(caseworker).get(reverse("admin:index")).status_code == 200


def _setting_with(env_overrides):
    env = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "REQUIRE_STAFF_2FA", "DJANGO_SETTINGS_MODULE"}}
    env.update(SECRET_KEY="k" * 50, FIELD_ENCRYPTION_KEYS="ZGV2LW9ubHktZmllbGQta2V5LWRvLW5vdC11c2UtMDE=")
    env.update(
        FIELD_HASH_KEY="h" * 40,
        REGISTER_LOG_SIGNING_KEY="cHJvZHVjdGlvbi1jaGVjay1yZWdpc3Rlci1sb2cta2V5",
        **env_overrides,
    )
    result = subprocess.run(
        [sys.executable, "-c", "from creditportal import settings; print(settings.REQUIRE_STAFF_2FA)"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.strip().splitlines()[-1]


def test_required_by_default_in_production_and_off_by_default_in_development():
    assert _setting_with({"DEBUG": "0"}) == "True"
    assert _setting_with({"DEBUG": "1"}) == "False"
    assert _setting_with({"DEBUG": "1", "REQUIRE_STAFF_2FA": "1"}) == "True"


# -- administrators reset devices ------------------------------------------------------------------------


def test_an_administrator_removes_a_lost_device_without_seeing_its_key(settings, caseworker):
    settings.REQUIRE_STAFF_2FA = False
    device = _device(caseworker)
    administrator = _browser(UserFactory(role=roles.ADMINISTRATOR))
    page = administrator.get(reverse("admin:otp_totp_totpdevice_change", args=[device.pk]))
    assert page.status_code == 200
    assert device.key not in page.content.decode()
    assert administrator.get(reverse("admin:otp_totp_totpdevice_add")).status_code == 403
    assert administrator.get(reverse("admin:otp_totp_totpdevice_config", args=[device.pk])).status_code == 403
    response = administrator.post(reverse("admin:otp_totp_totpdevice_delete", args=[device.pk]), {"post": "yes"})
    assert response.status_code == 302
    assert not TOTPDevice.objects.exists()


@pytest.mark.parametrize("role", [roles.CASEWORKER, roles.SUPERVISOR, roles.APPEALS_REVIEWER, roles.AUDITOR])
def test_other_staff_cannot_see_devices(settings, role, caseworker):
    settings.REQUIRE_STAFF_2FA = False
    device = _device(caseworker)
    client = _browser(UserFactory(role=role))
    assert client.get(reverse("admin:otp_totp_totpdevice_changelist")).status_code == 403
    assert client.get(reverse("admin:otp_totp_totpdevice_change", args=[device.pk])).status_code == 403


# -- demo data -------------------------------------------------------------------------------------------


def test_seed_demo_enrols_every_staff_account_with_its_documented_secret(settings):
    settings.DEBUG = True
    out = StringIO()
    call_command("seed_demo", stdout=out)
    call_command("seed_demo", stdout=StringIO())
    devices = TOTPDevice.objects.filter(confirmed=True)
    assert {device.user.username for device in devices} == set(DEMO_TOTP_SECRETS)
    assert devices.count() == len(DEMO_TOTP_SECRETS)
    assert not TOTPDevice.objects.filter(user__is_staff=False).exists()
    printed = out.getvalue()
    readme = (BASE_DIR / "README.md").read_text()
    for username, secret in DEMO_TOTP_SECRETS.items():
        device = devices.get(user__username=username)
        assert base64.b32encode(device.bin_key).decode() == secret
        assert secret in printed and device.config_url in printed
        assert f"`{secret}`" in readme
    # The demo secret works: sign in as sup_tax with password and code.
    browser = _browser()
    browser.post(reverse("admin:login"), {"username": "sup_tax", "password": "demo", "next": "/admin/"})
    sup_tax = devices.get(user__username="sup_tax")
    assert browser.post(VERIFY, {"token": _code(sup_tax), "next": "/admin/"}).url == "/admin/"
    assert browser.get("/admin/").status_code == 200
