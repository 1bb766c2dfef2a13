"""The public register's pages (issue 18): search, record, 404s, opaque URLs, caching headers, noindex, rate limit."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

import register.selectors
import register.views
from register.models import Listing
from tests.factories import EntityFactory, make_id_number, make_uscc

pytestmark = pytest.mark.django_db
SEARCH = reverse("register:search")


def _search(client, **params):
    return client.get(SEARCH, params)


def test_the_home_page_links_to_the_register(client):
    assert SEARCH in client.get("/").content.decode()


def test_search_by_any_part_of_the_name_finds_the_record(client, publish):
    listing = publish()
    for query in ("ACME", "trading co", "acme TRADING"):
        page = _search(client, q=query).content.decode()
        assert reverse("register:record", args=[listing.token]) in page, query


def test_search_by_a_chinese_name_part(client, publish):
    listing = publish(entity=EntityFactory(name="北京某某贸易有限公司"))
    assert listing.token in _search(client, q="贸易").content.decode()
    assert listing.token not in _search(client, q="上海").content.decode()


def test_search_by_credit_code_is_exact_and_normalised(client, publish, firm):
    listing = publish()
    spaced = " ".join([firm.uscc[:6], firm.uscc[6:12], firm.uscc[12:]]).lower()
    assert listing.token in _search(client, q=spaced).content.decode()
    assert listing.token not in _search(client, q=make_uscc(region="310101")).content.decode()


def test_a_query_of_one_character_is_refused_with_a_clear_message(client, publish):
    publish()
    response = _search(client, q="A")
    assert response.status_code == 200
    assert "Enter at least 2 characters." in response.content.decode()
    assert "ACME" not in response.content.decode()


def test_filters_narrow_the_results(client, publish, tax, market_department):
    listing = publish()
    assert listing.token in _search(client, q="ACME", department=tax.pk).content.decode()
    assert listing.token not in _search(client, q="ACME", department=market_department.pk).content.decode()
    assert (
        listing.token in _search(client, q="ACME", decided_from="2026-10-01", decided_to="2026-10-31").content.decode()
    )
    assert listing.token not in _search(client, q="ACME", decided_from="2026-11-01").content.decode()
    measure = listing.measure_types.get()
    assert listing.token in _search(client, q="ACME", measure=measure.pk).content.decode()
    conduct = listing.catalogue_item
    assert listing.token in _search(client, q="ACME", conduct=conduct.pk).content.decode()


def test_a_reversed_date_range_is_refused(client, publish):
    publish()
    response = _search(client, q="ACME", decided_from="2026-11-01", decided_to="2026-10-01")
    assert "The end date is before the start date." in response.content.decode()


def test_the_record_page_shows_the_published_fields(client, publish, firm):
    listing = publish()
    page = client.get(reverse("register:record", args=[listing.token])).content.decode()
    for text in (
        "ACME Trading Co., Ltd.", firm.uscc, "Tax bureau", "京税稽罚〔2026〕12号", "2026-10-09", "2029-10-09",
        "Public disclosure",
    ):  # fmt: skip
        assert text in page, text
    assert "Evaded" not in page  # the facts are never public
    assert "noindex" not in page


def test_the_record_page_in_chinese(publish):
    listing = publish()
    client = Client(headers={"Accept-Language": "zh-hans"})
    with translation.override("zh-hans"):
        page = client.get(reverse("register:record", args=[listing.token])).content.decode()
    assert "向社会公示" in page and 'lang="zh-hans"' in page


def test_a_natural_persons_record_is_masked_and_not_indexed(client, publish):
    id_number = make_id_number(birth="19850312")
    listing = publish(entity=EntityFactory(person=True, name="王伟", identifier=id_number))
    response = client.get(reverse("register:record", args=[listing.token]))
    page = response.content.decode()
    assert id_number not in page and id_number[:4] + "*" * 10 + id_number[-4:] in page
    assert '<meta name="robots" content="noindex">' in page
    assert response["X-Robots-Tag"] == "noindex"


def test_record_urls_are_opaque_and_cannot_be_counted(client, publish):
    first = publish()
    second = publish(entity=EntityFactory(name="ACME Second Ltd."))
    assert len(first.token) == len(second.token) == 22 and first.token != second.token
    for guess in (first.pk, second.pk, first.publication_id, first.publication.case_id, first.publication.case.number):
        assert client.get(reverse("register:record", args=[str(guess)])).status_code == 404


def test_an_unknown_token_answers_the_projects_404(client, publish):
    publish()
    response = client.get(reverse("register:record", args=["x" * 22]))
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


def test_caching_headers_and_conditional_get(client, publish):
    listing = publish()
    url = reverse("register:record", args=[listing.token])
    response = client.get(url)
    assert "public" in response["Cache-Control"] and "max-age=60" in response["Cache-Control"]
    assert response["ETag"] and response["Last-Modified"]
    assert client.get(url, headers={"If-None-Match": response["ETag"]}).status_code == 304


def test_a_change_to_the_publication_changes_the_etag(client, publish, clock, django_capture_on_commit_callbacks):
    listing = publish()
    url = reverse("register:record", args=[listing.token])
    etag = client.get(url)["ETag"]
    clock.advance(minutes=5)
    publication = listing.publication
    publication.entity_statement = "We paid the tax in full."
    with django_capture_on_commit_callbacks(execute=True):
        publication.save()
    response = client.get(url, headers={"If-None-Match": etag})
    assert response.status_code == 200 and response["ETag"] != etag
    assert "We paid the tax in full." in response.content.decode()


def test_too_many_requests_get_the_translated_429_page(client, publish, settings):
    settings.REGISTER_RATE_LIMIT = 3
    publish()
    for _ in range(3):
        assert _search(client, q="ACME").status_code == 200
    response = _search(client, q="ACME")
    assert response.status_code == 429 and response["Retry-After"] == "60"
    assert "Too many requests" in response.content.decode()
    other = Client(headers={"Accept-Language": "en"}, REMOTE_ADDR="10.0.0.9")
    assert other.get(SEARCH, {"q": "ACME"}).status_code == 200


@pytest.mark.parametrize("rows", [2, 12])
def test_search_and_record_queries_do_not_grow_with_the_results(client, publish, rows, django_assert_max_num_queries):
    listing = publish()
    for number in range(rows - 1):
        publish(entity=EntityFactory(name=f"ACME Branch {number}"))
    # Once the filter lists are cached: the page (not full: its rows are the count); the request's savepoint and its
    # release (ATOMIC_REQUESTS).
    _search(client, q="AC")
    with django_assert_max_num_queries(3):
        page = _search(client, q="ACME").content.decode()
    assert page.count("/register/r/") == rows
    # The listing; the savepoint and its release.
    with django_assert_max_num_queries(3):
        client.get(reverse("register:record", args=[listing.token]))


def test_listings_only_from_publications(publish):
    publish()
    assert Listing.objects.count() == 1


def test_results_are_capped_and_counted_without_sorting(client, publish, monkeypatch):
    """The page count is of the first results up to the cap, whichever the database meets first; the pages are the
    newest decisions first, up to the cap."""
    monkeypatch.setattr(register.selectors, "MAX_RESULTS", 3)
    monkeypatch.setattr(register.views, "MAX_RESULTS", 3)
    monkeypatch.setattr(register.views, "PAGE_SIZE", 2)
    listings = [publish(entity=EntityFactory(name=f"ACME 华信 {number}")) for number in range(4)]
    for number, listing in enumerate(listings):  # newest decision first: 3, 2, 1, 0
        Listing.objects.filter(pk=listing.pk).update(decided_on=f"2026-11-1{number}")
    for query in ("ACME", "华信"):
        _search(client, q=query)  # the filter lists cached
        with CaptureQueriesContext(connection) as captured:
            first = _search(client, q=query).content.decode()
        count_sql = next(q["sql"] for q in captured.captured_queries if "COUNT(" in q["sql"])
        assert "ORDER BY" not in count_sql and "LIMIT 3" in count_sql, count_sql
        assert "Page 1 of 2" in first and "Only the first 3 results are shown" in first, query
        assert len(captured.captured_queries) == 4, captured.captured_queries  # page full: rows, count; savepoint
        assert [listing.token in first for listing in listings] == [False, False, True, True], query
        second = _search(client, q=query, page=2).content.decode()
        assert [listing.token in second for listing in listings] == [False, True, False, False], query
        assert "Page 2 of 2" in second and "Only the first 3 results are shown" in second, query
        with CaptureQueriesContext(connection) as captured:
            one = _search(client, q="信 3").content.decode()  # a single match: no count
        assert [listing.token in one for listing in listings] == [False, False, False, True], query
        assert "Page 1 of" not in one and not any("COUNT(" in q["sql"] for q in captured.captured_queries), query
