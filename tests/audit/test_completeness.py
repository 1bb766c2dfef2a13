"""Completeness of the audit trail (issue 8): every change the services make leaves a history row with an actor.

The walk drives the services through a case's whole life (draft, measures, evidence, submission, return,
approval, statement, decision, grants, the lifecycle sweep years later) and the registry's (register, update,
relations, representatives, reveal). Afterwards, for every tracked model: each live row's newest history row
must equal the row as stored (a change through ``update()`` or raw SQL would not), every row created on the walk
must have history, and every history row written on the walk must name its actor.
"""

import datetime

import pytest
from django.apps import apps
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts import roles
from audit import chain
from cases import services
from cases.models import MeasureType
from cases.services.access import case_grant_user, case_revoke_user
from cases.services.evidence import evidence_add
from cases.services.lifecycle import sweep
from entities.models import Entity, EntityRelation, Representative
from entities.services import (
    entity_register,
    entity_reveal_identifier,
    entity_update,
    relation_add,
    relation_end,
    representative_add,
    representative_end,
)
from tests.factories import UserFactory, make_id_number

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def tracked_models():
    return [m for m in apps.get_models() if getattr(m._meta, "simple_history_manager_attribute", None)]


def _history(model):
    return getattr(model, model._meta.simple_history_manager_attribute)


def _snapshot():
    return {
        model: (
            set(model._default_manager.values_list("pk", flat=True)),
            _history(model).order_by("-pk").values_list("pk", flat=True).first() or 0,
        )
        for model in tracked_models()
    }


@pytest.fixture
def evidence_storage(settings, tmp_path):
    from django.core.files.storage import storages

    from cases.models import Evidence

    settings.STORAGES = {
        **settings.STORAGES,
        "evidence": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": tmp_path}},
    }
    storages._storages.pop("evidence", None)
    Evidence._meta.get_field("file").storage = storages["evidence"]


def _walk(make_draft, caseworker, supervisor, firm):
    reviewer = UserFactory(role=roles.APPEALS_REVIEWER)
    rep_user = UserFactory(role=roles.ENTITY_REPRESENTATIVE)
    before = _snapshot()
    # the registry
    person = entity_register(
        actor=caseworker, kind=Entity.Kind.NATURAL_PERSON, name="Zhou Jiu", identifier=make_id_number()
    )
    entity_update(entity=person, actor=caseworker, name="Zhou Jiu (renamed)", region_code="110105")
    relation = relation_add(
        actor=supervisor, organisation=firm, person=person, role=EntityRelation.Role.LEGAL_REPRESENTATIVE
    )
    relation_end(relation=relation, actor=supervisor, valid_to=datetime.date.today())  # noqa: DTZ011
    representative = representative_add(
        actor=supervisor, user=rep_user, entity=firm, relationship=Representative.Relationship.AUTHORISED_AGENT
    )
    entity_reveal_identifier(entity=person, actor=supervisor, purpose="completeness")
    # a case's life
    case = make_draft(measures=(("tax_credit_grade_d", None),))
    extra = services.measure_propose(
        case=case, actor=caseworker, measure_type=MeasureType.objects.get(code="public_disclosure"), duration_months=6
    )
    services.measure_withdraw(sanction=extra, actor=caseworker)
    evidence_add(case=case, actor=caseworker, uploaded_file=SimpleUploadedFile("e.pdf", PDF))
    case = services.case_submit(case=case, actor=caseworker)
    case = services.case_return(case=case, actor=supervisor, reasons="Add the tax assessment.")
    case = services.case_submit(case=case, actor=caseworker)
    case = services.case_approve(case=case, actor=supervisor)
    case_grant_user(case=case, actor=supervisor, user=reviewer, reason="second opinion")
    case_revoke_user(case=case, actor=supervisor, user=reviewer, reason="done")
    case = services.case_record_statement(case=case, actor=caseworker, text="No objection.")
    case = services.case_sanction(case=case, actor=supervisor, reasons="Established.")
    other = services.case_submit(case=make_draft(), actor=caseworker)
    services.case_reject(case=other, actor=supervisor, reasons="Not our jurisdiction.")
    representative_end(representative=representative, actor=supervisor, valid_to=datetime.date.today())  # noqa: DTZ011
    # years later: the sweep starts and ends measures, publications and the record
    for year in (2027, 2030, 2040):
        sweep(today=datetime.date(year, 1, 1))
    return before


def test_every_change_on_the_walk_has_history_with_an_actor(
    db, evidence_storage, make_draft, caseworker, supervisor, firm
):
    before = _walk(make_draft, caseworker, supervisor, firm)
    problems = []
    for model in tracked_models():
        history = _history(model)
        existing, last_history_pk = before[model]
        fields = [f for f in history.model.tracked_fields if not f.primary_key or f.attname == "id"]
        newest = {}
        for row in history.order_by("pk"):
            newest[getattr(row, model._meta.pk.attname)] = row
        for live in model._default_manager.all():
            row = newest.get(live.pk)
            if row is None:
                if live.pk not in existing:
                    problems.append(f"{model._meta.label} #{live.pk} created without history")
                continue
            for f in fields:
                if getattr(live, f.attname) != getattr(row, f.attname):
                    problems.append(f"{model._meta.label} #{live.pk}.{f.name} changed without history")
        unattributed = history.filter(pk__gt=last_history_pk, history_user__isnull=True)
        if model._meta.label == "accounts.User":
            # The one allowed exception: the system account's own creation (there is no actor before it exists).
            unattributed = unattributed.exclude(username=settings.LIFECYCLE_SYSTEM_USERNAME, history_type="+")
        for row in unattributed:
            problems.append(f"{model._meta.label} history #{row.pk} ({row.history_type}) has no actor")
    assert problems == []
    assert chain.verify() == []


def test_history_ids_are_64_bit_everywhere():
    from django.db import models

    for model in chain.chained_models():
        if model._meta.label == "audit.AccessLog":
            continue
        assert isinstance(model._meta.pk, models.BigAutoField), model._meta.label


def test_timeline_queries_are_indexed():
    """The timeline filters history by object id and sorts by date; the access log by target and date."""
    from audit.models import AccessLog

    for model in tracked_models():
        history_model = _history(model).model
        assert history_model._meta.get_field("history_date").db_index, history_model
        id_field = history_model._meta.get_field(model._meta.pk.name)
        assert id_field.db_index, history_model
    assert any(index.fields[:2] == ["target_type", "target_id"] for index in AccessLog._meta.indexes)
    assert AccessLog._meta.get_field("actor").db_index
