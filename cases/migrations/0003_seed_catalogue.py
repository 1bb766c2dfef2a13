"""Seed the catalogue and the holiday calendar from the frozen files in ``cases/data`` (see its README).

This migration loads the legal sources, catalogue items, measure types and rule periods, plus two
``portal_default`` deadlines that the workflow needs, and the State Council holiday days for 2024 to 2026.
It writes no history rows for the seed. simple-history's ``bulk_create_with_history`` needs the real
model classes, and a migration only has the historical ones. A row's history starts at its first
edit in the admin.
"""

import csv
import datetime
import json
from pathlib import Path

from django.db import migrations

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
CATALOGUE_FILE = DATA_DIR / "catalogue-2026-11-27.json"
HOLIDAYS_FILE = DATA_DIR / "cn-holidays-2024-2026.csv"

# The dataset says "other_org"; entities.models.Entity.Kind says "other_organisation".
ENTITY_KINDS = {
    "natural_person": "natural_person",
    "legal_person": "legal_person",
    "other_org": "other_organisation",
    "government_body": "government_body",
}
PUBLISHABLE = {True: "yes", False: "no", "per-case": "per_case"}

# The dataset has no row for these, but the workflow needs them (issue: review and decision deadlines).
PORTAL_DEFAULT_NOTE = "Project proposal; 49号 requires a time limit but fixes none; administrators confirm or change."
PORTAL_DEFAULT_PERIODS = [
    {
        "key": "portal.review.due",
        "regime": "portal_default",
        "period_kind": "process_deadline",
        "severity": "any",
        "value": 10,
        "unit": "working_days",
        "effective_from": "2020-12-18",
        "effective_to": None,
        "status": "in_force",
        "starts_from": "submission",
        "sector_scope": None,
        "applies_to_catalogue_items": None,
        "sources": ["gov_2020_49"],
        "confidence": "inferred",
        "notes": PORTAL_DEFAULT_NOTE,
    },
    {
        "key": "portal.decision.due",
        "regime": "portal_default",
        "period_kind": "process_deadline",
        "severity": "any",
        "value": 10,
        "unit": "working_days",
        "effective_from": "2020-12-18",
        "effective_to": None,
        "status": "in_force",
        "starts_from": "end_of_statement_window",
        "sector_scope": None,
        "applies_to_catalogue_items": None,
        "sources": ["gov_2020_49"],
        "confidence": "inferred",
        "notes": PORTAL_DEFAULT_NOTE,
    },
]


def load_catalogue() -> dict:
    with CATALOGUE_FILE.open(encoding="utf-8") as f:
        return json.load(f)


def load_holidays() -> list[dict]:
    with HOLIDAYS_FILE.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def rule_period_rows(data: dict) -> list[dict]:
    return data["rule_periods"] + PORTAL_DEFAULT_PERIODS


def _date(value):
    return datetime.date.fromisoformat(value) if value else None


def _full_date_or_none(value):
    """``"2021-07-30"`` → a date; a partial date like ``"2024-02"`` or ``"2017"`` → None."""
    try:
        return datetime.date.fromisoformat(value) if value and len(value) == 10 else None
    except ValueError:
        return None


def _lines(*labelled) -> str:
    """Labelled lines, so every source field not mapped to a model field is kept in ``notes``."""
    return "\n".join(f"{label}: {value}" for label, value in labelled if value not in (None, "", []))


def _kinds(subjects, where) -> list[str]:
    try:
        return [ENTITY_KINDS[s] for s in subjects]
    except KeyError as exc:
        raise ValueError(f"{where}: unknown subject kind {exc}") from exc


def _basis(citations, lang) -> str:
    return "\n".join(c[lang] for c in citations)


def _resolve(codes, by_code, where):
    missing = sorted(set(codes) - set(by_code))
    if missing:
        raise ValueError(f"{where}: unknown code(s) {', '.join(missing)}")
    return [by_code[c] for c in codes]


def _link(field, rows, by_owner, targets_by_code, what):
    """Bulk-create the M2M through rows of ``field`` (owner code → target codes); unknown codes fail loudly."""
    through = field.remote_field.through
    owner_col = f"{field.m2m_field_name()}_id"
    target_col = f"{field.m2m_reverse_field_name()}_id"
    links = []
    for owner_code, codes in rows:
        for target_pk in _resolve(codes or [], targets_by_code, f"{what} {owner_code}"):
            links.append(through(**{owner_col: by_owner[owner_code], target_col: target_pk}))
    through.objects.bulk_create(links)


