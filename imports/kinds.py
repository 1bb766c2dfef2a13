"""What each kind of import reads from a row, how a row is checked and how it is written: through the services.

A kind checks a row (``check``: every problem, keyed by column) without writing anything, and creates rows
(``create_many``) through the bulk form of the service the admin form calls, with the same checks —
``entities.services.entities_register_many`` for entities (identifier validated, an identity number encrypted and
hashed), ``cases.services.cases_create_many`` for draft cases (the actor's department, permission, the entity's
scope and catalogue checks, numbering and grants) — so each history row names the actor.
"""

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import region_code_validator
from accounts.permissions import can
from cases.models import CatalogueItem, Severity
from cases.services import NewCase, cases_create_many
from cases.services.drafts import catalogue_item_problems
from entities.identifiers import looks_like_id_number, mask_id_number
from entities.models import Entity
from entities.services import (
    NewEntity,
    entities_find_by_identifiers,
    entities_register_many,
    entity_find_by_identifier,
    identifier_validate,
)

from .formats import Column, has_control_characters

Problems = dict[str, list[str]]
# Identifiers looked up per query when a whole file is checked for ones already registered.
LOOKUP_BATCH = 1000  # column key (or "" for the whole row) → messages


def service_problems(error: ValidationError, fields: dict[str, str]) -> Problems:
    """A service's ``ValidationError`` as problems keyed by the import's columns (``fields``: field → column)."""
    if not hasattr(error, "error_dict"):
        return {"": [str(message) for message in error.messages]}
    problems: Problems = {}
    for field, messages in error.message_dict.items():
        problems.setdefault(fields.get(field, ""), []).extend(str(message) for message in messages)
    return problems


def _choice(value: str, choices) -> str | None:
    """A choice by its code or by its label in the active language (what a person typing it would write)."""
    folded = value.strip().lower()
    for code, label in choices:
        if folded in (code.lower(), str(label).lower()):
            return code
    return None


def _text_problems(values: dict, columns: list[Column]) -> Problems:
    problems: Problems = {}
    for column in columns:
        value = values.get(column.key, "")
        if has_control_characters(value):
            problems[column.key] = [str(_("Contains control characters; type the value again."))]
        elif column.required and not value:
            problems[column.key] = [str(_("Required."))]
    return problems


class EntityImport:
    """One firm or person per row, registered as the admin's "add entity" form registers it."""

    columns = [
        Column("kind", _("Kind"), _("legal_person, natural_person, other_organisation or government_body.")),
        Column("name", _("Name"), _("The registered name of the firm, or the person's name.")),
        Column(
            "identifier",
            _("Identifier"),
            _("Organisations: the 18-character unified social credit code. Persons: the resident identity number."),
        ),
        Column(
            "region_code",
            _("Region code"),
            _("Six-digit administrative division code; leave blank to take it from the identifier."),
            required=False,
        ),
    ]
    fields = {"kind": "kind", "name": "name", "identifier": "identifier", "region_code": "region_code"}

    def __init__(self, actor):
        self.actor = actor
        self.checked_rows = 0
        # identifier (credit code or keyed hash) → (position of the row that has it first, whether a credit code)
        self.seen: dict[str, tuple[int, bool]] = {}

    def _kind(self, values: dict) -> str | None:
        return _choice(values.get("kind", ""), Entity.Kind.choices)

    def check(self, values: dict) -> Problems:
        problems = _text_problems(values, self.columns)
        kind = self._kind(values)
        if values.get("kind") and kind is None and "kind" not in problems:
            problems["kind"] = [str(_("Unknown kind: use one of those the template lists."))]
        if len(values.get("name", "")) > 200:
            problems["name"] = [str(_("At most 200 characters."))]
        region = values.get("region_code", "")
        if region and "region_code" not in problems:
            try:
                region_code_validator(region)
            except ValidationError as error:
                problems["region_code"] = [str(message) for message in error.messages]
        position = self.checked_rows
        self.checked_rows += 1
        if kind and values.get("identifier") and "identifier" not in problems:
            try:
                checked = identifier_validate(kind=kind, identifier=values["identifier"])
            except ValidationError as error:
                for column, messages in service_problems(error, self.fields).items():
                    problems.setdefault(column, []).extend(messages)
            else:
                key = checked.uscc or checked.id_number_hash
                if key in self.seen:
                    problems["identifier"] = [str(_("The same identifier is on an earlier row of this file."))]
                else:
                    self.seen[key] = (position, bool(checked.uscc))
        return problems

    def check_registered(self) -> dict[int, Problems]:
        """The rows (by position among those checked) whose identifier is already registered: one query a batch."""
        keys = list(self.seen.items())
        found = set()
        for start in range(0, len(keys), LOOKUP_BATCH):
            batch = keys[start : start + LOOKUP_BATCH]
            usccs = [key for key, (_position, is_uscc) in batch if is_uscc]
            hashes = [key for key, (_position, is_uscc) in batch if not is_uscc]
            rows = Entity.objects.filter(Q(uscc__in=usccs) | Q(id_number_hash__in=hashes))
            found |= {uscc or number for uscc, number in rows.values_list("uscc", "id_number_hash")}
        message = str(_("An entity with this identifier is already registered."))
        return {position: {"identifier": [message]} for key, (position, _is_uscc) in keys if key in found}

    def create_many(self, rows: list[dict]):
        """Register many rows at once (``entities_register_many``: the same checks, history rows and actor)."""
        return entities_register_many(
            actor=self.actor,
            entities=[
                NewEntity(
                    kind=self._kind(values),
                    name=values["name"],
                    identifier=values["identifier"],
                    region_code=values.get("region_code", ""),
                )
                for values in rows
            ],
        )

    @staticmethod
    def shown(values: dict) -> dict:
        """The row as the preview may show it: an identity number masked, as on every screen."""
        identifier = values.get("identifier", "")
        if looks_like_id_number(identifier):
            values = {**values, "identifier": mask_id_number(identifier.upper())}
        return values


