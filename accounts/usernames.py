"""User names that cannot pass for someone else's (issue 24).

A user name shows in history, logs and the admin as the person who acted; ``sup_t\u0430x`` (a Cyrillic
small a, U+0430, in place of the Latin one) reads as the supervisor ``sup_tax``. A user name may hold
ASCII letters and digits, ``@ . + - _``, and the Chinese (and Japanese, Korean) scripts, which have no
look-alikes of Latin letters. Refused: letters of any other script (Cyrillic, Greek, ...), Latin letters
with marks or from IPA (``é``, U+0251 Latin alpha), digits other than 0–9, combining marks and invisible
characters. Decided from Unicode character names and categories (:mod:`unicodedata`), so no list of
confusables has to be kept up to date.
"""

import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# Scripts without look-alikes of ASCII letters, by the first word of their characters' Unicode names.
_EAST_ASIAN = ("CJK", "HIRAGANA", "KATAKANA", "KATAKANA-HIRAGANA", "HANGUL", "BOPOMOFO", "IDEOGRAPHIC")

MESSAGE = _(
    "Use only letters a–z, digits 0–9 and @ . + - _, or Chinese characters: a user name must not hold "
    "letters that look like others (such as a Cyrillic letter that looks like a Latin “a”)."
)


def _allowed(char: str) -> bool:
    if char.isascii():
        return True
    if not unicodedata.category(char).startswith("L"):
        return False  # marks, non-ASCII digits and punctuation, format and invisible characters
    return unicodedata.name(char, "").startswith(_EAST_ASIAN)


def validate_unambiguous_username(username: str) -> None:
    """Raise ``ValidationError`` (code ``lookalike``) for a user name that could pass for another."""
    if not all(_allowed(char) for char in username or ""):
        raise ValidationError(MESSAGE, code="lookalike")
