"""What the portal reads: always through the policy (``accounts.permissions.scope``), never the full model.

The export is an explicit allow-list (DESIGN §7): the entity's own data and what it was told, without
internal working notes, evidence, staff names or other people's personal data.
"""

from django.contrib.contenttypes.models import ContentType
from django.db.models import Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from accounts.permissions import scope
from audit.models import AccessLog
from cases import clocks
from cases.models import Case, Evidence, Filing, Notice, Sanction, Statement
from entities.models import Entity


def my_entities(user) -> QuerySet:
    return scope(Entity.objects.all(), user, "view").order_by("name", "pk")


def my_entity(user, pk: int) -> Entity:
    """The entity ``pk`` if the user may see it (a representative: an entity they represent); 404 otherwise."""
    return get_object_or_404(my_entities(user), pk=pk)


def my_cases(user, *, entity: Entity | None = None, listing: bool = False) -> QuerySet:
    """The cases the user's entities may see, with their measures, filings, statements and legal document: a
    fixed number of queries. ``listing``: what the records list shows, without statements and legal document
    (one join fewer: planning the query cost more than running it, issue 11)."""
    queryset = scope(Case.objects.all(), user, "view")
    if entity is not None:
        queryset = queryset.filter(entity=entity)
    related = [
        Prefetch(
            "sanctions",
            queryset=Sanction.objects.exclude(status=Sanction.Status.WITHDRAWN).select_related("measure_type"),
        ),
        Prefetch("filings", queryset=Filing.objects.order_by("filed_at", "pk")),
    ]
    if not listing:
        related.append(
            Prefetch(
                "statements", queryset=Statement.objects.order_by("recorded_at", "pk").prefetch_related("attachments")
            )
        )
    joined = ["department", "entity", "catalogue_item", "publication", *([] if listing else ["legal_document"])]
    return queryset.select_related(*joined).prefetch_related(*related).order_by("-notice_served_at", "-pk")


def case_notices(user, case: Case) -> QuerySet:
    return scope(Notice.objects.filter(case=case), user, "view").order_by("served_at", "pk")


def case_filings(user, case: Case) -> QuerySet:
    """The case's objections, appeals and repair applications the user may see, oldest first, with attachments."""
    return scope(Filing.objects.filter(case=case), user, "view").order_by("filed_at", "pk")


def case_filing(user, case: Case, pk: int) -> Filing:
    """One filing of the case, with its attachments; 404 outside the user's scope."""
    return get_object_or_404(case_filings(user, case).prefetch_related("attachments"), pk=pk)


def case_statement(user, case: Case, pk: int) -> Statement:
    """One statement of the case; 404 outside the user's scope."""
    return get_object_or_404(scope(Statement.objects.filter(case=case).select_related("case"), user, "view"), pk=pk)


def my_notice(user, pk: int) -> Notice:
    """One notice served on the user's entity; 404 outside the user's scope."""
    return get_object_or_404(scope(Notice.objects.select_related("case"), user, "view"), pk=pk)


def notice_text(notice: Notice, language: str) -> tuple[str, str]:
    """(title, body) of a notice in ``language`` (Chinese for zh-*, English otherwise)."""
    if (language or "").startswith("zh"):
        return notice.title_zh, notice.body_zh
    return notice.title_en, notice.body_en


def access_log_for(entity: Entity) -> QuerySet:
    """Who read the entity's data: rows whose target is the entity, one of its cases, or their evidence."""
    case_ids = Case.objects.filter(entity=entity).values("pk")
    types = ContentType.objects.get_for_models(Entity, Case, Evidence)
    return (
        AccessLog.objects.filter(
            Q(target_type=types[Entity], target_id=entity.pk)
            | Q(target_type=types[Case], target_id__in=case_ids)
            | Q(target_type=types[Evidence], target_id__in=Evidence.objects.filter(case__in=case_ids).values("pk"))
        )
        .select_related("actor_department")
        .order_by("-at", "-pk")
    )


def _date(value):
    return value.isoformat() if value else None


