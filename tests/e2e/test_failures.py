"""What a person meets when something is refused: a wrong password, the lockout, a disguised upload, a closed
statement window, another entity's record."""

import datetime
import re

import pytest
from django.conf import settings
from django.utils import timezone

from accounts import roles
from cases.models import Evidence, Notice
from cases.workflow import State
from tests.factories import UserFactory

from .browser import PNG_BYTES, expect, portal_sign_in, staff_sign_in
from .conftest import url_re

pytestmark = pytest.mark.e2e

WRONG_PASSWORD = "Please enter a correct username and password"


def test_a_wrong_password_is_refused_and_the_right_one_then_works(page, demo):
    portal_sign_in(page, "rep_wang", "not-the-password")
    expect(page).to_have_url(url_re("/portal/login/"))
    expect(page.locator("main .errorlist")).to_contain_text(WRONG_PASSWORD)
    expect(page.locator("#id_username")).to_have_value("rep_wang")
    expect(page.locator("#id_password")).to_have_value("")

    page.goto("/admin/login/")
    page.locator("#id_username").fill("cw_market")
    page.locator("#id_password").fill("not-the-password")
    page.locator("#login-form [type=submit]").click()
    expect(page.locator(".errornote")).to_contain_text("Please enter the correct username and password for a staff")

    portal_sign_in(page, "rep_wang", demo.password)
    expect(page).to_have_url(url_re("/portal/"))
    expect(page.get_by_role("heading", name="My records")).to_be_visible()


def test_five_wrong_passwords_lock_the_account_with_a_clear_message(page, guard, screenshots):
    UserFactory(role=roles.ENTITY_REPRESENTATIVE, username="rep_forgetful", password="the-right-password")
    limit = settings.AXES_FAILURE_LIMIT
    for _attempt in range(limit - 1):
        portal_sign_in(page, "rep_forgetful", "a-wrong-password")
        expect(page.locator("main .errorlist")).to_contain_text(WRONG_PASSWORD)

    guard.allow_status(429)  # the lockout page's status (django-axes): Too Many Requests
    portal_sign_in(page, "rep_forgetful", "a-wrong-password")
    expect(page.get_by_role("heading", name="Sign-in temporarily locked")).to_be_visible()
    expect(page.locator("main")).to_contain_text(f"failed {limit} times in a row")
    expect(page.locator("main")).to_contain_text("Try again in 60 minutes")
    screenshots.take(page, "lockout", both_languages=False, key=False)

    # Now even the right password is refused, and nobody is signed in.
    portal_sign_in(page, "rep_forgetful", "the-right-password")
    expect(page.get_by_role("heading", name="Sign-in temporarily locked")).to_be_visible()
    assert not [c for c in page.context.cookies() if c["name"] == settings.SESSION_COOKIE_NAME]


def test_a_disguised_evidence_file_is_refused_at_the_field(page, demo, screenshots):
    draft = demo.case("MKT", "acme", State.DRAFT)
    staff_sign_in(page, demo.user("cw_market"), demo.password, next_path=f"/admin/cases/case/{draft.pk}/change/")
    # A PNG image named like a PDF: its bytes say what it is, whatever the name claims.
    page.locator("#id_evidence-0-file").set_input_files(
        {"name": "invoice.pdf", "mimeType": "application/pdf", "buffer": PNG_BYTES}
    )
    page.locator("#id_evidence-0-description").fill("Invoice")
    page.locator("[name=_continue]").click()

    expect(page.locator(".errornote")).to_be_visible()
    row = page.locator(".inline-group").filter(has_text="Evidence").locator(".errorlist")
    expect(row).to_contain_text("The file's name does not match its content (detected: PNG image)")
    screenshots.take(page, "refused-upload", both_languages=False, key=False)
    assert not Evidence.objects.filter(case=draft).exists()


def test_a_disguised_file_is_refused_in_the_portal_too(page, demo, guard):
    case = demo.case("TAX", "wang", State.SANCTIONED)
    portal_sign_in(page, "rep_wang", demo.password)
    page.goto(f"/portal/cases/{case.pk}/appeal/")
    page.get_by_label("Grounds of your appeal").fill("The amount was paid before the decision.")
    page.get_by_label("Supporting documents").set_input_files(
        {"name": "receipt.pdf", "mimeType": "application/pdf", "buffer": PNG_BYTES}
    )
    guard.allow_status(400)  # the form comes back with its errors as a 400
    page.get_by_role("button", name="File").click()

    expect(page.locator("main .errorlist")).to_contain_text("does not match its content (detected: PNG image)")
    expect(page.locator("main .messages")).to_have_count(0)
    page.get_by_role("link", name="Back to the case").click()
    expect(page.locator("main")).not_to_contain_text(f"A-{case.number}-")


def test_the_statement_window_closed_is_said_with_its_date(page, demo):
    case = demo.served_in_the_past("acme", served_on=timezone.localdate() - datetime.timedelta(days=60))
    closed_on = case.statement_window_ends_on
    assert closed_on < timezone.localdate()
    portal_sign_in(page, "rep_acme", demo.password)
    page.goto(f"/portal/cases/{case.pk}/")
    expect(page.locator("main")).to_contain_text(f"The statement window closed on {closed_on.isoformat()}.")
    expect(page.get_by_role("link", name="File a statement or objection")).to_have_count(0)

    # Typing the address of the form does not help either.
    page.goto(f"/portal/cases/{case.pk}/statement/")
    expect(page.get_by_role("alert")).to_have_text(f"The statement window closed on {closed_on.isoformat()}.")
    expect(page.locator("main textarea")).to_have_count(0)


def test_another_entitys_record_is_not_found(page, demo, guard):
    mine = demo.case("TAX", "acme", State.NOTICE_ISSUED)
    theirs = demo.case("TAX", "wang", State.NOTICE_ISSUED)
    their_notice = Notice.objects.filter(case=theirs).first()
    portal_sign_in(page, "rep_acme", demo.password)
    assert page.goto(f"/portal/cases/{mine.pk}/").status == 200

    guard.allow_status(404)
    for path in (
        f"/portal/cases/{theirs.pk}/",
        f"/portal/cases/{theirs.pk}/statement/",
        f"/portal/entities/{theirs.entity_id}/data/",
        f"/portal/notices/{their_notice.pk}/download/",
    ):
        response = page.goto(path)
        assert response.status == 404, path
        expect(page.get_by_role("heading", name="Page not found")).to_be_visible()
        expect(page.locator("main")).not_to_contain_text(theirs.number)
        expect(page.locator("main")).not_to_contain_text(re.compile("Wang", re.I))
