"""Field encryption with rotating keys, and a keyed hash ("blind index") for exact lookup (DESIGN §4, §7).

* ``EncryptedTextField`` stores Fernet ciphertext (AES-128-CBC + HMAC-SHA256, authenticated) in the
  database and gives plaintext to Python, so SQL logs, database dumps and backups hold ciphertext.
  (``manage.py dumpdata`` works at the Python level and so writes the decrypted value.)
* ``settings.FIELD_ENCRYPTION_KEYS`` lists Fernet keys NEWEST FIRST. New values are encrypted with
  the first key; every key is tried when decrypting. To rotate: put a new key first, re-save the
  rows that ``needs_rotation()`` finds (or ``rotate()`` their raw tokens), then drop the old key.
* ``settings.FIELD_HASH_KEY`` keys ``blind_index()``: HMAC-SHA256 of the caller-normalised value,
  stored next to the ciphertext for exact lookup and uniqueness. It cannot be rotated without
  recomputing every index from the decrypted values.
* django-simple-history copies the field object itself into the history model, so history rows
  hold ciphertext as well.
* The field cannot be filtered (ciphertext is randomised), except for ``__isnull``; filter on the
  blind index instead.
"""

import hashlib
import hmac
import re
from functools import cache
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import FieldError, ImproperlyConfigured

# The same signal as django.test.signals.setting_changed, without importing the test framework.
from django.core.signals import setting_changed
from django.db import models
from django.views.decorators.debug import sensitive_variables

__all__ = [
    "DecryptionError",
    "EncryptedTextField",
    "blind_index",
    "decrypt",
    "encrypt",
    "generate_key",
    "needs_rotation",
    "rotate",
]

KEYS_SETTING = "FIELD_ENCRYPTION_KEYS"
HASH_KEY_SETTING = "FIELD_HASH_KEY"
MIN_HASH_KEY_LENGTH = 32

_PURPOSE = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


class DecryptionError(Exception):
    """A value could not be decrypted with any configured key (the message never contains it)."""

    def __init__(self) -> None:
        super().__init__(
            f"An encrypted value could not be decrypted with any key in {KEYS_SETTING}: "
            "the key that encrypted it is missing, or the stored value is damaged or was never encrypted."
        )


def generate_key() -> str:
    """A new random Fernet key, suitable for ``FIELD_ENCRYPTION_KEYS``."""
    return Fernet.generate_key().decode("ascii")


@cache
def _keys() -> tuple[Fernet, MultiFernet]:
    """The newest key alone, and all keys together; cached until the setting changes."""
    configured = getattr(settings, KEYS_SETTING, None)
    # Tolerate a comma-separated string, so an unparsed environment variable is not read char by char.
    if isinstance(configured, str):
        configured = configured.split(",")
    if not isinstance(configured, list | tuple):
        configured = ()
    # Blank entries (a trailing comma) are skipped; anything else that is not a key is an error below.
    keys = [key.strip() if isinstance(key, str | bytes) else key for key in configured]
    keys = [key for key in keys if key]
    if not keys:
        raise ImproperlyConfigured(
            f"{KEYS_SETTING} is not set. Set the {KEYS_SETTING} environment variable to a comma-separated list "
            "of Fernet keys, newest first (create one with entities.crypto.generate_key())."
        )
    try:
        fernets = [Fernet(key) for key in keys]
    except (TypeError, ValueError):
        # `from None`: the underlying error must not carry key material into logs.
        raise ImproperlyConfigured(
            f"{KEYS_SETTING} contains a value that is not a Fernet key (32 url-safe base64-encoded bytes). "
            f"Check the {KEYS_SETTING} environment variable; create keys with entities.crypto.generate_key()."
        ) from None
    return fernets[0], MultiFernet(fernets)


@cache
def _hash_key() -> bytes:
    configured = getattr(settings, HASH_KEY_SETTING, None)
    if not isinstance(configured, str) or len(configured) < MIN_HASH_KEY_LENGTH:
        raise ImproperlyConfigured(
            f"{HASH_KEY_SETTING} must be a secret of at least {MIN_HASH_KEY_LENGTH} characters. "
            f"Set the {HASH_KEY_SETTING} environment variable."
        )
    return configured.encode("utf-8")


def _reset_key_caches(*, setting: str, **kwargs: Any) -> None:
    if setting in (KEYS_SETTING, HASH_KEY_SETTING):
        _keys.cache_clear()
        _hash_key.cache_clear()


setting_changed.connect(_reset_key_caches, dispatch_uid="entities.crypto.reset_key_caches")


# sensitive_variables keeps plaintext out of error reports (admin e-mails) should anything here fail.
@sensitive_variables()
def encrypt(plaintext: str) -> str:
    """Encrypt ``plaintext`` with the newest key; return the token as text."""
    if not isinstance(plaintext, str):
        raise TypeError("encrypt() takes a str")
    return _keys()[1].encrypt(plaintext.encode("utf-8")).decode("ascii")


@sensitive_variables()
def decrypt(token: str) -> str:
    """Decrypt a token made by ``encrypt()`` with any configured key.

    Raises ``DecryptionError`` if no key fits or the token was tampered with.
    """
    try:
        return _keys()[1].decrypt(token.encode("ascii")).decode("utf-8")
    except (InvalidToken, UnicodeError):
        raise DecryptionError from None


@sensitive_variables()
def rotate(token: str) -> str:
    """Re-encrypt a token with the newest key (raises ``DecryptionError`` if no key fits)."""
    try:
        return _keys()[1].rotate(token.encode("ascii")).decode("ascii")
    except (InvalidToken, UnicodeError):
        raise DecryptionError from None


@sensitive_variables()
def needs_rotation(token: str) -> bool:
    """Whether the newest key cannot decrypt ``token`` (also True for a token no key can decrypt)."""
    try:
        _keys()[0].decrypt(token.encode("ascii"))
    except (InvalidToken, UnicodeError):
        return True
    return False


@sensitive_variables()
def blind_index(value: str, *, purpose: str = "id-number") -> str:
    """HMAC-SHA256 (64 hex characters) of ``value`` keyed with ``FIELD_HASH_KEY``.

    The caller normalises ``value`` first. ``purpose`` (lowercase words joined by hyphens) separates
    domains, so equal values used for different purposes give unrelated indexes.
    """
    if not _PURPOSE.fullmatch(purpose):
        raise ValueError("purpose must be lowercase letters and digits joined by hyphens")
    message = f"entity-{purpose}:".encode("ascii") + value.encode("utf-8")
    return hmac.new(_hash_key(), message, hashlib.sha256).hexdigest()


class EncryptedTextField(models.TextField):
    """A text field stored as Fernet ciphertext; Python code sees plaintext.

    The model instance keeps the plaintext and every save encrypts it afresh, so a value is never
    encrypted twice. ``None`` and ``""`` are stored as they are. Only ``__isnull`` lookups are allowed.
    """

    # Its value is never shown, not even in the audit timeline (``audit.timeline`` asks for this flag).
    secret = True

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return encrypt(value)

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> str | None:
        if value is None or value == "":
            return value
        return decrypt(value)

    def get_lookup(self, lookup_name: str) -> Any:
        if lookup_name == "isnull":
            return super().get_lookup(lookup_name)
        raise FieldError("encrypted fields cannot be filtered; use the blind index")

    def get_transform(self, lookup_name: str) -> None:
        # Transforms (lower, unaccent, ...) of ciphertext mean nothing either.
        return None
