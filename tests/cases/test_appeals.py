"""The independent review of objections, appeals and credit repair (issue 7): every outcome's effect on the case,
its measures, its publication and the notices; independence in the service and in the database; deadlines in
working days; stale pages."""

import datetime

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction

from accounts import roles
from cases import clocks
from cases.models import Filing, FilingAttachment, Notice, Notification, Publication, Sanction
from cases.services import appeals
from cases.services.errors import ConflictError
from cases.services.filings import (
    filing_objection_file,
    filing_repair_apply,
    filing_repair_supplement,
    objection_refusal,
    publication_statement_set,
)
from cases.workflow import State
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
D = datetime.date


@pytest.fixture(autouse=True)
def vault(settings, tmp_path):
    from django.core.files.storage import storages

    settings.STORAGES = {
        **settings.STORAGES,
        "evidence": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": tmp_path}},
    }
    storages._storages.pop("evidence", None)
    FilingAttachment._meta.get_field("file").storage = storages["evidence"]


@pytest.fixture
def reviewer(db):
    return UserFactory(role=roles.APPEALS_REVIEWER, username="reviewer")


@pytest.fixture
def second_reviewer(db):
    return UserFactory(role=roles.APPEALS_REVIEWER, username="reviewer_2")


@pytest.fixture
def decided(clock, firm, rep_acme, serve, sanction):
    case = sanction(serve(firm, measures=(("public_disclosure", 24), ("tax_credit_grade_d", None))))
    assert case.state == State.SANCTIONED and Publication.objects.get(case=case).is_visible()
    return case


def _object(case, actor, text="The amount in the record is wrong: it was paid on 1 October."):
    return filing_objection_file(case=case, actor=actor, text=text, uploads=[SimpleUploadedFile("paid.pdf", PDF)])


def _running(case):
    return case.sanctions.filter(status__in=[Sanction.Status.PENDING, Sanction.Status.ACTIVE])


# -- filing ------------------------------------------------------------------------------------------------


def test_an_objection_flags_the_record_at_once_and_is_due_in_working_days(decided, rep_acme, reviewer, supervisor):
    filing = _object(decided, rep_acme)
    decided.refresh_from_db()
    assert decided.under_objection
    assert decided.history.first().history_user == rep_acme
    assert filing.reference == f"O-{decided.number}-1"
    assert filing.due_on == clocks.filing_due("objection", received_on=D(2026, 11, 2)) == D(2026, 11, 9)
    assert (filing.case_submitter_id, filing.case_decider_id) == (decided.submitted_by_id, decided.decided_by_id)
    receipt = decided.notices.get(kind=Notice.Kind.FILING_RECEIPT)
    assert filing.reference in receipt.body_en and "under objection" in receipt.body_en
    # The reviewers are told; the case's own supervisor is not asked to review it.
    told = set(Notification.objects.filter(kind="filing_received").values_list("recipient__username", flat=True))
    assert told == {"reviewer"}


def test_a_second_objection_waits_for_the_first(decided, rep_acme):
    first = _object(decided, rep_acme)
    assert first.reference in objection_refusal(decided)
    with pytest.raises(ValidationError, match="still being reviewed"):
        _object(decided, rep_acme)


def test_an_objection_needs_a_record_in_force(clock, firm, rep_acme, serve):
    served = serve(firm)
    with pytest.raises(ValidationError, match="record in force"):
        _object(served, rep_acme)
    assert not Filing.objects.exists()


@pytest.mark.parametrize(
    ("kind", "received_on", "due_on"),
    [
        # 5 working days; 1–7 October 2026 are National Day holidays and Saturday 10 October a working day.
        ("objection", D(2026, 9, 30), D(2026, 10, 13)),
        ("appeal", D(2026, 9, 30), D(2026, 10, 15)),  # 15 calendar days
        ("repair", D(2026, 9, 30), D(2026, 10, 20)),  # 10 working days (NDRC Order 36 from 2026-04-01)
        # Before the national rule, the project default: 10 working days, Saturday 11 May 2024 being one.
        ("repair", D(2024, 5, 6), D(2024, 5, 17)),
    ],
)
def test_review_deadlines_count_working_days_from_the_rules_in_force(kind, received_on, due_on):
    assert clocks.filing_due(kind, received_on=received_on) == due_on