def _case_export(case: Case, notices: list[Notice]) -> dict:
    document = getattr(case, "legal_document", None)
    publication = getattr(case, "publication", None)
    item = case.catalogue_item
    return {
        "number": case.number,
        "department": case.department.name,
        "state": case.state,
        "state_label": str(case.get_state_display()),
        "conduct": str(item) if item else None,
        "legal_basis_zh": item.legal_basis_zh if item else None,
        "legal_basis_en": item.legal_basis_en if item else None,
        "facts": case.facts,
        "legal_document": {
            "type": document.type,
            "number": document.number,
            "issuer": document.issuer,
            "issued_on": _date(document.issued_on),
        }
        if document
        else None,
        "notice_served_at": _date(case.notice_served_at),
        "statement_window_ends_on": _date(case.statement_window_ends_on),
        "decision_due_on": _date(case.decision_due_on),
        "decided_at": _date(case.decided_at),
        "record_ends_on": _date(case.record_ends_on),
        "repair_earliest_on": _date(case.repair_earliest_on),
        "measures": [
            {
                "measure": str(sanction.measure_type),
                "status": sanction.status,
                "duration_months": sanction.duration_months,
                "starts_on": _date(sanction.starts_on),
                "planned_end_on": _date(sanction.planned_end_on),
                "ended_on": _date(sanction.ended_on),
                "end_reason": sanction.end_reason,
            }
            for sanction in case.sanctions.all()
        ],
        "statements": [
            {
                "received_on": _date(statement.received_on),
                "text": statement.text,
                "attachments": [
                    {"name": a.original_name, "type": a.content_type, "size": a.size, "sha256": a.sha256}
                    for a in statement.attachments.all()
                ],
            }
            for statement in case.statements.all()
        ],
        "notices": [
            {
                "kind": notice.kind,
                "served_at": _date(notice.served_at),
                "respond_by": _date(notice.respond_by),
                "title_zh": notice.title_zh,
                "title_en": notice.title_en,
                "body_zh": notice.body_zh,
                "body_en": notice.body_en,
            }
            for notice in notices
        ],
        "publication": {
            "published_from": _date(publication.published_from),
            "min_end_on": _date(publication.min_end_on),
            "max_end_on": _date(publication.max_end_on),
            "ended_on": _date(publication.ended_on),
            "end_reason": publication.end_reason,
        }
        if publication
        else None,
    }


def entity_export(user, entity: Entity) -> dict:
    """Everything held about ``entity`` that is the entity's to see, as plain JSON-ready data."""
    cases = list(my_cases(user, entity=entity))
    notices_by_case: dict[int, list[Notice]] = {}
    for notice in scope(Notice.objects.filter(case__in=[c.pk for c in cases]), user, "view").order_by("served_at"):
        notices_by_case.setdefault(notice.case_id, []).append(notice)
    own = entity.representatives.filter(user=user).order_by("valid_from").first()
    return {
        "exported_at": timezone.now().isoformat(),
        "entity": {
            "name": entity.name,
            "kind": entity.kind,
            "identifier": entity.display_identifier,
            "region_code": entity.region_code,
            "registered_at": _date(entity.created_at),
        },
        # Only the requesting representative's own link: other representatives are other people's data.
        "my_representation": {
            "relationship": own.relationship,
            "valid_from": _date(own.valid_from),
            "valid_to": _date(own.valid_to),
        }
        if own
        else None,
        "cases": [_case_export(case, notices_by_case.get(case.pk, [])) for case in cases],
        "filings": [
            {
                "reference": filing.reference,
                "case": filing.case.number,
                "kind": filing.kind,
                "status": filing.status,
                "filed_at": _date(filing.filed_at),
                "text": filing.text,
                "review_due_on": _date(filing.due_on),
                "documents_requested": filing.missing or None,
                "outcome": filing.outcome or None,
                "reasons": filing.reasons if filing.status == Filing.Status.DECIDED else None,
                "decided_at": _date(filing.decided_at),
                "attachments": [
                    {"name": a.original_name, "type": a.content_type, "size": a.size, "sha256": a.sha256}
                    for a in filing.attachments.all()
                ],
            }
            for filing in Filing.objects.filter(case__in=[c.pk for c in cases])
            .select_related("case")
            .prefetch_related("attachments")
            .order_by("filed_at", "pk")
        ],
        "access_log": [
            {
                "at": _date(row.at),
                "department": row.actor_department.name if row.actor_department else None,
                "action": row.action,
                "channel": "api" if row.via_api else "staff",
                "purpose": row.purpose,
            }
            for row in access_log_for(entity)
        ],
    }


def case_deadlines(case: Case, *, today=None) -> list[dict]:
    """The case's clocks with the days left (negative: passed)."""
    today = today or timezone.localdate()
    rows = []
    for clock in clocks.case_clocks(case, today=today):
        rows.append({"clock": clock, "days_left": (clock.on - today).days if clock.on else None})
    return rows
