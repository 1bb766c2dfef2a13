"""The batched ``listings_refresh`` (issue 18/19) writes what the per-row path did (``legacy_refresh``).

Each outcome is taken inside a savepoint that is rolled back, with the random tokens replaced by a counter, so both
paths start from the same state and must leave the same listings, measures and publication log, hash for hash.
"""

import functools
import itertools
import re
import secrets

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from accounts.services import system_actor
from cases.models import Case, Publication, Sanction
from cases.services.lifecycle import publication_end
from register import services
from register.log import log_lines, public_key_b64, verify_lines
from register.models import Listing, PublicationEvent
from tests.factories import EntityFactory, make_id_number
from tests.register import legacy_refresh

pytestmark = pytest.mark.django_db


@pytest.fixture
def published(publish):
    """Five publications of different kinds (two measures, one, a person, other organisations), all indexed."""
    listings = [
        publish(measures=(("public_disclosure", 24), ("tax_credit_grade_d", None))),
        publish(entity=EntityFactory(person=True, name="王伟", identifier=make_id_number(birth="19850312"))),
        publish(entity=EntityFactory(name="Harbin Ice Sculpture Association", kind="other_organisation")),
        publish(entity=EntityFactory(name="Beta Co.")),
        publish(entity=EntityFactory(name="Gamma Co.")),
    ]
    return [listing.publication_id for listing in listings]


@pytest.fixture
def counted_tokens(monkeypatch):
    """New listings' tokens from a counter that each outcome restarts (``register.models.new_token`` calls this)."""
    counter = {"next": itertools.count()}
    monkeypatch.setattr(secrets, "token_urlsafe", lambda nbytes=None: f"tok{next(counter['next']):05d}")
    return counter


def _state():
    listings = sorted(
        Listing.objects.values_list(
            "publication_id", "token", "content", "name", "uscc", "natural_person", "minor", "listed",
            "department_id", "catalogue_item_id", "decided_on", "published_from", "max_end_on", "ended_on",
            "csv_line", "csv_format",
        )
    )  # fmt: skip
    through = Listing.measure_types.through
    measures = sorted(through.objects.values_list("listing__publication_id", "measuretype_id"))
    log = list(
        PublicationEvent.objects.order_by("seq").values_list(
            "seq", "token", "event", "on", "content_hash", "prev_hash", "hash"
        )
    )
    return listings, measures, log


def _outcome(counted_tokens, change):
    """The state after ``change()``, rolled back afterwards."""
    counted_tokens["next"] = itertools.count()
    with transaction.atomic():
        change()
        state = _state()
        assert verify_lines(log_lines(), public_key=public_key_b64()) == []
        transaction.set_rollback(True)
    return state


# Batches of 2: the fixtures' five publications cross batch boundaries.
_BATCHED = functools.partial(services.listings_refresh, batch_size=2)


def _both(counted_tokens, run):
    """``run(refresh)`` once with the per-row path, once with the batched one."""
    legacy = _outcome(counted_tokens, lambda: run(legacy_refresh.listings_refresh))
    batched = _outcome(counted_tokens, lambda: run(_BATCHED))
    return legacy, batched


def test_a_rebuild_from_nothing_writes_the_same_listings_measures_and_log(published, counted_tokens):
    Listing.objects.all().delete()
    PublicationEvent.objects.all().delete()
    legacy, batched = _both(counted_tokens, lambda refresh: refresh())
    assert batched == legacy
    listings, measures, log = batched
    assert len(listings) == 5 and len(measures) == 6
    assert [entry[2] for entry in log] == ["publish"] * 5
    assert [entry[1] for entry in log] == [listing[1] for listing in listings]  # in the publications' order


def test_changes_are_written_and_logged_as_the_per_row_path_did(published, counted_tokens, clock):
    first, second, third, *_ = published
    Listing.objects.filter(publication_id=published[-1]).delete()  # a publication not yet indexed
    Publication.objects.filter(pk=first).update(ended_on=clock.today, end_reason="repaired")  # no signal: stale
    Publication.objects.filter(pk=second).update(entity_statement="Paid in full.")
    Sanction.objects.filter(case__publication__pk=third).update(status=Sanction.Status.ENDED)
    before = PublicationEvent.objects.count()

    legacy, batched = _both(counted_tokens, lambda refresh: refresh())

    assert batched == legacy
    _listings, measures, log = batched
    new = [entry[2] for entry in log[before:]]
    assert new == ["end", "amend", "publish"]
    assert not [row for row in measures if row[0] == third]


def test_a_rerun_with_nothing_changed_appends_no_event(published):
    before = list(PublicationEvent.objects.values_list("hash", flat=True))
    assert services.listings_refresh() == 5
    assert services.listings_refresh(publication_ids=published[:2], batch_size=1) == 2
    assert list(PublicationEvent.objects.values_list("hash", flat=True)) == before


def test_a_repaired_publication_gives_the_same_end_event_through_the_signals(
    published, counted_tokens, clock, monkeypatch
):
    publication = Publication.objects.get(pk=published[1])

    def end(refresh):
        monkeypatch.setattr(services, "listings_refresh", refresh)
        publication_end(publication, reason="repaired", on=clock.today, actor=system_actor(), why="repaired")

    legacy, batched = _both(counted_tokens, end)
    assert batched == legacy
    assert batched[2][-1][2] == "end"


def _copies(count):
    """``count`` more publications like the first one, written directly (no history, no signal)."""
    case = Case.objects.get(publication__isnull=False, entity__name="Beta Co.")
    publication = case.publication
    cases = []
    for number in range(count):
        case.pk, case.id, case.number = None, None, f"COPY-{number:04d}"
        cases.append(Case(**{f.attname: getattr(case, f.attname) for f in Case._meta.concrete_fields}))
    cases = Case.objects.bulk_create(cases)
    Publication.objects.bulk_create(
        Publication(**{**{f.attname: getattr(publication, f.attname) for f in Publication._meta.concrete_fields},
                       "id": None, "case_id": copy.pk})
        for copy in cases
    )  # fmt: skip
    return list(Publication.objects.filter(case__in=cases).values_list("pk", flat=True))


def _queries(ids):
    with CaptureQueriesContext(connection) as queries:
        assert services.listings_refresh(publication_ids=ids) == len(ids)
    # Each statement's kind: its text before the values, savepoints without their generated names.
    return [re.sub(r'"s\w+_x\d+"', "sp", query["sql"].split("(")[0].split(" WHERE ")[0]) for query in queries]


def test_refreshing_100_publications_takes_as_many_statements_as_10(published):
    ids = _copies(100)
    new_10, new_100 = _queries(ids[:10]), _queries(ids[10:])  # new listings: inserted and published
    again_10, again_100 = _queries(ids[:10]), _queries(ids[10:])  # existing: updated, nothing logged
    # The same statements, none per row. SQLite's 999-parameter limit makes Django split a bulk insert or update
    # of 90 rows in two; PostgreSQL has no such limit at these sizes, so there the counts are equal too.
    assert set(new_100) == set(new_10) and set(again_100) == set(again_10)
    assert len(new_100) <= len(new_10) + 2 and len(again_100) <= len(again_10) + 2
    if connection.vendor == "postgresql":
        assert (len(new_100), len(again_100)) == (len(new_10), len(again_10))
    assert Listing.objects.filter(publication_id__in=ids).count() == 100
    assert PublicationEvent.objects.filter(event="publish").count() == 105