class CaseImport:
    """One draft case per row, opened in the actor's department as the admin's "add case" page opens it."""

    columns = [
        Column(
            "entity_identifier",
            _("Entity identifier"),
            _("The credit code or identity number of an entity already registered."),
        ),
        Column("catalogue_item", _("Catalogue item"), _("The code of the conduct in the catalogue.")),
        Column(
            "severity",
            _("Severity"),
            _("minor, general or serious; leave blank for the catalogue item's default."),
            required=False,
        ),
        Column("facts", _("Facts"), _("What happened, when, and what the evidence shows.")),
    ]
    fields = {
        "entity": "entity_identifier",
        "catalogue_item": "catalogue_item",
        "severity": "severity",
        "facts": "facts",
    }

    def __init__(self, actor):
        self.actor = actor
        self.catalogue = {item.code: item for item in CatalogueItem.objects.all()}
        self.entities: dict[str, Entity | None] = {}

    def _entity(self, identifier: str) -> Entity | None:
        """The registered entity, if the actor may see it (out of scope reads as unknown); asked once per file."""
        if identifier not in self.entities:
            entity = entity_find_by_identifier(identifier)
            self.entities[identifier] = entity if entity is not None and can(self.actor, "view", entity) else None
        return self.entities[identifier]

    def check(self, values: dict) -> Problems:
        problems = _text_problems(values, self.columns)
        identifier = values.get("entity_identifier", "")
        entity = None
        if identifier and "entity_identifier" not in problems:
            entity = self._entity(identifier)
            if entity is None:
                problems["entity_identifier"] = [str(_("No entity with this identifier is registered."))]
        code = values.get("catalogue_item", "")
        item = self.catalogue.get(code)
        if code and "catalogue_item" not in problems:
            if item is None:
                problems["catalogue_item"] = [str(_("Unknown catalogue item code."))]
            else:
                for message in catalogue_item_problems(entity=entity, catalogue_item=item).values():
                    problems.setdefault("catalogue_item", []).append(str(message))
        severity = values.get("severity", "")
        if severity and "severity" not in problems and _choice(severity, Severity.choices) is None:
            problems["severity"] = [str(_("Unknown severity: minor, general or serious."))]
        return problems

    def create_many(self, rows: list[dict]):
        """Open many rows at once (``cases_create_many``: the same checks, numbering, history, grants and actor).

        The entities are looked up for the whole list in one query; the service checks each is in the actor's
        scope (one out of scope reads as not registered, as at the check).
        """
        entities = entities_find_by_identifiers({values["entity_identifier"] for values in rows})
        return cases_create_many(
            actor=self.actor,
            cases=[
                NewCase(
                    entity=entities.get(values["entity_identifier"]),
                    facts=values["facts"],
                    catalogue_item=self.catalogue[values["catalogue_item"]],
                    severity=_choice(values.get("severity", ""), Severity.choices) or "",
                )
                for values in rows
            ],
        )

    @staticmethod
    def shown(values: dict) -> dict:
        identifier = values.get("entity_identifier", "")
        if looks_like_id_number(identifier):
            values = {**values, "entity_identifier": mask_id_number(identifier.upper())}
        return values


KINDS = {"entities": EntityImport, "cases": CaseImport}
