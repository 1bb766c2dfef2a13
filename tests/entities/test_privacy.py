"""No identity number in clear anywhere in the database — checked with raw SQL, not through the ORM."""

import pytest
from django.db import connection

from accounts import roles
from entities.models import Entity
from entities.services import entity_register, entity_reveal_identifier, entity_update
from tests.factories import UserFactory, make_id_number

pytestmark = pytest.mark.django_db


def _all_text_in_database() -> str:
    """Every value of every column of every table, as text."""
    chunks = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            columns = [c.name for c in connection.introspection.get_table_description(cursor, table)]
            quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
            cursor.execute(f"SELECT {quoted} FROM {connection.ops.quote_name(table)}")
            chunks.extend(str(value) for row in cursor.fetchall() for value in row if value is not None)
    return "\n".join(chunks)


def _raw_rows(table: str) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
        return cursor.fetchall()


def test_identity_numbers_are_never_stored_in_clear():
    actor = UserFactory(role=roles.SUPERVISOR)
    original, corrected = make_id_number(birth="19491231"), make_id_number(birth="19760704")
    person = entity_register(actor=actor, kind=Entity.Kind.NATURAL_PERSON, name="Zhang San", identifier=original)
    entity_update(entity=person, actor=actor, name="Zhang San", region_code="110105", identifier=corrected)
    entity_reveal_identifier(entity=person, actor=actor, purpose="identity check")

    # The rows exist, in the entity table and its history table, so the scan below has something to miss.
    assert len(_raw_rows(Entity._meta.db_table)) == 1
    assert len(_raw_rows(Entity.history.model._meta.db_table)) == 2

    everything = _all_text_in_database()
    for number in (original, corrected):
        assert number not in everything
        assert number.lower() not in everything
        assert number[6:14] not in everything  # not even the birth-date digits the mask hides
    assert "1101**********" in everything  # the masked form is what is kept for display


def test_history_rows_hold_ciphertext_too():
    actor = UserFactory(role=roles.CASEWORKER)
    number = make_id_number()
    person = entity_register(actor=actor, kind=Entity.Kind.NATURAL_PERSON, name="Li Si", identifier=number)
    table = Entity.history.model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id_number FROM {connection.ops.quote_name(table)}")
        (stored,) = cursor.fetchone()
    assert stored.startswith("gAAAAA")  # a Fernet token
    assert person.history.get().id_number == number  # and it decrypts for code that needs it
