"""The only writers of the entity registry. Every write is atomic and leaves a history row with its actor."""

import secrets
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q, TextField
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.debug import sensitive_variables

from accounts.models import User
from accounts.permissions import require
from audit import chain
from audit.history import attribute, copy_to_history
from audit.models import AccessLog
from audit.services import access_log_write
from creditportal.text import text_required

from . import crypto
from .identifiers import (
    looks_like_id_number,
    looks_like_uscc,
    mask_id_number,
    normalize_id_number,
    normalize_uscc,
    region_code_from_id_number,
    region_code_from_uscc,
    validate_id_number,
    validate_uscc,
)
from .models import Entity, EntityRelation, LegacyIdentifier, Representative
from .selectors import legacy_id_number_allowed, legacy_uscc_allowed


class DuplicateEntityError(ValidationError):
    """The identifier is already registered; ``existing`` is that entity, so callers can link to it."""

    def __init__(self, existing: Entity):
        self.existing = existing
        super().__init__(
            {"identifier": ValidationError(_("An entity with this identifier is already registered."), "duplicate")}
        )


@dataclass(frozen=True)
class CheckedIdentifier:
    """A validated identifier in the form it is stored."""

    uscc: str | None
    id_number: str | None
    id_number_hash: str | None

    @property
    def region_code(self) -> str:
        return region_code_from_uscc(self.uscc) if self.uscc else region_code_from_id_number(self.id_number)


def identifier_check(*, kind: str, identifier: str, exclude: Entity | None = None) -> CheckedIdentifier:
    """Validate ``identifier`` for an entity of ``kind`` and refuse one that is already registered.

    Errors are keyed by the ``identifier`` field; a duplicate raises :class:`DuplicateEntityError`.
    """
    checked = identifier_validate(kind=kind, identifier=identifier)
    existing = Entity.objects.filter(**_identity(checked))
    if exclude is not None and exclude.pk:
        existing = existing.exclude(pk=exclude.pk)
    duplicate = existing.first()
    if duplicate is not None:
        raise DuplicateEntityError(duplicate)
    return checked


def _identity(checked: CheckedIdentifier) -> dict:
    return {"id_number_hash": checked.id_number_hash} if checked.id_number_hash else {"uscc": checked.uscc}


def identifier_validate(*, kind: str, identifier: str) -> CheckedIdentifier:
    """The checks of :func:`identifier_check` but the look-up of an entity already registered with it."""
    raw = text_required(identifier, field="identifier", message=_("Enter the identifier."))
    try:
        if kind == Entity.Kind.NATURAL_PERSON:
            if looks_like_uscc(raw) and not looks_like_id_number(raw):
                raise ValidationError(
                    _(
                        "A natural person is identified by a resident identity number, "
                        "not a unified social credit code."
                    ),
                    code="wrong_identifier_kind",
                )
            number = validate_id_number(normalize_id_number(raw), allowed=legacy_id_number_allowed)
            return CheckedIdentifier(uscc=None, id_number=number, id_number_hash=crypto.blind_index(number))
        if looks_like_id_number(raw) and not looks_like_uscc(raw):
            raise ValidationError(
                _("An organisation is identified by a unified social credit code, not a resident identity number."),
                code="wrong_identifier_kind",
            )
        code = validate_uscc(normalize_uscc(raw), allowed=legacy_uscc_allowed)
        return CheckedIdentifier(uscc=code, id_number=None, id_number_hash=None)
    except ValidationError as error:
        raise ValidationError({"identifier": error}) from None


def _apply_identifier(entity: Entity, checked: CheckedIdentifier) -> None:
    entity.uscc = checked.uscc
    entity.id_number = checked.id_number
    entity.id_number_hash = checked.id_number_hash
    entity.id_number_masked = mask_id_number(checked.id_number) if checked.id_number else ""


def _save(entity: Entity, *, actor: User, reason: str) -> Entity:
    entity.full_clean()
    attribute(entity, actor=actor, reason=reason)
    try:
        with transaction.atomic():
            entity.save()
    except IntegrityError:
        # Lost a race with a concurrent registration of the same identifier.
        duplicate = (
            Entity.objects.filter(
                **({"id_number_hash": entity.id_number_hash} if entity.id_number_hash else {"uscc": entity.uscc})
            )
            .exclude(pk=entity.pk)
            .first()
        )
        if duplicate is None:
            raise
        raise DuplicateEntityError(duplicate) from None
    return entity


