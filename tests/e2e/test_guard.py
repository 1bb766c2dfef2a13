"""The guard every journey relies on really fails a page with a CSP violation or a script error."""

import pytest

pytestmark = pytest.mark.e2e


def test_the_guard_catches_csp_violations_and_page_errors(page, guard):
    page.goto("/portal/login/")
    assert guard.errors == []

    # What a template with an inline style or a third-party image would do under the site's CSP.
    with page.expect_console_message(lambda message: message.text.startswith("CSP violation: style-src")):
        page.evaluate("document.body.insertAdjacentHTML('beforeend', '<p style=\"color: red\">inline</p>')")
    with page.expect_console_message(lambda message: message.text.startswith("CSP violation: img-src")):
        page.evaluate("document.body.insertAdjacentHTML('beforeend', '<img src=\"https://example.org/x.png\">')")
    with page.expect_event("pageerror"):
        page.evaluate("setTimeout(() => { throw new Error('broken script'); })")

    found = "\n".join(guard.errors)
    assert "CSP violation: style-src" in found and "CSP violation: img-src" in found
    assert "uncaught page error: broken script" in found
    guard.errors.clear()  # seen: this test's page is not a failure of the site