# -- independence --------------------------------------------------------------------------------------------


def test_who_decided_the_case_cannot_review_the_objection(decided, rep_acme, supervisor):
    filing = _object(decided, rep_acme)
    supervisor.groups.add(Group.objects.get(name=roles.APPEALS_REVIEWER))
    decider = type(supervisor).objects.get(pk=supervisor.pk)  # fresh permission cache
    assert decided.decided_by == decider
    with pytest.raises(appeals.IndependenceError):
        appeals.filing_decide(filing=filing, actor=decider, outcome="revoked", reasons="I was wrong.")
    decided.refresh_from_db()
    assert decided.state == State.SANCTIONED


def test_the_database_refuses_a_reviewer_who_submitted_the_case(decided, rep_acme, caseworker):
    filing = _object(decided, rep_acme)
    filing.reviewer = caseworker  # the case's submitter
    with pytest.raises(IntegrityError), transaction.atomic():
        filing.save(update_fields=["reviewer"])


def test_someone_without_the_reviewer_role_cannot_decide(decided, rep_acme, second_supervisor):
    filing = _object(decided, rep_acme)
    with pytest.raises(PermissionDenied):
        appeals.filing_decide(filing=filing, actor=second_supervisor, outcome="dismissed", reasons="No.")


# -- outcomes of an objection or appeal ------------------------------------------------------------------------


def test_upheld_and_revoked_ends_measures_and_publication_and_tells_the_entity(decided, rep_acme, reviewer):
    filing = _object(decided, rep_acme)
    appeals.filing_decide(filing=filing, actor=reviewer, outcome="revoked", reasons="The tax was paid in time.")
    decided.refresh_from_db()
    filing.refresh_from_db()
    assert decided.state == State.REVOKED and not decided.under_objection
    assert not _running(decided).exists()
    assert set(decided.sanctions.values_list("end_reason", flat=True)) == {"revoked"}
    publication = Publication.objects.get(case=decided)
    assert publication.end_reason == "revoked" and not publication.is_visible()
    assert (filing.status, filing.outcome, filing.reviewer) == ("decided", "revoked", reviewer)
    notice = decided.notices.get(kind=Notice.Kind.FILING_DECISION)
    assert "The tax was paid in time." in notice.body_en and "revoked" in notice.body_en
    assert filing.history.first().history_user == reviewer
    assert decided.history.first().history_user == reviewer


def test_dismissed_leaves_the_record_and_lifts_the_flag(decided, rep_acme, reviewer):
    filing = _object(decided, rep_acme)
    appeals.filing_decide(filing=filing, actor=reviewer, outcome="dismissed", reasons="The record is right.")
    decided.refresh_from_db()
    assert decided.state == State.SANCTIONED and not decided.under_objection
    assert _running(decided).count() == 2 and Publication.objects.get(case=decided).is_visible()
    assert "The record is right." in decided.notices.get(kind="filing_decision").body_zh


def test_an_objection_cannot_be_decided_as_a_repair(decided, rep_acme, reviewer):
    filing = _object(decided, rep_acme)
    with pytest.raises(ValidationError):
        appeals.filing_decide(filing=filing, actor=reviewer, outcome="repaired", reasons="?")


def test_a_correction_takes_effect_only_when_a_second_reviewer_confirms(
    decided, rep_acme, reviewer, second_reviewer, clock
):
    filing = _object(decided, rep_acme)
    disclosure, grade = decided.sanctions.order_by("pk")
    new_end = D(2027, 5, 2)
    appeals.filing_propose_correction(
        filing=filing, actor=reviewer, outcome="partly_upheld", reasons="Grade D was not justified.",
        changes={grade.pk: "end", disclosure.pk: new_end},
    )  # fmt: skip
    assert _running(decided).count() == 2  # nothing changed yet
    filing.refresh_from_db()
    assert filing.status == "correction_proposed" and filing.outcome == ""
    with pytest.raises(appeals.SecondPersonError):
        appeals.filing_confirm_correction(filing=filing, actor=reviewer)

    appeals.filing_confirm_correction(filing=filing, actor=second_reviewer)
    filing.refresh_from_db()
    grade.refresh_from_db()
    disclosure.refresh_from_db()
    assert (filing.status, filing.outcome, filing.confirmed_by) == ("decided", "partly_upheld", second_reviewer)
    assert (grade.status, grade.end_reason, grade.ended_on) == ("ended", "corrected", clock.today)
    assert disclosure.planned_end_on == new_end and disclosure.status != "ended"
    publication = Publication.objects.get(case=decided)
    assert publication.is_visible()
    assert [m["ends_on"] for m in publication.snapshot["measures"]] == [new_end.isoformat()]
    assert "2 May 2027" in decided.notices.get(kind="filing_decision").body_en


