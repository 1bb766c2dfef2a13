"""Chinese national identifiers: validation, parsing and masking (DESIGN §4, §7).

* Unified Social Credit Code (USCC, GB 32100-2015): 18 characters identifying an organisation.
  Public registration data; may be shown in full.
* Resident identity number (GB 11643-1999): 18 characters identifying a natural person.
  Personal information: store it only through ``entities.crypto`` and show it masked.

Validators normalise, check, and return the normalised value; they raise
``django.core.exceptions.ValidationError`` with one ``code`` per kind of failure so that forms,
services and tests can tell the failures apart.
"""

import unicodedata
from collections.abc import Callable
from datetime import date

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.debug import sensitive_variables

from .divisions import USCC_AUTHORITIES, region_exists, uscc_category

__all__ = [
    "USCC_CHARSET",
    "birth_date_from_id_number",
    "id_check_digit",
    "is_minor_on",
    "looks_like_id_number",
    "looks_like_uscc",
    "mask_id_number",
    "normalize_id_number",
    "normalize_uscc",
    "region_code_from_id_number",
    "region_code_from_uscc",
    "uscc_category",
    "uscc_check_char",
    "validate_id_number",
    "validate_uscc",
]

# Explicit ASCII sets: str.isdigit() would also accept superscripts and other scripts' digits.
_DIGITS = frozenset("0123456789")

# GB 32100-2015: digits and capital letters without I, O, Z, S, V; a character's value is its index.
USCC_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_VALUES = {char: index for index, char in enumerate(USCC_CHARSET)}
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)  # 3**(i-1) mod 31

# GB 11643-1999 / ISO 7064 MOD 11-2.
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)  # 2**(18-i) mod 11
_ID_CHECK_DIGITS = "10X98765432"  # indexed by the weighted sum mod 11
_ID_EARLIEST_BIRTH_DATE = date(1900, 1, 1)

IDENTIFIER_LENGTH = 18
_ADULT_AGE = 18


def _compact(value: str | None) -> str:
    # NFKC folds full-width input (common with Chinese input methods) to ASCII; whitespace and hyphens are
    # dropped everywhere because codes are often written in groups ("91110000-600037341L").
    return "".join(unicodedata.normalize("NFKC", value or "").replace("-", " ").split())


# Asks whether a normalised identifier is on the administrators' allow-list of legacy codes (``LegacyIdentifier``);
# the entity services pass ``entities.selectors.legacy_identifier_allowed``.
AllowList = Callable[[str], bool]


def _unless_allowed(error: ValidationError, value: str, allowed: AllowList | None) -> None:
    if allowed is None or not allowed(value):
        raise error


# --- Unified Social Credit Code ---------------------------------------------------------------


def normalize_uscc(value: str) -> str:
    """Remove all whitespace and hyphens and uppercase."""
    return _compact(value).upper()


def uscc_check_char(first17: str) -> str:
    """The check character (position 18) for the first 17 characters of a USCC.

    Raises ``ValueError`` if ``first17`` is not 17 characters from the USCC charset.
    """
    if len(first17) != IDENTIFIER_LENGTH - 1 or not set(first17) <= _USCC_VALUES.keys():
        raise ValueError("expected 17 characters from the USCC charset")
    total = sum(_USCC_VALUES[char] * weight for char, weight in zip(first17, _USCC_WEIGHTS, strict=True))
    return USCC_CHARSET[(31 - total % 31) % 31]


