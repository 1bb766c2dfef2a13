"""The case workspace through the test client, as cw_tax and sup_tax would use it (issue: Done means)."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse

from accounts import roles
from cases import services
from cases.models import Case, Decision, Evidence, Notice
from cases.services.evidence import evidence_add
from cases.workflow import State
from tests.cases.conftest import item, measure
from tests.factories import EntityFactory, UserFactory

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


@pytest.fixture(autouse=True)
def evidence_storage(settings, tmp_path):
    """Uploaded evidence goes to a temporary private directory."""
    from django.core.files.storage import storages

    settings.STORAGES = {
        **settings.STORAGES,
        "evidence": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": tmp_path}},
    }
    storages._storages.pop("evidence", None)
    Evidence._meta.get_field("file").storage = storages["evidence"]
    yield tmp_path
    storages._storages.pop("evidence", None)


def _login(client, user):
    client.force_login(user)
    return client


def _management(response):
    """The inline formsets' management data a browser would post back."""
    data = {}
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        data[f"{formset.prefix}-TOTAL_FORMS"] = formset.total_form_count()
        data[f"{formset.prefix}-INITIAL_FORMS"] = formset.initial_form_count()
        data[f"{formset.prefix}-MIN_NUM_FORMS"] = formset.min_num
        data[f"{formset.prefix}-MAX_NUM_FORMS"] = formset.max_num
        for index, form in enumerate(formset.initial_forms):
            data[f"{formset.prefix}-{index}-id"] = form.instance.pk
            data[f"{formset.prefix}-{index}-case"] = form.instance.case_id
    return data


def test_caseworker_logs_a_case_with_evidence(client, caseworker, firm):
    client = _login(client, caseworker)
    url = reverse("admin:cases_case_add")
    data = _management(client.get(url))
    data.update(
        {
            "entity": firm.pk,
            "catalogue_item": item("tax_major_violation").pk,
            "severity": "serious",
            "facts": "Evaded RMB 1.5 million of VAT in 2025.",
            "internal_notes": "",
            "legal_document-0-type": "penalty_decision",
            "legal_document-0-number": "京税稽罚〔2026〕7号",
            "legal_document-0-issuer": "Beijing Tax Inspection Bureau",
            "legal_document-0-issued_on": "2026-10-09",
            "sanctions-0-measure_type": measure("public_disclosure").pk,
            "sanctions-0-duration_months": "24",
            "evidence-0-file": SimpleUploadedFile("penalty-decision.pdf", PDF, content_type="application/pdf"),
            "evidence-0-description": "The penalty decision",
        }
    )
    response = client.post(url, data)
    assert response.status_code == 302, response.context and [
        response.context["adminform"].form.errors,
        [f.errors for i in response.context["inline_admin_formsets"] for f in i.formset.forms],
    ]
    case = Case.objects.get()
    assert case.number.startswith("TAX-")
    assert case.legal_document.number == "京税稽罚〔2026〕7号"
    assert case.sanctions.get().duration_months == 24
    evidence = case.evidence.get()
    assert (evidence.original_name, evidence.content_type, evidence.uploaded_by) == (
        "penalty-decision.pdf",
        "application/pdf",
        caseworker,
    )
    assert case.history.get().history_user == caseworker

    # Submit from the workflow button.
    submit = reverse("admin:cases_case_transition", args=[case.pk, "submit"])
    assert submit in client.get(reverse("admin:cases_case_change", args=[case.pk])).content.decode()
    response = client.post(submit, {"version": case.version, "reasons": ""})
    assert response.status_code == 302
    assert Case.objects.get().state == State.SUBMITTED