def test_the_database_refuses_a_correction_confirmed_by_its_proposer(decided, rep_acme, reviewer):
    filing = _object(decided, rep_acme)
    filing.reviewer = reviewer
    filing.confirmed_by = reviewer
    with pytest.raises(IntegrityError), transaction.atomic():
        filing.save(update_fields=["reviewer", "confirmed_by"])


def test_a_correction_can_only_lighten_the_record(decided, rep_acme, reviewer):
    filing = _object(decided, rep_acme)
    disclosure = decided.sanctions.get(measure_type__code="public_disclosure")
    with pytest.raises(ValidationError, match="earlier"):
        appeals.filing_propose_correction(
            filing=filing, actor=reviewer, outcome="corrected", reasons="x",
            changes={disclosure.pk: disclosure.planned_end_on + datetime.timedelta(days=1)},
        )  # fmt: skip
    with pytest.raises(ValidationError, match="must end a measure"):
        appeals.filing_propose_correction(filing=filing, actor=reviewer, outcome="corrected", reasons="x", changes={})


def test_a_correction_sent_back_returns_to_the_queue(decided, rep_acme, reviewer, second_reviewer):
    filing = _object(decided, rep_acme)
    grade = decided.sanctions.get(measure_type__code="tax_credit_grade_d")
    appeals.filing_propose_correction(
        filing=filing, actor=reviewer, outcome="corrected", reasons="x", changes={grade.pk: "end"}
    )
    appeals.filing_return_correction(filing=filing, actor=second_reviewer, reasons="Grade D was justified.")
    filing.refresh_from_db()
    assert (filing.status, filing.correction, filing.reviewer) == ("filed", {}, None)
    assert _running(decided).count() == 2
    assert "Grade D was justified." in filing.history.first().history_change_reason


def test_a_stale_review_page_is_refused(decided, rep_acme, reviewer):
    filing = _object(decided, rep_acme)
    with pytest.raises(ConflictError):
        appeals.filing_decide(
            filing=filing, actor=reviewer, outcome="dismissed", reasons="x", expected_version=filing.version - 1
        )


def test_a_decided_filing_cannot_be_decided_again(decided, rep_acme, reviewer, second_reviewer):
    filing = _object(decided, rep_acme)
    appeals.filing_decide(filing=filing, actor=reviewer, outcome="dismissed", reasons="x")
    with pytest.raises(ValidationError, match="no longer possible"):
        appeals.filing_decide(filing=filing, actor=second_reviewer, outcome="revoked", reasons="y")


# -- credit repair ----------------------------------------------------------------------------------------------


@pytest.fixture
def eligible(decided, clock):
    clock.set(decided.repair_earliest_on)
    return decided


def _apply(case, actor):
    return filing_repair_apply(
        case=case, actor=actor, commitment="We paid and will comply.", uploads=[SimpleUploadedFile("tax.pdf", PDF)]
    )


def test_repair_granted_repairs_the_case_and_ends_everything_early(eligible, rep_acme, reviewer, clock):
    filing = _apply(eligible, rep_acme)
    assert not Filing.objects.get(pk=filing.pk).case.under_objection  # repair is not a dispute
    appeals.filing_decide(filing=filing, actor=reviewer, outcome="repaired", reasons="Obligations fulfilled.")
    eligible.refresh_from_db()
    assert eligible.state == State.REPAIRED
    assert set(eligible.sanctions.values_list("end_reason", "ended_on")) == {("repaired", clock.today)}
    publication = Publication.objects.get(case=eligible)
    assert (publication.end_reason, publication.ended_on) == ("repaired", clock.today)
    assert "Your credit is repaired" in eligible.notices.get(kind="filing_decision").body_en


