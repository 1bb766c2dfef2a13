"""A second factor for staff: time-based one-time codes (TOTP, RFC 6238) with django-otp (issue 9).

Signing in to the admin takes two steps while ``settings.REQUIRE_STAFF_2FA`` is on: the password (the
admin's own login page, guarded by django-axes), then a six-digit code from an authenticator app
(:func:`verify`). A staff member without a confirmed device is sent to :func:`enrol` instead: scan the
QR code (an SVG drawn by :func:`qr_code`, from our own origin, so the page's CSP holds), type one code to
prove the app has the secret, and the session counts as verified. A device, once confirmed, is changed
only by an administrator deleting it (``accounts.security_admin``); the person then enrols again.

Entity (portal) users are not asked for a second factor yet.
"""

import base64
import io

import segno
from django import forms
from django.conf import settings
from django.contrib import admin
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, resolve_url
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from . import throttle

TOKEN_DIGITS = 6
DEVICE_NAME = "authenticator"
# Wrong codes allowed before any wait: a mistyped code or a phone's clock a step off costs nothing.
FREE_FAILURES = 3


def _is_verified(user) -> bool:
    # Set by django_otp.middleware.OTPMiddleware; a request that never went through it is not verified.
    is_verified = getattr(user, "is_verified", None)
    return bool(is_verified and is_verified())


def needs_second_factor(request) -> bool:
    """Whether this request comes from staff who gave a password but no code yet, while codes are required."""
    user = getattr(request, "user", None)
    if not settings.REQUIRE_STAFF_2FA or user is None:
        return False
    return user.is_authenticated and user.is_active and user.is_staff and not _is_verified(user)


def confirmed_device(user) -> TOTPDevice | None:
    return TOTPDevice.objects.devices_for_user(user, confirmed=True).order_by("pk").first()


def _next_url(request) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return resolve_url(settings.LOGIN_REDIRECT_URL)


def second_factor_redirect(request):
    """Send staff to the code page, or to enrolment when they have no device; come back afterwards."""
    name = "accounts:twofactor_verify" if confirmed_device(request.user) else "accounts:twofactor_enrol"
    back = request.get_full_path() if request.method == "GET" else reverse("admin:index")
    return redirect(f"{reverse(name)}?{urlencode({'next': back})}")


class TokenForm(forms.Form):
    token = forms.CharField(
        label=_("Code"),
        max_length=16,
        help_text=_("The six-digit code your authenticator app shows now."),
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True, "size": 8}
        ),
    )

    def __init__(self, *args, device: TOTPDevice, request, **kwargs):
        super().__init__(*args, **kwargs)
        self.device = device
        self.request = request

    def clean_token(self):
        token = "".join(self.cleaned_data["token"].split())
        if len(token) != TOKEN_DIGITS or not token.isascii() or not token.isdigit():
            raise forms.ValidationError(_("Enter the six digits your authenticator app shows."), code="format")
        return token

    def clean(self):
        cleaned = super().clean()
        token = cleaned.get("token")
        if token is None:
            return cleaned
        keys = code_throttle_keys(self.request, self.device)
        if wait := throttle.backoff_wait(keys, free=FREE_FAILURES):
            raise forms.ValidationError(throttled_message(wait), code="throttled")
        # The device row is locked while the code is checked: a code is accepted once (django-otp keeps the
        # last time step used). Its own per-device throttle is off (OTP_TOTP_THROTTLE_FACTOR = 0): ours is
        # kept per device, per session and per source, and capped (issue 24).
        with transaction.atomic():
            device = TOTPDevice.objects.select_for_update().get(pk=self.device.pk)
            verified = device.verify_token(token)
        if not verified:
            throttle.backoff_failure(keys)
            raise forms.ValidationError(
                _("That code is not right. Check the time on your phone and enter the current code."),
                code="invalid",
            )
        throttle.backoff_reset(keys)
        self.device = device
        return cleaned


def code_throttle_keys(request, device: TOTPDevice) -> dict[str, int]:
    """The back-off counters a code attempt is held to, each with its longest wait in seconds.

    Per session and per source address, wrong codes cost up to ``TOTP_THROTTLE_MAX_WAIT_SECONDS``. Per
    device (whoever tries), at most ``TOTP_DEVICE_MAX_WAIT_SECONDS``: someone who knows the password and
    guesses codes from elsewhere keeps the real user waiting no longer than that.
    """
    if not request.session.session_key:
        request.session.cycle_key()
    cap = settings.TOTP_THROTTLE_MAX_WAIT_SECONDS
    return {
        throttle.backoff_key("totp-device", device.pk): settings.TOTP_DEVICE_MAX_WAIT_SECONDS,
        throttle.backoff_key("totp-session", device.pk, request.session.session_key): cap,
        throttle.backoff_key("totp-source", device.pk, throttle.client_address(request)): cap,
    }