def validate_uscc(value: str, *, allowed: AllowList | None = None) -> str:
    """Validate a unified social credit code; return it normalised.

    Checks length, charset, the registration authority and entity category (positions 1-2, GB 32100),
    the administrative division (positions 3-8, GB/T 2260 including historical codes) and the check
    character. The organisation code's own GB 11714 check (position 17) is deliberately not enforced:
    legacy codes from the pilot regions fail it and are still valid registrations. A code that fails
    any rule after the charset is accepted if ``allowed(code)`` says it is on the legacy allow-list.
    """
    code = normalize_uscc(value)
    if len(code) != IDENTIFIER_LENGTH:
        raise ValidationError(_("A unified social credit code has exactly 18 characters."), code="uscc_length")
    if not set(code) <= _USCC_VALUES.keys():
        raise ValidationError(
            _(
                "A unified social credit code contains only digits and capital letters; "
                "the letters I, O, Z, S and V are never used."
            ),
            code="uscc_characters",
        )
    try:
        _check_uscc_rules(code)
    except ValidationError as error:
        _unless_allowed(error, code, allowed)
    return code


def _check_uscc_rules(code: str) -> None:
    if code[0] not in USCC_AUTHORITIES:
        raise ValidationError(
            _("Registration authority code %(authority)s (character 1) does not exist."),
            code="uscc_authority",
            params={"authority": code[0]},
        )
    if uscc_category(code) is None:
        raise ValidationError(
            _(
                "Entity category code %(category)s (character 2) does not exist "
                "for registration authority %(authority)s."
            ),
            code="uscc_category",
            params={"category": code[1], "authority": code[0]},
        )
    region = code[2:8]
    if not set(region) <= _DIGITS:
        raise ValidationError(
            _(
                "Characters 3 to 8 of a unified social credit code are the administrative division code "
                "and must be digits."
            ),
            code="uscc_region",
        )
    if not region_exists(region, national=True):
        raise ValidationError(
            _("Region code %(region)s (characters 3 to 8) does not exist."),
            code="uscc_region",
            params={"region": region},
        )
    if uscc_check_char(code[:17]) != code[17]:
        raise ValidationError(
            _("The check character of this unified social credit code is wrong; please check for a typing error."),
            code="uscc_checksum",
        )


def region_code_from_uscc(value: str) -> str:
    """Characters 3-8 of a (validated) USCC: the registering authority's administrative division."""
    return normalize_uscc(value)[2:8]


def looks_like_uscc(value: str) -> bool:
    """Whether ``value`` has the shape and check character of a USCC.

    A cheap test for better messages ("a natural person was given a credit code"), not a validator.
    An 18-digit string can fit both the USCC and the identity-number shape, so the check character
    is what tells the two apart; a value passes both checks only by rare coincidence.
    """
    code = normalize_uscc(value)
    return (
        len(code) == IDENTIFIER_LENGTH
        and set(code) <= _USCC_VALUES.keys()
        and set(code[2:8]) <= _DIGITS
        and uscc_check_char(code[:17]) == code[17]
    )


# --- Resident identity number -----------------------------------------------------------------


def normalize_id_number(value: str) -> str:
    """Remove all whitespace and uppercase the trailing check character ``x``."""
    return _compact(value).upper()


