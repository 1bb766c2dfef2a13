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
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist
from django.core.paginator import Paginator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .models import AccessLog

# Long texts (a notice's full wording) are cut in the timeline; the record's page shows them whole.
MAX_VALUE_CHARS = 200
# Events per timeline page.
PER_PAGE = 50
# Bookkeeping rows shown, folded, under a page of people's actions (the newest ones).
MAX_TECHNICAL = 50

# Registries the domain apps fill in their AppConfig.ready (audit imports no domain app):
# models whose later changes are delivery bookkeeping (e-mail attempts), folded below what people did;
BOOKKEEPING_MODELS: set[str] = set()
# and the fixed parts of the change reasons services write (in English, in the database), with their labels.
REASON_LABELS: dict[str, str] = {}


def register_bookkeeping(*labels: str) -> None:
    BOOKKEEPING_MODELS.update(label.lower() for label in labels)


def register_reasons(labels: dict) -> None:
    REASON_LABELS.update(labels)


def reason_label(reason: str) -> str:
    """A stored change reason in the reader's language: "approve: Facts verified" → "approve and issue notice: …".

    The fixed part (the whole reason, or what comes before ": ") is looked up in :data:`REASON_LABELS`, and
    so is a code after it ("notification: notice_served"); free text a person wrote stays as written.
    """
    if not reason:
        return ""
    if reason in REASON_LABELS:
        return str(REASON_LABELS[reason])
    head, separator, rest = reason.partition(": ")
    if separator and head in REASON_LABELS:
        return f"{REASON_LABELS[head]}: {REASON_LABELS.get(rest, rest)}"
    return reason


@dataclass(frozen=True)
class Ref:
    """A foreign key value in a diff, shown as the related object's label once :func:`resolve` has run."""

    model: type
    pk: object


@dataclass
class Change:
    label: str
    old: "str | Ref"
    new: "str | Ref"


@dataclass
class Event:
    at: datetime.datetime
    actor: object
    kind: str  # "change", "grant" or "access"
    title: str
    reason: str = ""
    changes: list[Change] = field(default_factory=list)
    sort_key: tuple = ()
    # The record an access-log row is about, labelled by :func:`resolve` (the title names its type and id).
    target: "Ref | None" = None
    subject: str = ""
    # Bookkeeping (e-mail delivery attempts): shown folded, after what people did.
    technical: bool = False


_HISTORY_TYPES = {"+": "created", "~": "changed", "-": "deleted"}


def _is_secret(model_field) -> bool:
    # A field that stores a secret says so (``entities.crypto.EncryptedTextField``); audit imports no field types.
    return getattr(model_field, "secret", False)


def _is_hidden(model_field) -> bool:
    return model_field.name.endswith("_hash")


def _display(model_field, value) -> str:
    if value is None or value == "":
        return "—"
    if model_field.is_relation:
        return Ref(model_field.related_model, value)
    choices = dict(model_field.flatchoices or ())
    # Only fields with choices are looked up: a JSON value (a dict or list) cannot be a dict key.
    if choices and value in choices:
        return str(choices[value])
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, datetime.datetime):
        # Stored in UTC: shown in the office's time zone, to the minute, as the rest of the admin shows times.
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
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


def _previous_rows(history_model, pk_name: str, firsts: dict) -> dict:
    """``object id → history row`` just before each of ``firsts`` (``object id → row``), in one query."""
    if not firsts:
        return {}
    latest = max(row.history_date for row in firsts.values())
    earlier = history_model.objects.filter(**{f"{pk_name}__in": list(firsts)}, history_date__lte=latest).order_by(
        pk_name, "history_date", "pk"
    )
    found = {}
    for candidate in earlier:
        object_id = getattr(candidate, pk_name)
        first = firsts[object_id]
        if (candidate.history_date, candidate.pk) < (first.history_date, first.pk):
            found[object_id] = candidate
    return found


def _history_events(model, filter_q: Q, *, kind: str = "change") -> list[Event]:
    """One event per history row of ``model`` matching ``filter_q``, each diffed against the object's previous row.

    A fixed number of queries however many rows match: the rows, and (when ``filter_q`` cuts an object's history,
    e.g. by actor or period) the rows just before the first ones found.
    """
    history_model = getattr(model, model._meta.simple_history_manager_attribute).model
    fields = _history_fields(history_model)
    pk_name = model._meta.pk.attname
    rows = list(
        history_model.objects.filter(filter_q).select_related("history_user").order_by(pk_name, "history_date", "pk")
    )
    firsts = {}
    for row in rows:
        firsts.setdefault(getattr(row, pk_name), row)
    # Filtered by actor or period: the object's previous version may lie outside the filter.
    previous = _previous_rows(
        history_model, pk_name, {oid: row for oid, row in firsts.items() if row.history_type != "+"}
    )
    events = []
    verbose = str(model._meta.verbose_name)
    bookkeeping = model._meta.label_lower in BOOKKEEPING_MODELS
    for row in rows:
        object_id = getattr(row, pk_name)
        prev = previous.get(object_id)
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
                reason=reason_label(row.history_change_reason or ""),
                changes=_changes(fields, prev, row) if row.history_type != "-" else [],
                # A notification's creation is shown; its later e-mail attempts and reads are bookkeeping.
                technical=bookkeeping and row.history_type == "~",
                sort_key=(row.history_date, 0, history_model._meta.db_table, row.pk),
                target=Ref(model, object_id),
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
                target=Ref(log.target_type.model_class(), log.target_id) if log.target_type.model_class() else None,
            )
        )
    return events


