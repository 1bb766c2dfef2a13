"""Notices served to the entity (DESIGN §4–5): rendered from versioned templates, stored as served.

Each notice is rendered in Chinese and in English from ``templates/notices/<kind>.<language>.txt``;
the text stored is exactly what was served, so later template changes never rewrite history.
"""

from django.template.loader import render_to_string
from django.utils import timezone, translation

from accounts.models import User
from audit.history import attribute

from ..models import Case, Notice, Sanction
from . import notifications

# Bump when a template's wording changes: each notice records the version it was rendered from.
TEMPLATE_VERSION = "2026-11-27.3"
LANGUAGES = ("zh-hans", "en")
TITLES = {
    "pre_decision": {"zh-hans": "失信行为认定事先告知书", "en": "Notice prior to a decision on dishonest conduct"},
    "decision": {"zh-hans": "失信行为认定决定书", "en": "Decision on dishonest conduct"},
    "expiry": {"zh-hans": "失信信息记录期满通知书", "en": "Notice of the end of the record period"},
    "filing_receipt": {"zh-hans": "申请受理回执", "en": "Receipt of your filing"},
    "repair_incomplete": {
        "zh-hans": "信用修复申请补正材料通知书",
        "en": "Request for missing documents (credit repair)",
    },
    "filing_decision": {"zh-hans": "复核决定书", "en": "Decision on your filing"},
}


def _entity_language(representations: list) -> str:
    """The language of the entity's first representative, Chinese when it has none."""
    return representations[0].user.preferred_language if representations else "zh-hans"


def _in(language: str, zh: str, en: str) -> str:
    return en if language == "en" else zh


def _rows(case: Case) -> dict:
    """What both languages' texts show of the case's other rows: read once per notice, not once per language."""
    sanctions = case.sanctions.select_related("measure_type").exclude(status=Sanction.Status.WITHDRAWN)
    return {"sanctions": list(sanctions), "decision": case.decisions.first()}


def _context(case: Case, language: str, respond_by, filing=None, rows: dict | None = None) -> dict:
    rows = rows if rows is not None else _rows(case)
    item = case.catalogue_item
    document = getattr(case, "legal_document", None)
    measures = [
        {
            "name": _in(language, s.measure_type.name_zh, s.measure_type.name_en),
            "legal_basis": _in(language, s.measure_type.legal_basis_zh, s.measure_type.legal_basis_en),
            "duration_months": s.duration_months,
            "starts_on": s.starts_on,
            "planned_end_on": s.planned_end_on,
            "ended_on": s.ended_on,
            "recorded_only": s.recorded_only,
        }
        for s in rows["sanctions"]
    ]
    served_on = timezone.localdate()
    return {
        "case": case,
        "entity": case.entity,
        "department": case.department,
        "conduct": _in(language, item.name_zh, item.name_en) if item else "",
        "legal_basis": _in(language, item.legal_basis_zh, item.legal_basis_en) if item else "",
        "severity": case.get_severity_display(),
        "document": document,
        "document_type": document.get_type_display() if document else "",
        "measures": measures,
        "served_on": served_on,
        "respond_by": respond_by,
        "respond_days": (respond_by - served_on).days if respond_by else None,
        "decision": rows["decision"],
        "dismissed": case.state == "dismissed",
        "publication": getattr(case, "publication", None),
        "record_ends_on": case.record_ends_on,
        "repair_earliest_on": case.repair_earliest_on,
        "filing": filing,
    }


def notice_issue(
    *, case: Case, kind: str, actor: User, respond_by=None, filing=None, rows: dict | None = None
) -> Notice:
    """Render the notice in both languages, store it as served, tell the entity's representatives, return it.

    ``filing`` is the objection, appeal or repair application a receipt, request or decision answers. ``rows``:
    what :func:`_rows` would read (the measures not withdrawn, in their order, and the latest decision), from a
    caller that holds them already.
    """
    texts, rows = {}, rows if rows is not None else _rows(case)
    # Read once: the first one's language is the notice's, the current ones are told (issue 22).
    representations = notifications.entity_representations(case)
    for language in LANGUAGES:
        with translation.override(language):
            texts[language] = render_to_string(
                f"notices/{kind}.{language}.txt", _context(case, language, respond_by, filing, rows)
            ).strip()
    notice = Notice(
        case=case,
        kind=kind,
        template_version=TEMPLATE_VERSION,
        language=_entity_language(representations),
        title_zh=TITLES[kind]["zh-hans"],
        title_en=TITLES[kind]["en"],
        body_zh=texts["zh-hans"],
        body_en=texts["en"],
        respond_by=respond_by,
        served_at=timezone.now(),
        issued_by=actor,
    )
    attribute(notice, actor=actor, reason=f"{kind} notice served")
    notice.save()
    notifications.notification_send_notice_served(notice, actor=actor, representations=representations)
    return notice
