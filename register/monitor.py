"""The stale-disclosure monitor (issue 18): is anything served that must not be? (``manage.py check_register``)

The register shows a listing while :meth:`ListingQuerySet.visible` holds, the download holds what was
visible when it was last written, and the data-sharing API (issue 19) serves what ``selectors.listings_changed``
returns (its sanctions sync; its status and screening reads filter the same ``visible``). All are derived copies;
this check compares them with the publications themselves (through ``cases.selectors.publications``) and names
every record served although its publication ended, passed its maximum, belongs to a repaired, revoked or
expired case, or to a minor.
"""

import csv
import datetime
import json
from dataclasses import dataclass

from django.core.cache import cache
from django.utils import timezone

from cases.selectors.publications import register_rows

from .downloads import FORMATS, download_path
from .models import Listing
from .selectors import listings_all_changed


@dataclass(frozen=True)
class StaleDisclosure:
    where: str  # "pages", "api" or a download format
    token: str
    name: str
    why: str

    def __str__(self):
        return f"{self.where}: {self.token} ({self.name}) — {self.why}"


def _why_hidden(row, on: datetime.date) -> str | None:
    if row.minor:
        return "the entity is a minor"
    if not row.listed:
        return "the case is no longer sanctioned (repaired, revoked or expired)"
    if row.ended_on is not None:
        return f"the publication ended on {row.ended_on}"
    if row.max_end_on <= on:
        return f"the publication passed its maximum on {row.max_end_on}"
    if row.published_from > on:
        return f"the publication starts only on {row.published_from}"
    return None


def _token(url: str) -> str:
    return url.rstrip("/").rsplit("/", 1)[-1]


def _csv_tokens(stream):
    rows = csv.reader(stream)
    next(rows, None)  # header
    return (_token(row[0]) for row in rows if row)


def _jsonl_tokens(stream):
    return (_token(json.loads(line)["record_url"]) for line in stream if line.strip())


def _ftm_tokens(stream):
    for line in stream:
        entity = json.loads(line) if line.strip() else {}
        if entity.get("schema") == "Sanction":
            yield from (_token(url) for url in entity["properties"].get("sourceUrl", []))


_TOKEN_READERS = {"csv": _csv_tokens, "jsonl": _jsonl_tokens, "ftm": _ftm_tokens}


def _served_tokens_in_downloads() -> dict[str, set[str]]:
    """Record tokens in each download file as it is on disk now (read line by line)."""
    served = {}
    for fmt, read in _TOKEN_READERS.items():
        path = download_path(fmt)
        if path.exists():
            with path.open(encoding="utf-8-sig", newline="") as stream:
                served[fmt] = set(read(stream))
    return served


def stale_disclosures(*, on: datetime.date | None = None, chunk_size: int = 1000) -> list[StaleDisclosure]:
    """Every record the register pages or the downloads serve that the publications say must not be public."""
    on = on or timezone.localdate()
    visible = Listing.objects.visible(on).values_list("publication_id", "token")
    on_pages = dict(visible.iterator(chunk_size=chunk_size))
    downloads = _served_tokens_in_downloads()
    downloaded = set().union(*downloads.values()) if downloads else set()
    tokens = dict(Listing.objects.filter(token__in=downloaded).values_list("publication_id", "token"))
    tokens.update(on_pages)
    # The API's sync, read through its own selector (not assumed equal to the pages).
    via_api = {listing.publication_id for listing in listings_all_changed(chunk_size=chunk_size, on=on)}
    tokens.update(
        Listing.objects.filter(publication_id__in=via_api - tokens.keys()).values_list("publication_id", "token")
    )
    found = []
    for row in register_rows(tokens, chunk_size=chunk_size):
        why = _why_hidden(row, on)
        if why is None:
            continue
        token = tokens[row.publication_id]
        if row.publication_id in on_pages:
            found.append(StaleDisclosure("pages", token, row.name, why))
        if row.publication_id in via_api:
            found.append(StaleDisclosure("api", token, row.name, why))
        found += [
            StaleDisclosure(f"download {FORMATS[fmt][0]}", token, row.name, why)
            for fmt, served in downloads.items()
            if token in served
        ]
    return found


_LAST_CHECK_KEY = "register:last_check"


def check_record(stale: list[StaleDisclosure]) -> None:
    """Keep the outcome of a full check (``check_register``) for ``/readyz`` (in the shared cache; 2 days)."""
    cache.set(_LAST_CHECK_KEY, {"at": timezone.now().isoformat(), "stale": len(stale)}, timeout=2 * 86400)


def readiness_problem() -> str | None:
    """`/readyz`: what the last full check found. The check itself reads every publication and every download,
    too much for a probe polled every few seconds, so it runs from its timer and the probe reads its outcome."""
    last = cache.get(_LAST_CHECK_KEY)
    if last is None:
        return "check_register has not run in the last two days"
    if last["stale"]:
        return f"check_register found {last['stale']} stale disclosure(s) at {last['at']}"
    return None
