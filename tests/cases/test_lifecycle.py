"""The lifecycle in force (issue 5): the sweep moves cases, measures and publications as the clock advances."""

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.core.management import CommandError, call_command
from django.test import override_settings

from accounts import roles
from accounts.services import system_actor
from cases import services
from cases.models import Case, LegalDocument, Notice, Notification, Publication, Sanction
from cases.services import lifecycle
from cases.services.sweep import sweep
from cases.workflow import State, TransitionError
from entities.services import representative_add
from tests.cases.frozen_clock import FrozenClock
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

D = datetime.date
DISCLOSURE = "Public disclosure (Credit China, NECIPS, department websites)"
GRADE_D = "Tax credit grade set to D"


@pytest.fixture
def clock(monkeypatch):
    return FrozenClock(monkeypatch, D(2026, 11, 2))


@pytest.fixture
def rep(firm, clock):
    user = UserFactory(role=roles.ENTITY_REPRESENTATIVE, username="rep_acme", preferred_language="en")
    representative_add(actor=None, user=user, entity=firm, relationship="legal_representative")
    return user


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run what the block leaves for ``on_commit`` (e-mail tasks), as a real commit would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def _states(case):
    """The sequence of states in the case's history, repeats removed."""
    states = []
    for state in case.history.order_by("history_id").values_list("state", flat=True):
        if not states or states[-1] != state:
            states.append(state)
    return states


def _sweep(committed):
    with committed():
        return sweep()


def test_advancing_the_clock_walks_a_case_from_notice_to_expiry(
    clock, make_draft, caseworker, supervisor, rep, committed, mailoutbox
):
    with committed():
        case = services.case_submit(case=make_draft(), actor=caseworker)
        case = services.case_approve(case=case, actor=supervisor, reasons="Facts and basis verified.")
    assert (case.statement_window_ends_on, case.decision_due_on) == (D(2026, 11, 12), D(2026, 11, 26))
    assert [m.subject for m in mailoutbox] == [f"Notice prior to a decision on dishonest conduct — case {case.number}"]

    clock.set(D(2026, 11, 10))  # two days before the window closes: the entity is reminded, once
    assert _sweep(committed).counts() == {"reminder": 1}
    assert _sweep(committed).nothing_done
    assert mailoutbox[-1].subject == f"Reminder: statement on case {case.number} due by 12 November 2026"

    clock.set(D(2026, 11, 12))  # the last day of the window: still open
    assert _sweep(committed).nothing_done
    clock.set(D(2026, 11, 13))
    assert _sweep(committed).counts() == {"window_closed": 1}
    case.refresh_from_db()
    assert case.state == State.DECISION_PENDING
    system = system_actor()
    row = case.history.first()
    assert (row.history_user, row.history_change_reason) == (system, "close_statement_window: statement window ended")
    staff = Notification.objects.filter(case=case, kind="decision_due")
    assert {n.recipient for n in staff} == {caseworker, supervisor}

    clock.set(D(2026, 11, 16))
    with committed():
        case = services.case_sanction(case=case, actor=supervisor, reasons="No statement; facts established.")
    assert (case.record_ends_on, case.repair_earliest_on) == (D(2029, 10, 9), D(2027, 10, 9))
    publication = Publication.objects.get(case=case)
    assert (publication.published_from, publication.min_end_on, publication.max_end_on) == (
        D(2026, 11, 16),
        D(2027, 10, 9),
        D(2029, 10, 9),
    )
    disclosure = case.sanctions.get(measure_type__code="public_disclosure")
    grade = case.sanctions.get(measure_type__code="tax_credit_grade_d")
    assert (disclosure.status, disclosure.starts_on, disclosure.planned_end_on) == (
        "pending",
        D(2026, 11, 16),
        D(2028, 11, 16),
    )
    assert grade.planned_end_on is None  # for the record period

    assert _sweep(committed).counts() == {"sanction_started": 2}
    assert set(case.sanctions.values_list("status", flat=True)) == {Sanction.Status.ACTIVE}
    assert _sweep(committed).nothing_done

    clock.set(D(2027, 10, 9))
    assert _sweep(committed).counts() == {"repair_eligible": 1}
    assert Case.objects.get(pk=case.pk).repair_eligible_since == D(2027, 10, 9)
    assert mailoutbox[-1].subject == f"Credit repair is now possible for case {case.number}"

    clock.set(D(2028, 11, 16))
    assert _sweep(committed).counts() == {"sanction_ended": 1}
    disclosure.refresh_from_db()
    assert (disclosure.status, disclosure.ended_on, disclosure.end_reason) == ("ended", D(2028, 11, 16), "expired")
    assert Publication.objects.visible().filter(case=case).exists()  # publication runs to its own maximum

    clock.set(D(2029, 10, 8))
    assert _sweep(committed).nothing_done
    clock.set(D(2029, 10, 9))
    assert _sweep(committed).counts() == {"case_expired": 1}
    assert _sweep(committed).nothing_done

    case.refresh_from_db()
    publication.refresh_from_db()
    grade.refresh_from_db()
    assert case.state == State.EXPIRED
    assert (publication.ended_on, publication.end_reason) == (D(2029, 10, 9), "expired")
    assert not Publication.objects.visible().filter(case=case).exists()
    assert (grade.status, grade.ended_on, grade.end_reason) == ("ended", D(2029, 10, 9), "expired")
    assert _states(case) == ["draft", "submitted", "notice_issued", "decision_pending", "sanctioned", "expired"]
    expired = case.history.first()
    assert (expired.history_user, expired.history_change_reason) == (
        system,
        "expire: record period ended on 2029-10-09",
    )
    assert {r.history_user for r in publication.history.all()} == {supervisor, system}
    assert list(case.notices.order_by("served_at").values_list("kind", flat=True)) == [
        "pre_decision",
        "decision",
        "expiry",
    ]
    expiry = case.notices.get(kind=Notice.Kind.EXPIRY)
    assert "ended on 9 October 2029" in expiry.body_en and "2029年10月9日" in expiry.body_zh
    notice_mails = [m.subject.split(" — ")[0] for m in mailoutbox if " — case " in m.subject]
    assert notice_mails == [
        "Notice prior to a decision on dishonest conduct",
        "Decision on dishonest conduct",
        "Notice of the end of the record period",
    ]
    assert all(m.to == [rep.email] for m in mailoutbox if " — case " in m.subject)