def test_repair_refused_keeps_the_record(eligible, rep_acme, reviewer):
    filing = _apply(eligible, rep_acme)
    appeals.filing_decide(filing=filing, actor=reviewer, outcome="refused", reasons="The tax is still unpaid.")
    eligible.refresh_from_db()
    assert eligible.state == State.SANCTIONED and _running(eligible).count() == 2


def test_incomplete_repair_lists_what_is_missing_once(eligible, rep_acme, reviewer, second_reviewer, clock):
    filing = _apply(eligible, rep_acme)
    appeals.filing_request_documents(filing=filing, actor=reviewer, missing="1. The bank's payment certificate.")
    filing.refresh_from_db()
    assert (filing.status, filing.due_on) == ("incomplete", None)
    notice = eligible.notices.get(kind=Notice.Kind.REPAIR_INCOMPLETE)
    assert "payment certificate" in notice.body_en and "nothing further will be asked" in notice.body_en
    with pytest.raises(ValidationError, match="no longer possible"):  # waiting on the entity, not the reviewer
        appeals.filing_decide(filing=filing, actor=reviewer, outcome="refused", reasons="x")

    with pytest.raises(ValidationError, match="Attach the documents"):
        filing_repair_supplement(filing=filing, actor=rep_acme, note="Here.", uploads=[])
    supplied_on = clock.set(clock.today + datetime.timedelta(days=3))
    filing_repair_supplement(
        filing=filing, actor=rep_acme, note="Certificate attached.", uploads=[SimpleUploadedFile("bank.pdf", PDF)]
    )
    filing.refresh_from_db()
    assert filing.status == "filed" and filing.attachments.count() == 2
    assert filing.due_on == clocks.filing_due("repair", received_on=supplied_on)
    with pytest.raises(ValidationError, match="only once"):
        appeals.filing_request_documents(filing=filing, actor=second_reviewer, missing="More.")


def test_only_repair_applications_can_be_incomplete(decided, rep_acme, reviewer):
    filing = _object(decided, rep_acme)
    with pytest.raises(ValidationError, match="credit repair"):
        appeals.filing_request_documents(filing=filing, actor=reviewer, missing="x")


# -- the public statement --------------------------------------------------------------------------------------


def test_the_entity_adds_a_public_statement_to_its_published_entry(decided, rep_acme):
    publication = publication_statement_set(case=decided, actor=rep_acme, text="We have paid in full.")
    assert publication.entity_statement == "We have paid in full."
    assert publication.history.first().history_user == rep_acme
    with pytest.raises(ValidationError, match="500"):
        publication_statement_set(case=decided, actor=rep_acme, text="x" * 501)


def test_no_public_statement_on_an_unpublished_record(decided, rep_acme, reviewer):
    appeals.filing_decide(filing=_object(decided, rep_acme), actor=reviewer, outcome="revoked", reasons="x")
    with pytest.raises(ValidationError, match="not published"):
        publication_statement_set(case=decided, actor=rep_acme, text="Hello.")


def test_the_sweep_reminds_the_reviewers_once_when_a_filing_is_overdue(decided, rep_acme, reviewer, clock):
    from cases.services.sweep import sweep

    filing = _object(decided, rep_acme)
    assert ("filing_overdue", filing.reference) not in sweep(today=filing.due_on).done  # due today: not yet
    report = sweep(today=filing.due_on + datetime.timedelta(days=1))
    assert report.done.count(("filing_overdue", filing.reference)) == 1
    overdue = Notification.objects.get(kind="filing_overdue")
    assert overdue.recipient == reviewer and filing.reference in overdue.subject_en
    assert ("filing_overdue", filing.reference) not in sweep(today=filing.due_on + datetime.timedelta(days=2)).done


