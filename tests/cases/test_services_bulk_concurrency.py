"""Bulk and single case openings at the same moment share one counter: every number once, none skipped."""

import pytest
from django.utils import timezone

from audit import chain
from cases import services
from cases.models import Case
from cases.services import NewCase
from tests.concurrency import race

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_bulk_and_single_openings_at_once_number_gap_free(caseworker, firm):
    def bulk():
        return services.cases_create_many(actor=caseworker, cases=[NewCase(entity=firm, facts="bulk")] * 3)

    def single():
        return services.case_create(actor=caseworker, entity=firm, facts="single")

    results = race(bulk, single, bulk, single)
    assert not [result for result in results if isinstance(result, Exception)], results
    year = timezone.localdate().year
    numbers = sorted(Case.objects.values_list("number", flat=True))
    assert numbers == [f"TAX-{year}-{serial:06d}" for serial in range(1, 9)]
    for created, problems in (results[0], results[2]):
        serials = [int(case.number.rsplit("-", 1)[1]) for case in created]
        assert problems == {} and serials == list(range(serials[0], serials[0] + 3))  # contiguous
    assert chain.verify() == []
