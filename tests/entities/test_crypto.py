"""Field encryption, key rotation and the blind index."""

import copy
import hashlib
import hmac

import pytest
from cryptography.fernet import Fernet
from django.apps.registry import Apps
from django.core.exceptions import FieldError, ImproperlyConfigured
from django.db import connection, models
from django.db.models.lookups import IsNull

from entities.crypto import (
    DecryptionError,
    EncryptedTextField,
    blind_index,
    decrypt,
    encrypt,
    generate_key,
    needs_rotation,
    rotate,
)

KEY_A = generate_key()
KEY_B = generate_key()
HASH_KEY = "h" * 40
PLAINTEXT = "11010519491231002X"


@pytest.fixture(autouse=True)
def keys(settings):
    settings.FIELD_ENCRYPTION_KEYS = [KEY_A]
    settings.FIELD_HASH_KEY = HASH_KEY
    return settings


class Secret(models.Model):
    """A model in a private registry, so that it never reaches migrations or the project's apps."""

    secret = EncryptedTextField(null=True, blank=True)

    class Meta:
        apps = Apps()
        app_label = "crypto_tests"

    def __str__(self) -> str:
        return "secret"


# --- encrypt / decrypt ----------------------------------------------------------------------------


@pytest.mark.parametrize("plaintext", [PLAINTEXT, "张三 11010519491231002X", ""])
def test_round_trip(plaintext):
    assert decrypt(encrypt(plaintext)) == plaintext


def test_ciphertext_is_randomised_and_hides_the_plaintext():
    first, second = encrypt(PLAINTEXT), encrypt(PLAINTEXT)
    assert first != second
    for token in (first, second):
        assert PLAINTEXT not in token
        assert "19491231" not in token


def test_encrypt_refuses_non_text():
    with pytest.raises(TypeError):
        encrypt(b"bytes")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "mangle", [lambda t: t[:-4] + "AAAA", lambda t: t[:20], lambda t: "not a token", lambda t: "令牌"]
)
def test_damaged_token_raises_decryption_error_without_the_token(mangle):
    token = mangle(encrypt(PLAINTEXT))
    with pytest.raises(DecryptionError) as excinfo:
        decrypt(token)
    assert token not in str(excinfo.value)
    assert "FIELD_ENCRYPTION_KEYS" in str(excinfo.value)


def test_key_rotation(settings):
    old_token = encrypt(PLAINTEXT)  # with KEY_A
    assert not needs_rotation(old_token)

    settings.FIELD_ENCRYPTION_KEYS = [KEY_B, KEY_A]
    assert decrypt(old_token) == PLAINTEXT
    assert needs_rotation(old_token)
    assert not needs_rotation(encrypt(PLAINTEXT))
    new_token = rotate(old_token)
    assert not needs_rotation(new_token)

    settings.FIELD_ENCRYPTION_KEYS = [KEY_B]
    assert decrypt(new_token) == PLAINTEXT
    with pytest.raises(DecryptionError):
        decrypt(old_token)
    with pytest.raises(DecryptionError):
        rotate(old_token)
    assert needs_rotation(old_token)


def test_keys_may_be_given_as_a_comma_separated_string(settings):
    token = encrypt(PLAINTEXT)
    settings.FIELD_ENCRYPTION_KEYS = f" {KEY_B}, {KEY_A},"
    assert decrypt(token) == PLAINTEXT
    assert needs_rotation(token)


@pytest.mark.parametrize("configured", [None, [], "", [""], ["not-a-key"], [KEY_A, "short"], [123]])
def test_missing_or_invalid_encryption_keys(settings, configured):
    settings.FIELD_ENCRYPTION_KEYS = configured
    with pytest.raises(ImproperlyConfigured) as excinfo:
        encrypt(PLAINTEXT)
    assert "FIELD_ENCRYPTION_KEYS" in str(excinfo.value)
    assert "not-a-key" not in str(excinfo.value)
    assert KEY_A not in str(excinfo.value)


