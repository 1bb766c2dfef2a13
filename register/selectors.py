"""Reads of the register (issue 18): search, one record, the current register for the download."""

import datetime
import re
from collections.abc import Iterator

from django.db.models import QuerySet

from entities.identifiers import normalize_uscc

from .models import Listing

MIN_QUERY_LENGTH = 2
# Results are capped: the register answers look-ups, it is not a way to page through everyone listed.
MAX_RESULTS = 200
_USCC_SHAPE = re.compile(r"[0-9A-Z]{18}")


def as_uscc(query: str) -> str | None:
    """The query as a credit code if it has the shape of one (normalised like ``entities.identifiers``)."""
    code = normalize_uscc(query)
    return code if _USCC_SHAPE.fullmatch(code) else None


def listing_search(
    *,
    query: str,
    department_id: int | None = None,
    catalogue_item_id: int | None = None,
    measure_type_id: int | None = None,
    decided_from: datetime.date | None = None,
    decided_to: datetime.date | None = None,
    on: datetime.date | None = None,
) -> QuerySet:
    """Visible listings whose name contains ``query`` (any script), or whose credit code is ``query`` exactly."""
    listings = Listing.objects.visible(on)
    code = as_uscc(query)
    listings = listings.filter(uscc=code) if code else listings.filter(name__icontains=query.strip())
    if department_id:
        listings = listings.filter(department_id=department_id)
    if catalogue_item_id:
        listings = listings.filter(catalogue_item_id=catalogue_item_id)
    if measure_type_id:
        listings = listings.filter(measure_types=measure_type_id)
    if decided_from:
        listings = listings.filter(decided_on__gte=decided_from)
    if decided_to:
        listings = listings.filter(decided_on__lte=decided_to)
    return listings.only("token", "content", "decided_on").order_by("-decided_on", "-id")[:MAX_RESULTS]


def listing_get(token: str, *, on: datetime.date | None = None) -> Listing | None:
    """The visible listing behind a record URL, or ``None`` (never-existing and withdrawn look the same)."""
    return (
        Listing.objects.visible(on).filter(token=token).only("token", "content", "natural_person", "updated_at").first()
    )


def listings_current(*, chunk_size: int = 1000, on: datetime.date | None = None) -> Iterator[Listing]:
    """Every visible listing, oldest first, read in pages by primary key (constant memory for the download)."""
    listings = Listing.objects.visible(on).only("token", "content", "decided_on")
    last = 0
    while True:
        page = list(listings.filter(pk__gt=last).order_by("pk")[:chunk_size])
        if not page:
            return
        yield from page
        last = page[-1].pk
