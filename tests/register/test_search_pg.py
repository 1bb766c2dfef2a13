"""PostgreSQL only: the trigram and bigram indexes behind the register's name search (issue 18; docs/performance.md)."""

import pytest
from django.db import connection

from register.models import SHOWN, Listing
from register.selectors import _name_q

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


# -- Terms too short for trigrams: the name_grams index (register 0008) ---------------------------------------------


def _search_plan(query: str) -> str:
    """The plan of the search's name condition (``listing_search``'s) among the listings on the register apart from
    their dates (the bigram index's predicate), with only the indexes that answer it left: in an empty table the
    sync's date index and the screening key's B-tree (same predicate) are cheapest, so they go for this test's
    transaction (rolled back after it)."""
    sql, params = _name_q(Listing.objects.filter(SHOWN), query).values("pk").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("DROP INDEX register_listing_date_end_idx")
        cursor.execute("DROP INDEX register_listing_screen_eq")
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


@pytest.mark.parametrize("query", ["华信", "华", "LI", "e华"])
def test_a_term_of_one_or_two_characters_uses_the_name_grams_index_alone(query):
    plan = _search_plan(query)
    assert "register_listing_name_grams" in plan and "name_grams @@" in plan, plan
    # The pair (or character) is the whole condition: no LIKE left to estimate or to check on each row.
    assert "register_listing_name_trgm" not in plan and "~~" not in plan, plan


def test_a_longer_term_without_trigrams_keeps_the_like_as_the_exact_condition():
    plan = _search_plan("A B")
    assert "name_grams @@ '''A '' & '' B'''::tsquery" in plan and "~~ '%A B%'" in plan, plan


@pytest.mark.parametrize("query", ["华信商", "ACME", "LI MIN"])
def test_a_term_with_three_letters_in_a_row_keeps_the_trigram_index(query):
    plan = _search_plan(query)
    assert "register_listing_name_trgm" in plan and "name_grams" not in plan, plan


def test_name_grams_is_generated_by_the_database_from_the_upper_cased_name():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT is_generated, generation_expression FROM information_schema.columns "
            "WHERE table_name = 'register_listing' AND column_name = 'name_grams'"
        )
        generated, expression = cursor.fetchone()
        assert generated == "ALWAYS" and "upper" in expression.lower()
        cursor.execute("SELECT tsvector_to_array(register_name_grams(UPPER(%s)))", ["华信a"])
        assert sorted(cursor.fetchone()[0]) == sorted(["华", "华信", "信", "信A", "A"])
        cursor.execute("SELECT register_name_query(UPPER(%s))::text, register_name_query(%s)::text", ["华信a", "华"])
        assert cursor.fetchone() == ("'华信' & '信A'", "'华'")


@pytest.mark.parametrize("term", ["a'b", "a\\b", "a&b", "x:*", "!(a", "''", "\\'", "a b", "<->", "'"])
def test_tsquery_syntax_in_a_term_is_only_characters(term):
    """The query's lexemes are quoted: a term matches a name that contains it, and not one that does not."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT register_name_grams(%s) @@ register_name_query(%s), "
            "register_name_grams('xaby') @@ register_name_query(%s)",
            [f"x{term}y", term, term],
        )
        assert cursor.fetchone() == (True, False)


def test_the_name_grams_index_has_no_pending_list_and_holds_only_what_may_be_shown():
    with connection.cursor() as cursor:
        cursor.execute("SELECT reloptions FROM pg_class WHERE relname = 'register_listing_name_grams'")
        assert "fastupdate=off" in (cursor.fetchone()[0] or [])
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'register_listing_name_grams'")
        condition = cursor.fetchone()[0].split(" WHERE ", 1)[1]
    assert all(term in condition for term in ("listed", "(NOT minor)", "(ended_on IS NULL)")), condition
