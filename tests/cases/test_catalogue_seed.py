"""Migration 0003 seeds the catalogue and the holiday calendar from the frozen files in cases/data."""

import hashlib
import importlib
import json
from pathlib import Path

import pytest
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.db.models import Count

from cases.models import CalendarDay, CatalogueItem, LegalSource, MeasureType, RulePeriod
from entities.models import Entity

pytestmark = pytest.mark.django_db

seed_migration = importlib.import_module("cases.migrations.0003_seed_catalogue")
# 0005 adds the two statutory appeal deadlines (and their laws) that the case clocks show.
appeal_migration = importlib.import_module("cases.migrations.0005_lifecycle")
# 0008 adds the review deadlines of appeals and (before 2025) of credit repair.
review_migration = importlib.import_module("cases.migrations.0008_review_deadlines")
proportionality_migration = importlib.import_module("cases.migrations.0013_proportionality_rules")
DATA_DIR = Path(seed_migration.__file__).resolve().parent.parent / "data"
CATALOGUE = json.loads((DATA_DIR / "catalogue-2026-11-27.json").read_text(encoding="utf-8"))
FROZEN = {
    "catalogue-2026-11-27.json": "2ac102eec81935ff48be4e59b6997959a856a3551f76840c4181eacdf82b69c0",
    "cn-holidays-2024-2026.csv": "9d2955961a9e3dca7e7285835492aa132ad2eb09f482c2b2fee33a69de7a375e",
}
SEEDED = [LegalSource, CatalogueItem, MeasureType, RulePeriod, CalendarDay]


def _counts():
    return {model.__name__: model.objects.count() for model in SEEDED}


@pytest.mark.parametrize("name", list(FROZEN))
def test_frozen_inputs_are_unchanged(name):
    """Editing a migration's input would make fresh databases differ from migrated ones (cases/data/README.md)."""
    assert hashlib.sha256((DATA_DIR / name).read_bytes()).hexdigest() == FROZEN[name]


def test_counts_equal_the_files():
    assert (len(CATALOGUE["sources"]), len(CATALOGUE["catalogue_items"]), len(CATALOGUE["measure_types"])) == (
        48,
        25,
        25,
    )
    assert _counts() == {
        "LegalSource": 48 + 2,
        "CatalogueItem": 25,
        "MeasureType": 25,
        # the dataset, 0003's two process deadlines, 0005's two appeal deadlines, 0008's two review deadlines
        "RulePeriod": len(CATALOGUE["rule_periods"]) + 2 + 2 + 2,
        "CalendarDay": 108,
    }
    assert RulePeriod.objects.count() == 69 + 2 + 2 + 2


def test_every_catalogue_item_cites_a_source():
    assert not CatalogueItem.objects.annotate(n=Count("sources")).filter(n=0).exists()


def test_measure_and_rule_links_resolve_as_in_the_file():
    for row in CATALOGUE["measure_types"]:
        measure = MeasureType.objects.get(code=row["code"])
        assert set(measure.catalogue_items.values_list("code", flat=True)) == set(row["applies_to_catalogue_items"])
        assert set(measure.sources.values_list("code", flat=True)) == set(row["sources"])
    for row in CATALOGUE["rule_periods"]:
        period = RulePeriod.objects.get(key=row["key"])
        assert set(period.catalogue_items.values_list("code", flat=True)) == set(
            row["applies_to_catalogue_items"] or []
        )
        assert set(period.sources.values_list("code", flat=True)) == set(row["sources"])


@pytest.mark.parametrize(
    "conduct, codes",
    [
        ("tax evasion", ["tax_evasion_penalty", "tax_major_violation"]),
        ("commercial or contract fraud", ["contract_fraud"]),
        ("debt evasion", ["sme_payment_arrears", "court_dishonest_judgment_debtor"]),
        ("false advertising", ["false_advertising"]),
        ("food and drug safety", ["food_safety_serious", "drug_device_cosmetic_serious"]),
    ],
)
def test_required_conduct_is_in_the_catalogue(conduct, codes):
    assert CatalogueItem.objects.filter(code__in=codes).count() == len(codes), conduct


def test_court_only_rows():
    assert set(CatalogueItem.objects.filter(court_only=True).values_list("code", flat=True)) == {
        "court_dishonest_judgment_debtor",
        "court_consumption_restricted_debtor",
    }
    court_measures = {m["code"] for m in CATALOGUE["measure_types"] if m["authority"] == "court_only"}
    assert court_measures == {"high_consumption_restriction", "travel_restriction_court", "exit_restriction_court"}
    assert (
        set(MeasureType.objects.filter(authority=MeasureType.Authority.COURT_ONLY).values_list("code", flat=True))
        == court_measures
    )
    # Exit bans for unpaid tax are imposed by an agency (catalogue.md §5.5).
    assert MeasureType.objects.get(code="exit_ban_tax_arrears").authority == MeasureType.Authority.AGENCY


