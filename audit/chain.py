"""The tamper-evident chain over every history row and every access-log row (DESIGN §8, issue 8).

Each inserted row gets one :class:`~audit.models.ChainLink`, written in the transaction of the insert:
``row_hash`` is the SHA-256 of the row's canonical content *as stored* (read back with plain SQL, so an
encrypted identity number is hashed as ciphertext and never decrypted), and the link's ``hash`` covers the
previous link's hash. :func:`verify` recomputes everything and names the first row or link that was edited,
deleted or reordered; :func:`seal` writes a signed digest of the head (``verify_audit --seal``, from cron),
so cutting rows off the end is detected too.

Appends are serialised: on PostgreSQL by a transaction-level advisory lock taken before the head is read;
SQLite serialises writers by itself.
"""

import datetime
import decimal
import hashlib
import itertools
import json
import uuid
from dataclasses import dataclass

from django.apps import apps
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils.translation import gettext as _

from creditportal import bulk

GENESIS = "0" * 64
# Arbitrary constant naming the chain's advisory lock ("audit" in ASCII).
ADVISORY_LOCK_KEY = 0x6175646974
SIGNING_SALT = "audit.chain.head"
# Rows read per query by verify(): memory stays flat on millions of rows.
CHUNK_SIZE = 2000


def chained_models():
    """Every model whose rows are chained: all simple-history models (incl. m2m history) and the access log."""
    from .models import AccessLog

    models = [m for m in apps.get_models() if m.__name__.startswith("Historical")]
    return [*sorted(models, key=lambda m: m._meta.db_table), AccessLog]


def _canonical_value(value):
    if isinstance(value, datetime.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(datetime.UTC)
        return value.isoformat()
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, bytes | memoryview | bytearray):
        return bytes(value).hex()
    return value


def _dumps(value) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)


def _canonical_default(value):
    """The JSON encoder's hook for what JSON has no type for: the canonical form, else the text."""
    canonical = _canonical_value(value)
    return str(value) if canonical is value else canonical


def _canonical_json(row: dict) -> str:
    """Only the values JSON has no type for reach Python (``_canonical_default``, called by the C encoder): text,
    numbers and ``None`` are encoded as they are, half the time of converting every value first (issue 25)."""
    return json.dumps(row, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=_canonical_default)


def content_hash(row: dict) -> str:
    """SHA-256 of a row's canonical JSON: sorted keys, ISO datetimes (UTC), text for Decimal and UUID."""
    return hashlib.sha256(_canonical_json(row).encode()).hexdigest()


# ``json.dumps`` of one string with ``ensure_ascii=False``, quotes included.
_text = json.encoder.encode_basestring


def link_hash(*, prev_hash: str, table: str, row_pk: str, kind: str, row_hash: str, note: str) -> str:
    payload = json.dumps([prev_hash, table, row_pk, kind, row_hash, note], ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(payload.encode()).hexdigest()


def _raw_rows(model, pks=None, *, after=None, limit=None):
    """Yield ``(pk, {column: value})`` of stored rows, without any field conversion (ciphertext stays ciphertext).

    The primary key is left out of the content: the link binds it, so swapping two rows' contents (a reorder)
    shows as each row carrying the other's content. ``after`` and ``limit`` read one page ordered by primary
    key (keyset pagination), so :func:`verify` never holds a whole table in memory.
    """
    qn = connection.ops.quote_name
    pk_column = model._meta.pk.column
    # Table and column names come from the models, values are parameters: not user input.
    sql = f"SELECT * FROM {qn(model._meta.db_table)}"  # noqa: S608  # nosec B608
    conditions, params = [], []
    if pks is not None:
        condition, values = bulk.among(qn(pk_column), model._meta.pk, [model._meta.pk.to_python(pk) for pk in pks])
        conditions.append(condition)
        params += values
    if after is not None:
        conditions.append(f"{qn(pk_column)} > %s")
        params.append(after)
    if conditions:
        sql += " WHERE " + " AND ".join(conditions)
    if limit is not None:
        sql += f" ORDER BY {qn(pk_column)} LIMIT %s"
        params.append(int(limit))
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        columns = [col[0] for col in cursor.description]
        for values in cursor.fetchall():
            row = dict(zip(columns, values, strict=True))
            yield str(row.pop(pk_column)), row


def row_content_hash(model, pk) -> str | None:
    for _pk, row in _raw_rows(model, [pk]):
        return content_hash(row)
    return None


def _lock():
    """Take the chain's lock for the rest of the transaction.

    Whoever takes it may write links directly (the benchmark's generator does, set-based), so the head
    :func:`append` remembers for this transaction is forgotten here and read afresh by the next append.
    """
    connection.__dict__.pop(_HEAD_KEY, None)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [ADVISORY_LOCK_KEY])


