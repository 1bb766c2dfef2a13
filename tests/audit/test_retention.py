"""The retention purge (issue 8): de-identify persons whose retention ended, audited, idempotent, chain intact."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from audit import chain
from audit.models import ChainLink
from audit.retention import expired_persons
from cases import services
from entities.models import Entity, EntityRelation
from entities.services import DEIDENTIFIED_NAME, entity_update, relation_add
from tests.factories import EntityFactory

LATER = datetime.date(2100, 1, 1)
PERSON_MEASURES = (("public_disclosure", 24),)


@pytest.fixture
def person(db, make_draft, caseworker, supervisor):
    """A person with one case, rejected (closed) today, whose name was corrected once (two history rows)."""
    person = EntityFactory(person=True, name="Zheng Shiyi")
    entity_update(entity=person, actor=caseworker, name="Zheng Shiyi (corrected)", region_code=person.region_code)
    case = services.case_submit(case=make_draft(entity=person, measures=PERSON_MEASURES), actor=caseworker)
    services.case_reject(case=case, actor=supervisor, reasons="Not our jurisdiction.")
    person.refresh_from_db()
    return person


def _run(*args):
    out = io.StringIO()
    call_command("purge_expired_personal_data", *args, "--date", LATER.isoformat(), stdout=out)
    return out.getvalue()


@pytest.fixture(autouse=True)
def rehearsal(settings):
    settings.DEBUG = True  # a future --date is a rehearsal, allowed with DEBUG on only


def test_dry_run_lists_the_person_masked_and_changes_nothing(person):
    links = ChainLink.objects.count()
    history = list(Entity.history.filter(id=person.pk).values_list("name", flat=True))
    out = _run("--dry-run")
    assert f"entity #{person.pk} ({person.id_number_masked})" in out
    assert "1 person(s) would be de-identified" in out
    assert person.name not in out and person.id_number not in out
    person.refresh_from_db()
    assert person.name == "Zheng Shiyi (corrected)" and person.id_number
    assert list(Entity.history.filter(id=person.pk).values_list("name", flat=True)) == history
    assert ChainLink.objects.count() == links


def test_real_run_de_identifies_audits_and_keeps_the_chain_verifiable(person):
    from django.conf import settings

    rows = Entity.history.filter(id=person.pk).count()
    out = _run()
    assert "1 person(s) de-identified" in out and person.name not in out
    person.refresh_from_db()
    assert person.name == DEIDENTIFIED_NAME
    assert person.id_number is None and person.id_number_masked == ""
    old = Entity.history.filter(id=person.pk).order_by("history_id")[:rows]
    assert all(r.name == "" and r.id_number is None and r.id_number_hash is None for r in old)
    # The live change is attributed to the system account, with the reason; each purge is a chained link.
    newest = Entity.history.filter(id=person.pk).order_by("-history_id").first()
    assert newest.history_user.username == settings.LIFECYCLE_SYSTEM_USERNAME
    assert "retention period ended" in newest.history_change_reason
    rehash = ChainLink.objects.filter(kind=ChainLink.Kind.REHASH, table=Entity.history.model._meta.db_table)
    assert rehash.count() == rows and all("retention period ended" in link.note for link in rehash)
    assert chain.verify() == []
    verified = io.StringIO()
    call_command("verify_audit", stdout=verified)
    assert "intact" in verified.getvalue()


def test_second_run_is_a_no_op(person):
    _run()
    links = ChainLink.objects.count()
    history = Entity.history.count()
    assert "0 person(s) de-identified" in _run()
    assert (ChainLink.objects.count(), Entity.history.count()) == (links, history)
    assert expired_persons(today=LATER) == []


def test_retention_not_yet_ended_is_kept(person):
    assert expired_persons(today=timezone.localdate()) == []
    assert [e.entity_id for e in expired_persons(today=LATER)] == [person.pk]


def test_a_person_with_an_open_case_is_kept(person, make_draft):
    make_draft(entity=person, measures=PERSON_MEASURES)
    assert expired_persons(today=LATER) == []


def test_a_current_responsible_person_is_kept(person, supervisor, firm):
    relation_add(actor=supervisor, organisation=firm, person=person, role=EntityRelation.Role.LEGAL_REPRESENTATIVE)
    assert expired_persons(today=LATER) == []


def test_organisations_are_never_purged(db, make_draft, caseworker, supervisor, firm):
    case = services.case_submit(case=make_draft(entity=firm), actor=caseworker)
    services.case_reject(case=case, actor=supervisor, reasons="x")
    assert expired_persons(today=LATER) == []


def test_a_future_date_is_refused_without_debug(person, settings):
    from django.core.management.base import CommandError

    settings.DEBUG = False
    with pytest.raises(CommandError, match="future"):
        _run()
    person.refresh_from_db()
    assert person.id_number


def test_notices_and_the_published_entry_lose_the_name_too(db, make_draft, caseworker, supervisor):
    """The texts rendered with the person's name (notices served, the published snapshot) are de-identified."""
    from accounts.services import system_actor
    from cases.models import Notice, Publication
    from cases.services.lifecycle import DEIDENTIFIED_NOTICE, case_expire

    person = EntityFactory(person=True, name="Qian Shiyi")
    case = services.case_submit(case=make_draft(entity=person, measures=PERSON_MEASURES), actor=caseworker)
    case = services.case_approve(case=case, actor=supervisor)
    case = services.case_record_statement(case=case, actor=caseworker, text="No objection.")
    case = services.case_sanction(case=case, actor=supervisor, reasons="Established.")
    case = case_expire(case=case, actor=system_actor(), today=case.record_ends_on)
    assert Publication.objects.get(case=case).snapshot["entity"]["name"] == "Qian Shiyi"
    assert all("Qian Shiyi" in n.body_en for n in Notice.objects.filter(case=case))

    assert "1 person(s) de-identified" in _run()
    publication = Publication.objects.get(case=case)
    assert publication.snapshot["entity"] == {"name": DEIDENTIFIED_NAME, "identifier": ""}
    notices = Notice.objects.filter(case=case)
    assert notices.count() == 3 and all(n.body_en == DEIDENTIFIED_NOTICE["en"] for n in notices)
    # Nor do their history rows keep it; the chain records each purge and still verifies.
    for history in (Notice.history.filter(case=case), Publication.history.filter(case=case)):
        assert not any("Qian Shiyi" in str(row.__dict__) for row in history)
    assert chain.verify() == []


