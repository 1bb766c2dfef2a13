"""Login protection (issue 9): brute force stopped, administrators unlock, sessions rotate, idle out and end."""

import datetime

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts import roles
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

LOGIN = "/admin/login/"
PASSWORD = "pw"  # UserFactory's


def _browser(address="10.0.0.1"):
    return Client(headers={"Accept-Language": "en"}, REMOTE_ADDR=address)


def _sign_in(client, username, password):
    return client.post(LOGIN, {"username": username, "password": password, "next": "/admin/"})


@pytest.fixture
def caseworker():
    return UserFactory(role=roles.CASEWORKER, username="cw_tax")


def test_settings_lock_out_a_username_from_an_address_for_an_hour():
    assert settings.AXES_FAILURE_LIMIT == 5
    assert settings.AXES_LOCKOUT_PARAMETERS == [["username", "ip_address"]]
    assert settings.AXES_COOLOFF_TIME == datetime.timedelta(hours=1)
    assert settings.AUTHENTICATION_BACKENDS[0] == "axes.backends.AxesStandaloneBackend"
    assert settings.MIDDLEWARE[-1] == "axes.middleware.AxesMiddleware"
    # The test settings, like a local demo, sign staff in without a second factor (tests/accounts/test_twofactor.py).
    assert settings.REQUIRE_STAFF_2FA is False


def test_brute_force_is_stopped_after_the_limit(caseworker):
    browser = _browser()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        response = _sign_in(browser, "cw_tax", "wrong")
        assert response.status_code == 200
        assert "Please enter the correct username and password" in response.content.decode()
    locked = _sign_in(browser, "cw_tax", "wrong")
    assert locked.status_code == 429
    body = locked.content.decode()
    assert "Sign-in temporarily locked" in body
    assert "failed 5 times in a row" in body and "Try again in 60 minutes" in body
    # Even the right password is refused now, and nobody is signed in.
    refused = _sign_in(browser, "cw_tax", PASSWORD)
    assert refused.status_code == 429
    assert "_auth_user_id" not in browser.session
    assert browser.get(reverse("admin:index")).status_code == 302


def test_lockout_is_per_username_and_address(caseworker):
    UserFactory(role=roles.CASEWORKER, username="cw_other")
    attacker = _browser("10.0.0.66")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _sign_in(attacker, "cw_tax", "wrong")
    assert _sign_in(attacker, "cw_tax", PASSWORD).status_code == 429
    # The owner, from their own address, and another account from the attacker's, still sign in.
    assert _sign_in(_browser("10.0.0.1"), "cw_tax", PASSWORD).status_code == 302
    assert _sign_in(_browser("10.0.0.66"), "cw_other", PASSWORD).status_code == 302


def test_a_successful_sign_in_resets_the_count(caseworker):
    browser = _browser()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        _sign_in(browser, "cw_tax", "wrong")
    assert _sign_in(browser, "cw_tax", PASSWORD).status_code == 302
    browser.post(reverse("admin:logout"))
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert _sign_in(browser, "cw_tax", "wrong").status_code == 200
    assert _sign_in(browser, "cw_tax", PASSWORD).status_code == 302


def test_lockout_ends_after_the_cool_off(caseworker):
    browser = _browser()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _sign_in(browser, "cw_tax", "wrong")
    assert _sign_in(browser, "cw_tax", PASSWORD).status_code == 429
    AccessAttempt.objects.update(attempt_time=timezone.now() - datetime.timedelta(hours=1, minutes=1))
    assert _sign_in(browser, "cw_tax", PASSWORD).status_code == 302


def test_lockout_page_is_translated(caseworker):
    browser = Client(headers={"Accept-Language": "zh-hans"}, REMOTE_ADDR="10.0.0.1")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        response = _sign_in(browser, "cw_tax", "wrong")
    assert response.status_code == 429
    assert '<html lang="zh-hans">' in response.content.decode()


def _lock_out(username="cw_tax"):
    browser = _browser()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _sign_in(browser, username, "wrong")
    return browser


def test_an_administrator_unlocks_a_sign_in(caseworker):
    browser = _lock_out()
    administrator = UserFactory(role=roles.ADMINISTRATOR)
    admin_client = Client(headers={"Accept-Language": "en"})
    admin_client.force_login(administrator)
    changelist = reverse("admin:axes_accessattempt_changelist")
    listing = admin_client.get(changelist)
    assert listing.status_code == 200
    assert "cw_tax" in listing.content.decode()
    attempt = AccessAttempt.objects.get(username="cw_tax")
    response = admin_client.post(changelist, {"action": "unlock", "_selected_action": [attempt.pk]}, follow=True)
    assert "1 sign-in unlocked." in response.content.decode()
    assert not AccessAttempt.objects.exists()
    assert _sign_in(browser, "cw_tax", PASSWORD).status_code == 302