def test_generate_key_makes_a_fernet_key():
    Fernet(generate_key())
    assert generate_key() != generate_key()


# --- blind index ----------------------------------------------------------------------------------


def test_blind_index_is_a_deterministic_hmac():
    digest = blind_index(PLAINTEXT)
    assert digest == blind_index(PLAINTEXT)
    assert len(digest) == 64
    assert set(digest) <= set("0123456789abcdef")
    expected = hmac.new(HASH_KEY.encode(), b"entity-id-number:" + PLAINTEXT.encode(), hashlib.sha256).hexdigest()
    assert digest == expected
    assert blind_index("110105194912310021") != digest


def test_blind_index_differs_by_key(settings):
    before = blind_index(PLAINTEXT)
    settings.FIELD_HASH_KEY = "k" * 40
    assert blind_index(PLAINTEXT) != before


def test_blind_index_differs_by_purpose():
    assert blind_index(PLAINTEXT, purpose="id-number") == blind_index(PLAINTEXT)
    assert blind_index(PLAINTEXT, purpose="phone") != blind_index(PLAINTEXT)


@pytest.mark.parametrize("purpose", ["", "ID", "id:number", "id number", "-id"])
def test_blind_index_refuses_ambiguous_purposes(purpose):
    with pytest.raises(ValueError):
        blind_index(PLAINTEXT, purpose=purpose)


@pytest.mark.parametrize("configured", [None, "", "too short"])
def test_missing_or_short_hash_key(settings, configured):
    settings.FIELD_HASH_KEY = configured
    with pytest.raises(ImproperlyConfigured) as excinfo:
        blind_index(PLAINTEXT)
    assert "FIELD_HASH_KEY" in str(excinfo.value)


# --- EncryptedTextField ---------------------------------------------------------------------------


def test_field_stores_ciphertext_and_loads_plaintext():
    field = Secret._meta.get_field("secret")
    stored = field.get_db_prep_save(PLAINTEXT, connection)
    assert PLAINTEXT not in stored
    assert decrypt(stored) == PLAINTEXT
    assert field.from_db_value(stored, None, connection) == PLAINTEXT


@pytest.mark.parametrize("value", [None, ""])
def test_field_keeps_empty_values(value):
    field = Secret._meta.get_field("secret")
    assert field.get_db_prep_save(value, connection) == value
    assert field.from_db_value(value, None, connection) == value


def test_saving_twice_does_not_encrypt_twice():
    instance = Secret(secret=PLAINTEXT)
    field = Secret._meta.get_field("secret")
    for _ in range(2):
        stored = field.get_db_prep_save(field.pre_save(instance, add=False), connection)
        assert instance.secret == PLAINTEXT
        assert decrypt(stored) == PLAINTEXT


def test_field_deconstructs_like_a_text_field():
    _name, path, args, kwargs = EncryptedTextField("identity number", null=True, blank=True).deconstruct()
    assert path == "entities.crypto.EncryptedTextField"
    assert args == []
    assert kwargs == {"verbose_name": "identity number", "null": True, "blank": True}


@pytest.mark.parametrize("lookup", ["secret", "secret__exact", "secret__in", "secret__icontains", "secret__lower"])
def test_field_cannot_be_filtered(lookup):
    with pytest.raises(FieldError, match="encrypted fields cannot be filtered; use the blind index"):
        Secret.objects.filter(**{lookup: [PLAINTEXT] if lookup.endswith("__in") else PLAINTEXT})


def test_field_allows_isnull():
    assert Secret._meta.get_field("secret").get_lookup("isnull") is IsNull
    Secret.objects.filter(secret__isnull=True)


def test_history_model_copies_the_encrypted_field():
    # django-simple-history builds the history table from copies of the model's fields.
    from simple_history.models import transform_field

    history_field = copy.copy(Secret._meta.get_field("secret"))
    transform_field(history_field)
    assert isinstance(history_field, EncryptedTextField)
