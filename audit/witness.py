"""The audit chain's outside witness (issue 18 §3): each seal's head, signed with a key the web application lacks.

A seal (:func:`audit.chain.seal`, ``verify_audit --seal``) is an HMAC under ``SECRET_KEY`` stored in the same
database as the rows it protects: whoever holds the database and that key can rewrite a history row, recompute
every later link and re-seal (or delete the later seals). The witness closes that gap. At each seal,
:func:`witness_publish` signs the head — the link's sequence number and hash, and the time, nothing else — with
the Ed25519 key ``AUDIT_WITNESS_SIGNING_KEY``, which only the seal's process holds (a systemd credential of the
timer's unit, never in the web application's environment), and hands the signed statement to the publishers
registered here; the public register appends it to its publication log (``register.log``), whose copies end
up in outsiders' hands. A later rewrite then contradicts the witnesses already published: :func:`witness_check`
compares each one with the chain's link of the same number (``verify_audit``; ``verify_audit --witness FILE``
checks an outsider's downloaded copy too). The web application holds only the public key
(``AUDIT_WITNESS_PUBLIC_KEY``): it can neither sign audit data nor forge a witness. Trust model: docs/audit.md.

``audit`` sits below the register, so it knows no publisher or store: the register fills the two registries
below in its ``AppConfig.ready()`` (docs/architecture.md, "Seams").
"""

import base64
import binascii
import json
from collections import namedtuple
from collections.abc import Callable, Iterable, Iterator

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext as _

FORMAT = "creditportal-audit-witness/1"
# The fields of a witness, and only these: the chain link's number and hash, when it was sealed, the signature.
FIELDS = ("format", "seq", "hash", "sealed_at", "signature")
# Witnesses read per query when checking the chain.
CHUNK_SIZE = 500

Finding = namedtuple("Finding", "seq table row_pk message")

_publishers: list[Callable[[dict], None]] = []
_sources: list[Callable[[], Iterable[dict]]] = []


def witness_publisher_register(publisher: Callable[[dict], None]) -> None:
    """``publisher(witness)`` stores a signed witness where outsiders can copy it (inside the seal's transaction)."""
    if publisher not in _publishers:
        _publishers.append(publisher)


def witness_source_register(source: Callable[[], Iterable[dict]]) -> None:
    """``source()`` yields the witnesses published so far, oldest first (what ``verify_audit`` checks against)."""
    if source not in _sources:
        _sources.append(source)


def _b64_key(raw: str, name: str) -> bytes:
    try:
        key = base64.b64decode(raw, validate=True)
    except (binascii.Error, ValueError) as error:
        raise ImproperlyConfigured(f"{name} is not valid base64.") from error
    if len(key) != 32:
        raise ImproperlyConfigured(f"{name} must be 32 bytes (base64-encoded).")
    return key


def _private_key() -> Ed25519PrivateKey | None:
    raw = settings.AUDIT_WITNESS_SIGNING_KEY
    if not raw:
        return None
    return Ed25519PrivateKey.from_private_bytes(_b64_key(raw, "AUDIT_WITNESS_SIGNING_KEY"))


def public_key_b64(private: Ed25519PrivateKey | None = None) -> str:
    """The witness public key to trust: ``AUDIT_WITNESS_PUBLIC_KEY``, else the one of the signing key, else ''."""
    if private is None:
        if settings.AUDIT_WITNESS_PUBLIC_KEY:
            return settings.AUDIT_WITNESS_PUBLIC_KEY
        private = _private_key()
        if private is None:
            return ""
    return base64.b64encode(private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)).decode()


def payload(seq: int, hash_: str, sealed_at: str) -> bytes:
    """The signed bytes: a format tag, so a witness signature can never be replayed as anything else."""
    return json.dumps([FORMAT, seq, hash_, sealed_at], separators=(",", ":")).encode()