def test_free_text_and_file_names_are_de_identified_history_included(db, make_draft, caseworker, supervisor):
    """Issue 20 §5: descriptions, statements, reasons and uploaded file names name the person too."""
    from accounts.services import system_actor
    from audit.history import attribute
    from cases.models import Case, Decision, Evidence, Statement
    from cases.services.lifecycle import case_expire
    from cases.services.retention import DEIDENTIFIED_FILE_NAME, DEIDENTIFIED_TEXT

    person = EntityFactory(person=True, name="Sun Shiyi")
    draft = make_draft(entity=person, measures=PERSON_MEASURES)
    services.case_update(
        case=draft, actor=caseworker, facts="Sun Shiyi evaded tax in 2025.", catalogue_item=draft.catalogue_item,
        severity=draft.severity, internal_notes="Sun Shiyi's brother called.",
    )  # fmt: skip
    evidence = Evidence(
        case=draft, file="2026/12/x", original_name="sun-shiyi-bank-statement.pdf", content_type="application/pdf",
        size=1, sha256="0" * 64, description="Sun Shiyi's bank statement", uploaded_by=caseworker,
    )  # fmt: skip
    attribute(evidence, actor=caseworker, reason="evidence uploaded")
    evidence.save()
    case = services.case_submit(case=draft, actor=caseworker)
    case = services.case_approve(case=case, actor=supervisor, reasons="Sun Shiyi admitted it.")
    case = services.case_record_statement(case=case, actor=caseworker, text="I, Sun Shiyi, object.")
    case = services.case_sanction(case=case, actor=supervisor, reasons="Sun Shiyi's objection fails.")
    case = case_expire(case=case, actor=system_actor(), today=case.record_ends_on)

    assert "1 person(s) de-identified" in _run()
    case = Case.objects.get(pk=case.pk)
    assert (case.facts, case.internal_notes) == (DEIDENTIFIED_TEXT, "")
    assert {d.reasons for d in Decision.objects.filter(case=case)} == {DEIDENTIFIED_TEXT}
    assert Statement.objects.get(case=case).text == DEIDENTIFIED_TEXT
    evidence.refresh_from_db()
    assert (evidence.original_name, evidence.description) == (DEIDENTIFIED_FILE_NAME, "")
    for history in (
        Case.history.filter(id=case.pk),
        Decision.history.filter(case_id=case.pk),
        Statement.history.filter(case_id=case.pk),
        Evidence.history.filter(case_id=case.pk),
    ):
        assert history.exists()
        assert not any("Sun Shiyi" in str(row.__dict__) or "sun-shiyi" in str(row.__dict__) for row in history)
    assert chain.verify() == []


