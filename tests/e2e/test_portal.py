"""The entity representative's journeys in the portal: the notice and its deadline, an objection with a PDF
within the statement window, an appeal with a PDF against a decision."""

import hashlib
import re

import pytest
from django.utils import timezone

from cases.models import Notice, Statement
from cases.workflow import State

from .browser import assert_accessible, expect, portal_sign_in, real_pdf
from .conftest import url_re

pytestmark = pytest.mark.e2e


def test_representative_sees_the_notice_and_deadline_and_files_an_objection(page, demo, screenshots):
    rep = demo.user("rep_acme")
    case = demo.case("MKT", "acme", State.NOTICE_ISSUED)
    notice = Notice.objects.get(case=case, kind="pre_decision")
    window_ends = case.statement_window_ends_on.isoformat()
    portal_sign_in(page, "rep_acme", demo.password)

    expect(page).to_have_url(url_re("/portal/"))
    row = page.locator("main table tbody tr", has_text=case.number)
    expect(row).to_contain_text(str(State.NOTICE_ISSUED.label))
    expect(row).to_contain_text(window_ends)
    screenshots.take(page, "portal-records", key=False)
    assert_accessible(page)
    # The table fits the card at 1280x800: no sideways scrolling, a case number on one line.
    assert page.evaluate(
        "document.querySelector('table.records').scrollWidth <= document.querySelector('main').clientWidth"
    )
    number = row.get_by_role("link", name=case.number)
    assert number.bounding_box()["height"] < 30

    row.get_by_role("link", name=case.number).click()
    notices = page.locator("section", has=page.get_by_role("heading", name="Notices served"))
    served = notice.served_at.astimezone(timezone.get_current_timezone()).date().isoformat()
    expect(notices).to_contain_text(f"{served} — respond by {notice.respond_by.isoformat()}")
    deadlines = page.locator("section", has=page.get_by_role("heading", name="Deadlines"))
    days_left = (case.statement_window_ends_on - timezone.localdate()).days
    expect(deadlines.locator("tr", has_text=window_ends)).to_contain_text(str(days_left))
    screenshots.take(page, "portal-case", at="main section.card:nth-of-type(2)")  # deadlines, measures, notices
    assert_accessible(page)
    notices.locator("summary").first.click()  # the notice as served, in the reader's language
    expect(notices.locator("pre").first).to_contain_text(case.number)

    page.get_by_role("link", name="File a statement or objection").click()
    objection = "We object: the VAT was paid in full on 2026-06-30; the bank's receipt is enclosed."
    page.get_by_label("Your statement or objection").fill(objection)
    pdf = real_pdf("Bank receipt: VAT 2025 paid 2026-06-30")
    page.get_by_label("Evidence (optional)").set_input_files(
        {"name": "bank-receipt.pdf", "mimeType": "application/pdf", "buffer": pdf}
    )
    page.get_by_role("button", name="File").click()

    expect(page.locator("main .messages")).to_contain_text(re.compile(r"Your statement was filed\. Reference: S-"))
    statement = Statement.objects.get(case=case, recorded_by=rep)
    assert statement.text == objection
    expect(page.locator("main")).to_contain_text(hashlib.sha256(objection.encode()).hexdigest())
    # The receipt names the evidence by its fingerprint: the bytes that arrived are the bytes sent.
    expect(page.locator("main")).to_contain_text(
        f"bank-receipt.pdf (application/pdf, SHA-256 {hashlib.sha256(pdf).hexdigest()})"
    )
    case.refresh_from_db()
    assert case.state == State.DECISION_PENDING
    # Back on the case: the filing is listed, and the window is no longer offered.
    page.get_by_role("link", name="Back to the case").click()
    expect(page.locator("main")).to_contain_text(f"S-{case.number}-1")
    expect(page.get_by_role("link", name="File a statement or objection")).to_have_count(0)


def test_representative_appeals_a_decision_with_a_pdf(page, demo):
    case = demo.case("MKT", "acme", State.SANCTIONED)
    pdf = real_pdf("Bank receipt 2026-06-30")
    portal_sign_in(page, "rep_acme", demo.password)
    page.goto(f"/portal/cases/{case.pk}/")
    page.get_by_role("link", name="Appeal against the decision").click()
    page.get_by_label("Grounds of your appeal").fill("The advertising was withdrawn before the inspection.")
    page.get_by_label("Supporting documents").set_input_files(
        {"name": "bank-receipt.pdf", "mimeType": "application/pdf", "buffer": pdf}
    )
    page.get_by_role("button", name="File").click()

    expect(page.locator("main .messages")).to_contain_text(f"Filed. Reference: A-{case.number}-1")
    # The receipt names the stored file by its fingerprint: the bytes that arrived are the bytes sent.
    expect(page.locator("main")).to_contain_text(
        f"bank-receipt.pdf (application/pdf, {len(pdf)} B, SHA-256 {hashlib.sha256(pdf).hexdigest()})"
    )