def test_bad_measure_is_refused_at_the_field_and_nothing_is_saved(client, caseworker, firm):
    client = _login(client, caseworker)
    url = reverse("admin:cases_case_add")
    data = _management(client.get(url))
    data.update(
        {
            "entity": firm.pk,
            "catalogue_item": item("tax_major_violation").pk,
            "severity": "serious",
            "facts": "x",
            "sanctions-0-measure_type": measure("public_disclosure").pk,
            "sanctions-0-duration_months": "48",
        }
    )
    response = client.post(url, data)
    assert response.status_code == 200
    sanction_form = next(
        i.formset.forms[0] for i in response.context["inline_admin_formsets"] if i.formset.prefix == "sanctions"
    )
    assert "at most 36 months" in str(sanction_form.errors["duration_months"])
    assert not Case.objects.exists()


def test_disguised_upload_is_refused_before_anything_is_stored(client, caseworker, make_draft, evidence_storage):
    case = make_draft()
    client = _login(client, caseworker)
    url = reverse("admin:cases_case_change", args=[case.pk])
    data = _management(client.get(url))
    data.update(
        {
            "catalogue_item": case.catalogue_item.pk,
            "severity": case.severity,
            "facts": case.facts,
            "internal_notes": "",
            "evidence-0-file": SimpleUploadedFile("photo.pdf", b"\x89PNG\r\n\x1a\n" + b"\0" * 64),
        }
    )
    response = client.post(url, data)
    assert response.status_code == 200
    assert "does not match its content" in response.content.decode()
    assert not Evidence.objects.exists()
    assert not any(path.is_file() for path in evidence_storage.rglob("*"))


@pytest.fixture
def submitted(make_draft, caseworker):
    return services.case_submit(case=make_draft(), actor=caseworker)


def test_supervisor_approves_from_the_queue(client, submitted, supervisor):
    client = _login(client, supervisor)
    queue = client.get(reverse("admin:cases_case_queue"))
    assert submitted.number in queue.content.decode()
    approve = reverse("admin:cases_case_transition", args=[submitted.pk, "approve"])
    assert approve in client.get(reverse("admin:cases_case_change", args=[submitted.pk])).content.decode()
    response = client.post(approve, {"version": submitted.version, "reasons": "Verified."})
    assert response.status_code == 302
    case = Case.objects.get()
    assert case.state == State.NOTICE_ISSUED
    notice = Notice.objects.get(case=case)
    assert notice.body_zh and notice.body_en
    page = client.get(reverse("admin:cases_case_change", args=[case.pk])).content.decode()
    assert "Notice prior to a decision" in page or "事先告知书" in page


def test_caseworker_cannot_approve(client, submitted, caseworker):
    client = _login(client, UserFactory(role=roles.CASEWORKER, department=caseworker.department))
    approve = reverse("admin:cases_case_transition", args=[submitted.pk, "approve"])
    assert approve not in client.get(reverse("admin:cases_case_change", args=[submitted.pk])).content.decode()
    assert client.get(approve).status_code == 403
    assert client.post(approve, {"version": submitted.version}).status_code == 403
    assert Case.objects.get().state == State.SUBMITTED
    assert client.get(reverse("admin:cases_case_queue")).status_code == 403


def test_supervisor_cannot_approve_their_own_case(client, make_draft, supervisor):
    case = services.case_submit(case=make_draft(actor=supervisor), actor=supervisor)
    client = _login(client, supervisor)
    approve = reverse("admin:cases_case_transition", args=[case.pk, "approve"])
    assert approve not in client.get(reverse("admin:cases_case_change", args=[case.pk])).content.decode()
    assert client.post(approve, {"version": case.version}).status_code == 403
    assert Case.objects.get().state == State.SUBMITTED


def test_stale_page_gets_a_conflict_message(client, submitted, supervisor, second_supervisor):
    stale = submitted.version
    services.case_approve(case=submitted, actor=second_supervisor)
    client = _login(client, supervisor)
    # The approve button is gone; a reject posted from the old page is refused with the conflict message, never
    # "access denied" (the supervisor may review this case; it has only moved on).
    reject = reverse("admin:cases_case_transition", args=[submitted.pk, "reject"])
    response = client.post(reject, {"version": stale, "reasons": "x"}, follow=True)
    assert response.redirect_chain == [(reverse("admin:cases_case_change", args=[submitted.pk]), 302)]
    assert "changed by someone else" in response.content.decode()
    assert Case.objects.get().state == State.NOTICE_ISSUED
    assert Decision.objects.filter(case=submitted).count() == 1


