"""Every deadline from one module (issue 5): the rules of the legal document's date, working days, holidays."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from cases import clocks, services
from cases.admin.lifecycle import clocks_html
from cases.models import Case, LegalDocument, RulePeriod
from cases.services.sweep import sweep
from cases.workflow import State
from tests.cases.conftest import item, measure
from tests.cases.frozen_clock import FrozenClock

pytestmark = pytest.mark.django_db

D = datetime.date


@pytest.fixture
def clock(monkeypatch):
    return FrozenClock(monkeypatch, D(2026, 11, 2))


DOCUMENT_DATE = D(2026, 10, 9)


def _case(caseworker, firm, *, issued_on=DOCUMENT_DATE, code="tax_major_violation"):
    case = services.case_create(actor=caseworker, entity=firm, facts="x", catalogue_item=item(code))
    services.legal_document_set(
        case=case,
        actor=caseworker,
        type=LegalDocument.Type.PENALTY_DECISION,
        number="1",
        issuer="x",
        issued_on=issued_on,
    )
    services.measure_propose(case=case, actor=caseworker, measure_type=measure("public_disclosure"), duration_months=12)
    return Case.objects.get(pk=case.pk)


# -- working days over holidays and make-up days --------------------------------------------------------


@pytest.mark.parametrize(
    ("window_ends_on", "due"),
    [
        # Oct 1-7 2026 are holidays and Saturday Oct 10 a make-up working day: Oct 8, 9, 10, 12 ... 20.
        (D(2026, 9, 30), D(2026, 10, 20)),
        # Sunday Sep 20 2026 is a make-up working day and Friday Sep 25 (Mid-Autumn) a holiday.
        (D(2026, 9, 18), D(2026, 10, 9)),
        # Spring Festival 2026: Feb 15-23 off, Saturdays Feb 14 and 28 worked.
        (D(2026, 2, 13), D(2026, 3, 5)),
        # An ordinary fortnight.
        (D(2026, 11, 12), D(2026, 11, 26)),
    ],
)
def test_decision_due_counts_working_days_over_holidays_and_make_up_days(caseworker, firm, window_ends_on, due):
    case = _case(caseworker, firm, issued_on=D(2026, 1, 5))
    assert clocks.decision_due(case, window_ends_on=window_ends_on) == due


def test_the_walk_of_deadlines_from_submission_to_decision(clock, caseworker, supervisor, firm):
    clock.set(D(2026, 9, 24))
    case = services.case_submit(case=_case(caseworker, firm, issued_on=D(2026, 9, 1)), actor=caseworker)
    assert case.review_due_on == D(2026, 10, 15)  # 10 working days over Mid-Autumn and National Day
    clock.set(D(2026, 9, 30))
    case = services.case_approve(case=case, actor=supervisor)
    assert case.statement_window_ends_on == D(2026, 10, 10)  # calendar days: holidays count
    assert case.decision_due_on == D(2026, 10, 23)  # Oct 12 ... 23: ten working days after Saturday Oct 10


def test_a_case_keeps_the_rules_in_force_on_its_legal_documents_date(clock, caseworker, supervisor, firm):
    RulePeriod.objects.create(
        key="test.statement_window",
        regime="test",
        kind="statement_window",
        value=20,
        unit="days",
        effective_from=D(2026, 10, 20),
        confidence="inferred",
    )
    before = services.case_submit(case=_case(caseworker, firm, issued_on=D(2026, 10, 9)), actor=caseworker)
    after = services.case_submit(case=_case(caseworker, firm, issued_on=D(2026, 10, 21)), actor=caseworker)
    before = services.case_approve(case=before, actor=supervisor)
    after = services.case_approve(case=after, actor=supervisor)
    assert before.statement_window_ends_on == D(2026, 11, 12)  # portal.statement_window: 10 days
    assert after.statement_window_ends_on == D(2026, 11, 22)  # the new rule: 20 days


# -- record period, publication and repair ----------------------------------------------------------------


def test_record_period_counts_from_the_legal_document_under_its_rules(caseworker, firm):
    period = clocks.record_period(_case(caseworker, firm), decided_on=D(2026, 11, 16))
    # 国办发〔2025〕22号 / Order 36, serious: minimum 1 year, maximum 3 years, repair after 1 year.
    assert period == clocks.RecordPeriod(
        published_from=D(2026, 11, 16),
        min_end_on=D(2027, 10, 9),
        max_end_on=D(2029, 10, 9),
        repair_earliest_on=D(2027, 10, 9),
    )
    old = clocks.record_period(_case(caseworker, firm, issued_on=D(2023, 11, 20)), decided_on=D(2026, 11, 16))
    assert (old.min_end_on, old.max_end_on, old.repair_earliest_on) == (
        D(2024, 2, 20),
        D(2026, 11, 20),
        D(2024, 2, 20),
    )  # Order 58


def test_rules_that_count_from_publication_count_from_the_decision(caseworker, firm):
    # SAMR's own rows (samr2021.*) count from publication: maximum 3 years, repair after 6 months.
    case = _case(caseworker, firm, code="samr_admin_penalty")
    period = clocks.record_period(case, decided_on=D(2026, 11, 16))
    assert (period.min_end_on, period.max_end_on, period.repair_earliest_on) == (
        D(2027, 1, 9),  # the general minimum (3 months) still counts from the document
        D(2029, 11, 16),
        D(2027, 5, 16),
    )


def test_appeal_deadlines_count_from_service_of_the_decision(caseworker, firm):
    case = _case(caseworker, firm)
    assert clocks.appeal_deadlines(case, served_on=D(2026, 11, 16)) == (D(2027, 1, 15), D(2027, 5, 16))


# -- a missing rule is a configuration error, not a crash -----------------------------------------------


def test_a_missing_rule_is_a_clear_configuration_error(caseworker, firm):
    case = _case(caseworker, firm, issued_on=D(2015, 1, 1))
    with pytest.raises(ValidationError) as error:
        clocks.record_period(case, decided_on=D(2026, 11, 16))
    assert error.value.code == "rule_missing"
    assert error.value.messages == [
        "No “maximum publication period” rule is in force on 2015-01-01. "
        "An administrator must add one to the catalogue."
    ]
    with pytest.raises(clocks.RuleMissingError, match=r"process deadline \(portal.review.due\).*2015-01-01"):
        services.case_submit(case=case, actor=caseworker)
    assert Case.objects.get(pk=case.pk).state == State.DRAFT


def test_deciding_without_a_publication_rule_is_refused_with_the_rule_named(clock, make_draft, caseworker, supervisor):
    case = services.case_approve(case=services.case_submit(case=make_draft(), actor=caseworker), actor=supervisor)
    case = services.case_record_statement(case=case, actor=caseworker, text="x")
    RulePeriod.objects.filter(kind="publication_max").delete()
    with pytest.raises(ValidationError, match=r"maximum publication period.*2026-10-09"):
        services.case_sanction(case=case, actor=supervisor, reasons="ok")
    assert Case.objects.get(pk=case.pk).state == State.DECISION_PENDING


def test_the_admin_shows_the_configuration_error_not_a_traceback(clock, client, make_draft, caseworker, supervisor):
    case = services.case_approve(case=services.case_submit(case=make_draft(), actor=caseworker), actor=supervisor)
    case = services.case_record_statement(case=case, actor=caseworker, text="x")
    RulePeriod.objects.filter(kind="publication_max").delete()
    client.force_login(supervisor)
    url = reverse("admin:cases_case_transition", args=[case.pk, "sanction"])
    response = client.post(url, {"reasons": "ok", "version": case.version})
    assert response.status_code == 200
    assert "No “maximum publication period” rule is in force on 2026-10-09" in response.content.decode()


def test_a_decision_after_the_record_period_is_refused(clock, make_draft, caseworker, supervisor):
    draft = make_draft()
    services.legal_document_set(
        case=draft, actor=caseworker, type="penalty_decision", number="1", issuer="x", issued_on=D(2023, 10, 1)
    )
    case = services.case_approve(case=services.case_submit(case=draft, actor=caseworker), actor=supervisor)
    case = services.case_record_statement(case=case, actor=caseworker, text="x")
    with pytest.raises(ValidationError, match="the record period ended on 2026-10-01"):
        services.case_sanction(case=case, actor=supervisor, reasons="late")


# -- shown on every case and measure, overdue highlighted ------------------------------------------------


def _by_name(found):
    return {c.name: c for c in found}


def test_case_clocks_mark_what_is_running_and_what_is_overdue(clock, make_draft, caseworker, supervisor):
    case = services.case_submit(case=make_draft(), actor=caseworker)
    found = _by_name(clocks.case_clocks(case, today=D(2026, 11, 16)))
    assert found["review_due"].on == D(2026, 11, 16)
    assert found["review_due"].running and not found["review_due"].overdue  # due today: not yet late
    assert _by_name(clocks.case_clocks(case, today=D(2026, 11, 17)))["review_due"].overdue

    case = services.case_approve(case=case, actor=supervisor)
    found = _by_name(clocks.case_clocks(case, today=D(2026, 11, 2)))
    assert "review_due" not in found  # the review is done
    assert found["statement_window_end"].running and found["decision_due"].on == D(2026, 11, 26)
    case = services.case_record_statement(case=case, actor=caseworker, text="x")
    clock.set(D(2026, 11, 16))
    case = services.case_sanction(case=case, actor=supervisor, reasons="ok")
    found = _by_name(clocks.case_clocks(case, today=D(2026, 11, 16)))
    assert (found["reconsideration_by"].on, found["litigation_by"].on) == (D(2027, 1, 15), D(2027, 5, 16))
    assert found["publication_max_end"].on == found["record_end"].on == D(2029, 10, 9)
    assert found["repair_earliest"].on == D(2027, 10, 9)
    late = _by_name(clocks.case_clocks(case, today=D(2029, 10, 9)))
    assert late["publication_max_end"].overdue and late["record_end"].overdue  # the sweep has not run yet
    sweep(today=D(2029, 10, 9))
    case.refresh_from_db()
    assert not any(c.overdue for c in clocks.case_clocks(case, today=D(2029, 10, 10)))


def test_measure_clocks(clock, make_draft, caseworker, supervisor):
    case = services.case_approve(case=services.case_submit(case=make_draft(), actor=caseworker), actor=supervisor)
    case = services.case_record_statement(case=case, actor=caseworker, text="x")
    case = services.case_sanction(case=case, actor=supervisor, reasons="ok")
    disclosure = case.sanctions.get(measure_type__code="public_disclosure")
    found = _by_name(clocks.sanction_clocks(disclosure, today=D(2026, 11, 3)))
    assert found["starts_on"].overdue  # pending a day after its start: the sweep is not running
    assert found["planned_end"].on == D(2028, 11, 2)
    sweep(today=D(2026, 11, 3))
    disclosure.refresh_from_db()
    assert not any(c.overdue for c in clocks.sanction_clocks(disclosure, today=D(2026, 11, 3)))


def test_the_clocks_table_highlights_overdue_dates(clock, make_draft, caseworker):
    case = services.case_submit(case=make_draft(), actor=caseworker)
    clock.set(D(2026, 11, 20))
    html = str(clocks_html(case))
    assert "review due" in html and '<strong class="overdue">2026-11-16 (overdue)</strong>' in html


def test_a_missing_appeal_rule_shows_a_note_not_an_error(clock, make_draft, caseworker, supervisor):
    case = services.case_approve(case=services.case_submit(case=make_draft(), actor=caseworker), actor=supervisor)
    case = services.case_sanction(
        case=services.case_record_statement(case=case, actor=caseworker, text="x"), actor=supervisor, reasons="ok"
    )
    RulePeriod.objects.filter(key=clocks.APPEAL_LITIGATION_KEY).delete()
    found = _by_name(clocks.case_clocks(case))
    assert "admin_litigation_law.filing" in found["appeal"].note


def test_appeal_deadlines_read_both_rules_in_one_query(caseworker, firm, django_assert_num_queries):
    case = _case(caseworker, firm)
    case.legal_document  # noqa: B018 - fetched beforehand, as the case page does
    with django_assert_num_queries(1):
        clocks.appeal_deadlines(case, served_on=D(2026, 11, 16))
    RulePeriod.objects.filter(key=clocks.APPEAL_LITIGATION_KEY).delete()
    with pytest.raises(clocks.RuleMissingError, match=clocks.APPEAL_LITIGATION_KEY):
        clocks.appeal_deadlines(case, served_on=D(2026, 11, 16))


def test_the_case_page_reads_the_decisions_service_with_the_case(
    clock, make_draft, caseworker, supervisor, django_assert_num_queries
):
    """Annotated with ``DECISION_SERVED_AT`` (as the case page fetches it), a case's clocks are the same."""
    case = services.case_approve(case=services.case_submit(case=make_draft(), actor=caseworker), actor=supervisor)
    case = services.case_record_statement(case=case, actor=caseworker, text="x")
    case = services.case_sanction(case=case, actor=supervisor, reasons="ok")
    plain = clocks.case_clocks(Case.objects.get(pk=case.pk))
    annotated = (
        Case.objects.select_related("legal_document", "publication")
        .annotate(decision_served_at=clocks.DECISION_SERVED_AT)
        .get(pk=case.pk)
    )
    assert annotated.decision_served_at is not None
    with django_assert_num_queries(1):  # the appeal rules; the notice, document and publication came along
        assert clocks.case_clocks(annotated) == plain
    assert "reconsideration_by" in [clock.name for clock in plain]