def test_subject_kinds_are_the_entity_kinds():
    kinds = set(Entity.Kind.values)
    for model in (CatalogueItem, MeasureType):
        for applicable in model.objects.values_list("applicable_kinds", flat=True):
            assert applicable and set(applicable) <= kinds
    assert "other_organisation" in CatalogueItem.objects.get(code="contract_fraud").applicable_kinds


def test_publishable_and_legal_basis_mapping():
    assert CatalogueItem.objects.get(code="contract_fraud").publishable == CatalogueItem.Publishable.PER_CASE
    item = CatalogueItem.objects.get(code="tax_major_violation")
    assert item.publishable == CatalogueItem.Publishable.YES
    assert item.legal_basis_en.splitlines() == [c["en"] for c in CATALOGUE["catalogue_items"][0]["legal_basis"]]
    assert item.legal_basis_zh.count("\n") == 1


def test_nothing_in_the_source_rows_is_lost():
    for row in CATALOGUE["catalogue_items"]:
        notes = CatalogueItem.objects.get(code=row["code"]).notes
        for field in (
            "severity_rule",
            "publish_note",
            "retention_basis",
            "confidence_notes",
            "serious_list_criterion_en",
        ):
            assert row[field] in notes, (row["code"], field)
        if row.get("serious_list_name_zh"):
            assert row["serious_list_name_zh"] in notes
    for row in CATALOGUE["measure_types"]:
        assert row["imposing_body_en"] in MeasureType.objects.get(code=row["code"]).notes
    for row in CATALOGUE["rule_periods"]:
        assert f"Status: {row['status']}" in RulePeriod.objects.get(key=row["key"]).notes


def test_partial_issue_dates_are_kept_in_the_note():
    assert str(LegalSource.objects.get(code="gov_2020_49").issued_on) == "2020-12-18"
    partial = LegalSource.objects.get(code="catalogue_2024")
    assert partial.issued_on is None
    assert "Issued: 2024-02" in partial.note
    assert "203号" in partial.note
    assert LegalSource.objects.get(code="ndrc_2017_notice").issued_on is None


def test_portal_default_deadlines():
    for key, starts_from in [("portal.review.due", "submission"), ("portal.decision.due", "end_of_statement_window")]:
        period = RulePeriod.objects.get(key=key)
        assert (period.kind, period.severity, period.value, period.unit) == (
            "process_deadline",
            "any",
            10,
            "working_days",
        )
        assert (period.regime, period.confidence, period.starts_from) == ("portal_default", "inferred", starts_from)
        assert str(period.effective_from) == "2020-12-18" and period.effective_to is None
        assert list(period.sources.values_list("code", flat=True)) == ["gov_2020_49"]
        assert "administrators confirm or change" in period.notes


def test_holiday_calendar_has_2024_to_2026_and_no_invented_2027():
    years = {d.year for d in CalendarDay.objects.dates("date", "year")}
    assert years == {2024, 2025, 2026}
    day = CalendarDay.objects.get(date="2026-09-20")
    assert (day.kind, day.name_zh) == ("workday", "国庆节")
    assert "国办发明电〔2025〕7号" in day.notice and day.source.startswith("text: ")


def _state_apps(migration):
    return MigrationLoader(connection).project_state(("cases", migration)).apps


def test_reverse_deletes_exactly_what_it_created():
    apps = _state_apps("0003_seed_catalogue")
    kept = CatalogueItem.objects.create(
        code="added_by_an_administrator", name_zh="测试", name_en="Test", legal_basis_zh="-", legal_basis_en="-",
        default_severity="general", publishable="no", confidence="inferred",
    )  # fmt: skip
    proportionality_migration.unseed(_state_apps("0013_proportionality_rules"), None)  # reversed first, as migrate does
    review_migration.remove(_state_apps("0008_review_deadlines"), None)
    appeal_migration.unseed_appeal_periods(_state_apps("0005_lifecycle"), None)
    seed_migration.unseed(apps, None)
    assert _counts() == {model.__name__: 0 for model in SEEDED} | {"CatalogueItem": 1}
    assert CatalogueItem.objects.get() == kept
    assert not RulePeriod.catalogue_items.through.objects.exists()
    assert not MeasureType.sources.through.objects.exists()

    kept.delete()
    seed_migration.seed(apps, None)  # forward again: the same rows as the first run
    assert _counts() == {
        "LegalSource": 48,
        "CatalogueItem": 25,
        "MeasureType": 25,
        "RulePeriod": 71,
        "CalendarDay": 108,
    }


def test_an_unknown_code_fails_loudly(monkeypatch):
    apps = _state_apps("0003_seed_catalogue")
    proportionality_migration.unseed(_state_apps("0013_proportionality_rules"), None)
    seed_migration.unseed(apps, None)
    data = json.loads(json.dumps(CATALOGUE))
    data["measure_types"][0]["applies_to_catalogue_items"] = ["no_such_item"]
    monkeypatch.setattr(seed_migration, "load_catalogue", lambda: data)
    with pytest.raises(ValueError, match="measure type licence_application_bar: unknown code"):
        seed_migration.seed(apps, None)