def seed(apps, schema_editor):
    LegalSource = apps.get_model("cases", "LegalSource")
    CatalogueItem = apps.get_model("cases", "CatalogueItem")
    MeasureType = apps.get_model("cases", "MeasureType")
    RulePeriod = apps.get_model("cases", "RulePeriod")
    CalendarDay = apps.get_model("cases", "CalendarDay")
    data = load_catalogue()

    LegalSource.objects.bulk_create(
        LegalSource(
            code=s["id"],
            title_zh=s["title_zh"],
            title_en=s["title_en"],
            issued_on=_full_date_or_none(s.get("issued")),
            kind=s.get("kind") or "",
            urls=s.get("urls") or [],
            note=_lines(
                ("Note", s.get("note")),
                # A partial issue date ("2024-02") does not fit a DateField; keep it as written.
                ("Issued", s.get("issued") if not _full_date_or_none(s.get("issued")) else None),
                ("Document number", s.get("doc_no")),
                ("In force from", s.get("effective_from")),
            ),
        )
        for s in data["sources"]
    )
    sources = dict(LegalSource.objects.values_list("code", "pk"))

    items = data["catalogue_items"]
    CatalogueItem.objects.bulk_create(
        CatalogueItem(
            code=i["code"],
            name_zh=i["name_zh"],
            name_en=i["name_en"],
            category_zh=i.get("catalogue_category_zh") or "",
            category_en=i.get("catalogue_category_en") or "",
            legal_basis_zh=_basis(i["legal_basis"], "zh"),
            legal_basis_en=_basis(i["legal_basis"], "en"),
            recording_authority_zh=i.get("recording_authority_zh") or "",
            recording_authority_en=i.get("recording_authority_en") or "",
            court_only=i["court_only"],
            applicable_kinds=_kinds(i["applicable_subjects"], i["code"]),
            default_severity=i["default_severity"],
            publishable=PUBLISHABLE[i["publishable"]],
            retention_years=i.get("retention_years"),
            confidence=i["confidence"],
            notes=_lines(
                ("Severity rule", i.get("severity_rule")),
                ("Default severity confidence", i.get("default_severity_confidence")),
                ("Catalogue category confidence", i.get("catalogue_category_confidence")),
                ("Publication", i.get("publish_note")),
                ("May enter a serious list", "yes" if i.get("may_enter_serious_list") else "no"),
                ("Serious list", i.get("serious_list_name_zh")),
                ("Serious list criterion (zh)", i.get("serious_list_criterion_zh")),
                ("Serious list criterion (en)", i.get("serious_list_criterion_en")),
                ("Grounds (zh)", i.get("grounds_zh")),
                ("Grounds (en)", i.get("grounds_en")),
                ("Retention basis", i.get("retention_basis")),
                ("Confidence notes", i.get("confidence_notes")),
            ),
        )
        for i in items
    )
    catalogue = dict(CatalogueItem.objects.values_list("code", "pk"))
    item_sources = [(i["code"], i["sources"]) for i in items]
    _link(CatalogueItem._meta.get_field("sources"), item_sources, catalogue, sources, "catalogue item")

    measures = data["measure_types"]
    MeasureType.objects.bulk_create(
        MeasureType(
            code=m["code"],
            name_zh=m["name_zh"],
            name_en=m["name_en"],
            category=m["category"],
            legal_basis_zh=_basis(m["legal_basis"], "zh"),
            legal_basis_en=_basis(m["legal_basis"], "en"),
            applicable_kinds=_kinds(m["applicable_subjects"], m["code"]),
            authority=m["authority"],
            max_duration_months=m.get("max_duration_months"),
            duration_rule=m.get("duration_rule") or "",
            confidence=m["confidence"],
            notes=_lines(
                ("Note", m.get("notes")),
                ("Imposed by", m.get("imposing_body_en")),
                ("Category confidence", m.get("category_confidence")),
            ),
        )
        for m in measures
    )
    measure_pks = dict(MeasureType.objects.values_list("code", "pk"))
    measure_items = [(m["code"], m["applies_to_catalogue_items"]) for m in measures]
    _link(MeasureType._meta.get_field("catalogue_items"), measure_items, measure_pks, catalogue, "measure type")
    measure_sources = [(m["code"], m["sources"]) for m in measures]
    _link(MeasureType._meta.get_field("sources"), measure_sources, measure_pks, sources, "measure type")

    periods = rule_period_rows(data)
    RulePeriod.objects.bulk_create(
        RulePeriod(
            key=p["key"],
            regime=p["regime"],
            kind=p["period_kind"],
            severity=p["severity"],
            value=p["value"],
            unit=p["unit"],
            effective_from=_date(p["effective_from"]),
            effective_to=_date(p.get("effective_to")),
            starts_from=p.get("starts_from") or "",
            sector_scope=p.get("sector_scope"),
            confidence=p["confidence"],
            notes=_lines(("Note", p.get("notes")), ("Status", p.get("status"))),
        )
        for p in periods
    )
    period_pks = dict(RulePeriod.objects.values_list("key", "pk"))
    period_items = [(p["key"], p["applies_to_catalogue_items"]) for p in periods]
    _link(RulePeriod._meta.get_field("catalogue_items"), period_items, period_pks, catalogue, "rule period")
    period_sources = [(p["key"], p["sources"]) for p in periods]
    _link(RulePeriod._meta.get_field("sources"), period_sources, period_pks, sources, "rule period")

    CalendarDay.objects.bulk_create(
        CalendarDay(
            date=_date(row["date"]),
            kind=row["kind"],
            name_zh=row["name_zh"],
            name_en=row["name_en"],
            notice=row["year_notice"],
            source=row["source"],
        )
        for row in load_holidays()
    )


def unseed(apps, schema_editor):
    """Delete exactly the rows ``seed`` created, by their natural keys in the same frozen files."""
    data = load_catalogue()
    apps.get_model("cases", "CalendarDay").objects.filter(date__in=[_date(r["date"]) for r in load_holidays()]).delete()
    apps.get_model("cases", "RulePeriod").objects.filter(key__in=[p["key"] for p in rule_period_rows(data)]).delete()
    apps.get_model("cases", "MeasureType").objects.filter(code__in=[m["code"] for m in data["measure_types"]]).delete()
    apps.get_model("cases", "CatalogueItem").objects.filter(
        code__in=[i["code"] for i in data["catalogue_items"]]
    ).delete()
    apps.get_model("cases", "LegalSource").objects.filter(code__in=[s["id"] for s in data["sources"]]).delete()


class Migration(migrations.Migration):
    dependencies = [("cases", "0002_sync_roles")]

    operations = [migrations.RunPython(seed, unseed)]
