"""The tamper-evident chain (issue 8): each kind of tampering injected in the database is named by the verifier."""

import io
import itertools

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from audit import chain
from audit.models import AccessLog, ChainHead, ChainLink
from cases import services
from cases.models import Case
from entities.models import Entity
from entities.services import entity_reveal_identifier
from tests.factories import EntityFactory
from tests.statements import statements as _statements


@pytest.fixture
def trail(db, make_draft, caseworker, supervisor):
    """A few history rows, an access-log row and a person's (encrypted) identity number."""
    case = make_draft()
    services.case_submit(case=case, actor=caseworker)
    person = EntityFactory(person=True, name="Li Si")
    entity_reveal_identifier(entity=person, actor=supervisor, purpose="chain test")
    return case, person


def _sql(sql, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _untriggered(sql, params=()):
    """Tamper as a database superuser would: past the append-only triggers on PostgreSQL."""
    import pgtrigger

    with pgtrigger.ignore():
        _sql(sql, params)


def test_clean_chain_verifies(trail):
    assert chain.verify() == []
    out = io.StringIO()
    call_command("verify_audit", stdout=out)
    assert "intact" in out.getvalue()


def test_every_history_and_access_row_is_chained(trail):
    for model in chain.chained_models():
        pks = {str(pk) for pk in model._default_manager.values_list("pk", flat=True)}
        linked = set(ChainLink.objects.filter(table=model._meta.db_table).values_list("row_pk", flat=True))
        assert pks == linked, model
    assert ChainLink.objects.filter(table="audit_accesslog").count() == AccessLog.objects.count() == 1


def test_links_follow_one_another(trail):
    links = list(ChainLink.objects.order_by("seq"))
    assert links[0].prev_hash == chain.GENESIS
    assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(links))


def test_encrypted_identifier_is_hashed_as_stored_ciphertext(trail):
    _case, person = trail
    history = Entity.history.model
    row = dict(next(chain._raw_rows(history, [person.history.first().pk]))[1])
    assert row["id_number"] and row["id_number"] != person.id_number  # ciphertext, not the number


def _problem(table, pk):
    problems = chain.verify()
    assert problems, "tampering not detected"
    return problems[0], (table, str(pk))


def test_edited_history_row_is_named(trail):
    case, _person = trail
    row = case.history.order_by("history_id")[1]
    _untriggered("UPDATE cases_historicalcase SET facts = %s WHERE history_id = %s", ["nothing", row.pk])
    first, expected = _problem("cases_historicalcase", row.pk)
    assert (first.table, first.row_pk) == expected
    assert "edited" in first.message


def test_edited_access_log_is_named(trail):
    log = AccessLog.objects.get()
    _untriggered("UPDATE audit_accesslog SET purpose = %s WHERE id = %s", ["x", log.pk])
    first, expected = _problem("audit_accesslog", log.pk)
    assert (first.table, first.row_pk) == expected and "edited" in first.message


def test_deleted_history_row_is_named(trail):
    case, _person = trail
    row = case.history.order_by("history_id").first()
    _untriggered("DELETE FROM cases_historicalcase WHERE history_id = %s", [row.pk])
    first, expected = _problem("cases_historicalcase", row.pk)
    assert (first.table, first.row_pk) == expected and "deleted" in first.message


def test_deleted_link_is_named(trail):
    links = list(ChainLink.objects.order_by("seq"))
    _untriggered("DELETE FROM audit_chainlink WHERE seq = %s", [links[3].seq])
    first = chain.verify()[0]
    assert first.seq == links[4].seq and "deleted" in first.message


def test_reordered_history_rows_are_named(trail):
    case, _person = trail
    a, b = case.history.order_by("history_id")[:2]
    # Swap the two rows' ids: each now carries the other's content.
    _untriggered("UPDATE cases_historicalcase SET history_id = %s WHERE history_id = %s", [-1, a.pk])
    _untriggered("UPDATE cases_historicalcase SET history_id = %s WHERE history_id = %s", [a.pk, b.pk])
    _untriggered("UPDATE cases_historicalcase SET history_id = %s WHERE history_id = %s", [b.pk, -1])
    first, expected = _problem("cases_historicalcase", a.pk)
    assert (first.table, first.row_pk) == expected and "reordered" in first.message