def test_opening_a_transition_the_case_has_moved_past_shows_the_conflict_message(
    client, submitted, supervisor, second_supervisor
):
    services.case_approve(case=submitted, actor=second_supervisor)
    client = _login(client, supervisor)
    approve = reverse("admin:cases_case_transition", args=[submitted.pk, "approve"])
    response = client.get(approve, follow=True)
    assert "changed by someone else" in response.content.decode()
    assert response.status_code == 200


def test_a_caseworker_still_gets_access_denied_on_a_decided_case(client, submitted, caseworker, second_supervisor):
    services.case_approve(case=submitted, actor=second_supervisor)
    client = _login(client, UserFactory(role=roles.CASEWORKER, department=caseworker.department))
    reject = reverse("admin:cases_case_transition", args=[submitted.pk, "reject"])
    assert client.post(reject, {"version": 1, "reasons": "x"}).status_code == 403


def test_conflict_message_when_the_case_changed_in_between(client, make_draft, caseworker):
    case = make_draft()
    client = _login(client, caseworker)
    submit = reverse("admin:cases_case_transition", args=[case.pk, "submit"])
    response = client.post(submit, {"version": case.version - 1}, follow=True)
    assert "changed by someone else" in response.content.decode()
    assert Case.objects.get().state == State.DRAFT


def test_reasons_are_asked_for(client, submitted, supervisor):
    client = _login(client, supervisor)
    reject = reverse("admin:cases_case_transition", args=[submitted.pk, "reject"])
    response = client.post(reject, {"version": submitted.version, "reasons": ""})
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    assert Case.objects.get().state == State.SUBMITTED


def test_incomplete_draft_shows_what_is_missing(client, caseworker, firm):
    case = services.case_create(actor=caseworker, entity=firm, facts="x")
    client = _login(client, caseworker)
    submit = reverse("admin:cases_case_transition", args=[case.pk, "submit"])
    page = client.get(submit).content.decode()
    assert "Choose the conduct" in page and "Propose at least one measure" in page
    response = client.post(submit, {"version": case.version})
    assert response.status_code == 200
    assert Case.objects.get().state == State.DRAFT


def test_other_department_sees_nothing(client, submitted, other_caseworker):
    client = _login(client, other_caseworker)
    assert client.get(reverse("admin:cases_case_change", args=[submitted.pk])).status_code == 404
    assert client.get(reverse("admin:cases_case_history", args=[submitted.pk])).status_code == 404
    assert client.get(reverse("admin:cases_case_transition", args=[submitted.pk, "withdraw"])).status_code == 404
    listing = client.get(reverse("admin:cases_case_changelist"))
    assert submitted.number not in listing.content.decode()


def test_history_shows_every_step(client, submitted, supervisor):
    services.case_approve(case=submitted, actor=supervisor)
    client = _login(client, supervisor)
    page = client.get(reverse("admin:cases_case_history", args=[submitted.pk])).content.decode()
    assert page.count("cw_tax") >= 2 and "sup_tax" in page


def test_case_list_filters_and_search(client, make_draft, caseworker, firm):
    draft = make_draft()
    other = services.case_submit(case=make_draft(entity=EntityFactory(name="Other Ltd")), actor=caseworker)
    client = _login(client, caseworker)
    url = reverse("admin:cases_case_changelist")

    def listed(**params):
        return {c.number for c in client.get(url, params).context["cl"].result_list}

    assert listed(state__exact="draft") == {draft.number}
    assert listed(q=other.number) == {other.number}
    assert listed(q="Other Ltd") == {other.number}
    assert listed(q=firm.uscc) == {draft.number}
    assert listed(overdue="no") == {draft.number, other.number}
    Case.objects.filter(pk=other.pk).update(review_due_on=datetime.date(2026, 1, 1))
    assert listed(overdue="yes") == {other.number}


