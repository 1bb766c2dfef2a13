"""Four-eyes means the author too (issue 20 §2): who wrote or changed a case's content never reviews or decides it."""

import pytest
from django.urls import reverse

from cases import services
from cases.models import Case, Decision, Evidence, MeasureType
from cases.models.case import State
from cases.services.authorship import content_authors

pytestmark = pytest.mark.django_db

REVIEWS = (services.case_approve, services.case_return, services.case_reject)


def _refused_everything(case, actor):
    for service in REVIEWS:
        with pytest.raises(services.AuthorshipError) as error:
            service(case=case, actor=actor, reasons="looks fine")
        assert "wrote or changed the content" in str(error.value)
    assert Case.objects.get(pk=case.pk).state == State.SUBMITTED
    assert not Decision.objects.filter(case=case).exists()


def test_the_supervisor_who_wrote_the_draft_may_not_review_it(make_draft, caseworker, supervisor, second_supervisor):
    case = services.case_submit(case=make_draft(actor=supervisor), actor=caseworker)  # a caseworker pressed submit
    assert case.submitted_by == caseworker
    _refused_everything(case, supervisor)
    assert services.case_approve(case=case, actor=second_supervisor).state == State.NOTICE_ISSUED


def test_the_supervisor_who_edited_the_facts_may_not_review_it(make_draft, caseworker, supervisor):
    draft = make_draft()
    services.case_update(
        case=draft, actor=supervisor, facts=draft.facts + " Confirmed.", catalogue_item=draft.catalogue_item,
        severity=draft.severity,
    )  # fmt: skip
    _refused_everything(services.case_submit(case=draft, actor=caseworker), supervisor)


def test_the_supervisor_who_changed_a_measure_may_not_review_or_decide(
    make_draft, caseworker, supervisor, second_supervisor
):
    draft = make_draft()
    services.measure_change(sanction=draft.sanctions.get(duration_months=24), actor=supervisor, duration_months=12)
    case = services.case_submit(case=draft, actor=caseworker)
    _refused_everything(case, supervisor)
    noticed = services.case_approve(case=case, actor=second_supervisor)
    decided = services.case_record_statement(case=noticed, actor=caseworker, text="We paid.")
    for service in (services.case_sanction, services.case_dismiss):
        with pytest.raises(services.AuthorshipError):
            service(case=decided, actor=supervisor, reasons="decided")
    assert Case.objects.get(pk=case.pk).state == State.DECISION_PENDING


def test_removing_a_measure_or_correcting_the_legal_document_is_authorship(make_draft, caseworker, supervisor):
    draft = make_draft()
    services.measure_withdraw(sanction=draft.sanctions.first(), actor=supervisor)
    assert supervisor.pk in content_authors(draft)
    other = make_draft(entity=None, measures=(("public_disclosure", 24),))
    document = other.legal_document
    services.legal_document_set(
        case=other, actor=supervisor, type=document.type, number="京税稽罚〔2026〕13号", issuer=document.issuer,
        issued_on=document.issued_on,
    )  # fmt: skip
    assert content_authors(other) == {caseworker.pk, supervisor.pk}


def test_uploading_evidence_is_authorship(make_draft, caseworker, supervisor):
    draft = make_draft()
    Evidence.history.model.objects.create(
        id=1, case_id=draft.pk, original_name="x.pdf", content_type="application/pdf", size=1, sha256="0" * 64,
        uploaded_by=supervisor, uploaded_at=draft.created_at, file="x", history_date=draft.created_at,
        history_type="+", history_user=supervisor,
    )  # fmt: skip
    assert supervisor.pk in content_authors(draft)


def test_transitions_alone_do_not_make_an_author(make_draft, caseworker, supervisor, second_supervisor):
    case = services.case_submit(case=make_draft(), actor=caseworker)
    services.case_return(case=case, actor=supervisor, reasons="Attach the payment record.")
    case = services.case_submit(case=case, actor=caseworker)
    assert content_authors(case) == {caseworker.pk}
    assert services.case_approve(case=case, actor=supervisor).state == State.NOTICE_ISSUED
    assert MeasureType.objects.exists()


def test_the_admin_explains_the_refusal(client, make_draft, caseworker, supervisor):
    case = services.case_submit(case=make_draft(actor=supervisor), actor=caseworker)
    client.force_login(supervisor)
    approve = reverse("admin:cases_case_transition", args=[case.pk, "approve"])
    response = client.post(approve, {"version": case.version, "reasons": "ok"}, follow=True)
    assert "wrote or changed the content of this case" in response.content.decode()
    assert Case.objects.get(pk=case.pk).state == State.SUBMITTED