# -- the sweep on a prepared history -------------------------------------------------------------------


@pytest.fixture
def history(clock, make_draft, caseworker, supervisor, rep, committed):
    """Cases at each point of the lifecycle, built by the services on the days they happened (e-mails sent)."""
    with committed():
        return _build_history(clock, make_draft, caseworker, supervisor)


def _build_history(clock, make_draft, caseworker, supervisor):

    def approved(on, draft=None):
        clock.set(on)
        case = services.case_submit(case=draft or make_draft(), actor=caseworker)
        return services.case_approve(case=case, actor=supervisor)

    def pending(on, draft=None):
        case = approved(on, draft)
        clock.advance(days=1)
        return services.case_record_statement(case=case, actor=caseworker, text="We disagree.")

    cases = {}
    clock.set(D(2026, 11, 2))
    cases["review_overdue"] = services.case_submit(case=make_draft(), actor=caseworker)  # review due 16 Nov
    cases["decision_overdue"] = pending(D(2026, 11, 2))  # window ends 12 Nov, decision due 26 Nov
    cases["decision_due_soon"] = pending(D(2026, 11, 9))  # window ends 19 Nov, decision due 3 Dec
    cases["window_ended"] = approved(D(2026, 11, 20))  # window ends 30 Nov
    cases["window_ends_soon"] = approved(D(2026, 11, 23))  # window ends 3 Dec
    cases["window_open"] = approved(D(2026, 11, 28))  # window ends 8 Dec
    old = make_draft()
    services.legal_document_set(
        case=old,
        actor=caseworker,
        type=LegalDocument.Type.PENALTY_DECISION,
        number="京税稽罚〔2023〕7号",
        issuer="Beijing Tax Inspection Bureau",
        issued_on=D(2023, 11, 20),
    )
    cases["record_over"] = pending(D(2026, 11, 9), old)
    clock.set(D(2026, 11, 16))
    services.case_sanction(case=cases["record_over"], actor=supervisor, reasons="Order 58: record ends 20 Nov.")
    cases["sanctioned_today"] = pending(D(2026, 11, 20))
    clock.set(D(2026, 12, 1))
    services.case_sanction(case=cases["sanctioned_today"], actor=supervisor, reasons="Facts established.")
    services.case_dismiss(case=pending(D(2026, 11, 2)), actor=supervisor, reasons="Paid.")
    clock.set(D(2026, 12, 1))
    return {key: Case.objects.get(pk=case.pk) for key, case in cases.items()}


