"""The codes inside the identifiers (issue 20 §1): GB/T 2260 regions, GB 32100 authorities, the legacy allow-list."""

import random
from datetime import date, timedelta
from pathlib import Path

import pytest
import stdnum
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation
from stdnum.cn import ric as stdnum_ric
from stdnum.cn import uscc as stdnum_uscc

from accounts import roles
from entities.divisions import USCC_CATEGORIES, region_exists, uscc_category
from entities.identifiers import USCC_CHARSET, id_check_digit, uscc_check_char, validate_id_number, validate_uscc
from entities.models import Entity, LegacyIdentifier
from entities.services import entity_register, identifier_check, legacy_identifier_add, legacy_identifier_update
from tests.factories import UserFactory

TODAY = date(2026, 12, 7)
LEGACY_FUJIAN = "91350203M0001QAY9B"  # printed on a real licence; its check character should be 9 (domain rules §3.1)


def with_id_check(first17: str) -> str:
    return first17 + id_check_digit(first17)


def with_uscc_check(first17: str) -> str:
    return first17 + uscc_check_char(first17)


def error_of(call, *args, **kwargs) -> ValidationError:
    with pytest.raises(ValidationError) as excinfo:
        call(*args, **kwargs)
    return excinfo.value


def english(error: ValidationError) -> str:
    with translation.override("en"):
        return " ".join(str(message) for message in error.messages)


def chinese(error: ValidationError) -> str:
    with translation.override("zh-hans"):
        return " ".join(str(message) for message in error.messages)


# --- Region codes ------------------------------------------------------------------------------


@pytest.mark.parametrize("region", ["990000", "123456", "000000", "110199"])
def test_id_number_with_an_invented_region_is_refused_naming_it(region):
    error = error_of(validate_id_number, with_id_check(f"{region}19850312001"), today=TODAY)
    assert error.code == "id_region"
    assert english(error) == f"Region code {region} (the first six digits) does not exist."
    assert region in chinese(error) and "不存在" in chinese(error)


def test_historical_region_codes_stay_valid_whatever_the_birth_year():
    # 110103 (Chongwen, Beijing) was merged away in 2010; python-stdnum's birth-year rule refuses a 2015 birth.
    number = with_id_check("11010320150101001")
    assert not stdnum_ric.is_valid(number)
    assert validate_id_number(number, today=TODAY) == number
    # 110110 (Yanshan) ended in 1986, someone born in 1990 may still carry it (numbers are issued at registration).
    assert validate_id_number(with_id_check("11011019900101001"), today=TODAY)


@pytest.mark.parametrize("prefix", ["810000", "820000", "830000"])
def test_residence_permit_prefixes_are_accepted(prefix):
    number = with_id_check(f"{prefix}19900101001")
    assert validate_id_number(number, today=TODAY) == number


@pytest.mark.parametrize("region", ["000000", "990000", "123456"])
def test_uscc_with_an_invented_region_is_refused_naming_it(region):
    error = error_of(validate_uscc, with_uscc_check(f"91{region}MA0000001"))
    assert error.code == "uscc_region"
    assert english(error) == f"Region code {region} (characters 3 to 8) does not exist."


def test_uscc_accepts_the_national_region_of_central_authorities_but_an_id_number_does_not():
    assert validate_uscc(with_uscc_check("11100000MB0000001"))
    assert not region_exists("100000")
    assert region_exists("100000", national=True)


# --- Registration authority and category --------------------------------------------------------


@pytest.mark.parametrize("authority", ["0", "B", "C", "X"])
def test_uscc_unknown_registration_authority_is_refused(authority):
    error = error_of(validate_uscc, with_uscc_check(f"{authority}1110000MA0000001"))
    assert error.code == "uscc_authority"
    assert english(error) == f"Registration authority code {authority} (character 1) does not exist."