# The head this transaction last appended, with the transaction it belongs to (issue 22).
_HEAD_KEY = "_audit_chain_head"


def _remembered_head() -> str | None:
    """The head this connection's open transaction appended last, if that link still stands.

    The transaction is told apart by the identity of Django's ``connection.run_on_commit`` list: Django
    replaces that list when a transaction commits or rolls back, and when it rolls back to a savepoint (it
    drops that savepoint's callbacks). So while it is the same list, the link remembered is part of the open
    transaction, the chain's lock taken for it is still held, and nobody else can have appended after it.
    ``tests/audit/test_chain.py`` checks each of these cases.
    """
    remembered = connection.__dict__.get(_HEAD_KEY)
    if remembered is not None and remembered[0] is connection.run_on_commit:
        return remembered[1]
    return None


def _remember_head(head: str) -> None:
    connection.__dict__[_HEAD_KEY] = (connection.run_on_commit, head)


def _head() -> str:
    """The hash the next link follows: the one this transaction appended last, else (taking the chain's lock for the
    rest of the transaction) the newest link's."""
    from .models import ChainLink

    prev = _remembered_head()
    if prev is None:
        _lock()
        prev = ChainLink.objects.order_by("-seq").values_list("hash", flat=True).first() or GENESIS
    return prev


def append(model, pk, *, kind: str = "row", note: str = ""):
    """Chain the stored row ``pk`` of ``model``; call inside the transaction that inserted (or purged) it.

    The first append of a transaction takes the lock and reads the head (two statements); later ones in the
    same transaction reuse the head they appended, so each further row costs its read-back and its link. No
    savepoint of its own: a failure here fails the write it chains.
    """
    from .models import ChainLink

    with transaction.atomic(savepoint=False):
        prev = _head()
        table = model._meta.db_table
        row_hash = row_content_hash(model, pk)
        if row_hash is None:  # pragma: no cover - the row was inserted just before in this transaction
            raise RuntimeError(f"cannot chain missing row {table}:{pk}")
        fields = {"table": table, "row_pk": str(pk), "kind": kind, "row_hash": row_hash, "note": note}
        link = ChainLink.objects.create(prev_hash=prev, hash=link_hash(prev_hash=prev, **fields), **fields)
        _remember_head(link.hash)
        return link


def append_stored(model, rows: list[dict], *, kind: str = "row", varying: str | None = None) -> None:
    """Chain rows of ``model`` this transaction has just inserted, given as stored, in the order given.

    ``rows`` are what ``creditportal.bulk.insert_rows(..., returning=True)`` hands back (``RETURNING *``: every column,
    no field conversion), which is what :func:`_raw_rows` would read back, so the links are those :func:`append`
    would write one by one, without reading the rows again. Like :func:`append`, the lock and the head are taken once a
    transaction: none when this transaction appended last; then one insert of the links. No savepoint of its own.
    ``varying``: the column in which the rows differ, if only one does (besides the primary key), which hashes them
    faster (:func:`_stored_hashes`).
    """
    if not rows:
        return
    table = model._meta.db_table
    hashes = _stored_hashes(rows, model._meta.pk.column, varying)
    with transaction.atomic(savepoint=False):
        links = _links(_head(), table, kind, hashes)
        _insert_links(table, kind, links)
        _remember_head(links[-1][-1])