@transaction.atomic
def entity_register(*, actor: User, kind: str, name: str, identifier: str, region_code: str = "") -> Entity:
    """Register a firm or a person; the identifier is validated, and for a person encrypted and hashed."""
    checked = identifier_check(kind=kind, identifier=identifier)
    entity = Entity(kind=kind, name=(name or "").strip(), region_code=region_code or checked.region_code)
    _apply_identifier(entity, checked)
    return _save(entity, actor=actor, reason="registered")


@dataclass(frozen=True)
class NewEntity:
    """One entity to register with :func:`entities_register_many` (what :func:`entity_register` takes)."""

    kind: str
    name: str
    identifier: str
    region_code: str = ""


def entities_register_many(
    *, actor: User, entities: list[NewEntity]
) -> tuple[list[Entity], dict[int, ValidationError]]:
    """Register many entities as :func:`entity_register` registers each, in bulk (the bulk import, issue 25 §2).

    Every entity gets the same checks — the identifier validated (an identity number encrypted and hashed), the
    model's own validation, no identifier already registered or twice in the list — and its history row naming
    ``actor`` ("registered"), chained like any other. Nothing is written when any entity is refused: the
    problems come back by position (the registered list is then empty). The writes are a few statements for the
    whole list (bulk inserts of the rows, their history and their chain links) instead of some fifteen each.
    """
    problems: dict[int, ValidationError] = {}
    built: list[tuple[int, Entity]] = []
    seen: dict[tuple, int] = {}
    for index, new in enumerate(entities):
        try:
            checked = identifier_validate(kind=new.kind, identifier=new.identifier)
            key = tuple(_identity(checked).items())
            if key in seen:
                raise ValidationError(
                    {"identifier": ValidationError(_("The same identifier is listed twice."), "twice")}
                )
            seen[key] = index
            entity = Entity(
                kind=new.kind,
                name=(new.name or "").strip(),
                region_code=new.region_code or checked.region_code,
            )
            _apply_identifier(entity, checked)
            # The identifier-kind constraint holds by construction; uniqueness is looked up for the whole list below.
            entity.full_clean(validate_unique=False, validate_constraints=False)
        except ValidationError as error:
            problems[index] = error
        else:
            built.append((index, entity))
    usccs = [entity.uscc for _index, entity in built if entity.uscc]
    hashes = [entity.id_number_hash for _index, entity in built if entity.id_number_hash]
    registered = set(Entity.objects.filter(uscc__in=usccs).values_list("uscc", flat=True)) if usccs else set()
    if hashes:
        registered |= set(Entity.objects.filter(id_number_hash__in=hashes).values_list("id_number_hash", flat=True))
    for index, entity in built:
        if (entity.uscc or entity.id_number_hash) in registered:
            problems[index] = ValidationError(
                {"identifier": ValidationError(_("An entity with this identifier is already registered."), "duplicate")}
            )
    if problems:
        return [], problems
    objects = [entity for _index, entity in built]
    try:
        with transaction.atomic():
            Entity.objects.bulk_create(objects)
            # The history rows copied from the rows as stored (the identity number's ciphertext included), chained
            # from what the copy returned: no history instance a row, nothing read back (issue 25 §2).
            history = copy_to_history(
                Entity, key="id", values=[entity.pk for entity in objects], actor=actor, when=timezone.now(),
                reason="registered",
            )  # fmt: skip
            chain.append_stored(Entity.history.model, history)
    except IntegrityError:  # lost a race with a registration of the same identifier: the caller may try again
        raise ValidationError(
            _("An entity in the list was registered by someone else meanwhile; nothing was registered."),
            code="race",
        ) from None
    return objects, {}


@transaction.atomic
def entity_update(
    *, entity: Entity, actor: User, name: str, region_code: str, identifier: str = "", reason: str = "updated"
) -> Entity:
    """Correct an entity's name, region or identifier (a blank identifier keeps the current one)."""
    entity = Entity.objects.select_for_update().get(pk=entity.pk)
    entity.name = (name or "").strip()
    entity.region_code = region_code
    if identifier:
        _apply_identifier(entity, identifier_check(kind=entity.kind, identifier=identifier, exclude=entity))
    return _save(entity, actor=actor, reason=reason)


