"""The stale-disclosure monitor covers the API; each endpoint reads a fixed number of queries (issue 19)."""

import pytest

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


@pytest.mark.parametrize("size", [1, 4])
def test_query_counts_do_not_grow_with_the_page(size, publish, tax, make_client, http, django_assert_max_num_queries):
    """Reads are fixed; the access log adds its rows (one insert and one chain link per entity, by design)."""
    listings = [publish(entity=EntityFactory(name=f"Firm {i} Trading")) for i in range(size)]
    _client, secret = make_client(tax)
    api = http(secret)
    api.get("/api/v1/sanctions", **PURPOSE)  # warm the token's last-used note and content types
    per_entity = 6  # the access-log insert and its chain link (lock, head, insert)
    fixed = 12
    _queries(django_assert_max_num_queries, api, "get", "/api/v1/sanctions", fixed + per_entity * size)
    _queries(
        django_assert_max_num_queries, api, "post", "/api/v1/status", fixed + per_entity,
        data={"uscc": listings[0].uscc}, format="json",
    )  # fmt: skip
    _queries(
        django_assert_max_num_queries, api, "get", f"/api/v1/cases/{listings[0].publication.case.number}",
        fixed + 4 + per_entity,
    )  # fmt: skip
    _queries(
        django_assert_max_num_queries, api, "post", "/api/v1/screening", fixed + per_entity * size,
        data={"queries": [f"Firm {i} Trading" for i in range(size)]}, format="json",
    )  # fmt: skip
