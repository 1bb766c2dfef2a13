"""The retention purge (DESIGN §7, §8; issue 8): natural persons are de-identified when their retention ends.

A natural person's personal data (name, identity number) is kept while anything recorded against them may
still matter, and de-identified afterwards (PIPL art. 47):

- every case against the person is closed (expired, credit repaired, revoked, rejected or dismissed),
- the retention period of each has run: the catalogue item's ``retention_years`` (or
  ``AUDIT_RETENTION_DEFAULT_YEARS``, default 5) counted from the day the case was closed (its last change),
- and the person is no current responsible person of an organisation.

Persons with no case at all are left alone: they are registered as responsible persons of organisations,
whose own cases decide. :func:`purge_expired` de-identifies each through the de-identifiers the apps above
register in their ``AppConfig.ready`` (audit imports none of them; docs/architecture.md, "Seams"): the person
(``entities``: ``entity_deidentify``), then the records that name them (``cases``: the notices served on the
person and their published entries; history rows through the one audited purge path, live rows as attributed
changes by the system account), one transaction per person; a de-identified person no longer matches, so
running it again does nothing. ``manage.py purge_expired_personal_data`` runs it (``--dry-run`` lists what it would do).
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field

from django.apps import apps
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.db.models import Max, OuterRef, Q, Subquery
from django.utils import timezone

CLOSED_STATES = ("expired", "repaired", "revoked", "rejected", "dismissed")

# -- the seams: who de-identifies what, and as whom (filled by the apps' AppConfig.ready) --------------------

_person_deidentifier: list[Callable] = []
_records_deidentifiers: list[Callable] = []
_system_actor: list[Callable] = []


def person_deidentifier_register(deidentify: Callable) -> None:
    """``deidentify(*, entity, actor, reason) -> bool``: the person's own row; False if already done."""
    _person_deidentifier[:] = [deidentify]


def records_deidentifier_register(deidentify: Callable) -> None:
    """``deidentify(*, entity, actor, reason) -> int``: other records naming the person; run after the person."""
    if deidentify not in _records_deidentifiers:
        _records_deidentifiers.append(deidentify)


def system_actor_register(provider: Callable) -> None:
    """``provider() -> user``: the account the purge acts as (``accounts.services.system_actor``)."""
    _system_actor[:] = [provider]


def system_actor():
    if not _system_actor:
        raise ImproperlyConfigured("No system account registered (AccountsConfig.ready registers it).")
    return _system_actor[0]()


def default_retention_years() -> int:
    return int(getattr(settings, "AUDIT_RETENTION_DEFAULT_YEARS", 5))


def _add_years(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February → 28 February
        return day.replace(year=day.year + years, day=28)


@dataclass
class Expired:
    """A person whose retention has ended: since when, and because of which (closed) cases."""

    entity_id: int
    masked_identifier: str
    retention_ended_on: datetime.date
    case_numbers: list[str] = field(default_factory=list)
    history_rows: int = 0

    def __str__(self):
        return (
            f"entity #{self.entity_id} ({self.masked_identifier or '—'}): retention ended on "
            f"{self.retention_ended_on}; cases {', '.join(self.case_numbers)}; {self.history_rows} history row(s)"
        )


def expired_persons(*, today: datetime.date | None = None) -> list[Expired]:
    """Natural persons still identified whose retention has ended by ``today``, oldest end first."""
    Entity = apps.get_model("entities", "Entity")
    Case = apps.get_model("cases", "Case")
    today = today or timezone.localdate()
    EntityRelation = apps.get_model("entities", "EntityRelation")
    current_roles = EntityRelation.objects.filter(Q(valid_to__isnull=True) | Q(valid_to__gte=today))
    candidates = (
        Entity.objects.filter(kind=Entity.Kind.NATURAL_PERSON, id_number__isnull=False, cases__isnull=False)
        .exclude(cases__in=Case.objects.exclude(state__in=CLOSED_STATES))
        .exclude(organisation_roles__in=current_roles)
        .distinct()
        .order_by("pk")
    )
    last_change = Case.history.filter(id=OuterRef("pk")).order_by().values("id").annotate(at=Max("history_date"))
    found = []
    for entity in candidates.only("pk", "kind", "id_number_masked").iterator(chunk_size=500):
        cases = (
            Case.objects.filter(entity=entity)
            .annotate(closed_at=Subquery(last_change.values("at")))
            .select_related("catalogue_item")
            .order_by("pk")
        )
        ends = []
        numbers = []
        for case in cases:
            years = getattr(case.catalogue_item, "retention_years", None) or default_retention_years()
            ends.append(_add_years(timezone.localdate(case.closed_at), years))
            numbers.append(case.number)
        if ends and max(ends) <= today:
            found.append(
                Expired(
                    entity_id=entity.pk,
                    masked_identifier=entity.id_number_masked,
                    retention_ended_on=max(ends),
                    case_numbers=numbers,
                    history_rows=Entity.history.filter(id=entity.pk).count(),
                )
            )
    return sorted(found, key=lambda e: (e.retention_ended_on, e.entity_id))


def purge_expired(*, actor, today: datetime.date | None = None) -> list[Expired]:
    """De-identify every person :func:`expired_persons` finds; returns those done (each in its own transaction)."""
    if not _person_deidentifier:
        raise ImproperlyConfigured("No person de-identifier registered (EntitiesConfig.ready registers it).")
    (entity_deidentify,) = _person_deidentifier
    Entity = apps.get_model("entities", "Entity")
    done = []
    for expired in expired_persons(today=today):
        reason = f"retention period ended on {expired.retention_ended_on} (cases {', '.join(expired.case_numbers)})"
        with transaction.atomic():
            entity = Entity(pk=expired.entity_id)
            if entity_deidentify(entity=entity, actor=actor, reason=reason):
                # The texts that carry the name elsewhere (cases: notices served on the person, published entries).
                for records_deidentify in _records_deidentifiers:
                    records_deidentify(entity=entity, actor=actor, reason=reason)
                done.append(expired)
    return done
