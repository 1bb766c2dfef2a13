"""Reads of the entity registry that other modules share."""

from . import crypto
from .models import Entity, LegacyIdentifier


def legacy_uscc_allowed(code: str) -> bool:
    """Whether the normalised credit code is on the administrators' allow-list of legacy codes."""
    return LegacyIdentifier.objects.filter(kind=LegacyIdentifier.Kind.USCC, uscc=code, active=True).exists()


def legacy_id_number_allowed(number: str) -> bool:
    """Whether the normalised identity number is on the allow-list (looked up by its keyed hash)."""
    return LegacyIdentifier.objects.filter(
        kind=LegacyIdentifier.Kind.ID_NUMBER, id_number_hash=crypto.blind_index(number), active=True
    ).exists()


def entity_by_uscc(code: str):
    """The organisation with this normalised credit code, or ``None``."""
    return Entity.objects.filter(uscc=code).only("name", "kind", "uscc", "id_number_masked").first()


def entity_by_id_number(number: str):
    """The person with this normalised identity number, found through its keyed hash (blind index), or ``None``."""
    return (
        Entity.objects.filter(id_number_hash=crypto.blind_index(number))
        .only("name", "kind", "uscc", "id_number_masked")
        .first()
    )