def _many_cases(count, caseworker, firm, state=State.SUBMITTED):
    from tests.factories import CaseFactory

    for n in range(count):
        CaseFactory(
            department=caseworker.department,
            entity=firm,
            caseworker=caseworker,
            submitted_by=caseworker,
            catalogue_item=item("tax_major_violation"),
            severity="serious",
            state=state,
            number=f"TAX-2026-{n:06d}",
            review_due_on=datetime.date(2026, 12, 1),
        )


@pytest.mark.parametrize("rows", [20, 100])
def test_queue_query_count_is_fixed(client, caseworker, supervisor, firm, rows):
    _many_cases(rows, caseworker, firm)
    client = _login(client, supervisor)
    client.get(reverse("admin:cases_case_queue"))  # the policy's permission ids are read once per process
    response, count = _queries(lambda: client.get(reverse("admin:cases_case_queue")))
    # Session, user, permissions and groups (one query), one ordered walk per waiting state (issue 11).
    assert count == 5
    assert len(response.context["cases"]) == rows


def _queries(fn):
    """The statements ``fn`` runs (``execute_wrapper``: unlike ``CaptureQueriesContext`` it survives the
    ``reset_queries`` that every request starts with)."""
    statements = []

    def wrapper(execute, sql, params, many, context):
        if not sql.startswith(("SAVEPOINT", "RELEASE SAVEPOINT")):  # the test's transaction, not the page's
            statements.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        response = fn()
    return response, len(statements)


def _with_evidence(case, actor, count):
    for n in range(count):
        upload = SimpleUploadedFile(f"proof-{n}.pdf", PDF, content_type="application/pdf")
        evidence_add(case=case, actor=actor, uploaded_file=upload, description=f"proof {n}")
    return case


def test_change_page_query_count_is_fixed(client, caseworker, make_draft):
    """The policy is asked once per object and action, and inline rows bring their foreign keys along (issue 11)."""
    small = _with_evidence(make_draft(measures=(("public_disclosure", 24),)), caseworker, 1)
    large = _with_evidence(make_draft(), caseworker, 5)
    client = _login(client, caseworker)
    client.get(reverse("admin:cases_case_change", args=[small.pk]))  # warm the per-process caches

    response, few = _queries(lambda: client.get(reverse("admin:cases_case_change", args=[small.pk])))
    assert response.status_code == 200
    response, many = _queries(lambda: client.get(reverse("admin:cases_case_change", args=[large.pk])))
    assert response.status_code == 200
    assert large.sanctions.count() == 2 and large.evidence.count() == 5
    assert many == few
    # 91-93 before per-request policy answers and the inlines' select_related, 24 before the edit rights came
    # with the case's own query and the clocks reused what it fetched (benchmark, issue 11); 14 before the legal
    # document came with the case's query and the deadlines table reused the measures inline's rows (issue 22).
    # Most of what is left is one query per inline table.
    assert few <= 12


def test_a_case_page_shows_the_rows_of_the_steps_the_case_has_reached(client, caseworker, supervisor, make_draft):
    """A draft has no decisions, notices, statements, filings or publication yet: those lists are left off."""

    def inlines(case):
        response = client.get(reverse("admin:cases_case_change", args=[case.pk]))
        assert response.status_code == 200
        return [inline.opts.model._meta.model_name for inline in response.context["inline_admin_formsets"]]

    client = _login(client, caseworker)
    case = make_draft()
    assert inlines(case) == ["legaldocument", "sanction", "evidence"]
    assert [i.opts.model._meta.model_name for i in client.get(reverse("admin:cases_case_add")).context[
        "inline_admin_formsets"]] == ["legaldocument", "sanction", "evidence"]  # fmt: skip
    case = services.case_submit(case=case, actor=caseworker)
    assert inlines(case) == ["legaldocument", "sanction", "evidence", "decision"]
    case = services.case_approve(case=case, actor=supervisor)
    assert inlines(case) == ["legaldocument", "sanction", "evidence", "statement", "decision", "notice", "filing"]