# -- labels: foreign keys and records shown by name, looked up in bulk ------------------------------------


def label(obj) -> str:
    """How a related record reads in a timeline: a person by name, anything else as it names itself.

    Entities name themselves with the masked identity number (``Entity.display_identifier``), never the full one.
    """
    if isinstance(obj, AbstractBaseUser):
        full_name = obj.get_full_name() if hasattr(obj, "get_full_name") else ""
        return f"{full_name} ({obj.get_username()})" if full_name else obj.get_username()
    return Truncator(str(obj)).chars(MAX_VALUE_CHARS)


def _fetch(model, pks) -> dict:
    """``pk → label`` of ``model`` rows, one query (forward foreign keys joined, since labels often use them)."""
    related = [f.name for f in model._meta.concrete_fields if f.is_relation and f.many_to_one]
    rows = model._base_manager.filter(pk__in=pks)
    if related:
        rows = rows.select_related(*related)
    return {obj.pk: label(obj) for obj in rows}


def resolve(events) -> list:
    """Replace every :class:`Ref` in ``events`` by the related record's label: one query per related model.

    Run it on the events actually shown (one page), so the cost does not grow with the history.
    A record deleted since (a revoked grant) reads ``#id``.
    """
    events = list(events)
    wanted: dict[type, set] = {}
    for event in events:
        refs = [event.target] + [value for c in event.changes for value in (c.old, c.new)]
        for ref in refs:
            if isinstance(ref, Ref) and ref.model is not None:
                wanted.setdefault(ref.model, set()).add(ref.pk)
    labels = {model: _fetch(model, sorted(pks, key=str)) for model, pks in wanted.items()}

    def text(ref):
        if not isinstance(ref, Ref):
            return ref
        found = labels.get(ref.model, {}).get(ref.model._meta.pk.to_python(ref.pk))
        return found if found is not None else f"#{ref.pk}"

    for event in events:
        for change in event.changes:
            change.old, change.new = text(change.old), text(change.new)
        if isinstance(event.target, Ref):
            event.subject = labels.get(event.target.model, {}).get(
                event.target.model._meta.pk.to_python(event.target.pk), ""
            )
            event.target = None
    return events


def _targets(model, ids) -> Q:
    ids = list(ids)
    if not ids:
        return Q(pk__in=[])
    return Q(target_type=ContentType.objects.get_for_model(model), target_id__in=ids)


def _newest_first(events):
    return sorted(events, key=lambda e: e.sort_key, reverse=True)


KINDS = {
    "change": gettext_lazy("changes"),
    "grant": gettext_lazy("access grants and revocations"),
    "access": gettext_lazy("reads of personal data"),
}


def _tracked(model) -> bool:
    return bool(getattr(model._meta, "simple_history_manager_attribute", None))


def _is_grant_model(model) -> bool:
    from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

    return issubclass(model, UserObjectPermissionBase | GroupObjectPermissionBase)


def _hanging_off(target_model, field_name: str):
    """``(model, field)`` of every tracked model whose foreign key ``field_name`` points at ``target_model``.

    A model added later (e.g. a new kind of filing against a case) joins the timeline without a change here.
    """
    found = []
    for model in apps.get_models():
        if not _tracked(model):
            continue
        try:
            fk = model._meta.get_field(field_name)
        except FieldDoesNotExist:
            continue
        if (fk.many_to_one or fk.one_to_one) and fk.concrete and fk.related_model is target_model:
            found.append((model, fk))
    return found


def case_timeline(case) -> list[Event]:
    """The case, everything hanging off it (``case`` foreign keys), grants on it, and reads of it, newest first."""
    Evidence = apps.get_model("cases", "Evidence")
    Case = type(case)
    events = _history_events(Case, Q(id=case.pk))
    for model, fk in _hanging_off(Case, "case"):
        events += _history_events(model, Q(**{fk.attname: case.pk}))
    for model, fk in _hanging_off(Case, "content_object"):
        events += _history_events(model, Q(**{fk.attname: case.pk}), kind="grant")
    evidence_ids = Evidence.history.filter(case_id=case.pk).values_list("id", flat=True).distinct()
    events += _access_events(
        _targets(Case, [case.pk]) | _targets(Evidence, evidence_ids) | _targets(type(case.entity), [case.entity_id])
    )
    return _newest_first(events)


