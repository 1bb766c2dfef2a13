"""Unified social credit codes and resident identity numbers: validation, parsing, masking."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from entities.identifiers import (
    USCC_CHARSET,
    birth_date_from_id_number,
    id_check_digit,
    is_minor_on,
    looks_like_id_number,
    looks_like_uscc,
    mask_id_number,
    normalize_id_number,
    normalize_uscc,
    region_code_from_id_number,
    region_code_from_uscc,
    uscc_check_char,
    validate_id_number,
    validate_uscc,
)

TODAY = date(2025, 6, 15)

# Published codes (python-stdnum tests/test_cn_uscc.doctest, "found online"; 91350100M000100Y43 is a
# Fujian code quoted in the brief), each verified with the GB 32100 algorithm independently of this module.
PUBLISHED_USCCS = [
    "91110000600037341L",
    "121200004013590816",
    "91310000631696382C",
    "91310115MA1K3BTP2B",
    "9144030071526726XG",
    "91620105L015101280",
    "91350100M000100Y43",
]
# Made-up codes whose check character was computed with an independent implementation of the algorithm.
COMPUTED_USCCS = [
    "91110108MA01C0RT65",
    "12100000400000624D",
    "51440106MJL170935W",
    "92330782MA29P2WQ7J",
    "Y1110000MA0010001N",
    "93510100MA61XK8Y09",
]
VALID_USCCS = PUBLISHED_USCCS + COMPUTED_USCCS

# 11010519491231002X is GB 11643's worked example; the others are from python-stdnum's tests.
VALID_ID_NUMBERS = ["11010519491231002X", "360426199101010071", "44011320141005001X"]
ID_NUMBER = "11010519491231002X"


def with_id_check(first17: str) -> str:
    return first17 + id_check_digit(first17)


def born_on(yyyymmdd: str) -> str:
    """An identity number from Dongcheng, Beijing with this date of birth and a correct check digit."""
    return with_id_check(f"110105{yyyymmdd}002")


def with_uscc_check(first17: str) -> str:
    return first17 + uscc_check_char(first17)


def uscc_error(value: str) -> ValidationError:
    with pytest.raises(ValidationError) as excinfo:
        validate_uscc(value)
    return excinfo.value


def id_error(value: str, today: date = TODAY) -> ValidationError:
    with pytest.raises(ValidationError) as excinfo:
        validate_id_number(value, today=today)
    return excinfo.value


def english(error: ValidationError) -> str:
    with translation.override("en"):
        return " ".join(str(message) for message in error.messages)


# --- Unified social credit code ---------------------------------------------------------------


@pytest.mark.parametrize("code", VALID_USCCS)
def test_valid_uscc(code):
    assert validate_uscc(code) == code
    assert uscc_check_char(code[:17]) == code[17]
    assert looks_like_uscc(code)


def test_uscc_is_normalised():
    assert normalize_uscc(" 9131 0115 ma1k3btp2b\t") == "91310115MA1K3BTP2B"
    assert validate_uscc("91310115ma1k3btp2b") == "91310115MA1K3BTP2B"
    # Full-width characters, as typed with a Chinese input method.
    full_width = "".join(chr(ord(char) + 0xFEE0) for char in "91110000600037341L")
    assert validate_uscc(full_width) == "91110000600037341L"


@pytest.mark.parametrize("position", range(18))
def test_uscc_every_single_substitution_fails(position):
    code = "91310115MA1K3BTP2B"
    for replacement in USCC_CHARSET.replace(code[position], ""):
        corrupted = code[:position] + replacement + code[position + 1 :]
        if position < 2:  # the authority or category may not exist; if it does, the check character is wrong
            expected = {"uscc_authority", "uscc_category", "uscc_checksum"}
        elif position < 8:  # the region may not exist; if it does, the check character is wrong
            expected = {"uscc_region", "uscc_checksum"}
        else:
            expected = {"uscc_checksum"}
        assert uscc_error(corrupted).code in expected, corrupted


@pytest.mark.parametrize("code", VALID_USCCS)
def test_uscc_adjacent_transpositions_fail(code):
    for position in range(17):
        if code[position] == code[position + 1]:
            continue
        swapped = code[:position] + code[position + 1] + code[position] + code[position + 2 :]
        assert uscc_error(swapped).code in {"uscc_checksum", "uscc_region", "uscc_authority", "uscc_category"}, swapped


@pytest.mark.parametrize("value", ["", "91110000600037341", "91110000600037341LL", "12345"])
def test_uscc_wrong_length(value):
    error = uscc_error(value)
    assert error.code == "uscc_length"
    assert english(error) == "A unified social credit code has exactly 18 characters."


@pytest.mark.parametrize("letter", "IOZSV")
def test_uscc_forbidden_letters(letter):
    error = uscc_error(f"91110000{letter}00037341L")
    assert error.code == "uscc_characters"
    assert "I, O, Z, S and V" in english(error)


@pytest.mark.parametrize("value", ["91110000600037341_", "91110000600037341é", "9111000060003734*L"])
def test_uscc_other_invalid_characters(value):
    assert uscc_error(value).code == "uscc_characters"


@pytest.mark.parametrize("first17", ["91A10000600037341", "9111000L600037341", "91ABCDEF600037341"])
def test_uscc_region_must_be_digits_even_with_a_correct_check_character(first17):
    error = uscc_error(with_uscc_check(first17))
    assert error.code == "uscc_region"
    assert "administrative division" in english(error)


def test_uscc_wrong_check_character():
    error = uscc_error("91110000600037341N")  # expects L
    assert error.code == "uscc_checksum"
    assert english(error) == (
        "The check character of this unified social credit code is wrong; please check for a typing error."
    )


def test_legacy_pilot_code_with_wrong_check_character_is_refused():
    # Printed on a real licence but fails the standard check (the 18th character should be 9).
    assert uscc_error("91350203M0001QAY9B").code == "uscc_checksum"


@pytest.mark.parametrize("first17", ["9111000060003734", "911100006000373411", "91110000600037341I"])
def test_uscc_check_char_rejects_bad_input(first17):
    with pytest.raises(ValueError):
        uscc_check_char(first17)


def test_region_code_from_uscc():
    assert region_code_from_uscc("91310115ma1k3btp2b") == "310115"


# --- Resident identity number -----------------------------------------------------------------


@pytest.mark.parametrize("number", VALID_ID_NUMBERS)
def test_valid_id_number(number):
    assert validate_id_number(number, today=TODAY) == number
    assert id_check_digit(number[:17]) == number[17]
    assert looks_like_id_number(number)


def test_gb_11643_example_born_1880_has_a_correct_check_digit_but_predates_1900():
    number = "440524188001010014"
    assert id_check_digit(number[:17]) == "4"
    assert id_error(number).code == "id_birth_date"


def test_lower_case_x_and_spaces_are_accepted():
    assert normalize_id_number(" 110105 19491231 002x ") == ID_NUMBER
    assert validate_id_number("11010519491231002x", today=TODAY) == ID_NUMBER


@pytest.mark.parametrize("position", range(18))
def test_id_every_single_substitution_fails(position):
    for replacement in "0123456789X".replace(ID_NUMBER[position], ""):
        corrupted = ID_NUMBER[:position] + replacement + ID_NUMBER[position + 1 :]
        if replacement == "X" and position < 17:
            expected = {"id_characters"}
        elif position < 6:  # the region may not exist; if it does, the check digit is wrong
            expected = {"id_region", "id_checksum"}
        elif 6 <= position < 14:  # the date of birth: impossible, in the future, or a wrong check digit
            expected = {"id_birth_date", "id_birth_future", "id_checksum"}
        else:
            expected = {"id_checksum"}
        assert id_error(corrupted).code in expected, corrupted


# A swap can move X off the end, or cross the region/date boundary and put the year out of range (1991 -> 6991).
TRANSPOSITION_CODES = {"id_characters", "id_region", "id_birth_date", "id_birth_future", "id_checksum"}


@pytest.mark.parametrize("number", VALID_ID_NUMBERS)
def test_id_adjacent_transpositions_fail(number):
    for position in range(17):
        if number[position] == number[position + 1]:
            continue
        swapped = number[:position] + number[position + 1] + number[position] + number[position + 2 :]
        assert id_error(swapped).code in TRANSPOSITION_CODES, swapped


@pytest.mark.parametrize("value", ["", "11010519491231002", "11010519491231002X1", "1101051949123100"])
def test_id_wrong_length(value):
    error = id_error(value)
    assert error.code == "id_length"
    assert english(error) == "An identity number has exactly 18 characters."


def test_old_15_digit_id_number_asks_for_the_18_character_one():
    error = id_error("110105491231002")
    assert error.code == "id_length"
    assert "18" in english(error)
    assert "15" in english(error)


@pytest.mark.parametrize(
    "value", ["11010519491231002Y", "1101051949123100X2", "11010519491231002*", "A1010519491231002X"]
)
def test_id_invalid_characters(value):
    assert id_error(value).code == "id_characters"


def test_id_non_ascii_digits_are_refused():
    # str.isdigit() is true for Arabic-Indic digits; they must not pass as an identity number.
    arabic_indic = "".join(chr(0x0660 + int(digit)) for digit in "11010519491231002") + "X"
    assert id_error(arabic_indic).code == "id_characters"


def test_id_region_cannot_start_with_zero():
    assert id_error(with_id_check("01010519491231002")).code == "id_region"


@pytest.mark.parametrize(
    "birth",
    [
        "20230230",  # 30 February
        "20230229",  # 29 February in a non-leap year
        "19001329",  # month 13
        "19491200",  # day 0
        "19490631",  # 31 June
    ],
)
def test_id_impossible_birth_date(birth):
    error = id_error(born_on(birth))
    assert error.code == "id_birth_date"
    assert "date of birth" in english(error)


def test_id_birth_before_1900_is_refused():
    assert id_error(born_on("18991231")).code == "id_birth_date"
    assert validate_id_number(born_on("19000101"), today=TODAY)


def test_id_leap_day_birth_is_accepted():
    assert validate_id_number(born_on("20040229"), today=TODAY)


def test_id_birth_in_the_future():
    tomorrow = born_on("20250616")
    error = id_error(tomorrow)
    assert error.code == "id_birth_future"
    assert "future" in english(error)
    # Born today is fine; "today" defaults to the local date.
    assert validate_id_number(born_on("20250615"), today=TODAY)
    assert validate_id_number(tomorrow, today=date(2025, 6, 16))
    with pytest.raises(ValidationError) as excinfo:
        validate_id_number(born_on("29991231"))
    assert excinfo.value.code == "id_birth_future"


def test_id_wrong_check_digit():
    error = id_error("110105194912310021")
    assert error.code == "id_checksum"
    assert "typing error" in english(error)


@pytest.mark.parametrize("first17", ["1101051949123100", "110105194912310021", "1101051949123100X"])
def test_id_check_digit_rejects_bad_input(first17):
    with pytest.raises(ValueError):
        id_check_digit(first17)


def test_birth_date_and_region_from_id_number():
    assert birth_date_from_id_number("11010519491231002x") == date(1949, 12, 31)
    assert region_code_from_id_number(ID_NUMBER) == "110105"


@pytest.mark.parametrize(("value", "code"), [("1101051949", "id_length"), ("11010519491331002X", "id_birth_date")])
def test_birth_date_from_unreadable_id_number(value, code):
    with pytest.raises(ValidationError) as excinfo:
        birth_date_from_id_number(value)
    assert excinfo.value.code == code


# --- Telling the two apart ----------------------------------------------------------------------


def test_looks_like():
    assert not looks_like_id_number("91110000600037341L")
    assert not looks_like_uscc(ID_NUMBER)
    assert not looks_like_uscc("91110000600037341N")
    assert not looks_like_id_number("110105194912310021")
    for value in ["", "abc", "110105491231002", None]:
        assert not looks_like_uscc(value)
        assert not looks_like_id_number(value)


# --- Masking and age ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("11010519491231002X", "1101**********002X"),
        ("11010519491231002x", "1101**********002X"),
        ("110105491231002", "1101*******1002"),
        ("123456789", "1234*6789"),
        ("12345678", "********"),
        ("123", "***"),
        ("", ""),
        (None, ""),
    ],
)
def test_mask_id_number(value, masked):
    assert mask_id_number(value) == masked


@pytest.mark.parametrize(
    ("birth_date", "on", "minor"),
    [
        (date(2000, 5, 10), date(2018, 5, 9), True),  # the day before the 18th birthday
        (date(2000, 5, 10), date(2018, 5, 10), False),  # the 18th birthday
        (date(2000, 5, 10), date(2000, 5, 10), True),
        (date(1949, 12, 31), TODAY, False),
        # Born on 29 February: 18 years later is never a leap year, so adulthood starts on 1 March.
        (date(2004, 2, 29), date(2022, 2, 28), True),
        (date(2004, 2, 29), date(2022, 3, 1), False),
    ],
)
def test_is_minor_on(birth_date, on, minor):
    assert is_minor_on(birth_date, on) is minor