def entity_find_by_identifier(identifier: str) -> Entity | None:
    """Exact lookup by credit code or identity number (through the keyed hash); never a LIKE over ciphertext."""
    raw = (identifier or "").strip()
    if looks_like_id_number(raw):
        return Entity.objects.filter(id_number_hash=crypto.blind_index(normalize_id_number(raw))).first()
    if looks_like_uscc(raw):
        return Entity.objects.filter(uscc=normalize_uscc(raw)).first()
    return None


def entities_find_by_identifiers(identifiers) -> dict[str, Entity]:
    """:func:`entity_find_by_identifier` for many identifiers in one query: identifier as given → its entity
    (those not registered, or not a code at all, are left out)."""
    keys: dict[str, tuple[str, str]] = {}
    for identifier in identifiers:
        raw = (identifier or "").strip()
        if looks_like_id_number(raw):
            keys[identifier] = ("id_number_hash", crypto.blind_index(normalize_id_number(raw)))
        elif looks_like_uscc(raw):
            keys[identifier] = ("uscc", normalize_uscc(raw))
    if not keys:
        return {}
    usccs = [value for field, value in keys.values() if field == "uscc"]
    hashes = [value for field, value in keys.values() if field == "id_number_hash"]
    found = {}
    for entity in Entity.objects.filter(Q(uscc__in=usccs) | Q(id_number_hash__in=hashes)):
        if entity.uscc:
            found["uscc", entity.uscc] = entity
        if entity.id_number_hash:
            found["id_number_hash", entity.id_number_hash] = entity
    return {identifier: found[key] for identifier, key in keys.items() if key in found}


@transaction.atomic
def entity_reveal_identifier(*, entity: Entity, actor: User, purpose: str, request=None) -> str:
    """Return the full identity number after recording who saw it and why (the record comes first)."""
    require(actor, "reveal", entity)
    if not entity.is_natural_person:
        return entity.uscc or ""
    access_log_write(
        actor=actor,
        action=AccessLog.Action.REVEAL_IDENTIFIER,
        target=entity,
        field="id_number",
        purpose=purpose,
        request=request,
    )
    return entity.id_number


@transaction.atomic
def relation_add(*, actor: User, organisation: Entity, person: Entity, role: str, valid_from=None, valid_to=None):
    relation = EntityRelation(
        organisation=organisation,
        person=person,
        role=role,
        valid_from=valid_from or timezone.localdate(),
        valid_to=valid_to,
    )
    relation.full_clean()
    attribute(relation, actor=actor, reason="responsible person recorded")
    relation.save()
    return relation


@transaction.atomic
def representative_add(*, actor: User, user, entity: Entity, relationship: str, valid_from=None, valid_to=None):
    """Link a portal user to an entity; the staff member adding it is recorded as having verified it."""
    representative = Representative(
        user=user,
        entity=entity,
        relationship=relationship,
        valid_from=valid_from or timezone.localdate(),
        valid_to=valid_to,
        verified_by=actor,
        verified_at=timezone.now(),
    )
    representative.full_clean()
    attribute(representative, actor=actor, reason="representative verified")
    representative.save()
    return representative


def _end(record, *, actor: User, valid_to, reason: str):
    record = type(record).objects.select_for_update().get(pk=record.pk)
    record.valid_to = valid_to
    record.full_clean()
    attribute(record, actor=actor, reason=reason)
    record.save()
    return record


@transaction.atomic
def relation_end(*, relation: EntityRelation, actor: User, valid_to):
    """Set (or clear) the last day a responsible person held the role."""
    return _end(relation, actor=actor, valid_to=valid_to, reason="responsible person period changed")


@transaction.atomic
def representative_end(*, representative: Representative, actor: User, valid_to):
    """Set (or clear) the last day a portal user may act for the entity."""
    return _end(representative, actor=actor, valid_to=valid_to, reason="representation period changed")


def entities_reencrypt(*, actor: User | None = None, batch_size: int = 500) -> int:
    """Re-encrypt identity numbers still under an older key with the newest one; returns how many changed.

    Each re-encryption is a normal save with a history row, one transaction per batch, so it can be
    stopped and resumed, and running it twice changes nothing the second time.
    """
    changed = 0
    # Cast keeps the raw token: the field itself would decrypt on load.
    tokens = (
        Entity.objects.filter(id_number__isnull=False)
        .annotate(token=Cast("id_number", output_field=TextField()))
        .values_list("pk", "token")
        .order_by("pk")
    )
    stale = [pk for pk, token in tokens.iterator() if crypto.needs_rotation(token)]
    for start in range(0, len(stale), batch_size):
        with transaction.atomic():
            for entity in Entity.objects.select_for_update().filter(pk__in=stale[start : start + batch_size]):
                attribute(entity, actor=actor, reason="encryption key rotation")
                entity.save()  # the field encrypts with the newest key
                changed += 1
    return changed