def test_reordered_links_are_named(trail):
    links = list(ChainLink.objects.order_by("seq"))
    a, b = links[2], links[3]
    _untriggered("UPDATE audit_chainlink SET seq = %s WHERE seq = %s", [-1, a.seq])
    _untriggered("UPDATE audit_chainlink SET seq = %s WHERE seq = %s", [a.seq, b.seq])
    _untriggered("UPDATE audit_chainlink SET seq = %s WHERE seq = %s", [b.seq, -1])
    first = chain.verify()[0]
    assert first.seq == a.seq and "reordered" in first.message


def test_row_inserted_outside_the_application_is_named(trail):
    case, _person = trail
    Case.history.model.objects.filter(pk=case.history.first().pk)  # sanity: the table is there
    _sql("INSERT INTO audit_accesslog (at, actor_id, actor_roles, action, target_type_id, target_id, field, purpose, "
         "request_id) SELECT at, actor_id, actor_roles, action, target_type_id, target_id, field, purpose, request_id "
         "FROM audit_accesslog")  # fmt: skip
    problems = chain.verify()
    assert problems and problems[0].seq is None and "not chained" in problems[0].message


def test_truncated_tail_is_detected_by_the_sealed_head(trail):
    out = io.StringIO()
    call_command("verify_audit", "--seal", stdout=out)
    head = ChainHead.objects.get()
    assert head.seq == ChainLink.objects.order_by("-seq").first().seq
    last = ChainLink.objects.get(seq=head.seq)
    # Cut the last row and its link off the end: the remaining chain is self-consistent...
    _untriggered("DELETE FROM audit_chainlink WHERE seq = %s", [last.seq])
    _untriggered(f"DELETE FROM {last.table} WHERE id = %s", [last.row_pk])
    problems = chain.verify()
    # ...but the signed head no longer matches, nor does the witness of the seal published in the register's log.
    assert problems[0].message == "the chain was truncated after a sealed head"
    assert [p.message.split(" on ")[0] for p in problems[1:]] == ["the chain was cut below a head witnessed"]
    with pytest.raises(CommandError, match="audit_chainlink"):
        call_command("verify_audit", stdout=io.StringIO(), stderr=io.StringIO())


def test_forged_head_is_detected(trail):
    call_command("verify_audit", "--seal", stdout=io.StringIO())
    _untriggered("UPDATE audit_chainhead SET hash = %s", ["f" * 64])
    assert "forged" in chain.verify()[0].message


def test_broken_chain_fails_the_command(trail):
    _case, _person = trail
    _untriggered("UPDATE cases_historicalcase SET facts = %s", ["x"])
    err = io.StringIO()
    with pytest.raises(CommandError, match="cases_historicalcase"):
        call_command("verify_audit", stdout=io.StringIO(), stderr=err)
    assert "BROKEN" in err.getvalue()


# -- streaming: verify reads the chain and each table in pages ------------------------------------------------


def _tamper_edit(case):
    row = case.history.order_by("history_id")[1]
    _untriggered("UPDATE cases_historicalcase SET facts = %s WHERE history_id = %s", ["nothing", row.pk])


def _tamper_delete_link(case):
    links = list(ChainLink.objects.order_by("seq"))
    _untriggered("DELETE FROM audit_chainlink WHERE seq = %s", [links[3].seq])


def _tamper_reorder_rows(case):
    a, b = case.history.order_by("history_id")[:2]
    _untriggered("UPDATE cases_historicalcase SET history_id = %s WHERE history_id = %s", [-1, a.pk])
    _untriggered("UPDATE cases_historicalcase SET history_id = %s WHERE history_id = %s", [a.pk, b.pk])
    _untriggered("UPDATE cases_historicalcase SET history_id = %s WHERE history_id = %s", [b.pk, -1])


def _tamper_delete_row(case):
    row = case.history.order_by("history_id").first()
    _untriggered("DELETE FROM cases_historicalcase WHERE history_id = %s", [row.pk])


@pytest.mark.parametrize("tamper", [_tamper_edit, _tamper_delete_link, _tamper_reorder_rows, _tamper_delete_row])
def test_small_pages_find_exactly_what_one_big_page_finds(trail, tamper):
    case, _person = trail
    tamper(case)
    whole = chain.verify(chunk_size=1_000_000)
    assert whole
    for chunk_size in (1, 2, 3, 7):
        assert chain.verify(chunk_size=chunk_size) == whole, chunk_size


