"""What a department system may read about a case through the data-sharing API (issue 19; DESIGN §7).

The "shared with authorised departments" field class, as an explicit allow-list (:data:`SHARED_CASE_FIELDS`): the
case's number, department, state and dates, its conduct and legal document, its measures, the dispute flags, and its
entity's name, kind and masked identifier. Never facts, notes, evidence, staff names or a clear identity number.
Which cases: the one permission policy, for the client's account (``accounts.permissions.scope``).
"""

from django.db.models import Prefetch

from accounts.permissions import scope

from ..models import Case, Sanction

SHARED_CASE_FIELDS = frozenset(
    {"number", "department", "state", "entity", "conduct", "severity", "legal_document", "measures", "decided_on",
     "record_ends_on", "under_objection", "under_legal_challenge"}
)  # fmt: skip


def case_for_sharing(number: str, *, user) -> Case | None:
    """The case with this number if ``user`` may see it under the policy (``None`` otherwise: out of scope = 404)."""
    return (
        scope(Case.objects.filter(number=number), user, "view")
        .select_related("department", "entity", "catalogue_item", "legal_document")
        .prefetch_related(
            Prefetch("sanctions", queryset=Sanction.objects.select_related("measure_type").order_by("pk"))
        )
        .only(
            "number",
            "state",
            "severity",
            "decided_at",
            "record_ends_on",
            "under_objection",
            "under_legal_challenge",
            "department__name",
            "entity__name",
            "entity__kind",
            "entity__uscc",
            "entity__id_number_masked",
            "catalogue_item__code",
            "catalogue_item__name_zh",
            "catalogue_item__name_en",
            "legal_document__type",
            "legal_document__number",
            "legal_document__issuer",
            "legal_document__issued_on",
        )
        .first()
    )


def entity_has_case_for_sharing(entity_id: int, *, user) -> bool:
    """Whether ``user`` may see at least one case of the entity under the policy (the same scope as
    :func:`case_for_sharing`): what lets a ``cases:read`` client learn that an entity without a public listing is
    known at all (the API's status)."""
    return scope(Case.objects.filter(entity_id=entity_id), user, "view").exists()


def case_shared_summary(case: Case) -> dict:
    """The shared field class of ``case`` (read by :func:`case_for_sharing`), and nothing else."""
    entity = case.entity
    document = getattr(case, "legal_document", None)
    item = case.catalogue_item
    summary = {
        "number": case.number,
        "department": case.department.name,
        "state": case.state,
        "entity": {"name": entity.name, "kind": entity.kind, "identifier": entity.display_identifier},
        "conduct": {"code": item.code, "name": {"zh": item.name_zh, "en": item.name_en}} if item else None,
        "severity": case.severity or None,
        "legal_document": (
            {
                "type": document.type,
                "number": document.number,
                "issuer": document.issuer,
                "issued_on": document.issued_on.isoformat(),
            }
            if document
            else None
        ),
        "measures": [
            {
                "measure": {
                    "code": s.measure_type.code,
                    "name": {"zh": s.measure_type.name_zh, "en": s.measure_type.name_en},
                },
                "status": s.status,
                "starts_on": s.starts_on.isoformat() if s.starts_on else None,
                "ends_on": (s.ended_on or s.planned_end_on).isoformat() if (s.ended_on or s.planned_end_on) else None,
            }
            for s in case.sanctions.all()
            if s.status != Sanction.Status.PROPOSED
        ],
        "decided_on": case.decided_at.date().isoformat() if case.decided_at else None,
        "record_ends_on": case.record_ends_on.isoformat() if case.record_ends_on else None,
        "under_objection": case.under_objection,
        "under_legal_challenge": case.under_legal_challenge,
    }
    return summary  # tests/api/test_endpoints.py holds it to SHARED_CASE_FIELDS
