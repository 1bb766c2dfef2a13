"""Browser tests (issue 10): Playwright (sync API) driving Debian's Chromium against one live server.

Run them with ``make test-e2e`` (``pytest -m e2e tests/e2e``); ``make test`` leaves them out (the ``e2e``
marker is deselected by default in pyproject.toml). Never ``playwright install``: the browser is the
system's ``/usr/bin/chromium`` (``apt-get install chromium fonts-noto-cjk``).

- One test database, one live server and one browser for the whole run, and the README's demo data
  (``seed_demo``) loaded once. Nothing is flushed between journeys (a flush and a reload per test cost
  several seconds each on two cores): each journey works on its own records (another case, another
  account), and the e2e tests therefore run on their own, never in one run with the rest of the suite.
- Each test gets a fresh browser context (no cookies shared between journeys).
- Staff sign in with ``REQUIRE_STAFF_2FA`` on, as in production: the code is computed from the demo
  device's secret, exactly as an authenticator app would.
- Any console error, uncaught page error or CSP violation on any page a test visits fails that test;
  a test that expects an error status (a 404, the lockout page) declares it with ``guard.allow_status``.
"""

import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from .browser import ConsoleGuard, Screenshots
from .world import Demo, seed

CHROMIUM = os.environ.get("E2E_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",  # CI and this machine run as root
    "--disable-gpu",
    # The machine has no network but the package registries: without these Chromium keeps trying Google's hosts.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
VIEWPORT = {"width": 1280, "height": 800}
DEFAULT_TIMEOUT_MS = 15_000
VAR = Path(__file__).resolve().parents[2] / "var"
FAILURES = VAR / "e2e-failures"


@pytest.hookimpl(trylast=True)  # after `-m` has deselected what was not asked for
def pytest_collection_modifyitems(config, items):
    """The e2e tests share one committed database; mixed with the rest of the suite they would disturb it."""
    here = Path(__file__).parent
    e2e = [item for item in items if here in item.path.parents]
    if e2e and len(e2e) != len(items):
        raise pytest.UsageError("Run the browser tests on their own: make test-e2e (pytest -m e2e tests/e2e).")


@pytest.fixture(scope="session")
def django_db_setup(django_test_environment, django_db_blocker):
    """The test database, created once for the run and seeded with the demo; never flushed in between."""
    from django.db import DEFAULT_DB_ALIAS
    from django.test.utils import setup_databases, teardown_databases

    with django_db_blocker.unblock():
        config = setup_databases(verbosity=0, interactive=False, aliases={DEFAULT_DB_ALIAS}, serialized_aliases=set())
        seed()
    yield
    with django_db_blocker.unblock():
        teardown_databases(config, verbosity=0)


@pytest.fixture(scope="session", autouse=True)
def _database(django_db_setup, django_db_blocker):
    """The journeys read and arrange data directly, next to what the browser does through the live server."""
    with django_db_blocker.unblock():
        yield


@pytest.fixture(scope="session")
def demo(_database) -> Demo:
    return Demo()


@pytest.fixture(scope="session")
def server(_database) -> Iterator[str]:
    """pytest-django's live server thread, started once (its ``live_server`` fixture would flush per test)."""
    from pytest_django.live_server_helper import LiveServer

    live = LiveServer("localhost")
    live._live_server_modified_settings.enable()
    yield live.url
    live._live_server_modified_settings.disable()
    live.stop()


@pytest.fixture(scope="session")
def browser(server) -> Iterator:
    """Chromium, closed before the live server stops (its open connections would outlive the server's database)."""
    from django.db import connections
    from playwright.sync_api import sync_playwright

    if not (os.access(CHROMIUM, os.X_OK) or shutil.which(CHROMIUM)):
        pytest.fail(f"{CHROMIUM} is missing: apt-get install -y chromium fonts-noto-cjk (never `playwright install`)")
    # Playwright's sync API runs an asyncio loop in this thread, so Django would refuse the tests' own ORM
    # calls (SynchronousOnlyOperation). Nothing here is async code: allow it for the e2e run only.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
            yield browser
            browser.close()
            # The tests' own queries ran inside Playwright's context (Django keeps connections per context):
            # close them here, or PostgreSQL refuses to drop the test database at the end.
            connections.close_all()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(scope="session")
def screenshots() -> Screenshots:
    """Where the journeys save their key screens: ``SCREENSHOTS_DIR`` (``make screenshots``: docs/screenshots)."""
    scratch = VAR / "screenshots"
    return Screenshots(Path(os.environ.get("SCREENSHOTS_DIR") or scratch), scratch)


@pytest.fixture(autouse=True)
def _staff_two_factor(settings):
    """As in production: staff need the password and a code (tests/settings.py leaves it off with DEBUG)."""
    settings.REQUIRE_STAFF_2FA = True


@pytest.fixture
def guard() -> ConsoleGuard:
    return ConsoleGuard()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's outcome on the test item, so ``new_page`` knows whether the test failed."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture
def new_page(request, browser, server, guard):
    """``new_page()`` → a page in a fresh browser context, watched by ``guard``; ``new_page("zh-hans")`` in Chinese."""
    contexts = []

    def make(language: str = "en"):
        context = browser.new_context(
            base_url=server, viewport=VIEWPORT, locale="zh-CN" if language.startswith("zh") else "en-US"
        )
        context.set_default_timeout(DEFAULT_TIMEOUT_MS)
        guard.watch(context)
        contexts.append(context)
        return context.new_page()

    yield make
    report = getattr(request.node, "report_call", None)
    for number, context in enumerate(contexts):
        if report is None or report.failed:  # what the browser showed: var/e2e-failures/<test>-<n>.png
            FAILURES.mkdir(parents=True, exist_ok=True)
            for page in context.pages:
                page.screenshot(path=FAILURES / f"{request.node.name}-{number}.png", full_page=True)
        context.close()
    guard.check()


@pytest.fixture
def page(new_page):
    return new_page()


def url_re(path: str) -> re.Pattern:
    """A pattern for ``expect(page).to_have_url``: the path, any host and query string."""
    return re.compile(r"^https?://[^/]+" + re.escape(path) + r"(\?.*)?$")