# Stands for the varying value in :func:`_stored_hashes`' shared canonical text.
_GAP = "\x00audit.chain.gap\x00"
_SAME_TEXT_TYPES = frozenset({str, int, bool, type(None), datetime.datetime, datetime.date, uuid.UUID, bytes})


def _stored_hashes(rows: list[dict], pk_column: str, varying: str | None) -> list[tuple[str, str]]:
    """``(pk, content_hash(row without its pk))`` of each stored row, in order.

    Rows equal to the first in every column but ``varying`` (and the key) share its canonical JSON but for that one
    value: the text is built once with a gap and each row's value encoded into it, byte for byte what
    :func:`content_hash` produces (the keys' order does not depend on the values). Any other row is hashed in full.
    """
    hashes = []
    shape = types = prefix = suffix = None
    for row in rows:
        content = dict(row)
        pk = str(content.pop(pk_column))
        if varying is None or varying not in content:
            hashes.append((pk, content_hash(content)))
            continue
        value = content[varying]
        content[varying] = _GAP
        if shape is None:
            text, gap = _canonical_json(content), _dumps(_GAP)
            types = [(key, type(item)) for key, item in content.items()]
            # Equal values of these types (of the same type) have one canonical text; equal floats or Decimals may not
            # (0.0 and -0.0, 1.0 and 1.00). {}: no row matches the shape, every one is hashed in full.
            usable = text.count(gap) == 1 and all(kind in _SAME_TEXT_TYPES for _key, kind in types)
            shape = content if usable else {}
            prefix, _gap, suffix = text.partition(gap)
        if content == shape and all(type(content[key]) is kind for key, kind in types):
            canonical = prefix + _dumps(_canonical_value(value)) + suffix
            hashes.append((pk, hashlib.sha256(canonical.encode()).hexdigest()))
        else:
            content[varying] = value
            hashes.append((pk, content_hash(content)))
    return hashes


def _links(prev: str, table: str, kind: str, hashes: list[tuple[str, str]]) -> list[tuple[str, str, str, str]]:
    """``(row_pk, row_hash, prev_hash, hash)`` of links following ``prev``, one a ``(row_pk, row_hash)``, no note.

    :func:`link_hash`'s JSON array with the fixed members encoded once (``json.dumps`` encodes each string of a list
    with ``encode_basestring`` and joins them with commas: the same bytes).
    """
    fixed_table, fixed_kind, note = _text(table), _text(kind), _text("")
    links = []
    for pk, row_hash in hashes:
        payload = f"[{_text(prev)},{fixed_table},{_text(pk)},{fixed_kind},{_text(row_hash)},{note}]"
        link = hashlib.sha256(payload.encode()).hexdigest()
        links.append((pk, row_hash, prev, link))
        prev = link
    return links


_LINK_COLUMNS = ["row_pk", "row_hash", "prev_hash", "hash"]


def _insert_links(table: str, kind: str, links: list[tuple[str, str, str, str]]) -> None:
    """Insert ``(row_pk, row_hash, prev_hash, hash)`` links of ``table`` in the order given (``seq`` order); the
    table, kind, empty note and one ``created`` time are sent once."""
    from django.utils import timezone

    from .models import ChainLink

    created = ChainLink._meta.get_field("created").get_db_prep_save(timezone.now(), connection)
    constants = {"table": table, "kind": kind, "note": "", "created": created}
    bulk.insert_rows(ChainLink, _LINK_COLUMNS, links, constants=constants)


# -- signal receivers (connected in audit.apps) -----------------------------------------------------------
def on_historical_record(sender, history_instance, **kwargs):
    append(sender, history_instance.pk)


def on_historical_m2m_records(sender, created_rows, **kwargs):
    """Many-to-many history rows are bulk-inserted with their main row: each is chained too."""
    for row in created_rows:
        append(sender, row.pk)


