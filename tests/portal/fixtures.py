"""The portal's fixtures: two demo-like entities (a firm and a natural person), their representatives, served cases."""

import datetime

import pytest
from django.test import Client

from accounts import roles
from cases import services
from entities.models import Representative
from entities.services import representative_add
from tests.cases.frozen_clock import FrozenClock
from tests.factories import EntityFactory, UserFactory

SERVED_ON = datetime.date(2026, 11, 2)


@pytest.fixture
def clock(monkeypatch):
    return FrozenClock(monkeypatch, SERVED_ON)


@pytest.fixture
def wang(db):
    return EntityFactory(person=True, name="Wang Wei")


@pytest.fixture
def rep_acme(firm, supervisor):
    user = UserFactory(role=roles.ENTITY_REPRESENTATIVE, username="rep_acme")
    representative_add(
        actor=supervisor, user=user, entity=firm, relationship=Representative.Relationship.LEGAL_REPRESENTATIVE
    )
    return user


@pytest.fixture
def rep_wang(wang, supervisor):
    user = UserFactory(role=roles.ENTITY_REPRESENTATIVE, username="rep_wang")
    representative_add(actor=supervisor, user=user, entity=wang, relationship=Representative.Relationship.SELF)
    return user


@pytest.fixture
def serve(make_draft, caseworker, supervisor):
    """``serve(entity)`` → a case against ``entity`` whose pre-decision notice was served (window open)."""

    def make(entity, *, measures=(("public_disclosure", 24),)):
        case = make_draft(entity=entity, measures=measures)
        case = services.case_submit(case=case, actor=caseworker)
        return services.case_approve(case=case, actor=supervisor)

    return make


@pytest.fixture
def sanction(caseworker, supervisor):
    def decide(case):
        case = services.case_record_statement(case=case, actor=caseworker, text="No objection.")
        return services.case_sanction(case=case, actor=supervisor, reasons="Established.")

    return decide


def login(user) -> Client:
    client = Client(headers={"Accept-Language": "en"})
    client.force_login(user)
    return client