@pytest.mark.parametrize(
    "role", [roles.CASEWORKER, roles.SUPERVISOR, roles.APPEALS_REVIEWER, roles.AUDITOR, roles.ENTITY_REPRESENTATIVE]
)
def test_only_administrators_see_lockouts(role, caseworker):
    _lock_out()
    client = Client()
    client.force_login(UserFactory(role=role))
    attempt = AccessAttempt.objects.get()
    expected = 302 if role == roles.ENTITY_REPRESENTATIVE else 403
    assert client.get(reverse("admin:axes_accessattempt_changelist")).status_code == expected
    assert client.get(reverse("admin:axes_accessattempt_change", args=[attempt.pk])).status_code == expected
    assert client.post(reverse("admin:axes_accessattempt_delete", args=[attempt.pk]), {"post": "yes"}).status_code in {
        expected,
        404,
    }
    assert AccessAttempt.objects.exists()


def test_lockout_admin_adds_and_changes_nothing(superuser, caseworker):
    _lock_out()
    client = Client()
    client.force_login(superuser)
    assert client.get(reverse("admin:axes_accessattempt_add")).status_code == 403
    attempt = AccessAttempt.objects.get()
    page = client.get(reverse("admin:axes_accessattempt_change", args=[attempt.pk])).content.decode()
    assert 'name="_save"' not in page
    assert "wrong" not in page  # axes masks the password it records


# -- sessions ---------------------------------------------------------------------------------------------


def test_signing_in_rotates_the_session_key(caseworker):
    browser = _browser()
    session = browser.session
    session["before_login"] = True
    session.save()
    browser.cookies[settings.SESSION_COOKIE_NAME] = session.session_key
    before = session.session_key
    assert _sign_in(browser, "cw_tax", PASSWORD).status_code == 302
    after = browser.cookies[settings.SESSION_COOKIE_NAME].value
    assert after != before
    assert not Session.objects.filter(session_key=before).exists()
    assert browser.get(reverse("admin:index")).status_code == 200


def test_logout_is_a_post_and_ends_the_session(caseworker):
    browser = _browser()
    _sign_in(browser, "cw_tax", PASSWORD)
    key = browser.cookies[settings.SESSION_COOKIE_NAME].value
    assert browser.get(reverse("admin:logout")).status_code == 405
    assert browser.post(reverse("admin:logout")).status_code == 200
    assert not Session.objects.filter(session_key=key).exists()
    # Replaying the old cookie gets nowhere.
    replay = _browser()
    replay.cookies[settings.SESSION_COOKIE_NAME] = key
    assert replay.get(reverse("admin:index")).status_code == 302


def test_sessions_expire_when_idle_and_every_request_extends_them(caseworker):
    assert "accounts.middleware.SlidingSessionMiddleware" in settings.MIDDLEWARE
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    browser = _browser()
    _sign_in(browser, "cw_tax", PASSWORD)
    key = browser.cookies[settings.SESSION_COOKIE_NAME].value
    Session.objects.filter(session_key=key).update(expire_date=timezone.now() + datetime.timedelta(minutes=1))
    assert browser.get(reverse("admin:index")).status_code == 200
    extended = Session.objects.get(session_key=key).expire_date
    assert extended > timezone.now() + datetime.timedelta(minutes=29)
    # Idle past the limit: the session is gone and the admin asks for the password again.
    Session.objects.filter(session_key=key).update(expire_date=timezone.now() - datetime.timedelta(seconds=1))
    response = browser.get(reverse("admin:index"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))


def test_the_idle_timeout_is_saved_at_most_once_a_minute_not_on_every_request(caseworker, monkeypatch):
    """No session write (and commit) on every page view; the expiry still slides with use."""
    import time

    assert settings.SESSION_SAVE_EVERY_REQUEST is False and settings.SESSION_REFRESH_SECONDS == 60
    browser = _browser()
    _sign_in(browser, "cw_tax", PASSWORD)
    key = browser.cookies[settings.SESSION_COOKIE_NAME].value
    assert browser.get(reverse("admin:index")).status_code == 200  # the first use after sign-in slides it
    soon = timezone.now() + datetime.timedelta(minutes=10)
    Session.objects.filter(session_key=key).update(expire_date=soon)
    assert browser.get(reverse("admin:index")).status_code == 200
    assert Session.objects.get(session_key=key).expire_date == soon  # within the minute: not written again
    later = time.time() + 61
    monkeypatch.setattr(time, "time", lambda: later)
    assert browser.get(reverse("admin:index")).status_code == 200
    assert Session.objects.get(session_key=key).expire_date > timezone.now() + datetime.timedelta(minutes=29)
