"""``creditportal.bulk``: set-based inserts in the order given, split to the database's parameter limit."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from audit.models import ChainLink
from creditportal import bulk

pytestmark = pytest.mark.django_db

COLUMNS = ["table", "row_pk", "kind", "row_hash", "prev_hash", "hash", "note"]


def _rows(count):
    return [("t", str(i), "row", "r" * 64, "p" * 64, f"{i:064d}", "附注 ' \" ;") for i in range(count)]


def _insert(rows):
    """``rows`` with their ``created`` time, prepared for the database as the helper expects."""
    created = ChainLink._meta.get_field("created").get_db_prep_save(timezone.now(), connection)
    bulk.insert_rows(ChainLink, [*COLUMNS, "created"], [(*row, created) for row in rows])


def test_rows_are_inserted_in_order_with_their_values_intact():
    _insert(_rows(7))
    stored = list(ChainLink.objects.order_by("seq").values_list(*COLUMNS))
    assert stored == _rows(7)  # the identity column numbers them in list order; quotes and CJK text kept


def test_a_long_list_is_split_to_the_parameter_limit(monkeypatch):
    monkeypatch.setattr(bulk, "MAX_PARAMS", 3 * (len(COLUMNS) + 1))  # three rows a statement where nothing caps lower
    monkeypatch.setattr(connection.features, "max_query_params", None)
    with CaptureQueriesContext(connection) as queries:
        _insert(_rows(7))
    assert list(ChainLink.objects.order_by("seq").values_list(*COLUMNS)) == _rows(7)
    # PostgreSQL sends one array a column, whatever the length; elsewhere 3 + 3 + 1 rows.
    assert len(queries) == (1 if connection.vendor == "postgresql" else 3)


def test_nothing_to_insert_sends_nothing():
    with CaptureQueriesContext(connection) as queries:
        _insert([])
    assert len(queries) == 0


def test_among_selects_exactly_the_values_given():
    _insert(_rows(5))
    seqs = list(ChainLink.objects.order_by("seq").values_list("seq", flat=True))
    field = ChainLink._meta.pk
    where, params = bulk.among(connection.ops.quote_name(field.column), field, [seqs[1], seqs[3]])
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT seq FROM audit_chainlink WHERE {where} ORDER BY seq", params)
        assert [row[0] for row in cursor.fetchall()] == [seqs[1], seqs[3]]
    assert bulk.max_rows(len(COLUMNS)) >= 1


def test_insert_objects_gives_each_instance_its_stored_row():
    links = [ChainLink(table="t", row_pk=str(i), kind="row", row_hash="r" * 64, prev_hash="p" * 64, hash=f"{i:064d}")
             for i in range(5)]  # fmt: skip
    with CaptureQueriesContext(connection) as queries:
        bulk.insert_objects(links, key="hash")
    assert len(queries) == 2  # the insert, the read-back of the primary keys
    for link in links:
        stored = ChainLink.objects.get(pk=link.pk)
        assert (stored.row_pk, stored.hash, stored.created) == (link.row_pk, link.hash, link.created)
        assert link.created is not None and not link._state.adding
    assert [link.pk for link in links] == sorted(link.pk for link in links)  # numbered in list order


def test_shared_columns_go_once_and_the_rows_come_back_as_stored():
    created = ChainLink._meta.get_field("created").get_db_prep_save(timezone.now(), connection)
    rows = [(str(i), "r" * 64, "p" * 64, f"{i:064d}") for i in range(5)]
    constants = {"table": "t", "kind": "row", "note": "附注 ' \" ;", "created": created}
    stored = bulk.insert_rows(ChainLink, ["row_pk", "row_hash", "prev_hash", "hash"], rows, constants=constants,
                              returning=True)  # fmt: skip
    assert list(ChainLink.objects.order_by("seq").values_list(*COLUMNS)) == [
        ("t", row_pk, "row", row_hash, prev, hash_, "附注 ' \" ;") for row_pk, row_hash, prev, hash_ in rows
    ]
    # RETURNING * hands back what a plain SELECT * reads, in key order.
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM audit_chainlink ORDER BY seq")
        names = [column[0] for column in cursor.description]
        assert stored == [dict(zip(names, values, strict=True)) for values in cursor.fetchall()]


def test_returning_nothing_to_insert_is_an_empty_list():
    assert bulk.insert_rows(ChainLink, COLUMNS, [], returning=True) == []


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite does not enforce lengths")
def test_a_shared_value_too_long_for_its_column_is_refused_not_cut():
    from django.db import DataError, transaction

    created = ChainLink._meta.get_field("created").get_db_prep_save(timezone.now(), connection)
    constants = {"table": "t" * 101, "kind": "row", "note": "", "created": created}
    with pytest.raises(DataError), transaction.atomic():
        bulk.insert_rows(ChainLink, ["row_pk", "row_hash", "prev_hash", "hash"], [("1", "r", "p", "h")],
                         constants=constants)  # fmt: skip
    assert not ChainLink.objects.exists()
