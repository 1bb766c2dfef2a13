"""What every journey needs from the browser: a console/CSP guard, screenshots, signing in, a real PDF."""

import re
import time
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import BrowserContext, ConsoleMessage, Page, expect

# Injected by Playwright before any page script (the site's CSP forbids inline script; this is not one).
# Chromium logs CSP violations as console errors too; this also names the directive and the blocked source.
_CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", (event) => {
  console.error(`CSP violation: ${event.violatedDirective} blocked ${event.blockedURI || "inline"}`
                + ` in ${event.sourceFile || event.documentURI}:${event.lineNumber}`);
});
"""


@dataclass
class ConsoleGuard:
    """Collects console errors, uncaught page errors and CSP violations of every page of a test."""

    errors: list[str] = field(default_factory=list)
    allowed: list[re.Pattern] = field(default_factory=list)

    def watch(self, context: BrowserContext) -> None:
        context.add_init_script(_CSP_LISTENER)
        context.on("console", self._on_console)
        context.on("weberror", lambda web_error: self._record(f"uncaught page error: {web_error.error}", ""))

    def _on_console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self._record(message.text, message.location.get("url", ""))

    def _record(self, text: str, url: str) -> None:
        if not any(pattern.search(text) for pattern in self.allowed):
            self.errors.append(f"{text} ({url})" if url else text)

    def allow_status(self, status: int) -> None:
        """The test expects a page answered with this HTTP status (Chromium logs it as a console error)."""
        self.allowed.append(re.compile(rf"^Failed to load resource: the server responded with a status of {status}\b"))

    def check(self) -> None:
        assert not self.errors, "console errors or CSP violations:\n  " + "\n  ".join(self.errors)


class Screenshots:
    """Screens of the journeys, 1280x800: key screens (README) into ``directory``, the others into ``scratch``."""

    def __init__(self, directory: Path, scratch: Path):
        self.directory, self.scratch = directory, scratch

    def take(
        self, page: Page, name: str, *, both_languages: bool = True, key: bool = True, at: str | None = None
    ) -> None:
        """Save ``<name>-<language>.png`` of the page as shown; for a page reached by GET, the other language too.

        The other language comes from the switcher's cookie and a reload, so pass ``both_languages=False``
        for a page that answered a POST (the reload would post again). ``at``: a CSS selector of the part of
        the page to show at the top (default: the top of the page).
        """
        directory = self.directory if key else self.scratch
        directory.mkdir(parents=True, exist_ok=True)
        shown = page.locator("html").get_attribute("lang") or "zh-hans"
        self._scroll(page, at)
        page.screenshot(path=directory / f"{name}-{shown}.png", animations="disabled", caret="hide")
        if not both_languages:
            return
        other = "en" if shown.startswith("zh") else "zh-hans"
        # What the language switcher does: Django's language cookie, for the whole site.
        host = urlsplit(page.url).hostname
        page.context.add_cookies([{"name": "django_language", "value": other, "domain": host, "path": "/"}])
        page.reload()
        expect(page.locator("html")).to_have_attribute("lang", other)
        self._scroll(page, at)
        page.screenshot(path=directory / f"{name}-{other}.png", animations="disabled", caret="hide")
        page.context.clear_cookies(name="django_language")
        page.reload()
        expect(page.locator("html")).to_have_attribute("lang", shown)

    @staticmethod
    def _scroll(page: Page, at: str | None) -> None:
        if at is None:
            page.evaluate("window.scrollTo(0, 0)")
        else:
            page.locator(at).first.evaluate("element => element.scrollIntoView()")


def totp_code(user) -> str:
    """The code the user's authenticator app shows now (or the next one, if this one was used already).

    django-otp refuses a code at or before the device's last used time step, and accepts one step either
    side of now (``tolerance``): a second sign-in within the same 30 seconds uses the next step's code, a
    third waits for the clock.
    """
    device = TOTPDevice.objects.get(user=user, confirmed=True)
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()
    while totp.t() + device.tolerance <= device.last_t:
        time.sleep(1)
        totp.time = time.time()
    totp.time += device.step * max(0, device.last_t + 1 - totp.t())
    return f"{totp.token():0{device.digits}d}"


def staff_sign_in(page: Page, user, password: str, *, next_path: str = "/admin/") -> None:
    """Password on the admin's sign-in page, then the six-digit code, as a member of staff does."""
    page.goto(f"/admin/login/?next={next_path}")
    page.get_by_label(re.compile("username|用户名", re.I)).fill(user.username)
    page.get_by_label(re.compile("password|密码", re.I)).fill(password)
    page.locator("#login-form [type=submit]").click()
    expect(page).to_have_url(re.compile(r"/account/two-factor/"))
    page.locator("input[name=token]").fill(totp_code(user))
    page.locator("form:has(input[name=token]) [type=submit]").click()
    expect(page).to_have_url(re.compile(re.escape(next_path) + r"$"))


def portal_sign_in(page: Page, username: str, password: str) -> None:
    page.goto("/portal/login/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(password)
    page.locator("main form [type=submit]").click()


def real_pdf(title: str) -> bytes:
    """A small, valid one-page PDF (1.4) with one line of text; byte offsets in the xref table are exact."""
    text = title.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
    content = zlib.compress(f"BT /F1 18 Tf 72 720 Td ({text}) Tj ET".encode("latin-1"))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(content) + content + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


# A real PNG's first bytes: an image whose name claims it is a PDF is "disguised".
PNG_BYTES = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
    b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82"
)

__all__ = ["PNG_BYTES", "ConsoleGuard", "Screenshots", "expect", "portal_sign_in", "real_pdf", "staff_sign_in"]


_AXE = None


def assert_accessible(page: Page, *, allow: tuple[str, ...] = ()) -> None:
    """axe-core on the page as it stands: no critical or serious violation (rule ids in ``allow`` excepted).

    axe-core comes from the pinned ``axe-playwright-python`` wheel (no download at test time); Playwright's
    ``evaluate`` is not subject to the page's CSP, so the strict policy stays as in production.
    """
    global _AXE
    if _AXE is None:
        from axe_playwright_python.sync_playwright import Axe

        _AXE = Axe()
    # No CSSOM preload: it re-fetches the admin's @import-ed stylesheets from the wrong base URL and parses them
    # in <style> elements, which the CSP blocks (console errors); only the orientation rule needs it.
    results = _AXE.run(page, options={"resultTypes": ["violations"], "preload": False})
    serious = [
        violation
        for violation in results.response["violations"]
        if violation["impact"] in ("critical", "serious") and violation["id"] not in allow
    ]
    details = [
        f"{v['impact']}: {v['id']} ({v['help']}) at {', '.join(str(n['target']) for n in v['nodes'][:3])}"
        for v in serious
    ]
    assert not serious, f"accessibility violations on {page.url}:\n  " + "\n  ".join(details)
