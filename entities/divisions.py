"""The code tables inside the national identifiers (docs/identifiers.md).

* Administrative divisions (GB/T 2260), historical codes included: read from the table that the pinned
  ``python-stdnum`` ships (``stdnum/cn/loc.dat``), never typed by hand. A code that ever existed stays
  valid: a number keeps its region code after the county is renamed or merged, and numbers are issued at
  registration, not at birth, so the years a code was in use are deliberately ignored.
* Registration authorities and entity categories of the unified social credit code (GB 32100-2015,
  table 1, with the later letter authorities ``A`` and ``N``).
"""

from functools import cache
from typing import NamedTuple

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from stdnum import numdb

__all__ = [
    "RESIDENCE_PERMIT_REGIONS",
    "USCC_AUTHORITIES",
    "USCC_CATEGORIES",
    "UsccCategory",
    "region_exists",
    "uscc_category",
]

# Residence permits for Hong Kong, Macao and Taiwan residents carry these in place of a county code.
RESIDENCE_PERMIT_REGIONS = frozenset({"810000", "820000", "830000"})
# Central-government registration authorities register under the national code (GB/T 2260 "中华人民共和国").
_NATIONAL_REGION = "100000"
_REGION_LENGTH = 6


@cache
def _division_codes() -> frozenset[str]:
    """Every six-digit code the table lists at county level (which includes provinces and prefectures)."""
    codes = set()

    def walk(prefixes, parent: str) -> None:
        for _length, low, high, props, children in prefixes:
            if low != high:  # the table lists single codes only; a range would be a format change
                raise ValueError(f"unexpected range {low}-{high} in stdnum cn/loc")
            code = parent + low
            if len(code) == _REGION_LENGTH and "county" in props:
                codes.add(code)
            walk(children, code)

    walk(numdb.get("cn/loc").prefixes, "")
    return frozenset(codes)


def region_exists(code: str, *, national: bool = False) -> bool:
    """Whether ``code`` is a GB/T 2260 division code (current or historical) or a residence-permit prefix.

    ``national`` also accepts 100000, the code central-government authorities register under (USCC only).
    """
    return code in _division_codes() or code in RESIDENCE_PERMIT_REGIONS or (national and code == _NATIONAL_REGION)


class UsccCategory(NamedTuple):
    code: str  # positions 1-2
    authority: Promise
    category: Promise

    def __str__(self) -> str:
        return f"{self.authority} – {self.category}"


USCC_AUTHORITIES: dict[str, Promise] = {
    "1": _("establishment administration"),
    "2": _("foreign affairs"),
    "3": _("judicial administration"),
    "4": _("culture"),
    "5": _("civil affairs"),
    "6": _("tourism"),
    "7": _("religious affairs"),
    "8": _("trade unions"),
    "9": _("market regulation"),
    "A": _("Central Military Commission establishment office"),
    "N": _("agriculture and rural affairs"),
    "Y": pgettext_lazy("registration authority", "other"),
}

_OTHER = pgettext_lazy("entity category", "other")
USCC_CATEGORIES: dict[str, Promise] = {
    "11": _("government organ"),
    "12": _("public institution"),
    "13": _("mass organisation under the central establishment office"),
    "19": _OTHER,
    "21": _("resident office of a foreign news agency"),
    "29": _OTHER,
    "31": _("law firm"),
    "32": _("notary office"),
    "33": _("grassroots legal service office"),
    "34": _("judicial expertise institution"),
    "35": _("arbitration commission"),
    "39": _OTHER,
    "41": _("foreign cultural centre in China"),
    "49": _OTHER,
    "51": _("social organisation"),
    "52": _("private non-enterprise unit"),
    "53": _("foundation"),
    "59": _OTHER,
    "61": _("resident office of a foreign tourism authority"),
    "62": _("resident office of a Hong Kong, Macao or Taiwan tourism authority"),
    "69": _OTHER,
    "71": _("place of religious activity"),
    "72": _("religious college"),
    "79": _OTHER,
    "81": _("grassroots trade union"),
    "89": _OTHER,
    "91": _("enterprise"),
    "92": _("individual business"),
    "93": _("farmers' specialised cooperative"),
    "A1": _("military public institution"),
    "A9": _OTHER,
    "N1": _("group-level collective economic organisation"),
    "N2": _("village-level collective economic organisation"),
    "N3": _("township-level collective economic organisation"),
    "N9": _OTHER,
    "Y1": _OTHER,
}


def uscc_category(code: str) -> UsccCategory | None:
    """The registration authority and entity category positions 1-2 of a USCC imply, or ``None``."""
    prefix = code[:2]
    if prefix not in USCC_CATEGORIES:
        return None
    return UsccCategory(prefix, USCC_AUTHORITIES[prefix[0]], USCC_CATEGORIES[prefix])