@pytest.mark.parametrize("prefix", ["14", "94", "99", "A2", "N4", "Y2", "10"])
def test_uscc_unknown_category_is_refused(prefix):
    error = error_of(validate_uscc, with_uscc_check(f"{prefix}110000MA0000001"))
    assert error.code == "uscc_category"
    assert english(error) == (
        f"Entity category code {prefix[1]} (character 2) does not exist for registration authority {prefix[0]}."
    )
    assert "不存在" in chinese(error)


@pytest.mark.parametrize(
    ("prefix", "authority", "category"),
    [
        ("91", "market regulation", "enterprise"),
        ("12", "establishment administration", "public institution"),
        ("53", "civil affairs", "foundation"),
        ("A1", "Central Military Commission establishment office", "military public institution"),
        ("A9", "Central Military Commission establishment office", "other"),
        ("N1", "agriculture and rural affairs", "group-level collective economic organisation"),
        ("N2", "agriculture and rural affairs", "village-level collective economic organisation"),
        ("N3", "agriculture and rural affairs", "township-level collective economic organisation"),
        ("N9", "agriculture and rural affairs", "other"),
        ("Y1", "other", "other"),
    ],
)
def test_uscc_letter_authorities_are_accepted_and_their_category_is_returned(prefix, authority, category):
    code = validate_uscc(with_uscc_check(f"{prefix}110000MA0000001"))
    implied = uscc_category(code)
    with translation.override("en"):
        assert (implied.code, str(implied.authority), str(implied.category)) == (prefix, authority, category)


def test_hyphens_are_normalised_away_like_spaces():
    assert validate_uscc("91110000-600037341-L") == "91110000600037341L"
    assert validate_uscc("9111 0000\uff0d6000 3734 1L") == "91110000600037341L"  # full-width hyphen


# --- Differential tests against python-stdnum --------------------------------------------------


def _read_loc_dat() -> dict[str, str]:
    """python-stdnum's table read line by line (independently of entities.divisions): code -> county entry."""
    counties, province = {}, ""
    for line in (Path(stdnum.__file__).parent / "cn" / "loc.dat").read_text(encoding="utf-8").splitlines():
        if line.startswith("#") or not line.strip():
            continue
        prefix, _, props = line.strip().partition(" ")
        if not line.startswith(" "):
            province = prefix
        elif props.startswith("county="):
            counties[province + prefix] = props.removeprefix("county=").strip('"')
    return counties


_COUNTIES = _read_loc_dat()
_ALL_REGIONS = sorted(_COUNTIES)
# Codes that never changed: python-stdnum's birth-year rule cannot refuse them, so its answer must equal ours.
_STABLE_REGIONS = [code for code in _ALL_REGIONS if "[" not in _COUNTIES[code]]


def _stdnum_region(code: str) -> str | None:
    return _COUNTIES.get(code)


def _stdnum_ric_valid(number: str) -> bool:
    try:
        return stdnum_ric.is_valid(number)
    except KeyError:  # python-stdnum trips over a few partial table entries; none is a county
        return False


def test_the_table_is_loaded_with_its_historical_codes():
    assert len(_ALL_REGIONS) > 6000
    assert all(region_exists(code) for code in _ALL_REGIONS)
    assert len(_STABLE_REGIONS) < len(_ALL_REGIONS)


def _random_id_number(rng: random.Random) -> str:
    region = rng.choice(_STABLE_REGIONS) if rng.random() < 0.7 else f"{rng.randrange(1000000):06d}"
    born = date(1950, 1, 1) + timedelta(days=rng.randrange(365 * 70))
    number = with_id_check(f"{region}{born:%Y%m%d}{rng.randrange(1000):03d}")
    if rng.random() < 0.3:  # a typing error somewhere
        position = rng.randrange(18)
        number = number[:position] + rng.choice("0123456789") + number[position + 1 :]
    return number


