from io import StringIO

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.db import connection

from entities import crypto
from entities.models import Entity
from tests.factories import EntityFactory

pytestmark = pytest.mark.django_db


def _stored_tokens():
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id_number FROM {Entity._meta.db_table} WHERE id_number IS NOT NULL ORDER BY id")
        return [row[0] for row in cursor.fetchall()]


def test_rotate_field_keys_reencrypts_with_the_newest_key_and_is_idempotent(settings):
    old_key, new_key = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [old_key]
    people = [EntityFactory(person=True) for _ in range(3)]
    EntityFactory()  # an organisation has nothing to re-encrypt
    numbers = [p.id_number for p in people]

    settings.FIELD_ENCRYPTION_KEYS = [new_key, old_key]
    assert all(crypto.needs_rotation(token) for token in _stored_tokens())
    out = StringIO()
    call_command("rotate_field_keys", stdout=out)
    assert "Re-encrypted 3 identity number(s)" in out.getvalue()

    settings.FIELD_ENCRYPTION_KEYS = [new_key]  # the old key is gone: live rows must still decrypt
    assert not any(crypto.needs_rotation(token) for token in _stored_tokens())
    assert [Entity.objects.get(pk=p.pk).id_number for p in people] == numbers
    assert people[0].history.first().history_change_reason == "encryption key rotation"

    settings.FIELD_ENCRYPTION_KEYS = [new_key, old_key]
    out = StringIO()
    call_command("rotate_field_keys", stdout=out)
    assert "Re-encrypted 0 identity number(s)" in out.getvalue()


def test_lookup_still_works_after_rotation(settings):
    old_key, new_key = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [old_key]
    person = EntityFactory(person=True)
    settings.FIELD_ENCRYPTION_KEYS = [new_key, old_key]
    call_command("rotate_field_keys", stdout=StringIO())
    from entities.services import entity_find_by_identifier

    assert entity_find_by_identifier(person.id_number) == person