# What a de-identified person is called from then on (stored data, the same in every language).
DEIDENTIFIED_NAME = "(de-identified)"
# The fields of a person that identify them, blanked in every history row by the retention purge.
PERSONAL_FIELDS = ("name", "id_number", "id_number_hash", "id_number_masked")


@transaction.atomic
def entity_deidentify(*, entity: Entity, actor: User, reason: str) -> bool:
    """De-identify a natural person at the end of the retention period (DESIGN §7); False if already done.

    The history rows lose the name and identity number through the one audited purge path
    (``audit.services.history_purge_personal_data``: the chain records who, what and why); the live row
    is then saved as a normal, attributed change with a placeholder name and no identity number. The keyed
    hash becomes a random value, so the person can no longer be found by number, and no one else collides.
    """
    from audit.services import history_purge_personal_data

    entity = Entity.objects.select_for_update().get(pk=entity.pk)
    if not entity.is_natural_person or entity.id_number is None:
        return False
    rows = list(Entity.history.filter(id=entity.pk).values_list("history_id", flat=True))
    history_purge_personal_data(
        actor=actor, history_model=Entity.history.model, pks=rows, fields=PERSONAL_FIELDS, reason=reason
    )
    entity.name = DEIDENTIFIED_NAME
    entity.id_number = None
    entity.id_number_masked = ""
    entity.id_number_hash = secrets.token_hex(32)
    attribute(entity, actor=actor, reason=reason)
    entity.save()
    return True


# Failures no allow-list entry can waive: the value is not a code of that kind at all.
_NOT_A_CODE = {"uscc_length", "uscc_characters", "id_length", "id_characters", "id_birth_date", "id_birth_future"}


@sensitive_variables()
def legacy_identifier_check(*, kind: str, identifier: str) -> str:
    """The normalised code, if it may go on the allow-list; errors are keyed by the ``identifier`` field.

    Refuses a value that is not a code of that kind at all, one that passes every rule (nothing to waive),
    and one already on the list.
    """
    is_uscc = kind == LegacyIdentifier.Kind.USCC
    value = normalize_uscc(identifier) if is_uscc else normalize_id_number(identifier)
    try:
        validate_uscc(value) if is_uscc else validate_id_number(value)
    except ValidationError as error:
        if error.code in _NOT_A_CODE:
            raise ValidationError({"identifier": error}) from None
    else:
        raise ValidationError({
            "identifier": ValidationError(
                _("This code passes every rule; it does not need to be on the allow-list."), code="not_legacy"
            )
        })  # fmt: skip
    lookup = {"uscc": value} if is_uscc else {"id_number_hash": crypto.blind_index(value)}
    if LegacyIdentifier.objects.filter(**lookup).exists():
        raise _already_listed()
    return value


def _already_listed() -> ValidationError:
    return ValidationError({
        "identifier": ValidationError(
            _("This code is already on the allow-list; change that entry instead."), code="duplicate"
        )
    })  # fmt: skip


@sensitive_variables()
def legacy_identifier_add(*, actor: User, kind: str, identifier: str, reason: str) -> LegacyIdentifier:
    """Put a genuine code that fails the rules on the allow-list, with the reason it is genuine."""
    value = legacy_identifier_check(kind=kind, identifier=identifier)
    entry = LegacyIdentifier(kind=kind, reason=reason)
    if kind == LegacyIdentifier.Kind.USCC:
        entry.uscc = value
    else:
        entry.id_number_hash, entry.id_number_masked = crypto.blind_index(value), mask_id_number(value)
    entry.full_clean(exclude=["uscc", "id_number_hash"])
    attribute(entry, actor=actor, reason="legacy identifier allowed")
    try:
        with transaction.atomic():
            entry.save()
    except IntegrityError:  # added by someone else a moment ago
        raise _already_listed() from None
    return entry


def legacy_identifier_update(*, entry: LegacyIdentifier, actor: User, reason: str, active: bool) -> LegacyIdentifier:
    """Change an allow-list entry's reason, or stop (or resume) accepting the code."""
    entry.reason, entry.active = reason, active
    entry.full_clean()
    attribute(entry, actor=actor, reason="legacy identifier changed")
    with transaction.atomic():
        entry.save()
    return entry
