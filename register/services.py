"""Writes of the register's own rows (issue 18). Listings are a derived index of ``cases.Publication``.

A listing carries no history of its own: it is rebuilt from the publication (whose history is kept) by
:func:`listings_refresh`, which the save of a publication or its case triggers in the same transaction.
After the transaction commits, the register's cache version moves on (every cached page and ETag is stale)
and the bulk download is regenerated in the background.
"""

from collections.abc import Iterable

from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.utils import timezone

from cases.selectors.publications import publication_ids_of_case, register_rows

from .downloads import CSV_FORMAT, csv_line
from .log import log_append_many
from .models import Listing, PublicationEvent
from .screening import screening_key

VERSION_KEY = "register:version"


def register_version() -> str:
    """A stamp that changes whenever any listing changes: part of every ETag the register sends."""
    version = cache.get(VERSION_KEY)
    if version is None:
        version = str(timezone.now().timestamp())
        cache.add(VERSION_KEY, version, timeout=None)
        version = cache.get(VERSION_KEY, version)
    return version


def _changed() -> None:
    from .tasks import regenerate_downloads

    cache.set(VERSION_KEY, str(timezone.now().timestamp()), timeout=None)
    regenerate_downloads.enqueue()


def _shown(listed: bool, minor: bool, ended_on) -> bool:
    """Whether the entry is on the register apart from its dates (which need no write to take effect)."""
    return listed and not minor and ended_on is None


def _log_event(before: Listing | None, row) -> str | None:
    was = before is not None and _shown(before.listed, before.minor, before.ended_on)
    now = _shown(row.listed, row.minor, row.ended_on)
    if now and not was:
        return PublicationEvent.Event.PUBLISH
    if was and not now:
        return PublicationEvent.Event.END
    if was and now and before.content != row.content:
        return PublicationEvent.Event.AMEND
    return None


# Publications refreshed together: one read of their listings, one insert, one update, one log append per batch.
BATCH_SIZE = 500
_WRITTEN = [
    "content", "name", "screening_key", "uscc", "natural_person", "minor", "listed", "department", "catalogue_item",
    "decided_on", "published_from", "max_end_on", "ended_on", "updated_at", "csv_line", "csv_format",
]  # fmt: skip


@transaction.atomic
def listings_refresh(*, publication_ids: Iterable[int] | None = None, batch_size: int = BATCH_SIZE) -> int:
    """Write the listings of ``publication_ids`` (all when ``None``) from the publications. Returns how many.

    Each publish, amend and end is appended to the public publication log (``register.log``), in the publications'
    order. The publications are written in batches of ``batch_size`` (:func:`_refresh_batch`): a constant number of
    statements per batch, whatever its size, so rebuilding the whole register is set-based rather than per row.
    """
    count, batch = 0, []
    for row in register_rows(publication_ids, chunk_size=batch_size):
        batch.append(row)
        if len(batch) >= batch_size:
            count += _refresh_batch(batch)
            batch = []
    if batch:
        count += _refresh_batch(batch)
    if count:
        transaction.on_commit(_changed)
    return count


def _refresh_batch(rows: list) -> int:
    """One read of the batch's listings, one upsert of all of them (new and changed), their measures
    replaced, and their log events appended in the rows' order (what one ``update_or_create`` per row did).

    Every listing of the batch is rewritten (``updated_at`` too, as before), so the API's sync sees a rebuild."""
    now, today = timezone.now(), timezone.localdate()
    existing = {
        listing.publication_id: listing
        for listing in Listing.objects.filter(publication_id__in=[row.publication_id for row in rows]).only(
            "publication_id", "token", "content", "listed", "minor", "ended_on"
        )
    }
    listings, events = [], []
    for row in rows:
        before = existing.get(row.publication_id)
        event = _log_event(before, row)
        kept = {} if before is None else {"token": before.token}  # else the model's default: ``new_token()``
        listing = Listing(
            **kept, publication_id=row.publication_id,
            content=row.content, name=row.name, screening_key=screening_key(row.name), uscc=row.uscc,
            natural_person=row.natural_person, minor=row.minor,
            listed=row.listed, department_id=row.department_id, catalogue_item_id=row.catalogue_item_id,
            decided_on=row.decided_on, published_from=row.published_from, max_end_on=row.max_end_on,
            ended_on=row.ended_on, updated_at=now, csv_line=csv_line(row.content), csv_format=CSV_FORMAT,
        )  # fmt: skip
        listings.append((listing, row))
        if event is not None:
            events.append((listing.token, event, row.content, today))
    # One upsert for new and existing listings: Django's ``bulk_update`` (a CASE per column over every row) costs
    # more than the per-row path it replaces. A kept token is not among the columns the upsert writes either.
    Listing.objects.bulk_create(
        [listing for listing, _row in listings],
        update_conflicts=True, unique_fields=["publication"], update_fields=_WRITTEN,
    )  # fmt: skip
    for listing, row in listings:
        listing.pk = listing.pk or existing[row.publication_id].pk
    _measures_replace(listings)
    log_append_many(events)
    return len(rows)


