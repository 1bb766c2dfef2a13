"""Dashboards (issue 25): each role lands on its dashboard after signing in; a chart opens the list it counts."""

import re

import pytest

from .browser import assert_accessible, expect, staff_sign_in, totp_code

pytestmark = pytest.mark.e2e


def _sign_in_without_next(page, user, password):
    """The admin's sign-in page reached directly (a bookmark): no page to return to."""
    page.goto("/admin/login/")
    assert_accessible(page)  # the sign-in page has its main heading
    page.get_by_label(re.compile("username|用户名", re.I)).fill(user.username)
    page.get_by_label(re.compile("password|密码", re.I)).fill(password)
    page.locator("#login-form [type=submit]").click()
    page.locator("input[name=token]").fill(totp_code(user))
    page.locator("form:has(input[name=token]) [type=submit]").click()


def test_supervisor_lands_on_the_dashboard_and_opens_a_list_from_a_chart(page, demo, screenshots):
    supervisor = demo.user("sup_tax")
    _sign_in_without_next(page, supervisor, demo.password)
    expect(page).to_have_url(re.compile(r"/dashboard/$"))
    expect(page.locator("#dash-cases h2")).to_have_text("Department cases")
    for title in ("Cases by state", "Deadlines this week", "Decisions per month by outcome"):
        expect(page.locator("#content-main")).to_contain_text(title)
    assert_accessible(page)
    screenshots.take(page, "dashboard-supervisor")

    bar = page.locator("#chart-cases-by-state svg a[aria-label*='submitted for review']")
    count = int(bar.get_attribute("aria-label").rsplit(": ", 1)[1])
    bar.click()
    expect(page).to_have_url(re.compile(r"/admin/cases/case/\?state__exact=submitted$"))
    expect(page.locator("#changelist-form .paginator")).to_contain_text(f"{count} case")


def test_appeals_reviewer_dashboard(page, demo, screenshots):
    staff_sign_in(page, demo.user("reviewer"), demo.password, next_path="/dashboard/")
    expect(page.locator("#dash-appeals h2")).to_be_visible()
    expect(page.locator("#chart-queue-by-kind-and-age svg rect").first).to_be_visible()
    expect(page.locator("#dash-cases")).to_have_count(0)
    assert_accessible(page)
    screenshots.take(page, "dashboard-appeals")


def test_auditor_dashboard(page, demo, screenshots):
    staff_sign_in(page, demo.user("auditor"), demo.password, next_path="/dashboard/")
    expect(page.locator("#dash-audit h2")).to_be_visible()
    expect(page.locator("#dash-audit .dash-figures")).to_contain_text("Audit chain")
    expect(page.locator(".dash-unusual caption")).to_be_visible()
    assert_accessible(page)
    screenshots.take(page, "dashboard-auditor")
