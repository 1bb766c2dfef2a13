"""Optional two-factor sign-in for representatives: off by default; once on, each session needs a code."""

import time

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

pytestmark = pytest.mark.django_db


def _code(device, offset=0):
    code = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    code.time = time.time() + offset * device.step
    return f"{code.token():06d}"


def _signed_in(username):
    from django.http import HttpRequest

    client = Client(headers={"Accept-Language": "en"})
    assert client.login(request=HttpRequest(), username=username, password="pw")
    return client


def test_off_by_default(rep_acme):
    assert _signed_in("rep_acme").get(reverse("portal:records")).status_code == 200


def test_turn_on_then_every_new_session_needs_a_code(rep_acme):
    client = _signed_in("rep_acme")
    assert client.get(reverse("portal:twofactor_setup")).status_code == 200
    device = TOTPDevice.objects.get(user=rep_acme, confirmed=False)
    response = client.post(reverse("portal:twofactor_setup"), {"token": _code(device)})
    assert response.status_code == 302
    assert TOTPDevice.objects.get(user=rep_acme).confirmed
    assert client.get(reverse("portal:records")).status_code == 200

    fresh = _signed_in("rep_acme")
    response = fresh.get(reverse("portal:records"))
    assert response.status_code == 302 and response["Location"] == reverse("portal:twofactor_verify")
    response = fresh.post(reverse("portal:twofactor_verify"), {"token": "000000"})
    assert response.status_code == 200 and "not right" in response.content.decode()
    assert fresh.get(reverse("portal:records")).status_code == 302
    device.refresh_from_db()
    device.throttle_reset()
    # The code just used to turn it on cannot be used again: the next one can.
    response = fresh.post(reverse("portal:twofactor_verify"), {"token": _code(device, offset=1)})
    assert response.status_code == 302
    assert fresh.get(reverse("portal:records")).status_code == 200


def test_wrong_code_does_not_turn_it_on(rep_acme):
    client = _signed_in("rep_acme")
    client.get(reverse("portal:twofactor_setup"))
    client.post(reverse("portal:twofactor_setup"), {"token": "123456"})
    assert not TOTPDevice.objects.filter(user=rep_acme, confirmed=True).exists()


def test_staff_are_sent_to_the_admin(caseworker):
    from .fixtures import login

    assert login(caseworker).get(reverse("portal:twofactor_setup"))["Location"] == reverse("admin:index")
