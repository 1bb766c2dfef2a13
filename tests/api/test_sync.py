"""The sanctions sync tells a client what left the register (issue 19 follow-up): tombstones, in key order."""

import datetime
import zoneinfo

import pytest
from django.utils.dateparse import parse_datetime

from accounts.services import system_actor
from api.models import ApiCall
from audit.models import AccessLog
from cases.models import Publication
from cases.services.lifecycle import publication_end
from register import monitor
from register.services import listings_refresh
from tests.api.conftest import PURPOSE
from tests.factories import EntityFactory

pytestmark = pytest.mark.django_db
SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


def _sync(api, **params):
    response = api.get("/api/v1/sanctions", params, **PURPOSE)
    assert response.status_code == 200, response.content
    return response.json()


def _after(listing) -> str:
    """An ``updated_since`` just past the listing's last write: what a client that had it would send."""
    return (listing.updated_at + datetime.timedelta(microseconds=1)).isoformat()


def _tombstone(listing, at: datetime.datetime) -> dict:
    moment = at.astimezone(datetime.UTC).isoformat().replace("+00:00", "Z")  # as the API writes every moment
    return {"id": listing.token, "updated_at": moment, "removed": True, "entry": None}


def _moment(entry) -> datetime.datetime:
    return parse_datetime(entry["updated_at"])


def test_a_listing_ended_by_date_comes_back_as_a_tombstone_at_the_start_of_its_end_day(
    publish, firm, tax, make_client, http, clock
):
    listing = publish(entity=firm)
    since = _after(listing)
    clock.set(listing.max_end_on, hour=9)  # past the maximum, nothing written (no sweep ran)
    _client, secret = make_client(tax, name="after the end")
    logged = AccessLog.objects.count()  # the access log is append-only (on PostgreSQL a trigger says so)
    body = _sync(http(secret), updated_since=since)
    end = datetime.datetime.combine(listing.max_end_on, datetime.time.min, tzinfo=SHANGHAI)
    assert body == {"results": [_tombstone(listing, end)], "next_cursor": None}
    assert AccessLog.objects.count() == logged  # a tombstone shows nobody's data
    assert ApiCall.objects.get().entities == 0
    # The day before, the listing was still visible: no tombstone yet, and an updated_since after the end day
    # started has nothing more to say.
    assert _sync(http(secret), updated_since=end.isoformat())["results"] == [_tombstone(listing, end)]
    later = (end + datetime.timedelta(microseconds=1)).isoformat()
    assert _sync(http(secret), updated_since=later)["results"] == []
    clock.set(listing.max_end_on - datetime.timedelta(days=1))
    assert _sync(http(secret), updated_since=since)["results"] == []
    assert monitor.stale_disclosures() == []


@pytest.mark.parametrize("reason", ["repaired", "revoked"])
def test_a_listing_ended_by_a_write_comes_back_as_a_tombstone_at_that_write(
    reason, publish, firm, tax, make_client, http, clock
):
    listing = publish(entity=firm)
    _client, secret = make_client(tax)
    api = http(secret)
    first = _sync(api, limit=1)
    assert [r["id"] for r in first["results"]] == [listing.token] and first["next_cursor"]
    clock.advance(hours=2)
    publication = Publication.objects.get(pk=listing.publication_id)
    publication_end(publication, reason=reason, on=clock.today, actor=system_actor(), why=reason)
    listing.refresh_from_db()
    logged = AccessLog.objects.count()
    tombstone = _tombstone(listing, listing.updated_at)
    # Following the cursor of the first (full) sync, and with updated_since: the same tombstone.
    assert _sync(api, cursor=first["next_cursor"])["results"] == [tombstone]
    assert _sync(api, updated_since=first["results"][0]["updated_at"])["results"] == [tombstone]
    assert _moment(tombstone) == clock.now
    assert AccessLog.objects.count() == logged
    assert _sync(api)["results"] == []  # a full sync lists what is on the register: no tombstones
    assert monitor.stale_disclosures() == []