def _effects():
    """Everything a sweep can change, to compare one run with two."""
    return {
        "cases": sorted(
            Case.objects.values_list("number", "state", "version", "overdue_since", "repair_eligible_since")
        ),
        "sanctions": sorted(Sanction.objects.values_list("pk", "status", "ended_on", "end_reason")),
        "publications": sorted(Publication.objects.values_list("pk", "ended_on", "end_reason")),
        "notifications": sorted(Notification.objects.values_list("recipient", "kind", "case", "dedupe_key")),
        "notices": Notice.objects.count(),
        "case_history": Case.history.count(),
        "sanction_history": Sanction.history.count(),
    }


def test_the_sweep_on_a_prepared_history_does_exactly_the_expected(history, committed):
    report = _sweep(committed)
    n = {key: case.number for key, case in history.items()}
    assert sorted(report.done) == sorted(
        [
            ("window_closed", n["window_ended"]),
            ("sanction_started", f"{n['sanctioned_today']} {DISCLOSURE}"),
            ("sanction_started", f"{n['sanctioned_today']} {GRADE_D}"),
            ("sanction_started", f"{n['record_over']} {DISCLOSURE}"),
            ("sanction_started", f"{n['record_over']} {GRADE_D}"),
            ("case_expired", n["record_over"]),
            ("overdue", n["review_overdue"]),
            ("overdue", n["decision_overdue"]),
            ("reminder", n["window_ends_soon"]),
            ("reminder", n["decision_due_soon"]),
        ]
    ), report.done
    assert not report.errors
    states = dict(Case.objects.values_list("number", "state"))
    assert states[n["window_ended"]] == State.DECISION_PENDING
    assert states[n["record_over"]] == State.EXPIRED
    assert states[n["window_ends_soon"]] == states[n["window_open"]] == State.NOTICE_ISSUED
    fresh = Case.objects.get(pk=history["review_overdue"].pk)
    assert fresh.overdue_since == D(2026, 11, 17) and fresh.version == history["review_overdue"].version
    record_over = Case.objects.get(pk=history["record_over"].pk)
    assert record_over.record_ends_on == D(2026, 11, 20)  # Order 58: 36 months from the 2023 document
    assert set(record_over.sanctions.values_list("status", "ended_on", "end_reason")) == {
        ("ended", D(2026, 11, 20), "expired")
    }
    assert record_over.publication.ended_on == D(2026, 11, 20)
    kinds = sorted(
        Notification.objects.filter(
            kind__in=["overdue", "statement_window_reminder", "decision_due_reminder"]
        ).values_list("kind", "case__number")
    )
    assert kinds == sorted(
        [
            ("overdue", n["review_overdue"]),  # the supervisor
            ("overdue", n["decision_overdue"]),  # caseworker and supervisor
            ("overdue", n["decision_overdue"]),
            ("statement_window_reminder", n["window_ends_soon"]),
            ("decision_due_reminder", n["decision_due_soon"]),
        ]
    )


def test_running_the_sweep_twice_changes_nothing_the_second_time(history, committed):
    _sweep(committed)
    after_one = _effects()
    second = _sweep(committed)
    assert second.nothing_done, second.done
    assert _effects() == after_one


