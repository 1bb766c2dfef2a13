"""Readable, chronological audit timelines (DESIGN §8, issue 8).

A case's timeline gathers the history of the case and of everything that hangs off it (legal document,
measures, evidence, statements, decisions, notices, publication), the grants and revocations of access to
it, and the access-log rows about it, its evidence and its entity — in one list, newest first. An entity's
timeline does the same for the entity, its responsible persons and representatives. A user's activity is
what that user changed and read over a period (the auditor view).

Every change is shown as field label: old → new. Identity numbers are never shown: the encrypted field
reads "changed", and keyed hashes are left out altogether.
"""

import datetime
from dataclasses import dataclass, field

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.db.models import Q
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from .models import AccessLog

# Long texts (a notice's full wording) are cut in the timeline; the record's page shows them whole.
MAX_VALUE_CHARS = 200


@dataclass
class Change:
    label: str
    old: str
    new: str


@dataclass
class Event:
    at: datetime.datetime
    actor: object
    kind: str  # "change", "grant" or "access"
    title: str
    reason: str = ""
    changes: list[Change] = field(default_factory=list)
    sort_key: tuple = ()


_HISTORY_TYPES = {"+": "created", "~": "changed", "-": "deleted"}


def _is_secret(model_field) -> bool:
    from entities.crypto import EncryptedTextField

    return isinstance(model_field, EncryptedTextField)


def _is_hidden(model_field) -> bool:
    return model_field.name.endswith("_hash")


def _display(model_field, value) -> str:
    if value is None or value == "":
        return "—"
    if model_field.is_relation:
        return f"#{value}"
    choices = dict(model_field.flatchoices or ())
    if value in choices:
        return str(choices[value])
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    return Truncator(str(value)).chars(MAX_VALUE_CHARS)


def _history_fields(history_model):
    """The tracked fields of a history model (not simple-history's own bookkeeping)."""
    return [
        f
        for f in history_model._meta.concrete_fields
        if not f.name.startswith("history_") and not f.primary_key and not _is_hidden(f) and f.name != "id"
    ]


def _changes(fields, previous, row) -> list[Change]:
    changes = []
    for f in fields:
        new = getattr(row, f.attname)
        old = getattr(previous, f.attname) if previous is not None else None
        if previous is not None and old == new:
            continue
        if previous is None and new in (None, ""):
            continue
        label = str(f.verbose_name)
        if _is_secret(f):
            changes.append(Change(label, "", _("changed") if previous is not None else _("recorded")))
            continue
        changes.append(Change(label, _display(f, old) if previous is not None else "", _display(f, new)))
    return changes


def _history_events(model, filter_q: Q, *, kind: str = "change") -> list[Event]:
    """One event per history row of ``model`` matching ``filter_q``, each diffed against the object's previous row."""
    history_model = getattr(model, model._meta.simple_history_manager_attribute).model
    fields = _history_fields(history_model)
    pk_name = model._meta.pk.attname
    rows = list(
        history_model.objects.filter(filter_q).select_related("history_user").order_by(pk_name, "history_date", "pk")
    )
    events, previous = [], {}
    verbose = str(model._meta.verbose_name)
    for row in rows:
        object_id = getattr(row, pk_name)
        prev = previous.get(object_id)
        if prev is None and row.history_type != "+":
            # Filtered by actor or period: the object's previous version may lie outside the filter.
            prev = row.prev_record
        action = _HISTORY_TYPES.get(row.history_type, row.history_type)
        title = {
            "created": _("%(model)s #%(id)s created"),
            "changed": _("%(model)s #%(id)s changed"),
            "deleted": _("%(model)s #%(id)s deleted"),
        }.get(action, "%(model)s #%(id)s") % {"model": verbose, "id": object_id}
        events.append(
            Event(
                at=row.history_date,
                actor=row.history_user,
                kind=kind,
                title=title,
                reason=row.history_change_reason or "",
                changes=_changes(fields, prev, row) if row.history_type != "-" else [],
                sort_key=(row.history_date, 0, history_model._meta.db_table, row.pk),
            )
        )
        previous[object_id] = row
    return events


def _access_events(filter_q: Q) -> list[Event]:
    events = []
    for log in AccessLog.objects.filter(filter_q).select_related("actor", "target_type").order_by("at", "id"):
        title = _("%(action)s: %(model)s #%(id)s") % {
            "action": log.get_action_display(),
            "model": log.target_type.name,
            "id": log.target_id,
        }
        if log.field:
            title += f" ({log.field})"
        events.append(
            Event(
                at=log.at,
                actor=log.actor,
                kind="access",
                title=title,
                reason=log.purpose,
                sort_key=(log.at, 1, "audit_accesslog", log.pk),
            )
        )
    return events


def _targets(model, ids) -> Q:
    ids = list(ids)
    if not ids:
        return Q(pk__in=[])
    return Q(target_type=ContentType.objects.get_for_model(model), target_id__in=ids)


def _newest_first(events):
    return sorted(events, key=lambda e: e.sort_key, reverse=True)


def case_timeline(case) -> list[Event]:
    Evidence = apps.get_model("cases", "Evidence")
    Case = type(case)
    events = _history_events(Case, Q(id=case.pk))
    for name in ("LegalDocument", "Sanction", "Decision", "Statement", "Notice", "Evidence", "Publication"):
        events += _history_events(apps.get_model("cases", name), Q(case_id=case.pk))
    for name in ("CaseUserObjectPermission", "CaseGroupObjectPermission"):
        events += _history_events(apps.get_model("cases", name), Q(content_object_id=case.pk), kind="grant")
    evidence_ids = Evidence.history.filter(case_id=case.pk).values_list("id", flat=True).distinct()
    events += _access_events(
        _targets(Case, [case.pk]) | _targets(Evidence, evidence_ids) | _targets(type(case.entity), [case.entity_id])
    )
    return _newest_first(events)


def entity_timeline(entity) -> list[Event]:
    Entity = type(entity)
    EntityRelation = apps.get_model("entities", "EntityRelation")
    Representative = apps.get_model("entities", "Representative")
    events = _history_events(Entity, Q(id=entity.pk))
    events += _history_events(EntityRelation, Q(organisation_id=entity.pk) | Q(person_id=entity.pk))
    events += _history_events(Representative, Q(entity_id=entity.pk))
    events += _access_events(_targets(Entity, [entity.pk]))
    return _newest_first(events)


def user_activity(user, *, start=None, end=None) -> list[Event]:
    """What ``user`` changed (every tracked model) and read (the access log) between ``start`` and ``end``."""
    period = Q()
    if start:
        period &= Q(history_date__gte=start)
    if end:
        period &= Q(history_date__lt=end)
    events = []
    for model in apps.get_models():
        if getattr(model._meta, "simple_history_manager_attribute", None):
            events += _history_events(model, Q(history_user=user) & period)
    reads = Q(actor=user)
    if start:
        reads &= Q(at__gte=start)
    if end:
        reads &= Q(at__lt=end)
    events += _access_events(reads)
    return _newest_first(events)
