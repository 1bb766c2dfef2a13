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


def test_a_scenario_may_ask_for_fewer_runs_and_warm_ups_than_the_others():
    from bench.run import run_scenario

    calls = {"app": 0, "floor": 0}

    def variant(name):
        def fn():
            calls[name] += 1

        return fn

    scenario = {"page": "p", "user": "u", "variants": {name: variant(name) for name in calls}}
    row = run_scenario(scenario, iterations=15)
    assert calls == {"app": 18, "floor": 18}  # 3 warm-ups and BENCH_ITER runs each
    calls.update(app=0, floor=0)
    row = run_scenario({**scenario, "iterations": 1, "warmups": 0}, iterations=15)
    assert calls == {"app": 1, "floor": 1}
    assert row["app"]["queries"] == 0 and set(row) == {"page", "user", "app", "floor"}


def test_the_regeneration_row_reports_rows_per_second_and_the_peak_rss():
    from bench.register import _regeneration_figures

    child = {"rss_growth_kb": 40, "rows_per_s": 60000}
    row = {"app": {"p50_ms": 500.0}, "floor": {"p50_ms": 250.0}}
    assert _regeneration_figures(row, rows=1000, child=child) == {
        "rows": 1000, "rows_per_s": {"app": 2000, "floor": 4000}, "peak_rss_growth_kb": 40, "child": child
    }  # fmt: skip
