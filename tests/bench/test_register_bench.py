"""The register's bench step indexes the generated publications as the application would (issue 18)."""

import pytest
from django.core.management import call_command

from bench.register import _chinese_name, index_generated
from cases.models import Publication
from register.models import Listing
from register.selectors import listing_search

pytestmark = pytest.mark.django_db


@pytest.fixture
def generated(settings):
    settings.DEBUG = True
    call_command("generate_data", cases=60, entities=25, seed=5, verbosity=0)


def test_generated_publications_are_indexed_once(generated, django_assert_max_num_queries):
    assert Publication.objects.exists() and not Listing.objects.exists()  # bulk-written: no signal indexed them
    assert index_generated() == Publication.objects.count() == Listing.objects.count()
    organisation = Listing.objects.visible().exclude(uscc="").first()
    assert organisation.name == _chinese_name(organisation.publication.case.entity_id)
    assert list(listing_search(query=organisation.name[2:4])) and list(listing_search(query=organisation.uscc))
    # A second run finds everything indexed and writes nothing.
    with django_assert_max_num_queries(2):
        assert index_generated() == 0


def test_chinese_names_are_deterministic_and_chinese():
    assert _chinese_name(7) == _chinese_name(7) != _chinese_name(8)
    assert all("\u4e00" <= char <= "\u9fff" for char in _chinese_name(7).rstrip("0123456789"))