def test_filing_texts_and_attachment_names_are_de_identified_history_included(db, make_draft, caseworker, supervisor):
    """Issue 20 §5: what the entity filed (objection text, the reviewer's reasons, documents asked for) and the
    names of the files attached to filings and statements name the person too, live rows and history rows."""
    from accounts.services import system_actor
    from audit.history import attribute
    from cases.models import Filing, FilingAttachment, Statement, StatementAttachment
    from cases.services.lifecycle import case_expire
    from cases.services.retention import DEIDENTIFIED_FILE_NAME, DEIDENTIFIED_TEXT

    person = EntityFactory(person=True, name="Zhou Shiyi")
    case = services.case_submit(case=make_draft(entity=person, measures=PERSON_MEASURES), actor=caseworker)
    case = services.case_approve(case=case, actor=supervisor)
    case = services.case_record_statement(case=case, actor=caseworker, text="No objection.")
    case = services.case_sanction(case=case, actor=supervisor, reasons="Established.")

    def attach(model, owner, name):
        row = model(
            **owner, file="2026/12/x", original_name=name, content_type="application/pdf", size=1, sha256="0" * 64
        )
        attribute(row, actor=caseworker, reason="proof uploaded")
        row.save()
        row.original_name = f"{name} (2)"  # a second history row with the name
        attribute(row, actor=caseworker, reason="proof uploaded")
        row.save()
        return row

    filing = Filing(
        case=case, kind=Filing.Kind.OBJECTION, reference=f"O-{case.number}-1", filed_by=caseworker,
        text="I, Zhou Shiyi, paid on 1 October.", missing="Zhou Shiyi's bank certificate.",
    )  # fmt: skip
    attribute(filing, actor=caseworker, reason="objection filed through the portal")
    filing.save()
    filing.status, filing.outcome, filing.reasons = "decided", "dismissed", "Zhou Shiyi's payment came too late."
    attribute(filing, actor=supervisor, reason="decided")
    filing.save()
    filing_attachment = attach(FilingAttachment, {"filing": filing}, "zhou-shiyi-receipt.pdf")
    statement = Statement.objects.get(case=case)
    statement_attachment = attach(StatementAttachment, {"statement": statement}, "zhou-shiyi-statement.pdf")
    case_expire(case=case, actor=system_actor(), today=case.record_ends_on)

    assert "1 person(s) de-identified" in _run()
    filing.refresh_from_db()
    assert (filing.text, filing.missing, filing.reasons) == (DEIDENTIFIED_TEXT, "", "")
    for attachment in (filing_attachment, statement_attachment):
        attachment.refresh_from_db()
        assert attachment.original_name == DEIDENTIFIED_FILE_NAME
    for history in (
        Filing.history.filter(id=filing.pk),
        FilingAttachment.history.filter(id=filing_attachment.pk),
        StatementAttachment.history.filter(id=statement_attachment.pk),
    ):
        assert history.count() >= 3  # the rows written before the purge, and the purge's own
        assert not any("Zhou Shiyi" in str(row.__dict__) or "zhou-shiyi" in str(row.__dict__) for row in history)
    assert chain.verify() == []