def witness_sign(*, seq: int, hash_: str, sealed_at: str) -> dict | None:
    """The signed witness of one seal, or ``None`` where this process holds no witness key."""
    private = _private_key()
    if private is None:
        return None
    configured = settings.AUDIT_WITNESS_PUBLIC_KEY
    if configured and configured != public_key_b64(private):
        raise ImproperlyConfigured("AUDIT_WITNESS_SIGNING_KEY does not match AUDIT_WITNESS_PUBLIC_KEY.")
    if settings.REGISTER_LOG_SIGNING_KEY and settings.AUDIT_WITNESS_SIGNING_KEY == settings.REGISTER_LOG_SIGNING_KEY:
        raise ImproperlyConfigured("AUDIT_WITNESS_SIGNING_KEY must differ from REGISTER_LOG_SIGNING_KEY.")
    signature = base64.b64encode(private.sign(payload(seq, hash_, sealed_at))).decode()
    return {"format": FORMAT, "seq": seq, "hash": hash_, "sealed_at": sealed_at, "signature": signature}


def witness_publish(*, seq: int, hash_: str, sealed_at: str) -> dict | None:
    """Sign the seal and hand it to every registered publisher. ``None``: no key here, nothing published."""
    witness = witness_sign(seq=seq, hash_=hash_, sealed_at=sealed_at)
    if witness is not None:
        for publisher in _publishers:
            publisher(witness)
    return witness if witness is not None and _publishers else None


def witness_signature_valid(witness: dict, public_key: str) -> bool:
    try:
        key = Ed25519PublicKey.from_public_bytes(base64.b64decode(public_key, validate=True))
        if witness["format"] != FORMAT:
            return False
        key.verify(
            base64.b64decode(witness["signature"], validate=True),
            payload(int(witness["seq"]), witness["hash"], witness["sealed_at"]),
        )
    except (KeyError, TypeError, ValueError, binascii.Error, InvalidSignature):
        return False
    return True


def published_witnesses() -> Iterator[dict]:
    """Every witness the registered sources hold (the register's publication log), oldest first."""
    for source in _sources:
        yield from source()


def witnesses_from_lines(lines: Iterable[str]) -> Iterator[dict]:
    """The witnesses in a downloaded copy of the publication log (JSON Lines; other lines are skipped)."""
    for line in lines:
        if '"witness"' not in line:
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(record, dict) and isinstance(record.get("witness"), dict):
            yield record["witness"]


def _chunks(items: Iterable[dict], size: int) -> Iterator[list[dict]]:
    chunk = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def witness_check(witnesses: Iterable[dict], *, public_key: str | None = None, chunk_size: int = CHUNK_SIZE):
    """Each witness against the chain: its signature under the trusted key, and the link it names unchanged.

    Returns ``(seq, table, row_pk, message)`` findings (``audit.chain.verify`` makes them its ``Problem``s): a
    forged witness, a link missing below a witnessed head (the chain was cut), or a link whose hash differs from
    the witnessed one (history rewritten and recomputed).
    """
    from .models import ChainLink

    key = public_key if public_key is not None else public_key_b64()
    if not key:
        first = next(iter(witnesses), None)
        if first is None:
            return []
        message = _("the published witnesses cannot be checked: no witness public key is configured")
        return [Finding(first.get("seq") if isinstance(first.get("seq"), int) else None, "witness", "", message)]
    problems, seen = [], set()
    for chunk in _chunks(witnesses, chunk_size):
        valid = []
        for witness in chunk:
            identity = (witness.get("seq"), witness.get("hash"), witness.get("signature"))
            if identity in seen:
                continue  # the same witness from the database and from a downloaded copy
            seen.add(identity)
            seq = witness.get("seq") if isinstance(witness.get("seq"), int) else None
            if not witness_signature_valid(witness, key):
                message = _("the witness's signature is forged")
                problems.append(Finding(seq, "witness", str(witness.get("sealed_at", "")), message))
            else:
                valid.append(witness)
        hashes = dict(ChainLink.objects.filter(seq__in=[w["seq"] for w in valid]).values_list("seq", "hash"))
        for witness in valid:
            actual = hashes.get(witness["seq"])
            where = str(witness["sealed_at"])
            if actual is None:
                message = _("the chain was cut below a head witnessed on %(when)s") % {"when": where}
                problems.append(Finding(witness["seq"], "audit_chainlink", str(witness["seq"]), message))
            elif actual != witness["hash"]:
                message = _("the chain was rewritten: this link differs from the head witnessed on %(when)s") % {
                    "when": where
                }
                problems.append(Finding(witness["seq"], "audit_chainlink", str(witness["seq"]), message))
    return problems