def entity_timeline(entity) -> list[Event]:
    """The entity, its responsible persons and representatives, and reads of it, newest first.

    Cases against the entity are not included: each has its own timeline, seen by whoever may see that case.
    """
    Entity = type(entity)
    EntityRelation = apps.get_model("entities", "EntityRelation")
    Representative = apps.get_model("entities", "Representative")
    events = _history_events(Entity, Q(id=entity.pk))
    events += _history_events(EntityRelation, Q(organisation_id=entity.pk) | Q(person_id=entity.pk))
    events += _history_events(Representative, Q(entity_id=entity.pk))
    events += _access_events(_targets(Entity, [entity.pk]))
    return _newest_first(events)


def user_activity(user, *, start=None, end=None, kinds=None) -> list[Event]:
    """What ``user`` changed (every tracked model), granted or revoked, and read (the access log) in a period.

    ``kinds`` limits it to some of :data:`KINDS` (all by default).
    """
    kinds = set(kinds or KINDS)
    period = Q()
    if start:
        period &= Q(history_date__gte=start)
    if end:
        period &= Q(history_date__lt=end)
    events = []
    for model in apps.get_models():
        if not _tracked(model):
            continue
        kind = "grant" if _is_grant_model(model) else "change"
        if kind in kinds:
            events += _history_events(model, Q(history_user=user) & period, kind=kind)
    if "access" in kinds:
        reads = Q(actor=user)
        if start:
            reads &= Q(at__gte=start)
        if end:
            reads &= Q(at__lt=end)
        events += _access_events(reads)
    return _newest_first(events)


def paginate(events, page_number, *, per_page: int = PER_PAGE):
    """One page of a timeline (newest first), its labels resolved: the cost of a page does not grow with the history.

    People's actions are paged; the bookkeeping rows come apart (``split``) and are shown folded.
    """
    page = Paginator(events, per_page, allow_empty_first_page=True).get_page(page_number)
    page.object_list = resolve(page.object_list)
    return page


def split(events) -> tuple[list, list]:
    """``(what people did, bookkeeping)``, each newest first; only the newest ``MAX_TECHNICAL`` bookkeeping rows
    (labels not resolved yet: :func:`resolve` them when they are shown)."""
    people = [event for event in events if not event.technical]
    technical = [event for event in events if event.technical]
    return people, technical[:MAX_TECHNICAL]


_RECENT_COLUMNS = ("history_date", "history_type", "history_change_reason")


@dataclass
class RecentAction:
    at: datetime.datetime
    title: str
    subject: str
    reason: str
    url: str


def recent_actions(user, *, limit: int = 10) -> list[RecentAction]:
    """The latest changes ``user`` made to any tracked record, newest first: the admin index's "Recent actions".

    Django's own list only sees edits made through plain admin forms; the workflow's steps go through services
    and leave history rows instead. One query over every history table (``UNION ALL``), then one per kind of
    record shown, for its label.
    """
    from django.urls import NoReverseMatch, reverse

    parts = []
    for model in apps.get_models():
        if not _tracked(model) or _is_grant_model(model):
            continue
        history_model = getattr(model, model._meta.simple_history_manager_attribute).model
        parts.append(
            history_model.objects.filter(history_user=user)
            .annotate(record_label=models.Value(model._meta.label_lower, output_field=models.CharField()))
            .values_list(*_RECENT_COLUMNS[:3], model._meta.pk.attname, "record_label")
            .order_by()
        )
    if not parts:
        return []
    rows = list(parts[0].union(*parts[1:], all=True).order_by("-history_date")[:limit])
    events = [
        Event(at=at, actor=user, kind="change", title="", reason=reason or "", target=Ref(apps.get_model(label), pk))
        for at, _type, reason, pk, label in rows
    ]
    found = []
    for (_at, history_type, _reason, pk, label), event in zip(rows, resolve(events), strict=True):
        model = apps.get_model(label)
        action = _HISTORY_TYPES.get(history_type, history_type)
        try:
            url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_change", args=[pk])
        except NoReverseMatch:
            url = ""
        title = {
            "created": _("%(model)s #%(id)s created"),
            "changed": _("%(model)s #%(id)s changed"),
            "deleted": _("%(model)s #%(id)s deleted"),
        }.get(action, "%(model)s #%(id)s") % {"model": model._meta.verbose_name, "id": pk}
        found.append(RecentAction(event.at, title, event.subject, reason_label(event.reason), url))
    return found
