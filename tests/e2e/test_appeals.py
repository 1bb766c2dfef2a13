"""The independent review (issue 7): the entity objects to its record with a PDF, an appeals reviewer upholds the
objection from the review queue, and the entity sees the outcome with the reasons."""

import hashlib
import re
from pathlib import Path

import pytest

from cases.models import Filing, Sanction
from cases.workflow import State

from .browser import assert_accessible, expect, portal_sign_in, real_pdf, staff_sign_in

pytestmark = pytest.mark.e2e


def test_reviewer_upholds_an_objection_and_the_entity_sees_the_outcome(new_page, demo, screenshots):
    case = demo.case("MKT", "wang", State.SANCTIONED)
    publication = case.publication
    assert publication.ended_on is None
    pdf = real_pdf("Court ruling: the advertising case was closed")

    # The entity objects to its record, with a PDF.
    entity_page = new_page()
    portal_sign_in(entity_page, "rep_wang", demo.password)
    entity_page.goto(f"/portal/cases/{case.pk}/")
    entity_page.get_by_role("link", name="Object to the record").click()
    entity_page.get_by_label("What is wrong in the record, and why").fill(
        "The leaflets were another company's; the court closed the matter on 2026-09-01 (ruling enclosed)."
    )
    entity_page.get_by_label("Supporting documents").set_input_files(
        {"name": "court-ruling.pdf", "mimeType": "application/pdf", "buffer": pdf}
    )
    entity_page.get_by_role("button", name="File").click()
    reference = f"O-{case.number}-1"
    expect(entity_page.locator("main .messages")).to_contain_text(f"Filed. Reference: {reference}")
    expect(entity_page.locator("main")).to_contain_text(hashlib.sha256(pdf).hexdigest())
    filing = Filing.objects.get(reference=reference)
    assert filing.status == Filing.Status.FILED
    case.refresh_from_db()
    assert case.under_objection

    # The appeals reviewer finds it in the queue and upholds it.
    reviewer_page = new_page()
    staff_sign_in(reviewer_page, demo.user("reviewer"), demo.password, next_path="/admin/cases/filing/queue/")
    row = reviewer_page.locator("table.queue tbody tr", has_text=reference)
    expect(row).to_contain_text(case.number)
    expect(row).to_contain_text("under objection")
    screenshots.take(reviewer_page, "admin-appeals-queue")
    assert_accessible(reviewer_page)
    row.get_by_role("link", name=reference).click()
    expect(reviewer_page.locator("dl.case-summary")).to_contain_text(case.number)  # "The case", label and value
    assert_accessible(reviewer_page)
    with reviewer_page.expect_download() as download:  # the entity's document, as filed
        reviewer_page.get_by_role("link", name="court-ruling.pdf").click()
    assert Path(download.value.path()).read_bytes() == pdf
    decide = reviewer_page.locator("form.review-step", has=reviewer_page.locator("[name=decide-outcome]"))
    decide.get_by_label(str(Filing.Outcome.REVOKED.label)).check()
    reasons = "The conduct was another company's, as the court's ruling shows; the record is revoked."
    decide.get_by_label("Reasons").fill(reasons)
    decide.locator("[type=submit]").click()
    expect(reviewer_page.locator(".messagelist .success")).to_contain_text(f"{reference}: done.")

    filing.refresh_from_db()
    case.refresh_from_db()
    publication.refresh_from_db()
    assert filing.outcome == Filing.Outcome.REVOKED and filing.reviewer == demo.user("reviewer")
    assert case.state == State.REVOKED and not case.under_objection
    assert publication.ended_on is not None
    assert not case.sanctions.filter(status__in=[Sanction.Status.PENDING, Sanction.Status.ACTIVE]).exists()

    # The entity sees the outcome and why.
    entity_page.goto(f"/portal/cases/{case.pk}/")
    expect(entity_page.locator("main")).to_contain_text(str(State.REVOKED.label))
    expect(entity_page.locator("main")).to_contain_text(re.compile(r"Publication ended on \d{4}-\d{2}-\d{2}"))
    screenshots.take(entity_page, "portal-outcome", at="main section.card:nth-of-type(3)")
    entity_page.get_by_role("link", name=reference).click()
    expect(entity_page.locator("main")).to_contain_text(str(Filing.Outcome.REVOKED.label))
    expect(entity_page.locator("main")).to_contain_text(reasons)
