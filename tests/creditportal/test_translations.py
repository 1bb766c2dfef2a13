"""Simplified Chinese ships complete, and the compiled catalogue matches its source."""

import ast
import gettext
from pathlib import Path

import pytest

LOCALE = Path(__file__).resolve().parents[2] / "locale" / "zh_Hans" / "LC_MESSAGES"


def _entries(po_path: Path):
    """(msgctxt, msgid, msgstr, flags) for each entry of a .po file; enough of the format for our files."""
    entries, current, key, flags = [], {}, None, set()

    def flush():
        nonlocal current, flags
        if current.get("msgid"):
            entries.append((current.get("msgctxt"), current["msgid"], current.get("msgstr", ""), flags))
        current, flags = {}, set()

    for raw in po_path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if line.startswith("#,"):
            flags |= {flag.strip() for flag in line[2:].split(",")}
        elif line.startswith("#") or not line:
            if not line and current:
                flush()
        elif line.startswith('"'):
            current[key] += ast.literal_eval(line)
        else:
            key, _, value = line.partition(" ")
            key = "msgstr" if key == "msgstr[0]" else key
            if key == "msgctxt" and current:
                flush()
            current[key] = ast.literal_eval(value)
    flush()
    return entries


@pytest.fixture(scope="module")
def entries():
    return _entries(LOCALE / "django.po")


def test_every_message_is_translated(entries):
    assert len(entries) > 100
    untranslated = [msgid for _, msgid, msgstr, _ in entries if not msgstr.strip()]
    assert untranslated == []


def test_no_fuzzy_translations(entries):
    assert [msgid for _, msgid, _, flags in entries if "fuzzy" in flags] == []


def test_placeholders_survive_translation(entries):
    import re

    placeholder = re.compile(r"%\(\w+\)[sd]|%[sd]|\{\w*\}")
    broken = [
        msgid
        for _, msgid, msgstr, _ in entries
        if sorted(placeholder.findall(msgid)) != sorted(placeholder.findall(msgstr))
    ]
    assert broken == []


def test_compiled_catalogue_is_up_to_date(entries):
    with (LOCALE / "django.mo").open("rb") as mo:
        compiled = gettext.GNUTranslations(mo)
    stale = [
        msgid
        for context, msgid, msgstr, _ in entries
        if (compiled.pgettext(context, msgid) if context else compiled.gettext(msgid)) != msgstr
    ]
    assert stale == [], "run `make messages`"