def test_id_numbers_agree_with_python_stdnum():
    rng = random.Random(2260)
    numbers = [_random_id_number(rng) for _ in range(4000)]
    for number in numbers:
        if "[" in _COUNTIES.get(number[:6], ""):  # a typo landed on a code with a history: covered above
            continue
        try:
            ours = bool(validate_id_number(number, today=TODAY))
        except ValidationError:
            ours = False
        assert ours == _stdnum_ric_valid(number), number
    assert 1000 < sum(map(_stdnum_ric_valid, numbers)) < 3000  # both outcomes well covered


def _random_uscc(rng: random.Random) -> str:
    prefix = rng.choice(list(USCC_CATEGORIES)) if rng.random() < 0.8 else rng.choice(USCC_CHARSET) * 2
    region = rng.choice(_ALL_REGIONS) if rng.random() < 0.8 else f"{rng.randrange(1000000):06d}"
    body = "".join(rng.choice(USCC_CHARSET) for _ in range(9))
    code = with_uscc_check(f"{prefix}{region}{body}")
    if rng.random() < 0.2:
        position = rng.randrange(18)
        code = code[:position] + rng.choice(USCC_CHARSET) + code[position + 1 :]
    return code


def test_usccs_agree_with_python_stdnum_plus_the_code_tables():
    # python-stdnum checks the format and check character only; the region and category come from the tables.
    rng = random.Random(32100)
    codes = [_random_uscc(rng) for _ in range(4000)]
    for code in codes:
        try:
            ours = bool(validate_uscc(code))
        except ValidationError:
            ours = False
        # python-stdnum wants digits in positions 1-2, so letter authorities only get its check character
        stdnum_ok = stdnum_uscc.is_valid(code) if code[:2].isdigit() else stdnum_uscc.calc_check_digit(code) == code[17]
        expected = (
            stdnum_ok
            and code[:2] in USCC_CATEGORIES
            and (_stdnum_region(code[2:8]) is not None or code[2:8] == "100000")
        )
        assert ours == expected, code
    assert 1000 < sum(map(bool, map(_valid_or_false, codes))) < 3500


def _valid_or_false(code: str) -> str | bool:
    try:
        return validate_uscc(code)
    except ValidationError:
        return False


# --- The administrators' allow-list of legacy codes -------------------------------------------


def test_validators_accept_an_allow_listed_code_only_for_the_rules_it_fails():
    assert error_of(validate_uscc, LEGACY_FUJIAN).code == "uscc_checksum"
    assert validate_uscc(LEGACY_FUJIAN, allowed={LEGACY_FUJIAN}.__contains__) == LEGACY_FUJIAN
    # the length and charset are never waived
    assert error_of(validate_uscc, LEGACY_FUJIAN[:-1], allowed=lambda code: True).code == "uscc_length"
    number = with_id_check("99000019850312001")
    assert validate_id_number(number, today=TODAY, allowed={number}.__contains__) == number
    future = with_id_check("99000020300101001")
    assert error_of(validate_id_number, future, today=TODAY, allowed=lambda n: True).code == "id_birth_future"


@pytest.mark.django_db
def test_allow_listed_legacy_codes_can_be_registered():
    admin = UserFactory(role=roles.ADMINISTRATOR)
    caseworker = UserFactory(role=roles.CASEWORKER)
    with pytest.raises(ValidationError):
        identifier_check(kind=Entity.Kind.LEGAL_PERSON, identifier=LEGACY_FUJIAN)

    entry = legacy_identifier_add(
        actor=admin, kind="uscc", identifier="91350203-M0001QAY9B", reason="Printed on a 2014 pilot licence"
    )
    firm = entity_register(actor=caseworker, kind=Entity.Kind.LEGAL_PERSON, name="Pilot Co", identifier=LEGACY_FUJIAN)
    assert firm.uscc == LEGACY_FUJIAN
    assert entry.history.get().history_user == admin

    legacy_identifier_update(entry=entry, actor=admin, reason="Withdrawn: the licence was forged", active=False)
    with pytest.raises(ValidationError):
        identifier_check(kind=Entity.Kind.LEGAL_PERSON, identifier=LEGACY_FUJIAN, exclude=firm)
    assert [row.active for row in entry.history.order_by("history_id")] == [True, False]


