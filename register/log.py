"""The public, hash-chained publication log with an Ed25519-signed head (issue 18).

Every time a listing is published, amended or ended, :func:`log_append` (or :func:`log_append_many` for a batch,
with the same numbering and hashes) adds a
:class:`~register.models.PublicationEvent` whose link hash covers the previous one — the audit chain's own
primitives (``audit.chain.link_hash`` over ``content_hash`` of the public content), with the table name
``register_log``. :func:`signed_head` signs the
newest link with the register's Ed25519 key (``REGISTER_LOG_SIGNING_KEY``), a key that signs nothing else; the
public key is published beside the log. :func:`verify_lines` checks a downloaded copy without any database: the
entries follow each other, each hash is right, and the head's signature holds — so an edited, removed or
reordered entry, or a truncated log, is detected by anyone (``manage.py verify_register_log``).

The log also witnesses the internal audit chain (issue 18 §3): each seal of the chain, signed by the seal's own
process with the audit witness key (``audit.witness``, a key the web application does not hold), is appended as a
``witness`` entry by :func:`witness_append` — registered as the witness publisher in ``RegisterConfig.ready`` —
and :func:`witness_records` gives them back to ``verify_audit``. The entry's content digest is the digest of the
signed witness, so the witness is chained like any entry, and a copy of the log carries it to outsiders.
"""

import base64
import datetime
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, transaction
from django.utils import timezone

from audit.chain import GENESIS, content_hash, link_hash
from audit.witness import FIELDS as WITNESS_FIELDS

from .models import PublicationEvent

TABLE = "register_log"
# Arbitrary constant naming the log's advisory lock ("reglog" in ASCII): appends are serialised.
ADVISORY_LOCK_KEY = 0x7265676C6F67
FORMAT = "creditportal-register-log/1"


def _private_key() -> Ed25519PrivateKey:
    raw = settings.REGISTER_LOG_SIGNING_KEY
    if not raw:
        raise ImproperlyConfigured("REGISTER_LOG_SIGNING_KEY is not set: the publication log cannot be signed.")
    return Ed25519PrivateKey.from_private_bytes(base64.b64decode(raw))


def public_key_b64() -> str:
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    return base64.b64encode(_private_key().public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)).decode()


def _lock():
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [ADVISORY_LOCK_KEY])


def entry_hash(*, prev_hash: str, token: str, event: str, on: str, content_digest: str) -> str:
    return link_hash(prev_hash=prev_hash, table=TABLE, row_pk=token, kind=event, row_hash=content_digest, note=on)


def _head() -> tuple[int, str]:
    """Take the log's lock for the rest of the transaction and read its last number and hash."""
    _lock()
    return PublicationEvent.objects.order_by("-seq").values_list("seq", "hash").first() or (0, GENESIS)


def _entry(
    seq: int, prev: str, token: str, event: str, content: dict, on: datetime.date, witness: dict | None = None
) -> PublicationEvent:
    """The event numbered ``seq`` after the hash ``prev``: its content digest and its link hash."""
    digest = content_hash(content)
    hash_ = entry_hash(prev_hash=prev, token=token, event=event, on=on.isoformat(), content_digest=digest)
    return PublicationEvent(
        seq=seq, token=token, event=event, on=on, content_hash=digest, prev_hash=prev, hash=hash_, witness=witness
    )


def log_append(
    *, token: str, event: str, content: dict, on: datetime.date, witness: dict | None = None
) -> PublicationEvent:
    """Append one event; call inside the transaction that changed the listing (``witness``: see witness_append)."""
    with transaction.atomic():
        last_seq, prev = _head()
        entry = _entry(last_seq + 1, prev, token, event, content, on, witness)
        entry.save(force_insert=True)
        return entry


def log_append_many(entries: Iterable[tuple[str, str, dict, datetime.date]]) -> list[PublicationEvent]:
    """Append ``(token, event, content, on)`` events in order, as many :func:`log_append` calls would, in one insert.

    One lock and one read of the head, then the entries are numbered and chained as ``log_append`` chains each (so
    the log is the same, hash for hash); call inside the transaction that changed the listings.
    """
    entries = list(entries)
    if not entries:
        return []
    with transaction.atomic():
        last_seq, prev = _head()
        rows = []
        for offset, (token, event, content, on) in enumerate(entries, start=1):
            rows.append(_entry(last_seq + offset, prev, token, event, content, on))
            prev = rows[-1].hash
        return PublicationEvent.objects.bulk_create(rows)


def witness_append(witness: dict) -> PublicationEvent:
    """Append a signed seal of the audit chain (``audit.witness``): digests and a signature, nothing personal.

    Called by ``audit.chain.seal`` under the chain's advisory lock, then this log's: the order every write
    transaction takes them in too (a change's history rows are chained before its listing is refreshed), so a seal
    and a publication change never wait for each other in a circle.
    """
    fields = {key: witness[key] for key in WITNESS_FIELDS}
    on = timezone.localdate(datetime.datetime.fromisoformat(fields["sealed_at"]))
    return log_append(token="", event=PublicationEvent.Event.WITNESS, content=fields, on=on, witness=fields)  # nosec B106


