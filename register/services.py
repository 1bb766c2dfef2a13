"""Writes of the register's own rows (issue 18). Listings are a derived index of ``cases.Publication``.

A listing carries no history of its own: it is rebuilt from the publication (whose history is kept) by
:func:`listings_refresh`, which the save of a publication or its case triggers in the same transaction.
After the transaction commits, the register's cache version moves on (every cached page and ETag is stale)
and the bulk download is regenerated in the background.
"""

from collections.abc import Iterable

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from cases.selectors.publications import publication_ids_of_case, register_rows

from .downloads import CSV_FORMAT, csv_line
from .log import log_append
from .models import Listing, PublicationEvent

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


@transaction.atomic
def listings_refresh(*, publication_ids: Iterable[int] | None = None) -> int:
    """Write the listings of ``publication_ids`` (all when ``None``) from the publications. Returns how many.

    Each publish, amend and end is appended to the public publication log (``register.log``).
    """
    count = 0
    for row in register_rows(publication_ids):
        before = (
            Listing.objects.filter(publication_id=row.publication_id)
            .only("token", "content", "listed", "minor", "ended_on")
            .first()
        )
        event = _log_event(before, row)
        listing, _created = Listing.objects.update_or_create(
            publication_id=row.publication_id,
            defaults={
                "content": row.content, "name": row.name, "uscc": row.uscc, "natural_person": row.natural_person,
                "minor": row.minor, "listed": row.listed, "department_id": row.department_id,
                "catalogue_item_id": row.catalogue_item_id, "decided_on": row.decided_on,
                "published_from": row.published_from, "max_end_on": row.max_end_on, "ended_on": row.ended_on,
                "updated_at": timezone.now(), "csv_line": csv_line(row.content), "csv_format": CSV_FORMAT,
            },
        )  # fmt: skip
        listing.measure_types.set(row.measure_type_ids)
        if event is not None:
            log_append(token=listing.token, event=event, content=row.content, on=timezone.localdate())
        count += 1
    if count:
        transaction.on_commit(_changed)
    return count


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


def listings_refresh_for_case(*, case_id: int) -> int:
    ids = publication_ids_of_case(case_id)
    return listings_refresh(publication_ids=ids) if ids else 0
