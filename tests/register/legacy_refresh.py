"""``listings_refresh`` as it was before the batched rewrite (issue 18/19), kept verbatim as the test oracle.

One publication at a time: a read of its listing, ``update_or_create``, ``measure_types.set()`` and one
``log_append`` per event. ``tests/register/test_refresh_batches.py`` checks that the batched path writes the same
listings, measures and publication log; nothing here is used by the application.
"""

from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from cases.selectors.publications import register_rows
from register.downloads import CSV_FORMAT, csv_line
from register.log import log_append
from register.models import Listing
from register.services import _changed, _log_event


@transaction.atomic
def listings_refresh(*, publication_ids: Iterable[int] | None = None) -> int:
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
