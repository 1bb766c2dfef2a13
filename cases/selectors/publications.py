"""What the public register (and later the data-sharing API) may read about published cases (DESIGN §7; issue 18).

Everything leaves through an explicit allow-list: the masked publication snapshot written at decision
(``Publication.snapshot``), the entity's own statement and the two dispute flags. The search keys
(department, conduct, measures, dates) are ids and dates, never text from the case. Adding a field to
``Case`` or ``Entity`` cannot add it here: :data:`PUBLIC_ENTRY_FIELDS` is the whole public content and a
test holds it.
"""

import datetime
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.db.models import Prefetch
from django.utils import timezone

from entities.models import Entity

from ..models import CatalogueItem, MeasureType, Publication, Sanction
from ..workflow import State

# The public content of one entry, and nothing else (tests/register/test_public_fields.py holds it).
PUBLIC_ENTRY_FIELDS = frozenset(
    {"entity", "conduct", "legal_basis", "department", "document", "measures", "published_from", "ends_on",
     "statement", "under_objection", "under_legal_challenge"}
)  # fmt: skip
PUBLIC_ENTITY_FIELDS = frozenset({"name", "identifier", "kind"})
# Only a case in this state is on the register: repaired, revoked, expired cases are not, whatever the dates say.
LISTED_STATE = State.SANCTIONED
# Sanctions that are shown: running ones (ended or withdrawn measures are not in force any more).
_RUNNING = (Sanction.Status.PENDING, Sanction.Status.ACTIVE)


@dataclass(frozen=True)
class RegisterRow:
    """One publication as the register indexes it: the public content plus the keys it is searched and filtered by."""

    publication_id: int
    content: dict
    name: str
    uscc: str  # organisations only; "" for natural persons
    natural_person: bool
    minor: bool
    listed: bool  # the case is in the listed state
    department_id: int
    catalogue_item_id: int | None
    measure_type_ids: tuple[int, ...]
    decided_on: datetime.date | None
    published_from: datetime.date
    max_end_on: datetime.date
    ended_on: datetime.date | None


def _public_entry(publication: Publication, *, kind: str) -> dict:
    snapshot = publication.snapshot or {}
    entity = snapshot.get("entity") or {}
    return {
        "entity": {
            "name": entity.get("name", ""),
            "identifier": entity.get("identifier", ""),
            "kind": kind,  # Entity.Kind: natural person, legal person, other organisation, government body
        },
        "conduct": snapshot.get("conduct") or {},
        "legal_basis": snapshot.get("legal_basis") or {},
        "department": snapshot.get("department", ""),
        "document": snapshot.get("document") or {},
        "measures": [
            {"name": m.get("name") or {}, "starts_on": m.get("starts_on"), "ends_on": m.get("ends_on")}
            for m in snapshot.get("measures") or []
        ],
        "published_from": snapshot.get("published_from"),
        "ends_on": publication.max_end_on.isoformat(),
        "statement": publication.entity_statement,
        "under_objection": publication.case.under_objection,
        "under_legal_challenge": publication.case.under_legal_challenge,
    }


def _row(publication: Publication, *, today: datetime.date) -> RegisterRow:
    case, entity = publication.case, publication.case.entity
    natural_person = entity.kind == Entity.Kind.NATURAL_PERSON
    document = (publication.snapshot or {}).get("document") or {}
    return RegisterRow(
        publication_id=publication.pk,
        content=_public_entry(publication, kind=entity.kind),
        name=((publication.snapshot or {}).get("entity") or {}).get("name", ""),
        uscc="" if natural_person else (entity.uscc or ""),
        natural_person=natural_person,
        minor=entity.is_minor(on=today),
        listed=case.state == LISTED_STATE,
        department_id=case.department_id,
        catalogue_item_id=case.catalogue_item_id,
        measure_type_ids=tuple(s.measure_type_id for s in case.running_sanctions),
        decided_on=datetime.date.fromisoformat(document["date"]) if document.get("date") else None,
        published_from=publication.published_from,
        max_end_on=publication.max_end_on,
        ended_on=publication.ended_on,
    )


def register_rows(publication_ids: Iterable[int] | None = None, *, chunk_size: int = 500) -> Iterator[RegisterRow]:
    """Every publication (or those of ``publication_ids``), as the register indexes them, in pages (flat memory)."""
    today = timezone.localdate()
    queryset = Publication.objects.select_related("case__entity").only(
        "snapshot", "published_from", "max_end_on", "ended_on", "entity_statement",
        "case__state", "case__department_id", "case__catalogue_item_id", "case__under_objection",
        "case__under_legal_challenge", "case__entity__kind", "case__entity__uscc", "case__entity__id_number",
    ).prefetch_related(
        Prefetch("case__sanctions", to_attr="running_sanctions",
                 queryset=Sanction.objects.filter(status__in=_RUNNING).only("case_id", "measure_type_id"))
    )  # fmt: skip
    if publication_ids is not None:
        queryset = queryset.filter(pk__in=list(publication_ids))
    last = 0
    while True:
        page = list(queryset.filter(pk__gt=last).order_by("pk")[:chunk_size])
        if not page:
            return
        for publication in page:
            yield _row(publication, today=today)
        last = page[-1].pk


def publication_ids_of_case(case_id: int) -> list[int]:
    """The publication of a case (zero or one), for the register to refresh when the case's flags change."""
    return list(Publication.objects.filter(case_id=case_id).values_list("pk", flat=True))


def conduct_choices():
    """The catalogue's conduct categories that may appear on the register (the public search's filter)."""
    return CatalogueItem.objects.exclude(publishable=CatalogueItem.Publishable.NO).only("name_zh", "name_en")


def measure_choices():
    """The measures a published entry can carry (the public search's filter)."""
    return MeasureType.objects.only("name_zh", "name_en")