def witness_records(*, chunk_size: int = 2000) -> Iterator[dict]:
    """Every published witness, oldest first, read in pages (the source ``verify_audit`` checks the chain against)."""
    last = 0
    while True:
        page = list(
            PublicationEvent.objects.filter(event=PublicationEvent.Event.WITNESS, seq__gt=last)
            .order_by("seq")
            .values_list("seq", "witness")[:chunk_size]
        )
        if not page:
            return
        for _seq, witness in page:
            yield witness
        last = page[-1][0]


def entry_record(entry: PublicationEvent) -> dict:
    record = {
        "seq": entry.seq, "token": entry.token, "event": entry.event, "on": entry.on.isoformat(),
        "content_hash": entry.content_hash, "prev_hash": entry.prev_hash, "hash": entry.hash,
    }  # fmt: skip
    if entry.witness is not None:
        record["witness"] = entry.witness
    return record


def _head_payload(seq: int, hash_: str, signed_at: str) -> bytes:
    return json.dumps([FORMAT, seq, hash_, signed_at], separators=(",", ":")).encode()


def signed_head() -> dict:
    """The newest entry's sequence number and hash, signed now."""
    last = PublicationEvent.objects.order_by("-seq").values_list("seq", "hash").first() or (0, GENESIS)
    signed_at = timezone.now().isoformat()
    signature = _private_key().sign(_head_payload(last[0], last[1], signed_at))
    return {
        "head": {"format": FORMAT, "seq": last[0], "hash": last[1], "signed_at": signed_at},
        "signature": base64.b64encode(signature).decode(),
        "public_key": public_key_b64(),
    }


def log_lines(*, chunk_size: int = 2000) -> Iterator[str]:
    """The whole log as JSON Lines, entries in order, then the signed head (what the download serves)."""
    last = 0
    head = signed_head()  # signed first: entries appended meanwhile are simply after the head
    while True:
        events = PublicationEvent.objects.filter(seq__gt=last, seq__lte=head["head"]["seq"])
        page = list(events.order_by("seq")[:chunk_size])
        if not page:
            break
        for entry in page:
            yield json.dumps(entry_record(entry), sort_keys=True)
        last = page[-1].seq
    yield json.dumps(head, sort_keys=True)


@dataclass(frozen=True)
class LogProblem:
    line: int
    message: str

    def __str__(self):
        return f"line {self.line}: {self.message}"


def verify_lines(lines: Iterable[str], *, public_key: str | None = None) -> list[LogProblem]:
    """Every inconsistency in a downloaded log: edited, removed or reordered entries, a bad or missing signed head.

    ``public_key`` (base64, raw Ed25519) is the key to trust; without it the key named in the file is used,
    which proves integrity of the copy but not who signed it.
    """
    problems, prev, expected_seq, head = [], GENESIS, 1, None
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            problems.append(LogProblem(number, "not valid JSON"))
            continue
        if "head" in record:
            head = (number, record)
            break
        try:
            recomputed = entry_hash(
                prev_hash=record["prev_hash"], token=record["token"], event=record["event"], on=record["on"],
                content_digest=record["content_hash"],
            )  # fmt: skip
            seq, stored = int(record["seq"]), record["hash"]
        except (KeyError, TypeError, ValueError):
            problems.append(LogProblem(number, "an entry lacks a field"))
            continue
        if recomputed != stored:
            problems.append(LogProblem(number, f"entry #{seq} was edited (its hash does not match its content)"))
        elif "witness" in record and not _witness_matches(record):
            problems.append(LogProblem(number, f"entry #{seq}: its audit witness was edited (digest mismatch)"))
        elif seq < expected_seq:
            problems.append(LogProblem(number, f"entry #{seq} is out of order (expected #{expected_seq})"))
        elif seq > expected_seq:
            problems.append(LogProblem(number, f"entries #{expected_seq} to #{seq - 1} were removed"))
        elif record["prev_hash"] != prev:
            problems.append(LogProblem(number, f"entry #{seq} does not follow the entry before it (reordered?)"))
        prev, expected_seq = stored, max(expected_seq, seq) + 1
    if head is None:
        problems.append(LogProblem(0, "the signed head is missing (the log was truncated)"))
        return problems
    number, record = head
    problems += _verify_head(number, record, prev=prev, last_seq=expected_seq - 1, public_key=public_key)
    return problems


def _witness_matches(record: dict) -> bool:
    witness = record["witness"]
    return isinstance(witness, dict) and content_hash(witness) == record["content_hash"]


def _verify_head(number: int, record: dict, *, prev: str, last_seq: int, public_key: str | None) -> list[LogProblem]:
    try:
        head = record["head"]
        key = Ed25519PublicKey.from_public_bytes(base64.b64decode(public_key or record["public_key"]))
        key.verify(base64.b64decode(record["signature"]), _head_payload(head["seq"], head["hash"], head["signed_at"]))
    except (KeyError, TypeError, ValueError, InvalidSignature):
        return [LogProblem(number, "the head's signature is not valid for this key")]
    if head["seq"] != last_seq or head["hash"] != prev:
        return [LogProblem(number, f"the signed head is entry #{head['seq']}, but the log ends at #{last_seq}")]
    return []
