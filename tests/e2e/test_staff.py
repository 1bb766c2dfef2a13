"""Staff journeys in the admin: a caseworker logs a case and submits it, a supervisor approves it from the
review queue, an auditor reads a case's timeline."""

import datetime
import hashlib
import re
from pathlib import Path

import pytest
from django.utils import timezone

from audit.models import AccessLog
from cases.models import Case, CatalogueItem, Evidence, LegalDocument, MeasureType, Notice
from cases.workflow import State

from .browser import assert_accessible, expect, real_pdf, staff_sign_in

pytestmark = pytest.mark.e2e

SUCCESS = ".messagelist .success"
CASES = "#cases-case a"  # the model's list on the admin's index, not the app's page
# The page's parts wider than the space they are given (the page itself included).
OVERFLOW = """[document.documentElement, ...document.querySelectorAll('.inline-group, fieldset')]
    .filter(e => e.scrollWidth > e.clientWidth + 1).map(e => e.id || e.className || e.tagName)"""


def test_caseworker_logs_a_case_with_evidence_and_submits_it(page, demo, screenshots):
    caseworker = demo.user("cw_tax")
    pdf = real_pdf("Penalty decision 2026-88")
    staff_sign_in(page, caseworker, demo.password)

    page.locator("#content-main").locator(CASES).click()
    assert_accessible(page)  # the case list: its search box has a name
    page.locator(".object-tools").get_by_role("link", name=re.compile("Add case", re.I)).click()
    # The entity is chosen with the admin's autocomplete, as a person types it.
    page.locator("#id_entity + .select2").click()
    page.locator(".select2-search__field").fill("ACME")
    page.locator(".select2-results__option", has_text="ACME Trading").click()
    page.locator("#id_catalogue_item").select_option(str(CatalogueItem.objects.get(code="tax_major_violation").pk))
    page.locator("#id_facts").fill("Under-declared VAT of RMB 2.1 million for 2025, established by inspection.")
    page.locator("#id_legal_document-0-type").select_option(LegalDocument.Type.PENALTY_DECISION)
    page.locator("#id_legal_document-0-number").fill("京税稽罚〔2026〕88号")
    page.locator("#id_legal_document-0-issuer").fill("Municipal Tax Bureau")
    issued_on = timezone.localdate() - datetime.timedelta(days=7)
    page.locator("#id_legal_document-0-issued_on").fill(issued_on.isoformat())
    page.locator("#id_sanctions-0-measure_type").select_option(
        str(MeasureType.objects.get(code="public_disclosure").pk)
    )
    page.locator("#id_sanctions-0-duration_months").fill("24")
    page.locator("#id_evidence-0-file").set_input_files(
        {"name": "penalty-decision.pdf", "mimeType": "application/pdf", "buffer": pdf}
    )
    page.locator("#id_evidence-0-description").fill("The penalty decision, signed")
    # A new case shows what can be entered for it, and fits the window (no sideways scrolling).
    assert page.locator(".inline-group h2").all_inner_texts() == ["LEGAL DOCUMENT", "MEASURES", "EVIDENCE"]
    assert page.evaluate(OVERFLOW) == [], page.evaluate(OVERFLOW)
    assert_accessible(page)  # every inline input and the entity autocomplete have a name
    page.locator("[name=_continue]").click()

    expect(page.locator(SUCCESS)).to_contain_text("was added successfully")
    assert page.evaluate(OVERFLOW) == [], page.evaluate(OVERFLOW)  # the draft's page, evidence listed, fits too
    case = Case.objects.filter(caseworker=caseworker, legal_document__number="京税稽罚〔2026〕88号").get()
    assert case.state == State.DRAFT
    evidence = Evidence.objects.get(case=case)
    assert (evidence.original_name, evidence.content_type) == ("penalty-decision.pdf", "application/pdf")
    assert evidence.sha256 == hashlib.sha256(pdf).hexdigest()
    evidence_row = page.locator(".inline-group").filter(has_text="penalty-decision.pdf")
    expect(evidence_row).to_contain_text(evidence.sha256)
    # Downloaded back through the permission-checked view: the same bytes, as an attachment.
    with page.expect_download() as download:
        evidence_row.get_by_role("link", name="penalty-decision.pdf").click()
    assert Path(download.value.path()).read_bytes() == pdf
    assert download.value.suggested_filename == "penalty-decision.pdf"
    assert AccessLog.objects.filter(actor=caseworker, action=AccessLog.Action.DOWNLOAD, field="file").exists()

    page.locator(".object-tools").get_by_role("link", name=re.compile("submit for review", re.I)).click()
    expect(page.locator("h2")).to_contain_text(case.number)
    page.locator("#content-main [type=submit]").click()

    expect(page.locator(SUCCESS)).to_have_text("The case was submitted for review.")
    case.refresh_from_db()
    assert case.state == State.SUBMITTED and case.submitted_by == caseworker
    expect(page.locator(".field-state")).to_contain_text(str(State.SUBMITTED.label))
    screenshots.take(page, "admin-case")


