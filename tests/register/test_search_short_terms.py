"""Name search by terms too short for trigrams (issue 18): one or two characters, Chinese, Latin or mixed.

On PostgreSQL these go through the ``name_grams`` index (register 0008) and the exact ``LIKE``; on SQLite through
the ``LIKE`` alone. The same answers either way (the plans are in ``test_search_pg.py``).
"""

import pytest

from cases.models import Publication
from register.models import Listing
from register.selectors import listing_search
from register.services import listings_refresh
from tests.factories import EntityFactory

pytestmark = pytest.mark.django_db


def _names(query: str) -> set[str]:
    return {listing.name for listing in Listing.objects.filter(pk__in=[row.pk for row in listing_search(query=query)])}


@pytest.fixture
def listed(publish):
    for name in ("北京华信商贸有限公司", "上海信华置业有限公司", "ACME华信 Trading", "XA B Logistics", "A CB B Foods"):
        publish(entity=EntityFactory(name=name))


def test_two_chinese_characters_find_the_names_that_contain_them_in_that_order(listed):
    assert _names("华信") == {"北京华信商贸有限公司", "ACME华信 Trading"}
    assert _names("信华") == {"上海信华置业有限公司"}
    assert _names("有限") == {"北京华信商贸有限公司", "上海信华置业有限公司"}
    assert _names("广州") == set()


def test_one_chinese_character(listed):
    assert _names("商") == {"北京华信商贸有限公司"}
    assert _names("华") == {"北京华信商贸有限公司", "上海信华置业有限公司", "ACME华信 Trading"}
    assert _names("沪") == set()


def test_mixed_and_latin_short_terms_ignore_case(listed):
    assert _names("e华") == {"ACME华信 Trading"}
    assert _names("E华") == {"ACME华信 Trading"}
    assert _names("me华信 t") == {"ACME华信 Trading"}  # long enough for trigrams
    assert _names("cm") == {"ACME华信 Trading"}
    assert _names("Lo") == {"XA B Logistics"}


def test_every_pair_present_is_not_enough_the_term_must_be_in_the_name(listed):
    # "A CB B Foods" holds both pairs of "A B" ("A ", " B") but not the term itself.
    assert _names("a b") == {"XA B Logistics"}


def test_like_wildcards_in_a_short_term_are_literal(listed):
    assert _names("_信") == set()
    assert _names("%") == set()


def test_what_the_public_may_not_see_is_not_found(publish):
    shown = publish(entity=EntityFactory(name="北京华信商贸有限公司"))
    minor = publish(entity=EntityFactory(person=True, name="华信明"))
    Listing.objects.filter(pk=minor.pk).update(minor=True)
    ended = publish(entity=EntityFactory(name="天津华信物流有限公司"))
    Listing.objects.filter(pk=ended.pk).update(ended_on=ended.published_from)
    assert [listing.pk for listing in listing_search(query="华信")] == [shown.pk]
    assert [listing.pk for listing in listing_search(query="明")] == []


def test_a_renamed_listing_is_found_by_its_new_name_only(publish):
    """However the name is written (here the register's bulk upsert, and a plain update), the search follows it:
    on PostgreSQL ``name_grams`` is generated from the name by the database itself."""
    listing = publish(entity=EntityFactory(name="北京华信商贸有限公司"))
    snapshot = Publication.objects.get(pk=listing.publication_id).snapshot
    snapshot = {**snapshot, "entity": {**snapshot["entity"], "name": "重庆恒达"}}
    Publication.objects.filter(pk=listing.publication_id).update(snapshot=snapshot)  # as bench/register.py does
    listings_refresh(publication_ids=[listing.publication_id])
    assert Listing.objects.get(pk=listing.pk).name == "重庆恒达"
    assert [row.pk for row in listing_search(query="恒达")] == [listing.pk]
    assert list(listing_search(query="华信")) == []
    Listing.objects.filter(pk=listing.pk).update(name="西安开元")
    assert [row.pk for row in listing_search(query="开")] == [listing.pk]
    assert list(listing_search(query="恒达")) == []
