"""The data the journeys start from: the README's demo (``seed_demo``), plus cases set up in the past."""

import datetime
import io
import zoneinfo
from dataclasses import dataclass

import pytest
from django.core.management import call_command
from django.utils import timezone

from accounts.models import User
from cases import services
from cases.models import Case, CatalogueItem, LegalDocument, MeasureType
from cases.workflow import State
from demo.management.commands.seed_demo import ENTITIES
from entities.models import Entity
from entities.services import entity_find_by_identifier

PASSWORD = "e2e-demo-password"  # every demo account's, for this run
SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


@dataclass(frozen=True)
class Demo:
    """The accounts, entities and cases of ``seed_demo`` (README, "Demo accounts")."""

    password: str = PASSWORD

    def user(self, username: str) -> User:
        return User.objects.get(username=username)

    def entity(self, key: str) -> Entity:
        return entity_find_by_identifier(next(e["identifier"] for e in ENTITIES if e["key"] == key))

    def case(self, department: str, entity: str, state: str) -> Case:
        """A demo case of ``department`` against ``entity`` (a key of ENTITIES) in ``state``, with nothing filed on it.

        (The demo also has sanctioned cases with an objection, an appeal or a repair application waiting.)
        """
        cases = Case.objects.filter(department__code=department, entity=self.entity(entity), state=state)
        return cases.filter(filings__isnull=True).earliest("pk")

    def served_in_the_past(self, entity: str, *, served_on: datetime.date) -> Case:
        """A TAX case against ``entity`` whose pre-decision notice was served on ``served_on``, by the demo staff.

        Written through the services with the clock set to that day, as if it had happened then; the
        statement window has closed since unless ``served_on`` is recent.
        """
        caseworker, supervisor = self.user("cw_tax"), self.user("sup_tax")
        then = datetime.datetime.combine(served_on, datetime.time(10), tzinfo=SHANGHAI).astimezone(datetime.UTC)
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(timezone, "now", lambda: then)
            case = services.case_create(
                actor=caseworker,
                entity=self.entity(entity),
                facts="Did not file VAT returns for three quarters of 2026.",
                catalogue_item=CatalogueItem.objects.get(code="tax_major_violation"),
            )
            services.legal_document_set(
                case=case, actor=caseworker, type=LegalDocument.Type.PENALTY_DECISION, number="京税稽罚〔2026〕77号",
                issuer="Municipal Tax Bureau", issued_on=served_on - datetime.timedelta(days=10),
            )  # fmt: skip
            services.measure_propose(
                case=case, actor=caseworker, measure_type=MeasureType.objects.get(code="public_disclosure"),
                duration_months=24,
            )  # fmt: skip
            case = services.case_submit(case=case, actor=caseworker)
            case = services.case_approve(case=case, actor=supervisor, reasons="Facts and legal basis verified.")
        assert case.state == State.NOTICE_ISSUED
        return case


def seed() -> None:
    """The README's demo: departments, one account per role (with its TOTP device), entities, twenty cases."""
    call_command("seed_demo", password=PASSWORD, force=True, stdout=io.StringIO())