def on_access_log_saved(sender, instance, created, raw=False, **kwargs):
    if created and not raw:
        append(sender, instance.pk)


# -- verification ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Problem:
    seq: int | None
    table: str
    row_pk: str
    message: str

    def __str__(self):
        where = f"link #{self.seq}" if self.seq is not None else _("unchained")
        return f"{where} {self.table}:{self.row_pk} — {self.message}"


def _pages(queryset, *, key: str, chunk_size: int):
    """Yield ``queryset`` ordered by ``key`` in pages of ``chunk_size`` (keyset pagination: constant memory)."""
    last = None
    while True:
        page = queryset.order_by(key)
        if last is not None:
            page = page.filter(**{f"{key}__gt": last})
        page = list(page[:chunk_size])
        if not page:
            return
        yield page
        last = getattr(page[-1], key)


def _verify_links(chunk_size: int) -> list[Problem]:
    """Each link's own hash, and that it follows the link before it."""
    from .models import ChainLink

    problems = []
    prev = GENESIS
    for page in _pages(ChainLink.objects.all(), key="seq", chunk_size=chunk_size):
        for link in page:
            recomputed = link_hash(
                prev_hash=link.prev_hash,
                table=link.table,
                row_pk=link.row_pk,
                kind=link.kind,
                row_hash=link.row_hash,
                note=link.note,
            )
            if recomputed != link.hash:
                problems.append(Problem(link.seq, link.table, link.row_pk, _("the chain link itself was edited")))
            elif link.prev_hash != prev:
                earlier = ChainLink.objects.filter(hash=link.prev_hash, seq__lt=link.seq)
                earlier = earlier.values_list("seq", flat=True).first()
                if earlier is not None:
                    message = _("links were reordered: it follows link #%(seq)s") % {"seq": earlier}
                else:
                    message = _("the link before it was deleted or reordered")
                problems.append(Problem(link.seq, link.table, link.row_pk, message))
            prev = link.hash
    return problems


def _is_pk(model, value: str) -> bool:
    try:
        model._meta.pk.to_python(value)
    except (TypeError, ValueError, ValidationError):
        return False
    return True


def _latest_links(table: str, row_pks) -> dict[str, tuple[int, str]]:
    """``row_pk → (seq, row_hash)`` of the newest link of each row (a purge's ``rehash`` link supersedes)."""
    from .models import ChainLink

    latest = {}
    links = ChainLink.objects.filter(table=table, row_pk__in=list(row_pks)).order_by("seq")
    for seq, row_pk, row_hash in links.values_list("seq", "row_pk", "row_hash"):
        latest[row_pk] = (seq, row_hash)
    return latest


def _reordered_from(table: str, pk: str, actual: str) -> str | None:
    """The row whose chained content this row now holds, if any (a reorder rather than an edit)."""
    from .models import ChainLink

    candidates = ChainLink.objects.filter(table=table, row_hash=actual).exclude(row_pk=pk).order_by("-seq")
    for seq, row_pk in candidates.values_list("seq", "row_pk")[:10]:
        if not ChainLink.objects.filter(table=table, row_pk=row_pk, seq__gt=seq).exists():
            return row_pk
    return None