def _measures_replace(listings: list) -> None:
    """Each listing's measures become its row's, as ``measure_types.set()`` per listing did: one read of the batch's
    links, one delete of those no longer wanted and one insert of the missing ones (a rebuild that changes nothing
    rewrites none)."""
    through = Listing.measure_types.through
    wanted = {(listing.pk, measure_type_id) for listing, row in listings for measure_type_id in row.measure_type_ids}
    links = through.objects.filter(listing_id__in=[listing.pk for listing, _row in listings])
    have = {(a, b): pk for pk, a, b in links.values_list("pk", "listing_id", "measuretype_id")}
    stale = [pk for link, pk in have.items() if link not in wanted]
    if stale:
        through.objects.filter(pk__in=stale).delete()
    missing = sorted(wanted - have.keys())
    if missing:
        through.objects.bulk_create(through(listing_id=a, measuretype_id=b) for a, b in missing)


def listings_csv_lines_store(*, chunk_size: int = 1000) -> int:
    """Store the CSV line of every listing that has none in the current ``CSV_FORMAT`` (after this column arrived, or
    after the format changed), rendered from its content, in slices of primary keys. Returns how many were stored.

    The lines are derived from the content alone (nothing else changes, nothing is logged), so this is what an
    upgrade needs rather than :func:`listings_refresh`, which re-reads every publication (hours at 1M).
    """
    stale = Listing.objects.exclude(csv_format=CSV_FORMAT).order_by("pk")
    count, last = 0, 0
    while True:
        page = list(stale.filter(pk__gt=last).only("content")[:chunk_size])
        if not page:
            return count
        for listing in page:
            listing.csv_line, listing.csv_format = csv_line(listing.content), CSV_FORMAT
        with transaction.atomic():
            Listing.objects.bulk_update(page, ["csv_line", "csv_format"])
        count += len(page)
        last = page[-1].pk


# Listings whose screening key is checked (and rewritten where it differs) per statement.
KEYS_CHUNK = 5000


def listings_screening_keys_store(*, chunk_size: int = KEYS_CHUNK, using: str = DEFAULT_DB_ALIAS) -> int:
    """Rewrite every listing's screening key that differs from :func:`register.screening.screening_key` of its name
    (after migration 0007 added the column, or after the normalisation changed). Returns how many were rewritten.

    The key is derived from the name alone (nothing else changes, nothing is logged, ``updated_at`` stays), so an
    upgrade needs this rather than :func:`listings_refresh`. Keyset pages of ``chunk_size`` listings, each read as
    (id, name, key) and written back in one statement: minutes at 1M listings (docs/performance.md)."""
    count, last = 0, 0
    listings = Listing.objects.using(using).order_by("pk")
    while True:
        page = list(listings.filter(pk__gt=last).values_list("pk", "name", "screening_key")[:chunk_size])
        if not page:
            return count
        changed = [(pk, key) for pk, name, old in page if (key := screening_key(name)) != old]
        if changed:
            _keys_write(changed, using=using)
        count += len(changed)
        last = page[-1][0]


def _keys_write(changed: list[tuple[int, str]], *, using: str) -> None:
    connection = connections[using]
    table = connection.ops.quote_name(Listing._meta.db_table)
    with transaction.atomic(using=using), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"UPDATE {table} AS l SET screening_key = c.k FROM unnest(%s::bigint[], %s::text[]) AS c(i, k) "  # noqa: S608  # nosec B608
                "WHERE l.id = c.i",
                [[pk for pk, _key in changed], [key for _pk, key in changed]],
            )
        else:
            cursor.executemany(
                f"UPDATE {table} SET screening_key = %s WHERE id = %s",  # noqa: S608  # nosec B608
                [(key, pk) for pk, key in changed],
            )


def listings_refresh_for_case(*, case_id: int) -> int:
    ids = publication_ids_of_case(case_id)
    return listings_refresh(publication_ids=ids) if ids else 0
