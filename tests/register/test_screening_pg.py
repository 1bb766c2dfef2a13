"""PostgreSQL only: screening probes the screening key's indexes (register 0007; docs/performance.md)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from register.selectors import listings_screen
from tests.factories import EntityFactory

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


def _indexdef(name: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = %s", [name])
        row = cursor.fetchone()
    assert row, f"{name} is missing"
    return row[0]


def test_the_key_has_an_equality_and_a_trigram_index_over_what_can_be_shown():
    equal, trigram = _indexdef("register_listing_screen_eq"), _indexdef("register_listing_screen_trgm")
    assert "btree (screening_key)" in equal
    assert "gin (screening_key gin_trgm_ops)" in trigram
    for definition in (equal, trigram):
        assert all(term in definition for term in ("listed", "NOT minor", "ended_on IS NULL"))
    with connection.cursor() as cursor:
        cursor.execute("SELECT reloptions FROM pg_class WHERE relname = 'register_listing_screen_trgm'")
        assert "fastupdate=off" in (cursor.fetchone()[0] or [])


# A register of 20,000 listings with varied keys, so that the planner chooses as it does on a real one. Written in the
# test's transaction and deleted before its end, so the deferred foreign keys are never checked.
FILL = """
    INSERT INTO register_listing (token, content, name, screening_key, uscc, natural_person, minor, listed,
        published_from, max_end_on, updated_at, department_id, publication_id)
    SELECT 'plan' || i, '{}', 'N' || i, UPPER(substr(md5(i::text), 1, 8) || ' ' || substr(md5((i * 7)::text), 1, 6)),
        '', false, false, true, CURRENT_DATE - 30, CURRENT_DATE + 365, now(), 1, 1000000 + i
    FROM generate_series(1, 20000) AS i
"""


def _plans(names: list[str]) -> list[str]:
    """The plan of each statement ``listings_screen`` runs against the register (parameters bound)."""
    with connection.cursor() as cursor:
        cursor.execute(FILL)
        cursor.execute("ANALYZE register_listing")
    with CaptureQueriesContext(connection) as captured:
        listings_screen(names)
    statements = [query["sql"] for query in captured.captured_queries if "screening_key" in query["sql"]]
    assert len(statements) == 2, statements
    plans = []
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(f"EXPLAIN {sql}")
            plans.append("\n".join(row[0] for row in cursor.fetchall()))
        cursor.execute("DELETE FROM register_listing WHERE token LIKE 'plan%%'")
    return plans


def test_equal_keys_then_similar_keys_each_through_their_index():
    exact, similar = _plans(["ACME Trading Co., Ltd.", "北京华信商贸有限公司"])
    assert "register_listing_screen_eq" in exact and "Index Cond: ((screening_key)::text = q.k)" in exact
    assert "register_listing_screen_trgm" in similar and "Index Cond: ((screening_key)::text % q.k)" in similar
    assert "Seq Scan on register_listing" not in exact + similar


def test_a_name_whose_equal_keys_fill_its_candidates_is_not_probed_for_similar_ones(publish):
    publish(entity=EntityFactory(name="ACME Trading Co., Ltd."))
    with CaptureQueriesContext(connection) as captured:
        hits = listings_screen(["ACME Co Ltd"], candidates=1)
    assert [hit.score for hit in hits] == [1.0]
    assert [query["sql"] for query in captured.captured_queries if "screening_key %" in query["sql"]] == []
    with CaptureQueriesContext(connection) as captured:
        listings_screen(["ACME Co Ltd"], candidates=2)  # one equal key: the probe fills the second place
    assert len([query for query in captured.captured_queries if "screening_key %" in query["sql"]]) == 1