def _verify_table(model, chunk_size: int) -> list[Problem]:
    """Every row of one chained table against the newest link naming it; every link's row still there."""
    from .models import ChainLink

    table = model._meta.db_table
    problems, unchained = [], []
    # Rows → links, a page of rows at a time.
    after = None
    while True:
        rows = list(_raw_rows(model, after=after, limit=chunk_size))
        if not rows:
            break
        after = model._meta.pk.to_python(rows[-1][0])
        latest = _latest_links(table, [pk for pk, _row in rows])
        for pk, row in rows:
            if pk not in latest:
                unchained.append(pk)
                continue
            seq, row_hash = latest[pk]
            actual = content_hash(row)
            if actual != row_hash:
                source = _reordered_from(table, pk, actual)
                if source is not None:
                    message = _("rows were reordered: it holds the content of row %(pk)s") % {"pk": source}
                else:
                    message = _("the row was edited")
                problems.append(Problem(seq, table, pk, message))
    # Links → rows: a row named by a link but gone was deleted.
    for page in _pages(ChainLink.objects.filter(table=table).only("seq", "row_pk"), key="seq", chunk_size=chunk_size):
        named = sorted({link.row_pk for link in page if _is_pk(model, link.row_pk)})
        present = {pk for pk, _row in _raw_rows(model, named)} if named else set()
        for link in page:
            if link.row_pk in present:
                continue
            if ChainLink.objects.filter(table=table, row_pk=link.row_pk, seq__gt=link.seq).exists():
                continue  # reported at the row's newest link
            problems.append(Problem(link.seq, table, link.row_pk, _("the row was deleted")))
    problems.sort(key=lambda p: p.seq)
    problems += [
        Problem(None, table, pk, _("the row was inserted outside the application (not chained)"))
        for pk in sorted(unchained, key=lambda value: (len(value), value))
    ]
    return problems


def verify(*, chunk_size: int = CHUNK_SIZE, witnesses=None, witness_key: str | None = None) -> list[Problem]:
    """Every inconsistency between the chain, the chained tables, the sealed head and the published witnesses.

    Streams the chain and each table in pages of ``chunk_size`` rows (keyset pagination by primary key), so
    memory stays flat however long the chain is; only the problems found are kept. The witnesses published so far
    (``audit.witness``: the public register's log) are checked, and ``witnesses`` too (e.g. an outsider's
    downloaded copy), under ``witness_key`` or the configured ``AUDIT_WITNESS_PUBLIC_KEY``.
    """
    from . import witness
    from .models import ChainHead, ChainLink

    problems = _verify_links(chunk_size)
    for model in chained_models():
        problems += _verify_table(model, chunk_size)

    head = ChainHead.objects.order_by("-seq", "-id").first()
    if head is not None:
        if not _signature_valid(head):
            problems.append(
                Problem(head.seq, "audit_chainhead", str(head.pk), _("the sealed head's signature is forged"))
            )
        elif ChainLink.objects.filter(seq=head.seq).values_list("hash", flat=True).first() != head.hash:
            problems.append(
                Problem(head.seq, "audit_chainlink", str(head.seq), _("the chain was truncated after a sealed head"))
            )
    published = itertools.chain(witness.published_witnesses(), witnesses or ())
    findings = witness.witness_check(published, public_key=witness_key, chunk_size=chunk_size)
    problems += [Problem(*finding) for finding in findings]
    problems.sort(key=lambda p: (p.seq is None, p.seq or 0))
    return problems


def _signed_value(seq: int, hash_: str) -> str:
    return f"{seq}:{hash_}"


def _signature_valid(head) -> bool:
    try:
        value = signing.Signer(salt=SIGNING_SALT).unsign(head.signature)
    except signing.BadSignature:
        return False
    return value == _signed_value(head.seq, head.hash)


def seal():
    """Write a signed digest of the current head (run it periodically, e.g. hourly from cron) and publish its witness.

    The head's ``witness`` attribute is the signed witness handed to the publishers (``audit.witness``), or
    ``None`` where this process holds no witness key or nothing publishes it.
    """
    from . import witness
    from .models import ChainHead, ChainLink

    with transaction.atomic():
        _lock()
        link = ChainLink.objects.order_by("-seq").first()
        if link is None:
            return None
        signature = signing.Signer(salt=SIGNING_SALT).sign(_signed_value(link.seq, link.hash))
        head = ChainHead.objects.create(seq=link.seq, hash=link.hash, signature=signature)
        sealed_at = head.sealed_at.astimezone(datetime.UTC).isoformat()
        head.witness = witness.witness_publish(seq=head.seq, hash_=head.hash, sealed_at=sealed_at)
        return head
