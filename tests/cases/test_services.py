"""Every service on its happy path and each failure path the design names (DESIGN §5, §9)."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone

from accounts import roles
from cases import services
from cases.models import Case, Decision, LegalDocument, MeasureType, Notice, Sanction, Statement
from cases.services import ConflictError, FourEyesError
from cases.workflow import State, TransitionError
from tests.cases.conftest import item, measure
from tests.factories import EntityFactory, UserFactory

pytestmark = pytest.mark.django_db


def _fresh(case):
    return Case.objects.get(pk=case.pk)


def _fields(error):
    return set(error.value.error_dict)


# -- drafts -------------------------------------------------------------------------------------------


def test_create_numbers_cases_per_department_and_year(caseworker, firm):
    first = services.case_create(actor=caseworker, entity=firm, facts="a")
    second = services.case_create(actor=caseworker, entity=firm, facts="b")
    year = first.created_at.year
    assert (first.number, second.number) == (f"TAX-{year}-000001", f"TAX-{year}-000002")
    assert first.state == State.DRAFT
    assert (first.department, first.caseworker) == (caseworker.department, caseworker)
    record = first.history.get()
    assert (record.history_user, record.history_change_reason) == (caseworker, "draft created")


def test_create_takes_the_default_severity_of_the_catalogue_item(caseworker, firm):
    case = services.case_create(actor=caseworker, entity=firm, facts="x", catalogue_item=item("tax_evasion_penalty"))
    assert case.severity == "general"


def test_create_is_refused_to_roles_without_the_permission(firm):
    for role in (roles.AUDITOR, roles.APPEALS_REVIEWER, roles.ADMINISTRATOR):
        with pytest.raises(PermissionDenied):
            services.case_create(actor=UserFactory(role=role), entity=firm, facts="x")
    assert not Case.objects.exists()


def test_catalogue_item_must_apply_to_the_kind_of_entity(caseworker):
    government = EntityFactory(kind="government_body")
    with pytest.raises(ValidationError) as error:
        services.case_create(actor=caseworker, entity=government, facts="x", catalogue_item=item("tax_major_violation"))
    assert _fields(error) == {"catalogue_item"}


@pytest.mark.parametrize(
    ("code", "months", "field", "text"),
    [
        ("food_business_ban", 12, "measure_type", "does not allow this measure"),
        ("public_disclosure", 48, "duration_months", "at most 36 months"),
        ("public_disclosure", None, "duration_months", "Enter a duration of at most 36 months"),
        ("public_disclosure", 0, "duration_months", "at least one month"),
    ],
)
def test_measure_guards(make_draft, caseworker, code, months, field, text):
    case = make_draft(measures=())
    with pytest.raises(ValidationError) as error:
        services.measure_propose(case=case, actor=caseworker, measure_type=measure(code), duration_months=months)
    assert text in " ".join(error.value.message_dict[field])
    assert not case.sanctions.exists()


def test_measure_must_apply_to_the_kind_of_entity(make_draft, caseworker):
    person = EntityFactory(person=True)
    case = make_draft(entity=person, measures=())
    with pytest.raises(ValidationError) as error:
        services.measure_propose(case=case, actor=caseworker, measure_type=measure("tax_credit_grade_d"))
    assert "cannot be imposed on a natural person" in error.value.message_dict["measure_type"][0]


def test_court_only_and_informational_measures_are_not_imposed_by_an_agency(make_draft, caseworker):
    case = make_draft(measures=())
    court = MeasureType.objects.create(
        code="test_court_only",
        name_zh="测试",
        name_en="Court-only test",
        category=1,
        legal_basis_zh="x",
        legal_basis_en="x",
        applicable_kinds=["legal_person"],
        authority="court_only",
        confidence="inferred",
    )
    informational = MeasureType.objects.get(code="financing_restriction")
    for measure_type in (court, informational):
        measure_type.catalogue_items.add(case.catalogue_item)
        with pytest.raises(ValidationError) as error:
            services.measure_propose(case=case, actor=caseworker, measure_type=measure_type)
        assert _fields(error) == {"measure_type"}


def test_a_measure_is_proposed_once(make_draft, caseworker):
    case = make_draft()
    with pytest.raises(ValidationError):
        services.measure_propose(
            case=case, actor=caseworker, measure_type=measure("public_disclosure"), duration_months=6
        )


def test_legal_document_cannot_be_dated_in_the_future(make_draft, caseworker):
    case = make_draft()
    with pytest.raises(ValidationError) as error:
        services.legal_document_set(
            case=case,
            actor=caseworker,
            type="penalty_decision",
            number="1",
            issuer="x",
            issued_on=timezone.localdate() + datetime.timedelta(days=3),
        )
    assert _fields(error) == {"issued_on"}


def test_other_departments_cannot_touch_a_draft(make_draft, other_caseworker):
    case = make_draft()
    with pytest.raises(Http404):
        services.case_update(case=case, actor=other_caseworker, facts="x", catalogue_item=None, severity="general")
    with pytest.raises(Http404):
        services.measure_propose(
            case=case, actor=other_caseworker, measure_type=measure("public_disclosure"), duration_months=6
        )


def test_withdrawing_a_proposed_measure_keeps_its_history(make_draft, caseworker):
    case = make_draft()
    sanction = case.sanctions.get(measure_type__code="tax_credit_grade_d")
    pk = sanction.pk
    services.measure_withdraw(sanction=sanction, actor=caseworker)
    assert not Sanction.objects.filter(pk=pk).exists()
    assert Sanction.history.filter(id=pk, history_type="-").get().history_user == caseworker


# -- submission -----------------------------------------------------------------------------------


def test_submit_a_complete_draft(make_draft, caseworker):
    case = services.case_submit(case=make_draft(), actor=caseworker)
    assert case.state == State.SUBMITTED
    assert (case.submitted_by, case.version) == (caseworker, 2)
    assert case.review_due_on > timezone.localdate(case.submitted_at)
    record = case.history.first()
    assert (record.state, record.history_user, record.history_change_reason) == ("submitted", caseworker, "submit")


@pytest.mark.parametrize(
    ("missing", "field"),
    [("catalogue_item", "catalogue_item"), ("legal_document", "legal_document"), ("measures", "sanctions")],
)
def test_submit_refuses_an_incomplete_draft(caseworker, firm, missing, field):
    case = services.case_create(
        actor=caseworker,
        entity=firm,
        facts="x",
        catalogue_item=None if missing == "catalogue_item" else item("tax_evasion_penalty"),
    )
    if missing != "legal_document":
        services.legal_document_set(
            case=case,
            actor=caseworker,
            type="penalty_decision",
            number="1",
            issuer="x",
            issued_on=datetime.date(2026, 1, 5),
        )
    if missing not in ("measures", "catalogue_item"):
        services.measure_propose(
            case=case, actor=caseworker, measure_type=measure("public_disclosure"), duration_months=6
        )
    with pytest.raises(ValidationError) as error:
        services.case_submit(case=case, actor=caseworker)
    assert field in _fields(error)
    assert _fresh(case).state == State.DRAFT


def test_court_only_conduct_must_rest_on_a_court_document(caseworker, firm):
    case = services.case_create(
        actor=caseworker, entity=firm, facts="x", catalogue_item=item("court_dishonest_judgment_debtor")
    )
    services.legal_document_set(
        case=case,
        actor=caseworker,
        type="penalty_decision",
        number="1",
        issuer="x",
        issued_on=datetime.date(2026, 1, 5),
    )
    services.measure_propose(case=case, actor=caseworker, measure_type=measure("high_consumption_restriction"))
    with pytest.raises(ValidationError) as error:
        services.case_submit(case=case, actor=caseworker)
    assert _fields(error) == {"legal_document"}
    services.legal_document_set(
        case=case,
        actor=caseworker,
        type="court_judgment",
        number="(2026)京01执1号",
        issuer="Beijing No. 1 Intermediate Court",
        issued_on=datetime.date(2026, 1, 5),
    )
    assert services.case_submit(case=case, actor=caseworker).state == State.SUBMITTED
    assert case.sanctions.get().recorded_only


def test_a_forbidden_transition_names_the_states_that_allow_it(make_draft, caseworker, supervisor):
    case = make_draft()
    with pytest.raises(TransitionError) as error:
        services.case_approve(case=case, actor=supervisor)
    assert "submitted for review" in str(error.value)


# -- review ---------------------------------------------------------------------------------------


@pytest.fixture
def submitted(make_draft, caseworker):
    return services.case_submit(case=make_draft(), actor=caseworker)


def test_approve_serves_the_notice_in_both_languages(submitted, supervisor):
    case = services.case_approve(case=submitted, actor=supervisor, reasons="Facts and basis verified.")
    assert case.state == State.NOTICE_ISSUED
    assert case.approved_by == supervisor
    assert case.statement_window_ends_on == (timezone.localdate(case.notice_served_at) + datetime.timedelta(days=10))
    assert case.decision_due_on > case.statement_window_ends_on
    notice = Notice.objects.get(case=case)
    assert notice.kind == "pre_decision" and notice.respond_by == case.statement_window_ends_on
    assert case.number in notice.body_zh and case.number in notice.body_en
    assert "陈述和申辩" in notice.body_zh and "statement and defence" in notice.body_en
    assert "重大税收违法失信主体" in notice.body_zh and "Major tax-violation" in notice.body_en
    assert "within 10 days" in notice.body_en
    assert "情节：严重" in notice.body_zh and "(severity: serious)" in notice.body_en  # labels in each language
    decision = Decision.objects.get(case=case)
    assert (decision.outcome, decision.decided_by, decision.submitter) == (
        "approve",
        supervisor,
        submitted.submitted_by,
    )


def test_four_eyes_in_the_service(make_draft, supervisor):
    case = services.case_submit(case=make_draft(actor=supervisor), actor=supervisor)
    for service in (services.case_approve, services.case_return, services.case_reject):
        with pytest.raises(FourEyesError):
            service(case=case, actor=supervisor, reasons="mine")
    assert _fresh(case).state == State.SUBMITTED
    assert not Decision.objects.exists()


def test_four_eyes_in_the_database(submitted):
    with pytest.raises(IntegrityError), transaction.atomic():
        Case.objects.filter(pk=submitted.pk).update(approved_by=submitted.submitted_by)
    with pytest.raises(IntegrityError), transaction.atomic():
        Decision.objects.create(
            case=submitted,
            outcome="approve",
            reasons="x",
            decided_by=submitted.submitted_by,
            submitter=submitted.submitted_by,
            case_version=submitted.version,
        )


def test_caseworker_cannot_review(submitted, caseworker):
    other = UserFactory(role=roles.CASEWORKER, department=caseworker.department)
    with pytest.raises(PermissionDenied):
        services.case_approve(case=submitted, actor=other)


def test_supervisor_of_another_department_gets_404(submitted, market):
    with pytest.raises(Http404):
        services.case_approve(case=submitted, actor=UserFactory(role=roles.SUPERVISOR, department=market))


@pytest.mark.parametrize(
    ("service", "state"), [(services.case_return, State.DRAFT), (services.case_reject, State.REJECTED)]
)
def test_return_and_reject_need_reasons(submitted, supervisor, service, state):
    with pytest.raises(ValidationError) as error:
        service(case=submitted, actor=supervisor, reasons="  ")
    assert _fields(error) == {"reasons"}
    case = service(case=submitted, actor=supervisor, reasons="The legal document number is wrong.")
    assert case.state == state
    assert (
        case.history.first().history_change_reason
        == f"{service.__name__.split('_')[1]}: The legal document number is wrong."
    )
    assert Decision.objects.get(case=case).reasons == "The legal document number is wrong."


def test_returned_case_can_be_fixed_and_resubmitted(submitted, supervisor, caseworker):
    case = services.case_return(case=submitted, actor=supervisor, reasons="Fix the facts.")
    case = services.case_update(
        case=case, actor=caseworker, facts="Corrected facts.", catalogue_item=case.catalogue_item, severity="serious"
    )
    assert services.case_submit(case=case, actor=caseworker).state == State.SUBMITTED


def test_only_the_submitter_withdraws(submitted, caseworker):
    with pytest.raises(PermissionDenied):
        services.case_withdraw(
            case=submitted,
            actor=UserFactory(role=roles.CASEWORKER, department=caseworker.department),
            reasons="not mine",
        )
    assert services.case_withdraw(case=submitted, actor=caseworker, reasons="Wrong entity.").state == State.DRAFT


def test_a_stale_page_is_refused_not_applied_twice(submitted, supervisor, second_supervisor):
    seen = submitted.version
    services.case_approve(case=submitted, actor=supervisor, expected_version=seen)
    with pytest.raises(ConflictError):
        services.case_reject(case=submitted, actor=second_supervisor, reasons="too late", expected_version=seen)
    assert Decision.objects.filter(case=submitted).count() == 1


def test_drafts_are_read_only_once_submitted(submitted, caseworker):
    with pytest.raises(PermissionDenied):
        services.case_update(case=submitted, actor=caseworker, facts="x", catalogue_item=None, severity="general")


# -- statement and decision --------------------------------------------------------------------------


@pytest.fixture
def noticed(submitted, supervisor):
    return services.case_approve(case=submitted, actor=supervisor)


def test_statement_moves_the_case_to_decision(noticed, caseworker):
    case = services.case_record_statement(case=noticed, actor=caseworker, text="We paid the tax on 2026-11-20.")
    assert case.state == State.DECISION_PENDING
    assert Statement.objects.get(case=case).recorded_by == caseworker


def test_statement_after_the_window_is_refused(noticed, caseworker):
    late = noticed.statement_window_ends_on + datetime.timedelta(days=1)
    with pytest.raises(ValidationError) as error:
        services.case_record_statement(case=noticed, actor=caseworker, text="late", received_on=late)
    assert _fields(error) == {"received_on"}
    assert _fresh(noticed).state == State.NOTICE_ISSUED


def test_window_closes_only_after_its_end(noticed, supervisor):
    with pytest.raises(ValidationError):
        services.case_close_statement_window(case=noticed, actor=None, today=noticed.statement_window_ends_on)
    after = noticed.statement_window_ends_on + datetime.timedelta(days=1)
    case = services.case_close_statement_window(case=noticed, actor=None, today=after)
    assert case.state == State.DECISION_PENDING
    assert case.history.first().history_change_reason == "close_statement_window: statement window ended"


@pytest.fixture
def pending(noticed, caseworker):
    return services.case_record_statement(case=noticed, actor=caseworker, text="No objection.")


def test_sanction_imposes_the_measures_and_serves_the_decision(pending, supervisor):
    case = services.case_sanction(case=pending, actor=supervisor, reasons="Facts established; no objection.")
    assert case.state == State.SANCTIONED and case.decided_by == supervisor
    disclosure = case.sanctions.get(measure_type__code="public_disclosure")
    assert disclosure.status == Sanction.Status.PENDING
    assert disclosure.starts_on == timezone.localdate(case.decided_at)
    assert (disclosure.planned_end_on.year - disclosure.starts_on.year) * 12 + (
        disclosure.planned_end_on.month - disclosure.starts_on.month
    ) == 24
    assert case.sanctions.get(measure_type__code="tax_credit_grade_d").planned_end_on is None
    notice = case.notices.get(kind="decision")
    assert "Facts established" in notice.body_en and "行政复议" in notice.body_zh


def test_dismiss_imposes_nothing(pending, supervisor):
    case = services.case_dismiss(case=pending, actor=supervisor, reasons="The tax was paid before the decision.")
    assert case.state == State.DISMISSED
    assert set(case.sanctions.values_list("status", flat=True)) == {Sanction.Status.WITHDRAWN}
    assert "imposes no measure" in case.notices.get(kind="decision").body_en


def test_the_submitter_never_decides(make_draft, supervisor, second_supervisor, caseworker):
    case = services.case_submit(case=make_draft(actor=supervisor), actor=supervisor)
    case = services.case_approve(case=case, actor=second_supervisor)
    case = services.case_record_statement(case=case, actor=caseworker, text="x")
    with pytest.raises(FourEyesError):
        services.case_sanction(case=case, actor=supervisor, reasons="mine")


def test_every_transition_leaves_a_history_row_with_actor(pending, supervisor, caseworker):
    case = services.case_sanction(case=pending, actor=supervisor, reasons="ok")
    rows = list(case.history.order_by("history_id").values_list("state", "history_user__username"))
    assert [state for state, _ in rows] == ["draft", "submitted", "notice_issued", "decision_pending", "sanctioned"]
    assert rows[-1][1] == supervisor.username and rows[1][1] == caseworker.username
    assert all(user for _, user in rows)


def test_legal_document_rows_are_per_case(make_draft):
    case = make_draft()
    assert LegalDocument.objects.get(case=case).number == "京税稽罚〔2026〕12号"


def test_a_draft_only_service_checks_the_state_itself_not_only_through_the_policy(submitted, caseworker, monkeypatch):
    """Issue 21 §7: ``_require_draft`` once relied on the policy's scope alone to refuse a case past draft."""
    from cases.services import drafts

    monkeypatch.setattr(drafts, "require", lambda user, action, obj: obj)  # a policy that lets everything through
    with pytest.raises(PermissionDenied, match="Only a draft can be changed"):
        services.case_update(
            case=submitted, actor=caseworker, facts="x", catalogue_item=submitted.catalogue_item, severity="general"
        )


def test_the_transitions_an_actor_may_take_come_from_the_service(submitted, caseworker, supervisor, other_caseworker):
    """One source for the buttons and the checks (issue 21 §7): role, four eyes, submitter-only withdraw."""

    def names(actor, case=submitted):
        return [t.name for t in services.case_transitions_available(case=case, actor=actor)]

    assert names(caseworker) == ["withdraw"]  # the submitter: may withdraw, never review
    assert names(supervisor) == ["return", "reject", "approve"]
    assert names(UserFactory(role=roles.CASEWORKER, department=caseworker.department)) == []  # not the submitter
    assert names(other_caseworker) == []  # another department: out of scope


def test_a_supervisor_who_submitted_a_case_is_offered_no_review_of_it(submitted, supervisor):
    Case.objects.filter(pk=submitted.pk).update(submitted_by=supervisor)  # as if they had submitted it
    case = Case.objects.get(pk=submitted.pk)
    offered = {t.name for t in services.case_transitions_available(case=case, actor=supervisor)}
    assert not offered & {"return", "reject", "approve"}
