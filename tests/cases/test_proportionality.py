"""Measures proportional to the conduct's severity (issue 20 §3): the table, the draft guards, approval, the admin."""

import json
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from cases import proportionality, services
from cases.models import Case, CatalogueItem, MeasureType, ProportionalityRule
from cases.models.case import State

pytestmark = pytest.mark.django_db

DATA = Path(__file__).resolve().parents[2] / "cases" / "data" / "proportionality-2026-12-07.json"


def _problems(excinfo) -> dict:
    return {field: " ".join(messages) for field, messages in excinfo.value.message_dict.items()}


def test_the_table_is_seeded_from_its_data_file_with_sources():
    rows = json.loads(DATA.read_text(encoding="utf-8"))["rules"]
    assert ProportionalityRule.objects.count() == len(rows) > 100
    rule = ProportionalityRule.objects.get(
        catalogue_item__code="tax_major_violation", severity="general", measure_type__code="public_disclosure"
    )
    assert rule.max_duration_months == 12
    assert {source.code for source in rule.sources.all()} == {"gov_2020_49", "gov_2025_22"}
    # minor conduct never carries a rights-reducing (category 1) measure
    assert not ProportionalityRule.objects.filter(severity="minor", measure_type__category=1).exclude(
        catalogue_item__court_only=True
    )


def test_minor_conduct_gets_only_light_short_measures(caseworker, firm):
    case = services.case_create(
        actor=caseworker, entity=firm, facts="Did not file the annual report.",
        catalogue_item=CatalogueItem.objects.get(code="abnormal_operation_list"),
    )  # fmt: skip
    assert case.severity == "minor"
    heavy = MeasureType.objects.get(code="market_access_restriction")
    with pytest.raises(ValidationError) as excinfo:
        services.measure_propose(case=case, actor=caseworker, measure_type=heavy, duration_months=12)
    assert _problems(excinfo) == {"measure_type": "For minor conduct of this kind, this measure is not proportionate."}
    disclosure = MeasureType.objects.get(code="public_disclosure")
    with pytest.raises(ValidationError) as excinfo:
        services.measure_propose(case=case, actor=caseworker, measure_type=disclosure, duration_months=36)
    assert _problems(excinfo) == {
        "duration_months": "For minor conduct of this kind this measure lasts at most 3 months."
    }
    assert services.measure_propose(case=case, actor=caseworker, measure_type=disclosure, duration_months=3)
    assert "public_disclosure" not in proportionality.describe(case)
    assert "(at most 3 months)" in proportionality.describe(case)


def test_lowering_the_severity_stops_submission_naming_the_limit(make_draft, caseworker):
    draft = make_draft()  # serious tax violation, public disclosure for 24 months
    services.case_update(
        case=draft, actor=caseworker, facts=draft.facts, catalogue_item=draft.catalogue_item, severity="general"
    )
    with pytest.raises(ValidationError) as excinfo:
        services.case_submit(case=draft, actor=caseworker)
    assert "at most 12 months" in _problems(excinfo)["sanctions"]
    assert Case.objects.get(pk=draft.pk).state == State.DRAFT


def test_approval_checks_the_table_in_force_then(make_draft, caseworker, supervisor):
    case = services.case_submit(case=make_draft(), actor=caseworker)
    ProportionalityRule.objects.filter(
        catalogue_item__code="tax_major_violation", severity="serious", measure_type__code="public_disclosure"
    ).update(max_duration_months=12)  # an administrator corrects the table meanwhile
    with pytest.raises(ValidationError) as excinfo:
        services.case_approve(case=case, actor=supervisor)
    assert "at most 12 months" in _problems(excinfo)["sanctions"]
    assert Case.objects.get(pk=case.pk).state == State.SUBMITTED


def test_conduct_without_rules_is_not_limited_by_the_table(make_draft):
    ProportionalityRule.objects.filter(catalogue_item__code="tax_major_violation").delete()
    draft = make_draft()
    assert proportionality.rules_for(draft) is None and proportionality.describe(draft) == ""


def test_the_caseworker_sees_the_limits_when_choosing_measures(client, make_draft, caseworker):
    draft = make_draft()
    client.force_login(caseworker)
    page = client.get(reverse("admin:cases_case_change", args=[draft.pk])).content.decode()
    assert "Allowed for serious conduct:" in page
    assert "at most 36 months" in page
