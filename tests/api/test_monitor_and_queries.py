"""The stale-disclosure monitor covers the API; each endpoint reads a fixed number of queries (issue 19)."""

import pytest

from audit.models import AccessLog
from register import monitor
from tests.api.conftest import PURPOSE
from tests.factories import EntityFactory

pytestmark = pytest.mark.django_db


def test_the_monitor_finds_nothing_stale_in_the_api(publish, firm):
    publish(entity=firm)
    assert monitor.stale_disclosures() == []


def test_the_monitor_names_a_stale_record_the_api_would_serve(publish, firm, monkeypatch, clock):
    listing = publish(entity=firm)
    clock.set(listing.max_end_on)  # passed its maximum: the pages hide it, the API must too

    def broken_selector(**kwargs):  # as if the API's selector forgot the end date
        return iter([type(listing).objects.get(pk=listing.pk)])

    monkeypatch.setattr(monitor, "listings_all_changed", broken_selector)
    (stale,) = monitor.stale_disclosures()
    assert stale.where == "api" and stale.token == listing.token and "passed its maximum" in stale.why


def _queries(django_assert_max_num_queries, api, method, path, limit, **kwargs):
    with django_assert_max_num_queries(limit) as captured:
        response = getattr(api, method)(path, **kwargs, **PURPOSE)
    assert response.status_code == 200, response.content
    return len(captured)


# Statements a call, whatever the number of entities it touches. Inside a test's transaction each call is a savepoint
# and its release (2), and the chain's lock and head were taken by the call before; in production the call is its
# own transaction (BEGIN and COMMIT are not statements here) and takes the lock and reads the head (2). The rest: the
# token with its client, account and roles (1), the endpoint's reads, the access log's rows in one insert and their
# chain links in one more (2), and the call's count (1).
LIMITS = {
    "sanctions": 7,  # reads: the page with each listing's entity
    "status": 8,  # reads: the entity, its listings
    "case": 9,  # reads: the account's group permissions, the case, its sanctions
    "screening": 9,  # reads: the candidates (on PostgreSQL the equal keys, the trigram probe, then the listings)
}


def test_query_counts_do_not_grow_with_the_page(publish, tax, make_client, http, django_assert_max_num_queries):
    """One entity or four: the same statements (the access log writes its rows and links set-based, per call)."""
    _client, secret = make_client(tax)
    api = http(secret)
    listings, counts = [], {}
    for size in (1, 4):
        listings += [publish(entity=EntityFactory(name=f"Firm {i} Trading")) for i in range(len(listings), size)]
        # Warm the token's last-used note and the content types, as a running server has them.
        api.get("/api/v1/sanctions", **PURPOSE)
        api.get(f"/api/v1/cases/{listings[0].publication.case.number}", **PURPOSE)
        counts[size] = {
            "sanctions": _queries(django_assert_max_num_queries, api, "get", "/api/v1/sanctions", LIMITS["sanctions"]),
            "status": _queries(
                django_assert_max_num_queries, api, "post", "/api/v1/status", LIMITS["status"],
                data={"uscc": listings[0].uscc}, format="json",
            ),
            "case": _queries(
                django_assert_max_num_queries, api, "get", f"/api/v1/cases/{listings[0].publication.case.number}",
                LIMITS["case"],
            ),
            "screening": _queries(
                django_assert_max_num_queries, api, "post", "/api/v1/screening", LIMITS["screening"],
                data={"queries": [f"Firm {i} Trading" for i in range(size)]}, format="json",
            ),
        }  # fmt: skip
    assert counts[1] == counts[4]
    # Each sanctions call (a warm-up and a measured one a size) logged every entity of its page: 2 * 1 + 2 * 4.
    assert AccessLog.objects.filter(field="api:sanctions").count() == 10