def test_a_transition_clears_the_overdue_flag(history, committed, supervisor):
    _sweep(committed)
    case = Case.objects.get(pk=history["review_overdue"].pk)
    assert case.overdue_since
    case = services.case_approve(case=case, actor=supervisor)
    assert case.overdue_since is None


def test_system_transitions_check_the_table_and_the_dates(history):
    actor = system_actor()
    with pytest.raises(TransitionError):
        lifecycle.case_expire(case=history["window_open"], actor=actor)
    case = history["sanctioned_today"]
    with pytest.raises(ValidationError) as error:
        lifecycle.case_expire(case=case, actor=actor)
    assert "The record period runs until 2029-10-09" in error.value.messages[0]
    assert Case.objects.get(pk=case.pk).state == State.SANCTIONED


def test_one_faulty_case_is_reported_and_the_others_still_move(history, committed, monkeypatch):
    broken = history["review_overdue"]
    original = lifecycle.case_flag_overdue

    def flag(*, case, **kwargs):
        if case.pk == broken.pk:
            raise ValidationError("No “process deadline” rule is in force on 2026-11-02.")
        return original(case=case, **kwargs)

    monkeypatch.setattr(lifecycle, "case_flag_overdue", flag)
    report = _sweep(committed)
    assert report.errors == [(broken.number, "No “process deadline” rule is in force on 2026-11-02.")]
    assert ("overdue", history["decision_overdue"].number) in report.done
    assert ("window_closed", history["window_ended"].number) in report.done


# -- the system actor ---------------------------------------------------------------------------------


def test_the_system_actor_is_created_once_and_cannot_sign_in(db):
    first = system_actor()
    assert system_actor() == first
    assert (first.username, first.is_active, first.is_staff, first.has_usable_password()) == (
        "system",
        False,
        False,
        False,
    )
    assert first.history.get().history_change_reason == "system account for scheduled jobs"


def test_an_account_that_can_sign_in_is_never_used_as_the_system_actor(db):
    UserFactory(username="system")
    with pytest.raises(ImproperlyConfigured, match="can sign in"):
        system_actor()


# -- the command --------------------------------------------------------------------------------------


def test_run_lifecycle_reports_what_it_did_then_nothing(history, committed, capsys):
    with committed():
        call_command("run_lifecycle", verbosity=2)
    out = capsys.readouterr().out
    assert "statement window closed: decision pending: 1" in out
    assert f"{history['record_over'].number}: record period ended: case expired" in out
    with committed():
        call_command("run_lifecycle")
    assert "Lifecycle sweep for 2026-12-01: nothing to do." in capsys.readouterr().out


def test_run_lifecycle_exits_1_when_a_record_could_not_be_moved(history, monkeypatch, capsys):
    def fail(**kwargs):
        raise ValidationError("No “maximum publication period” rule is in force on 2015-01-01.")

    monkeypatch.setattr(lifecycle, "case_flag_overdue", fail)
    with pytest.raises(CommandError, match="2 record"):
        call_command("run_lifecycle")
    assert "rule is in force on 2015-01-01" in capsys.readouterr().err


@override_settings(DEBUG=False)
def test_a_future_date_is_refused_in_production(db):
    with pytest.raises(CommandError, match="future"):
        call_command("run_lifecycle", "--date", "2099-01-01")
    assert not get_user_model().objects.filter(username="system").exists()


def test_every_sweep_step_carries_its_report_label(db):
    """Issue 20 §5: a step without a label crashed the report after its work had committed."""
    from cases.services.sweep import EMAIL_REQUEUED, sweep_steps

    steps = sweep_steps(today=D(2027, 3, 1), actor=system_actor())
    actions = [step.action for step in steps]
    assert len(set(actions)) == len(actions) and EMAIL_REQUEUED not in actions
    assert "filing_overdue" in actions
    for step in steps:
        assert str(step.label).strip(), step.action


def test_the_report_has_a_label_for_every_action_it_records(history):
    report = sweep(today=D(2099, 1, 1))
    assert report.done
    assert {action for action, _record in report.done} <= set(report.labels)