def test_supervisor_approves_a_case_from_the_review_queue(page, demo, screenshots):
    supervisor = demo.user("sup_tax")
    waiting = demo.case("TAX", "acme", State.SUBMITTED)
    staff_sign_in(page, supervisor, demo.password)

    page.locator("#content-main").locator(CASES).click()
    page.get_by_role("link", name="Review queue").click()
    queue = page.locator("table.queue")
    expect(queue.locator("tbody tr")).to_have_count(
        Case.objects.filter(department__code="TAX", state__in=[State.SUBMITTED, State.DECISION_PENDING]).count()
    )
    row = queue.locator("tbody tr", has_text=waiting.number)
    expect(row).to_contain_text("review")
    expect(row).to_contain_text("cw_tax")
    screenshots.take(page, "admin-review-queue")
    assert_accessible(page)

    row.get_by_role("link", name=waiting.number).click()
    page.locator(".object-tools").get_by_role("link", name=re.compile("approve and issue notice", re.I)).click()
    page.locator("#id_reasons").fill("Facts, evidence and legal basis verified.")
    # Slow work (forms.js): a second send of the same form is stopped, and the button says the work is under way.
    sent_twice = page.locator("#content-main form").evaluate(
        """form => {
            const button = form.querySelector("[type=submit]");
            const send = () => {
                const e = new SubmitEvent("submit", {cancelable: true, bubbles: true, submitter: button});
                form.dispatchEvent(e);
                return e.defaultPrevented;
            };
            return [send(), send(), button.getAttribute("aria-disabled")];
        }"""
    )
    assert sent_twice == [False, True, "true"]
    expect(page.locator("#content-main .busy-status")).to_have_text("Working…")
    page.reload()  # the form as it was: the checks above only dispatched the events, nothing was sent
    page.locator("#id_reasons").fill("Facts, evidence and legal basis verified.")
    page.locator("#content-main [type=submit]").click()

    expect(page.locator(SUCCESS)).to_have_text("The case was approved and the notice served.")
    waiting.refresh_from_db()
    assert waiting.state == State.NOTICE_ISSUED and waiting.approved_by == supervisor
    notice = Notice.objects.get(case=waiting, kind="pre_decision")
    expect(page.locator(".inline-group").filter(has_text="Notices served")).to_contain_text(notice.title_en)
    # Gone from the queue: nothing more to review on it.
    page.goto("/admin/cases/case/queue/")
    expect(page.locator("table.queue")).not_to_contain_text(waiting.number)


def test_auditor_opens_the_timeline_of_a_case(page, demo, screenshots):
    auditor = demo.user("auditor")
    case = demo.case("TAX", "acme", State.SANCTIONED)
    staff_sign_in(page, auditor, demo.password)

    page.locator("#content-main").locator(CASES).click()
    page.locator("#searchbar").fill(case.number)
    page.locator("#changelist-search [type=submit]").click()
    page.get_by_role("link", name=case.number).click()
    # Read only: no workflow button and no save button for an auditor.
    expect(page.locator(".workflow-button")).to_have_count(0)
    expect(page.locator("[name=_save]")).to_have_count(0)
    page.locator(".object-tools").get_by_role("link", name="Timeline").click()

    expect(page.locator("h1")).to_contain_text(case.number)
    events = page.locator("#content-main")
    for who in ("cw_tax", "sup_tax"):
        expect(events).to_contain_text(who)
    for what in ("submitted", "notice", "sanction"):
        expect(events).to_contain_text(re.compile(what, re.I))
    screenshots.take(page, "admin-timeline")
    assert_accessible(page)
    # Reading the timeline is itself in the access log.
    assert AccessLog.objects.filter(actor=auditor, field="timeline").exists()