def test_a_break_at_a_page_boundary_is_named(trail):
    """With pages of two, the first link and the first row of a page are compared with the previous page's last."""
    links = list(ChainLink.objects.order_by("seq"))
    assert len(links) > 5
    # links[2] opens the second page of links: delete the link before it, which closed the first page.
    _untriggered("DELETE FROM audit_chainlink WHERE seq = %s", [links[1].seq])
    # The third row of a table opens the second page of that table.
    model = next(m for m in chain.chained_models() if m._default_manager.count() >= 3)
    table, pk = model._meta.db_table, sorted(model._default_manager.values_list("pk", flat=True))[2]
    column = next(f.column for f in model._meta.concrete_fields if f.get_internal_type() in ("CharField", "TextField"))
    _untriggered(f'UPDATE "{table}" SET "{column}" = %s WHERE "{model._meta.pk.column}" = %s', ["tampered", pk])
    problems = chain.verify(chunk_size=2)
    assert problems == chain.verify()
    assert (problems[0].seq, problems[0].message) == (links[2].seq, "the link before it was deleted or reordered")
    edited = [(p.row_pk, p.message) for p in problems if p.table == table and "edited" in p.message]
    assert edited == [(str(pk), "the row was edited")]
    err = io.StringIO()
    with pytest.raises(CommandError, match=f"{links[2].table}:{links[2].row_pk}"):
        call_command("verify_audit", "--chunk-size", "2", stdout=io.StringIO(), stderr=err)
    assert f"link #{links[2].seq}" in err.getvalue()


def test_verify_reads_in_pages(trail, django_assert_max_num_queries):
    """Clean chain, pages of one: the query count grows with the rows, but no query reads a whole table."""
    from django.db import connection as conn
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(conn) as queries:
        assert chain.verify(chunk_size=1) == []
    table_reads = [q["sql"] for q in queries.captured_queries if 'FROM "cases_historicalcase"' in q["sql"]]
    # A page by key, or the rows named (a list of values; one array parameter on PostgreSQL: creditportal.bulk).
    assert table_reads and all(any(part in sql for part in ("LIMIT", " IN (", " = ANY(")) for sql in table_reads)
    chain_reads = [q["sql"] for q in queries.captured_queries if 'FROM "audit_chainlink"' in q["sql"]]
    assert chain_reads and all("LIMIT" in sql or "WHERE" in sql for sql in chain_reads)


# -- one lock and one head read per transaction (issue 22) ----------------------------------------------------
def _history_row(name):
    entity = EntityFactory(name=name)
    return Entity.history.model, entity.history.latest().pk


def test_appends_in_one_transaction_lock_and_read_the_head_once(trail):
    model, pk = _history_row("Head Reuse Co")
    chain._lock()  # as at the start of a transaction: no head remembered
    first = _statements(lambda: chain.append(model, pk, note="again 1"))
    later = _statements(lambda: chain.append(model, pk, note="again 2"))
    assert not any("SAVEPOINT" in sql for sql in first + later)
    assert sum('ORDER BY "audit_chainlink"."seq" DESC' in sql for sql in first) == 1
    # The second append in the same transaction: the row's read-back and its link, nothing else.
    assert len(later) == 2
    assert chain.verify() == []


def test_a_savepoint_rolled_back_makes_the_next_append_read_the_head_again(trail):
    from django.db import transaction

    model, pk = _history_row("Rolled Back Co")
    chain.append(model, pk, note="kept")
    with pytest.raises(RuntimeError), transaction.atomic():
        chain.append(model, pk, note="rolled back")
        raise RuntimeError
    after = _statements(lambda: chain.append(model, pk, note="after the rollback"))
    assert sum('ORDER BY "audit_chainlink"."seq" DESC' in sql for sql in after) == 1
    assert not ChainLink.objects.filter(note="rolled back").exists()
    assert chain.verify() == []


def test_a_released_savepoint_keeps_the_head(trail):
    from django.db import transaction

    model, pk = _history_row("Released Co")
    with transaction.atomic():
        chain.append(model, pk, note="in a savepoint")
    after = _statements(lambda: chain.append(model, pk, note="after the release"))
    assert len(after) == 2
    assert chain.verify() == []


def test_taking_the_lock_forgets_the_head(trail):
    model, pk = _history_row("Direct Writer Co")
    chain.append(model, pk, note="before")
    chain._lock()  # a direct writer (the benchmark's generator) takes the lock before writing links itself
    after = _statements(lambda: chain.append(model, pk, note="after"))
    assert sum('ORDER BY "audit_chainlink"."seq" DESC' in sql for sql in after) == 1
