import datetime

import pytest

from accounts import roles
from cases import services
from cases.models import CatalogueItem, LegalDocument, MeasureType
from tests.factories import DepartmentFactory, EntityFactory, UserFactory


@pytest.fixture
def tax(db):
    return DepartmentFactory(code="TAX", name="Tax bureau")


@pytest.fixture
def market(db):
    return DepartmentFactory(code="MKT", name="Market regulation bureau")


@pytest.fixture
def caseworker(tax):
    return UserFactory(role=roles.CASEWORKER, department=tax, username="cw_tax")


@pytest.fixture
def supervisor(tax):
    return UserFactory(role=roles.SUPERVISOR, department=tax, username="sup_tax")


@pytest.fixture
def second_supervisor(tax):
    return UserFactory(role=roles.SUPERVISOR, department=tax, username="sup_tax_2")


@pytest.fixture
def other_caseworker(market):
    return UserFactory(role=roles.CASEWORKER, department=market, username="cw_market")


@pytest.fixture
def firm(db):
    return EntityFactory(name="ACME Trading Co., Ltd.")


def item(code):
    return CatalogueItem.objects.get(code=code)


def measure(code):
    return MeasureType.objects.get(code=code)


@pytest.fixture
def make_draft(caseworker, firm):
    """A complete draft (major tax violation, legal document, two measures) by ``cw_tax``."""

    def make(*, actor=None, entity=None, measures=(("public_disclosure", 24), ("tax_credit_grade_d", None))):
        actor = actor or caseworker
        case = services.case_create(
            actor=actor,
            entity=entity or firm,
            facts="Evaded RMB 1.5 million of VAT in 2025 (15% of the tax due).",
            catalogue_item=item("tax_major_violation"),
        )
        services.legal_document_set(
            case=case,
            actor=actor,
            type=LegalDocument.Type.PENALTY_DECISION,
            number="京税稽罚〔2026〕12号",
            issuer="Beijing Tax Inspection Bureau",
            issued_on=datetime.date(2026, 10, 9),
        )
        for code, months in measures:
            services.measure_propose(case=case, actor=actor, measure_type=measure(code), duration_months=months)
        return case

    return make


# The portal's fixtures (a representative of ``firm``, a served or decided case), for the appeals tests.
# Modules that define their own ``clock`` keep it.
from tests.portal.fixtures import clock, rep_acme, sanction, serve  # noqa: E402, F401