def test_no_tombstones_without_updated_since_or_cursor(publish, tax, make_client, http, clock):
    gone, kept = publish(entity=EntityFactory()), publish(entity=EntityFactory())
    publication_end(gone.publication, reason="revoked", on=clock.today, actor=system_actor(), why="t")
    _client, secret = make_client(tax)
    body = _sync(http(secret))
    assert [(r["id"], r["removed"]) for r in body["results"]] == [(kept.token, False)]
    assert body["results"][0]["entry"] == kept.content


def test_cursor_paging_across_active_rows_and_tombstones(publish, tax, make_client, http, clock):
    """Keys: a, b, c written at 10:00; b revoked at 12:00; a and c end by date on 2027-06-01 (their start of day),
    d published that day at 10:00. One row a page walks them all in key order, across both kinds of key."""
    start = clock.now
    a, b, c = (publish(entity=EntityFactory()) for _ in range(3))
    ends = datetime.date(2027, 6, 1)
    # A shorter publication for a and c (as a correction would make it), indexed by the register's own refresh.
    Publication.objects.filter(pk__in=[a.publication_id, c.publication_id]).update(min_end_on=None, max_end_on=ends)
    listings_refresh(publication_ids=[a.publication_id, c.publication_id])
    clock.advance(hours=2)
    publication_end(b.publication, reason="revoked", on=clock.today, actor=system_actor(), why="t")
    b.refresh_from_db()
    clock.set(ends)
    d = publish(entity=EntityFactory())
    _client, secret = make_client(tax, name="later")
    api = http(secret)
    logged = AccessLog.objects.count()
    seen, cursor = [], None
    params = {"updated_since": start.isoformat(), "limit": 1}
    while True:
        body = _sync(api, **({"cursor": cursor, "limit": 1} if cursor else params))
        seen += body["results"]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    end = datetime.datetime.combine(ends, datetime.time.min, tzinfo=SHANGHAI)
    assert [(r["id"], r["removed"]) for r in seen] == [
        (b.token, True), (a.token, True), (c.token, True), (d.token, False),
    ]  # fmt: skip
    assert [_moment(r) for r in seen[:3]] == [b.updated_at, end, end]
    assert seen[3]["entry"] == d.content and _moment(seen[3]) == d.updated_at
    # Only d's entity was shown, once.
    rows = AccessLog.objects.order_by("pk")[logged:]
    assert [row.target_id for row in rows] == [d.publication.case.entity_id]
    # The same with pages of 10: one page, the same order.
    assert _sync(api, updated_since=start.isoformat(), limit=10)["results"] == seen


def test_a_full_sync_brings_the_removals_made_while_it_pages(publish, tax, make_client, http, clock):
    """The first page lists what is on the register; its cursor carries when it was read, so a listing removed before
    the next page comes back as a tombstone, and one removed long before does not."""
    old = publish(entity=EntityFactory())
    publication_end(old.publication, reason="revoked", on=clock.today, actor=system_actor(), why="t")
    first, second = publish(entity=EntityFactory()), publish(entity=EntityFactory())
    clock.advance(hours=1)
    _client, secret = make_client(tax)
    api = http(secret)
    page = _sync(api, limit=1)
    assert [r["id"] for r in page["results"]] == [first.token]
    clock.advance(hours=1)
    publication_end(second.publication, reason="repaired", on=clock.today, actor=system_actor(), why="t")
    rest = _sync(api, cursor=page["next_cursor"], limit=10)
    assert [(r["id"], r["removed"]) for r in rest["results"]] == [(second.token, True)]
    assert rest["next_cursor"] is None


def test_a_cursor_from_before_tombstones_still_pages_on(publish, tax, make_client, http):
    import base64
    import json

    a, b = publish(entity=EntityFactory()), publish(entity=EntityFactory())
    _client, secret = make_client(tax)
    raw = json.dumps([a.updated_at.isoformat(), a.pk]).encode()
    cursor = base64.urlsafe_b64encode(raw).decode().rstrip("=")
    assert [r["id"] for r in _sync(http(secret), cursor=cursor)["results"]] == [b.token]