def throttled_message(wait: int) -> str:
    """The wait as it really is, in seconds under a minute and in whole minutes (rounded up) beyond."""
    if wait < 60:
        return ngettext(
            "Too many wrong codes. Wait %(count)d second, then enter the code your app shows at that time.",
            "Too many wrong codes. Wait %(count)d seconds, then enter the code your app shows at that time.",
            wait,
        ) % {"count": wait}
    minutes = -(-wait // 60)
    return ngettext(
        "Too many wrong codes. Wait %(count)d minute, then enter the code your app shows at that time.",
        "Too many wrong codes. Wait %(count)d minutes, then enter the code your app shows at that time.",
        minutes,
    ) % {"count": minutes}


def _staff_only(request):
    """The two-factor pages are for signed-in staff; anyone else goes back to the sign-in page."""
    user = request.user
    if not (user.is_authenticated and user.is_active and user.is_staff):
        return redirect(f"{reverse('admin:login')}?{urlencode({'next': reverse('admin:index')})}")
    return None


def _complete(request, device):
    otp_login(request, device)
    # A new privilege level gets a new session key, as a password login does.
    request.session.cycle_key()
    return redirect(_next_url(request))


def _render(request, template, context):
    return TemplateResponse(
        request,
        template,
        {
            **admin.site.each_context(request),
            # Not signed in completely yet: no list of what lies behind the second step.
            "available_apps": [],
            "is_nav_sidebar_enabled": False,
            "next": _next_url(request),
            **context,
        },
    )


@never_cache
@require_http_methods(["GET", "POST"])
def verify(request):
    """Second step of signing in: the current code from the staff member's authenticator app."""
    if refused := _staff_only(request):
        return refused
    if _is_verified(request.user):
        return redirect(_next_url(request))
    device = confirmed_device(request.user)
    if device is None:
        return redirect(f"{reverse('accounts:twofactor_enrol')}?{urlencode({'next': _next_url(request)})}")
    form = TokenForm(request.POST or None, device=device, request=request)
    if request.method == "POST" and form.is_valid():
        return _complete(request, form.device)
    return _render(request, "accounts/twofactor_verify.html", {"title": _("Enter your code"), "form": form})


@transaction.atomic
def totp_device_pending(*, user) -> TOTPDevice:
    """The user's authenticator device awaiting its first code, created on first use (its secret is shown for
    enrolment). The one place staff enrolment and the portal's optional second factor create a device."""
    device = TOTPDevice.objects.devices_for_user(user, confirmed=False).order_by("pk").first()
    return device or TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)


def secret_base32(device: TOTPDevice) -> str:
    """The device's secret as authenticator apps take it when typed in (RFC 4648 base32, no padding)."""
    return base64.b32encode(device.bin_key).decode("ascii").rstrip("=")


@never_cache
@require_http_methods(["GET", "POST"])
def enrol(request):
    """Set up an authenticator app: QR code (or the secret to type), then one code to confirm it works."""
    if refused := _staff_only(request):
        return refused
    if confirmed_device(request.user) is not None:
        # Replacing a device needs an administrator; otherwise a stolen password could add one.
        return redirect(f"{reverse('accounts:twofactor_verify')}?{urlencode({'next': _next_url(request)})}")
    device = totp_device_pending(user=request.user)
    form = TokenForm(request.POST or None, device=device, request=request)
    if request.method == "POST" and form.is_valid():
        confirmed = form.device
        confirmed.confirmed = True
        confirmed.save(update_fields=["confirmed"])
        return _complete(request, confirmed)
    secret = secret_base32(device)
    return _render(
        request,
        "accounts/twofactor_enrol.html",
        {
            "title": _("Set up two-factor sign-in"),
            "form": form,
            "secret_groups": [secret[i : i + 4] for i in range(0, len(secret), 4)],
        },
    )


@never_cache
@require_safe
def qr_code(request):
    """The pending device's otpauth:// URI as an SVG QR code; only its owner, only before it is confirmed."""
    if not (request.user.is_authenticated and request.user.is_staff):
        raise Http404
    device = TOTPDevice.objects.devices_for_user(request.user, confirmed=False).order_by("pk").first()
    if device is None or confirmed_device(request.user) is not None:
        raise Http404
    svg = io.BytesIO()
    # A white background, so the code scans on the admin's dark theme too.
    segno.make(device.config_url, error="m").save(svg, kind="svg", scale=5, border=2, light="#fff", xmldecl=False)
    response = HttpResponse(svg.getvalue(), content_type="image/svg+xml")
    response["Cache-Control"] = "no-store, private"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