@pytest.mark.django_db
def test_allow_listed_identity_numbers_are_stored_only_hashed():
    admin = UserFactory(role=roles.ADMINISTRATOR)
    number = with_id_check("99000019850312001")
    entry = legacy_identifier_add(actor=admin, kind="id_number", identifier=number, reason="Issued before 1999")
    assert entry.uscc is None and entry.id_number_masked == "9900**********" + number[-4:]
    assert number not in str(LegacyIdentifier.objects.values().get())
    assert identifier_check(kind=Entity.Kind.NATURAL_PERSON, identifier=number).id_number == number


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("kind", "identifier", "code"),
    [
        ("uscc", "91110000600037341L", "not_legacy"),  # passes every rule
        ("uscc", "9111000060003734", "uscc_length"),
        ("id_number", "11010519491231002X", "not_legacy"),
        ("id_number", "110105194913310021", "id_birth_date"),
    ],
)
def test_allow_list_refuses_codes_with_nothing_to_waive(kind, identifier, code):
    error = error_of(
        legacy_identifier_add, actor=UserFactory(role=roles.ADMINISTRATOR), kind=kind, identifier=identifier, reason="x"
    )
    assert error.error_dict["identifier"][0].code == code
    assert not LegacyIdentifier.objects.exists()


@pytest.mark.django_db
def test_allow_list_refuses_a_code_already_listed():
    admin = UserFactory(role=roles.ADMINISTRATOR)
    legacy_identifier_add(actor=admin, kind="uscc", identifier=LEGACY_FUJIAN, reason="pilot")
    error = error_of(legacy_identifier_add, actor=admin, kind="uscc", identifier=LEGACY_FUJIAN, reason="again")
    assert error.error_dict["identifier"][0].code == "duplicate"


@pytest.mark.django_db
def test_administrators_manage_the_allow_list_in_the_admin(client):
    admin = UserFactory(role=roles.ADMINISTRATOR)
    client.force_login(admin)
    url = reverse("admin:entities_legacyidentifier_add")
    refused = client.post(url, {"kind": "uscc", "identifier": "91110000600037341L", "reason": "x"})
    assert refused.status_code == 200
    assert "does not need to be on the allow-list" in refused.content.decode()

    added = client.post(url, {"kind": "uscc", "identifier": LEGACY_FUJIAN, "reason": "pilot licence"})
    assert added.status_code == 302
    entry = LegacyIdentifier.objects.get()
    assert (entry.uscc, entry.history.get().history_user) == (LEGACY_FUJIAN, admin)
    change = reverse("admin:entities_legacyidentifier_change", args=[entry.pk])
    assert client.get(change).status_code == 200
    assert client.post(change, {"reason": "pilot licence, seen", "active": ""}).status_code == 302
    entry.refresh_from_db()
    assert not entry.active


@pytest.mark.django_db
@pytest.mark.parametrize("role", [roles.CASEWORKER, roles.SUPERVISOR, roles.AUDITOR])
def test_only_administrators_see_the_allow_list(client, role):
    client.force_login(UserFactory(role=role))
    assert client.get(reverse("admin:entities_legacyidentifier_changelist")).status_code == 403


@pytest.mark.django_db
def test_entity_page_shows_the_implied_category(client):
    caseworker = UserFactory(role=roles.CASEWORKER)
    code = with_uscc_check("53110000MJ0000001")
    firm = entity_register(actor=caseworker, kind=Entity.Kind.LEGAL_PERSON, name="Foundation", identifier=code)
    client.force_login(caseworker)
    page = client.get(reverse("admin:entities_entity_change", args=[firm.pk])).content.decode()
    assert "civil affairs – foundation" in page
