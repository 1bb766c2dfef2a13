"""The register's bench step (bench/register.py) indexes bulk-written publications as the application would."""

import pytest

from bench.register import _chinese_name, index_generated
from register.models import Listing
from register.selectors import listing_search

pytestmark = pytest.mark.django_db


def test_unindexed_publications_are_indexed_once_with_a_chinese_registered_name(publish, django_assert_max_num_queries):
    publish()
    Listing.objects.all().delete()  # as the generator leaves them: publications copied in bulk, no signal, no index
    assert index_generated() == 1
    listing = Listing.objects.get()
    assert listing.name == _chinese_name(listing.publication.case.entity_id)
    assert list(listing_search(query=listing.name[2:4])) == [listing]
    assert list(listing_search(query=listing.uscc)) == [listing]
    # A second run finds everything indexed and writes nothing.
    with django_assert_max_num_queries(2):
        assert index_generated() == 0


def test_chinese_names_are_deterministic_and_chinese():
    assert _chinese_name(7) == _chinese_name(7) != _chinese_name(8)
    assert all("\u4e00" <= char <= "\u9fff" for char in _chinese_name(7).rstrip("0123456789"))
