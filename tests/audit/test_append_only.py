"""Append-only history and access log on PostgreSQL (issue 8), and the one audited purge path."""

import pgtrigger
import pytest
from django.db import ProgrammingError, connection, transaction

from audit import chain
from audit.models import AccessLog, ChainLink
from audit.services import history_purge_personal_data
from entities.models import Entity
from entities.services import entity_reveal_identifier
from tests.factories import EntityFactory, UserFactory


@pytest.fixture
def person(db, supervisor):
    person = EntityFactory(person=True, name="Zhao Liu")
    entity_reveal_identifier(entity=person, actor=supervisor, purpose="append-only test")
    return person


def _refused(sql, params):
    with pytest.raises(ProgrammingError, match="pgtrigger"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


@pytest.mark.postgres
@pytest.mark.parametrize("model", list(chain.chained_models()), ids=lambda m: m._meta.db_table)
def test_every_chained_table_has_the_append_only_trigger(db, model):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_trigger WHERE tgrelid = %s::regclass AND tgname LIKE %s",
            [model._meta.db_table, "pgtrigger_append_only_%"],
        )
        assert cursor.fetchone()[0] == 1


@pytest.mark.postgres
def test_history_update_and_delete_are_refused(person):
    row = person.history.first()
    _refused("UPDATE entities_historicalentity SET name = %s WHERE history_id = %s", ["x", row.pk])
    _refused("DELETE FROM entities_historicalentity WHERE history_id = %s", [row.pk])
    with pytest.raises(ProgrammingError), transaction.atomic():
        Entity.history.filter(pk=row.pk).delete()


@pytest.mark.postgres
def test_access_log_and_chain_update_and_delete_are_refused(person):
    log = AccessLog.objects.get()
    _refused("UPDATE audit_accesslog SET purpose = %s WHERE id = %s", ["x", log.pk])
    _refused("DELETE FROM audit_accesslog WHERE id = %s", [log.pk])
    link = ChainLink.objects.last()
    _refused("UPDATE audit_chainlink SET note = %s WHERE seq = %s", ["x", link.seq])
    _refused("DELETE FROM audit_chainlink WHERE seq = %s", [link.seq])


@pytest.mark.postgres
def test_domain_changes_still_write_history(person, supervisor):
    """Saving and deleting the tracked object only inserts history rows: the triggers let that through."""
    person.name = "Zhao Liu (renamed)"
    person.save()
    assert person.history.count() == 2
    assert chain.verify() == []


def test_purge_blanks_history_and_the_chain_still_verifies(person):
    admin = UserFactory(is_staff=True, is_superuser=True)
    rows = list(person.history.values_list("pk", flat=True))
    count = history_purge_personal_data(
        actor=admin,
        history_model=Entity.history.model,
        pks=rows,
        fields=["id_number", "id_number_masked", "name"],
        reason="retention period ended",
    )
    assert count == len(rows)
    purged = Entity.history.get(pk=rows[0])
    assert purged.id_number is None and purged.name == "" and purged.id_number_masked == ""
    assert chain.verify() == []
    link = ChainLink.objects.filter(kind=ChainLink.Kind.REHASH).get()
    assert "retention period ended" in link.note and str(admin.pk) in link.note
    # An edit after the purge is still caught.
    with pgtrigger.ignore("entities.HistoricalEntity:append_only"), connection.cursor() as cursor:
        cursor.execute("UPDATE entities_historicalentity SET name = %s WHERE history_id = %s", ["x", rows[0]])
    assert chain.verify()[0].row_pk == str(rows[0])


def test_purge_refuses_history_bookkeeping_fields(person):
    admin = UserFactory(is_staff=True, is_superuser=True)
    with pytest.raises(ValueError, match="history_user"):
        history_purge_personal_data(
            actor=admin, history_model=Entity.history.model, pks=[1], fields=["history_user"], reason="x"
        )
