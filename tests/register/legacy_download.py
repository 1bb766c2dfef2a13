"""The bulk download as it was written before issue 18's speed pass (kept verbatim as the test oracle).

``tests/register/test_download_equivalence.py`` checks that the current writer produces byte-identical files;
``bench/register.py`` times both on the same database. Model instances, ``reverse`` once per setting, the original
``csv_safe``, one hash update per row: nothing here is used by the application.
"""

import csv
import datetime
import decimal
import hashlib
import io
import json
from functools import lru_cache, partial
from pathlib import Path

from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse

from register.downloads import CSV_HEADER
from register.models import Listing

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def csv_safe(value):
    if value is None:
        return ""
    if isinstance(value, bool | int | float | decimal.Decimal | datetime.date | datetime.time):
        return value
    text = str(value)
    if text.startswith(FORMULA_PREFIXES):
        return "'" + text
    return text


class SafeCSVWriter:
    def __init__(self, stream, **kwargs):
        self._writer = csv.writer(stream, **kwargs)

    def writerow(self, row):
        return self._writer.writerow([csv_safe(value) for value in row])

    def writerows(self, rows):
        for row in rows:
            self.writerow(row)


_PLACEHOLDER = "PLACEHOLDER"


@lru_cache(maxsize=8)
def _record_url_parts(base_url, script_prefix, urlconf):
    url = base_url.rstrip("/") + reverse("register:record", args=[_PLACEHOLDER], urlconf=urlconf)
    head, _placeholder, tail = url.rpartition(_PLACEHOLDER)
    return head, tail


def record_url(listing):
    head, tail = _record_url_parts(settings.REGISTER_PUBLIC_BASE_URL, get_script_prefix(), get_urlconf())
    return head + listing.token + tail


def _measures(entry, language):
    return "; ".join(
        f"{(m.get('name') or {}).get(language, '')} ({m.get('starts_on') or ''} – {m.get('ends_on') or ''})"
        for m in entry.get("measures", [])
    )


def csv_rows(listings):
    for listing in listings:
        entry = listing.content
        yield [
            record_url(listing), entry["entity"]["name"], entry["entity"]["identifier"], entry["entity"]["kind"],
            entry["conduct"].get("zh", ""), entry["conduct"].get("en", ""), entry["legal_basis"].get("zh", ""),
            entry["legal_basis"].get("en", ""), entry["department"], entry["document"].get("number", ""),
            entry["document"].get("date", ""), _measures(entry, "zh"), _measures(entry, "en"),
            entry["published_from"], entry["ends_on"], entry["under_objection"], entry["under_legal_challenge"],
            entry["statement"],
        ]  # fmt: skip


def jsonl_lines(listings):
    for listing in listings:
        yield json.dumps({"record_url": record_url(listing), **listing.content}, ensure_ascii=False, sort_keys=True)


ID_PREFIX = "cn-creditportal"
SCHEMA_BY_KIND = {"natural_person": "Person", "legal_person": "Company", "government_body": "PublicBody"}


def _strict_add(proxy, prop, value):
    if not value:
        return
    proxy.add(prop, value, quiet=False)
    if not proxy.get(prop):
        raise ValueError(f"FollowTheMoney rejected {proxy.schema.name}.{prop} = {value!r}")


def listing_entities(listing, *, record_url):
    from followthemoney import model

    entry = listing.content
    entity = entry["entity"]
    party = model.make_entity(SCHEMA_BY_KIND.get(entity["kind"], "LegalEntity"))
    party.make_id(ID_PREFIX, listing.token, "party")
    _strict_add(party, "name", entity["name"])
    _strict_add(party, "country", "cn")
    if entity["kind"] != "natural_person":
        _strict_add(party, "registrationNumber", entity["identifier"])
    sanction = model.make_entity("Sanction")
    sanction.make_id(ID_PREFIX, listing.token)
    _strict_add(sanction, "entity", party.id)
    _strict_add(sanction, "authority", entry["department"])
    _strict_add(sanction, "country", "cn")
    _strict_add(sanction, "reason", [v for v in entry["conduct"].values() if v])
    _strict_add(sanction, "program", [v for v in entry["legal_basis"].values() if v])
    _strict_add(sanction, "authorityId", entry["document"].get("number"))
    _strict_add(sanction, "listingDate", entry["published_from"])
    _strict_add(sanction, "startDate", entry["document"].get("date"))
    _strict_add(sanction, "endDate", entry["ends_on"])
    _strict_add(sanction, "provisions", [m["name"].get("en") or m["name"].get("zh") for m in entry["measures"]])
    _strict_add(sanction, "sourceUrl", record_url)
    return [party, sanction]


def ftm_lines(listings, *, record_url):
    for listing in listings:
        for proxy in listing_entities(listing, record_url=record_url(listing)):
            yield json.dumps(proxy.to_dict(), ensure_ascii=False, sort_keys=True)


def _write_csv(stream, listings):
    stream.write("\ufeff")
    writer = SafeCSVWriter(stream)
    writer.writerow(CSV_HEADER)
    writer.writerows(csv_rows(listings))


def _write_lines(lines):
    def write(stream, listings):
        for line in lines(listings):
            stream.write(line + "\n")

    return write


WRITERS = {
    "csv": _write_csv,
    "jsonl": _write_lines(jsonl_lines),
    "ftm": _write_lines(partial(ftm_lines, record_url=record_url)),
}


class _HashingWriter(io.TextIOBase):
    def __init__(self, raw):
        self.raw, self.sha = raw, hashlib.sha256()

    def write(self, text):
        data = text.encode("utf-8")
        self.sha.update(data)
        self.raw.write(data)
        return len(text)


def listings_current(*, chunk_size=1000, on=None):
    listings = Listing.objects.visible(on).only("token", "content", "decided_on")
    last = 0
    while True:
        page = list(listings.filter(pk__gt=last).order_by("pk")[:chunk_size])
        if not page:
            return
        yield from page
        last = page[-1].pk


def legacy_write(fmt: str, path: Path) -> str:
    """Write ``fmt`` to ``path`` the old way; return the SHA-256 the old writer computed."""
    with path.open("wb") as raw:
        stream = _HashingWriter(raw)
        WRITERS[fmt](stream, listings_current())
    return stream.sha.hexdigest()
