"""The screening key (issue 19): a name as screening compares it, in one place.

Screening services match on a name stripped of what most names share — the legal form, punctuation, case — since
those parts say nothing about who is named and, shared by most names, make every comparison slow and every score
noisy ("ACME Trading Co., Ltd." and "Blue Sky Media Co., Ltd." have a quarter of their trigrams in common). The key:

1. Unicode NFKC (full-width letters, digits and punctuation as their ordinary forms), upper case;
2. apostrophes dropped (``XI'AN`` → ``XIAN``), every other character that is not a letter or digit a space;
3. the Chinese legal forms and generic words of :data:`CHINESE_GENERIC` removed wherever they occur (Chinese names
   have no spaces), longest first, each leaving a space;
4. the Latin words of :data:`LATIN_GENERIC` removed as whole words;
5. runs of white space as one space, at most 200 characters.

A name made of nothing but generic words ("Trading Co., Ltd.", "集团公司") keeps them: its key is steps 1, 2 and 5
alone, so that it still matches itself. The lists are deliberately short — legal forms and the commonest words
of a business name — because a word removed here can no longer tell two names apart.

Each listing stores its key (``register.Listing.screening_key``), written with its name; a change to these lists
changes keys, so after one run ``manage.py rebuild_register --screening-keys`` (it rewrites the keys that differ).
"""

import re
import unicodedata

# Latin legal forms and generic words, removed as whole words (after punctuation became spaces: "CO., LTD." → CO LTD).
LATIN_GENERIC = frozenset({
    "CO", "COMPANY", "LTD", "LIMITED", "CORP", "CORPORATION", "INC", "LLC", "PLC",
    "GROUP", "HOLDINGS", "TRADING", "PARTNERSHIP", "COOPERATIVE",
})  # fmt: skip
# Chinese legal forms and generic words, removed wherever they occur, in this order (longest first).
CHINESE_GENERIC = ("股份有限公司", "有限责任公司", "有限公司", "合伙企业", "合作社", "集团", "公司")

_APOSTROPHES = re.compile("['\u2018\u2019\u02bc`]")
_NOT_WORD = re.compile(r"[^\w]|_")
KEY_LENGTH = 200


def screening_key(name: str) -> str:
    """The key screening compares: ``"ACME Trading Co., Ltd."`` → ``"ACME"``, ``"华信有限公司"`` → ``"华信"``."""
    text = _NOT_WORD.sub(" ", _APOSTROPHES.sub("", unicodedata.normalize("NFKC", name).upper()))
    stripped = text
    for word in CHINESE_GENERIC:
        stripped = stripped.replace(word, " ")
    words = [word for word in stripped.split() if word not in LATIN_GENERIC]
    return " ".join(words or text.split())[:KEY_LENGTH]
