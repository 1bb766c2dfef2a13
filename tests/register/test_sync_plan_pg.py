"""PostgreSQL only: the API's sync reads its two streams through their indexes (register 0005; docs/performance.md)."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from register.selectors import listings_changed

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


def _plans(**kwargs) -> list[str]:
    """The plan of each statement ``listings_changed`` runs (the statements as sent, parameters bound)."""
    with CaptureQueriesContext(connection) as captured:
        listings_changed(**kwargs)
    plans = []
    with connection.cursor() as cursor:
        # An empty test table: without these the planner may read it whole and sort (cheapest when nothing is
        # there). Off, what remains is an index that gives the order and answers the conditions, if there is one.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_sort = off")
        for query in captured.captured_queries:
            cursor.execute(f"EXPLAIN {query['sql']}")
            plans.append("\n".join(row[0] for row in cursor.fetchall()))
    return plans


def test_both_indexes_exist():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'register_listing' AND indexname IN "
            "('register_listing_sync_idx', 'register_listing_date_end_idx') ORDER BY indexname"
        )
        (name_a, date_end_def), (name_b, sync_def) = cursor.fetchall()
    assert (name_a, name_b) == ("register_listing_date_end_idx", "register_listing_sync_idx")
    assert "(updated_at, id)" in sync_def
    assert "(max_end_on, id)" in date_end_def
    condition = date_end_def.split(" WHERE ", 1)[1]
    assert all(term in condition for term in ("listed", "(NOT minor)", "(ended_on IS NULL)"))


def test_a_first_full_sync_walks_the_updated_at_index_in_order():
    (plan,) = _plans(limit=100)  # nothing on the page: no entity look-up
    assert "Index Scan using register_listing_sync_idx" in plan and "Sort" not in plan, plan


@pytest.mark.parametrize("cursor", [False, True])
def test_an_incremental_sync_walks_both_indexes_in_order(cursor):
    since = timezone.now() - datetime.timedelta(days=3)
    after = (since + datetime.timedelta(hours=5), 42) if cursor else None
    by_update, by_date = _plans(updated_since=since, after=after, limit=100, removals=True, removed_since=since)
    assert "Index Scan using register_listing_sync_idx" in by_update, by_update
    assert "Index Scan using register_listing_date_end_idx" in by_date, by_date
    # Both read in key order and stop at the page: a limit straight over the index scan, no sort of the table.
    for plan in (by_update, by_date):
        assert "Sort" not in plan, plan


@pytest.fixture
def many_listings(publish):
    """3,000 listings cloned in bulk from one published case (their case and publication rows too: one-to-one), most
    changed long ago, a few recently, some past their end by date; then ANALYZE, so the planner sees real figures."""
    from cases.models import Case, Publication
    from register.models import Listing

    listing = publish()
    publication, case = listing.publication, listing.publication.case
    count, now = 3000, timezone.now()
    cases = []
    for i in range(count):
        case.pk, case.id, case.number = None, None, f"TAX-2026-9{i:05d}"
        cases.append(Case(**{f.attname: getattr(case, f.attname) for f in Case._meta.concrete_fields}))
    cases = Case.objects.bulk_create(cases)
    publications = []
    for clone in cases:
        fields = {f.attname: getattr(publication, f.attname) for f in Publication._meta.concrete_fields}
        publications.append(Publication(**{**fields, "id": None, "case_id": clone.pk}))
    publications = Publication.objects.bulk_create(publications)
    listings = []
    for i, clone in enumerate(publications):
        fields = {f.attname: getattr(listing, f.attname) for f in Listing._meta.concrete_fields}
        ended = i % 10 == 0
        listings.append(Listing(**{
            **fields, "id": None, "token": f"t{i:020d}", "publication_id": clone.pk,
            "updated_at": now - datetime.timedelta(minutes=200 * (count - i)),  # over 416 days, one every 3h20
            "max_end_on": (now - datetime.timedelta(days=5 + i // 100)).date() if ended else listing.max_end_on,
        }))  # fmt: skip
    Listing.objects.bulk_create(listings)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE register_listing")
    return count


def _plans_as_is(**kwargs) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        listings_changed(**kwargs)
    with connection.cursor() as cursor:
        plans = []
        for query in captured.captured_queries[:2]:
            cursor.execute(f"EXPLAIN {query['sql']}")
            plans.append("\n".join(row[0] for row in cursor.fetchall()))
    return plans


def test_with_thousands_of_rows_the_planner_chooses_the_indexes_unprompted(many_listings):
    since = timezone.now() - datetime.timedelta(days=30)
    by_update, by_date = _plans_as_is(updated_since=since, limit=100, removals=True, removed_since=since)
    assert "register_listing_sync_idx" in by_update, by_update
    assert "register_listing_date_end_idx" in by_date, by_date
    (full,) = _plans_as_is(limit=100)[:1]
    assert "register_listing_sync_idx" in full, full