def id_check_digit(first17: str) -> str:
    """The check character (position 18, ``0``-``9`` or ``X``) for the first 17 digits.

    Raises ``ValueError`` if ``first17`` is not 17 ASCII digits.
    """
    if len(first17) != IDENTIFIER_LENGTH - 1 or not set(first17) <= _DIGITS:
        raise ValueError("expected 17 digits")
    total = sum(int(digit) * weight for digit, weight in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK_DIGITS[total % 11]


def _impossible_birth_date() -> ValidationError:
    return ValidationError(
        _("Digits 7 to 14 of this identity number are not a possible date of birth."), code="id_birth_date"
    )


@sensitive_variables()
def _birth_date(number: str) -> date:
    digits = number[6:14]
    if len(digits) != 8 or not set(digits) <= _DIGITS:
        raise _impossible_birth_date()
    try:
        born = date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
    except ValueError:
        raise _impossible_birth_date() from None
    if born < _ID_EARLIEST_BIRTH_DATE:
        raise ValidationError(
            _("The date of birth in this identity number is before 1900; please check for a typing error."),
            code="id_birth_date",
        )
    return born


# Hides the number from error reports (e.g. admin error e-mails) if anything below fails unexpectedly.
@sensitive_variables()
def validate_id_number(value: str, *, today: date | None = None, allowed: AllowList | None = None) -> str:
    """Validate an 18-character resident identity number; return it normalised.

    Checks length, characters, the region code (GB/T 2260 including historical codes, or a residence-permit
    prefix 810000/820000/830000), that the date of birth is a real date from 1900-01-01 up to ``today``
    (default: the local date), and the ISO 7064 MOD 11-2 check character. A number failing the region or
    check character is accepted if ``allowed(number)`` says it is on the legacy allow-list; the date of
    birth is never waived (age rules read it).
    """
    number = normalize_id_number(value)
    if len(number) == 15 and set(number) <= _DIGITS:
        raise ValidationError(
            _("This is an old 15-digit identity number; please enter the 18-character number."),
            code="id_length",
        )
    if len(number) != IDENTIFIER_LENGTH:
        raise ValidationError(_("An identity number has exactly 18 characters."), code="id_length")
    if not set(number[:17]) <= _DIGITS or not (number[17] in _DIGITS or number[17] == "X"):
        raise ValidationError(
            _("An identity number consists of 17 digits followed by a digit or the letter X."),
            code="id_characters",
        )
    born = _birth_date(number)
    if born > (today or timezone.localdate()):
        raise ValidationError(_("The date of birth in this identity number is in the future."), code="id_birth_future")
    try:
        if not region_exists(number[:6]):
            raise ValidationError(
                _("Region code %(region)s (the first six digits) does not exist."),
                code="id_region",
                params={"region": number[:6]},
            )
        if id_check_digit(number[:17]) != number[17]:
            raise ValidationError(
                _(
                    "The last character of this identity number does not match the others; "
                    "please check for a typing error."
                ),
                code="id_checksum",
            )
    except ValidationError as error:
        _unless_allowed(error, number, allowed)
    return number


def birth_date_from_id_number(value: str) -> date:
    """The date of birth encoded in an identity number (digits 7-14).

    Does not validate the rest of the number; raises ``ValidationError`` (``id_length`` or
    ``id_birth_date``) if no date of birth can be read.
    """
    number = normalize_id_number(value)
    if len(number) != IDENTIFIER_LENGTH:
        raise ValidationError(_("An identity number has exactly 18 characters."), code="id_length")
    return _birth_date(number)


def region_code_from_id_number(value: str) -> str:
    """Digits 1-6 of a (validated) identity number: the household registration's division code."""
    return normalize_id_number(value)[:6]


def looks_like_id_number(value: str) -> bool:
    """Whether ``value`` has the shape and check character of an 18-character identity number.

    A cheap test for better messages ("an organisation was given an identity number"), not a
    validator: the date of birth is not checked. See ``looks_like_uscc`` for all-digit values.
    """
    number = normalize_id_number(value)
    return (
        len(number) == IDENTIFIER_LENGTH and set(number[:17]) <= _DIGITS and id_check_digit(number[:17]) == number[17]
    )


def is_minor_on(birth_date: date, on: date) -> bool:
    """Whether a person born on ``birth_date`` is under 18 on the date ``on``.

    Someone born on 29 February comes of age on 1 March in a non-leap year.
    """
    try:
        coming_of_age = birth_date.replace(year=birth_date.year + _ADULT_AGE)
    except ValueError:  # 29 February in a non-leap year
        coming_of_age = date(birth_date.year + _ADULT_AGE, 3, 1)
    return on < coming_of_age


def mask_id_number(value: str | None) -> str:
    """First 4 + ``*`` + last 4 characters, e.g. ``1101**********002X``.

    Never raises: a value of 8 characters or fewer is masked entirely, and ``None`` gives ``""``.
    """
    number = normalize_id_number(value if isinstance(value, str) else "")
    if len(number) < 9:
        return "*" * len(number)
    return f"{number[:4]}{'*' * (len(number) - 8)}{number[-4:]}"