def test_run_lifecycle_reports_an_overdue_filing_without_crashing(decided, rep_acme, reviewer, clock, settings):
    """Issue 20 §5: the report looked the step's label up in a table that lacked ``filing_overdue`` (KeyError)."""
    from io import StringIO

    from django.core.management import call_command

    settings.DEBUG = True  # a future --date
    filing = _object(decided, rep_acme)
    out = StringIO()
    call_command("run_lifecycle", "--date", str(filing.due_on + datetime.timedelta(days=1)), verbosity=2, stdout=out)
    assert f"{filing.reference}: filing past its review deadline: reviewers told" in out.getvalue()
    assert "filing past its review deadline: reviewers told: 1" in out.getvalue()


# -- a year's holiday notice entered: open review deadlines are counted again (issue 20 §4) ------------------


def _notice_2027(actor, *, holidays, workdays=()):
    from cases.services.deadlines import NoticeDay, calendar_notice_enter

    return calendar_notice_enter(
        actor=actor, year=2027, notice="国务院办公厅关于2027年部分节假日安排的通知（test）",
        source="https://www.gov.cn/ (test)",
        holidays=[NoticeDay(a, b, "元旦", "New Year's Day") for a, b in holidays],
        workdays=[NoticeDay(a, b, "元旦", "New Year's Day") for a, b in workdays],
    )  # fmt: skip


def test_a_notice_moves_an_open_filings_review_deadline_later(decided, rep_acme, clock):
    clock.set(D(2026, 12, 28))
    filing = _object(decided, rep_acme)
    provisional = filing.due_on  # 2027 counted on its statutory holidays (1 January) only
    admin = UserFactory(role=roles.ADMINISTRATOR)
    moved = _notice_2027(admin, holidays=[(D(2027, 1, 1), D(2027, 1, 5))])
    filing.refresh_from_db()
    assert filing.due_on == clocks.filing_due("objection", received_on=D(2026, 12, 28)) > provisional
    assert (filing.reference, "due_on", provisional, filing.due_on) in [
        (m.case_number, m.field, m.old, m.new) for m in moved
    ]
    assert filing.history.first().history_user == admin


def test_a_filings_notified_review_deadline_never_moves_earlier(decided, rep_acme, clock):
    clock.set(D(2026, 12, 28))
    filing = _object(decided, rep_acme)
    notified = filing.due_on
    # A make-up working day on Saturday 2 January would bring the recount one day earlier.
    _notice_2027(UserFactory(role=roles.ADMINISTRATOR), holidays=[(D(2027, 1, 1), D(2027, 1, 1))],
                 workdays=[(D(2027, 1, 2), D(2027, 1, 2))])  # fmt: skip
    assert clocks.filing_due("objection", received_on=D(2026, 12, 28)) < notified
    filing.refresh_from_db()
    assert filing.due_on == notified


def test_a_supplied_repair_application_counts_from_the_day_the_documents_came(eligible, rep_acme, reviewer, clock):
    from cases.services.deadlines import deadlines_recompute

    filed_on = clock.today
    filing = _apply(eligible, rep_acme)
    appeals.filing_request_documents(filing=filing, actor=reviewer, missing="1. The bank's payment certificate.")
    supplied_on = clock.advance(days=20)
    filing_repair_supplement(
        filing=filing, actor=rep_acme, note="Here.", uploads=[SimpleUploadedFile("certificate.pdf", PDF)]
    )
    Filing.objects.filter(pk=filing.pk).update(due_on=supplied_on)  # as if counted on an older calendar
    deadlines_recompute(actor=reviewer, years={supplied_on.year})
    filing.refresh_from_db()
    assert filing.due_on == clocks.filing_due("repair", received_on=supplied_on)
    assert filing.due_on != clocks.filing_due("repair", received_on=filed_on)  # not from the filing date


def test_a_filing_waiting_for_documents_keeps_its_clock_stopped(eligible, rep_acme, reviewer, clock):
    from cases.services.deadlines import deadlines_recompute

    filing = _apply(eligible, rep_acme)
    appeals.filing_request_documents(filing=filing, actor=reviewer, missing="1. The bank's payment certificate.")
    assert deadlines_recompute(actor=reviewer, years={clock.today.year, clock.today.year + 1}) == []
    filing.refresh_from_db()
    assert (filing.status, filing.due_on) == ("incomplete", None)
