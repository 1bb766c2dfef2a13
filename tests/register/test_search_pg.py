"""PostgreSQL only: the trigram index behind the register's name search (issue 18; docs/performance.md)."""

import pytest
from django.db import connection

from register.models import Listing

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


def _plan(query: str) -> str:
    sql, params = Listing.objects.filter(name__icontains=query).values("pk").query.sql_with_params()
    with connection.cursor() as cursor:
        # An empty test table: without these the planner may walk the ordering index and filter (cheapest when
        # nothing is there). Off, only an index that can answer the condition remains: the trigram one, if it can.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


def test_the_trigram_extension_and_index_exist():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")
        assert cursor.fetchone()
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'register_listing_name_trgm'")
        assert "gin_trgm_ops" in cursor.fetchone()[0]


@pytest.mark.parametrize("query", ["贸易有限", "ACME"])
def test_name_search_of_three_or_more_characters_uses_the_trigram_index(query):
    plan = _plan(query)
    assert "register_listing_name_trgm" in plan and "Index Cond" in plan


def test_chinese_text_yields_trigrams_on_this_server():
    with connection.cursor() as cursor:
        cursor.execute("SELECT cardinality(show_trgm(%s))", ["北京华贸易"])
        assert cursor.fetchone()[0] > 0


def test_the_trigram_index_has_no_pending_list():
    """``fastupdate = off`` (0004): searches never read through GIN's unsorted pending list of recent inserts."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT reloptions FROM pg_class WHERE relname = 'register_listing_name_trgm'")
        assert "fastupdate=off" in (cursor.fetchone()[0] or [])
