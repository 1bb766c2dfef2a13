"""The bulk download of the current register (issue 18): CSV, JSON Lines and FollowTheMoney entities.

:func:`downloads_regenerate` writes every format from the visible listings, read in pages (constant memory),
to a temporary file that replaces the published one atomically, with its SHA-256 beside it (the ETag). It runs
as a background task whenever a publication changes (``register.tasks``) and from ``manage.py
regenerate_register``. The view streams the file (``FileResponse``) and answers 304 to a current ETag.
"""

import hashlib
import io
import json
import os
import tempfile
from collections.abc import Iterable, Iterator
from functools import lru_cache, partial
from pathlib import Path

from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils import timezone

from audit.exports import SafeCSVWriter

from .ftm import ftm_lines
from .models import Listing
from .selectors import listings_current

CSV_HEADER = [
    "record_url", "name", "identifier", "entity_kind", "conduct_zh", "conduct_en", "legal_basis_zh",
    "legal_basis_en", "deciding_department", "decision_number", "decision_date", "measures_zh", "measures_en",
    "published_from", "publication_ends_on", "under_objection", "under_legal_challenge", "statement",
]  # fmt: skip


_PLACEHOLDER = "PLACEHOLDER"


@lru_cache(maxsize=8)
def _record_url_parts(base_url: str, script_prefix: str, urlconf) -> tuple[str, str]:
    """The record URL around its token, resolved once: ``reverse`` per row was half the regeneration's time."""
    url = base_url.rstrip("/") + reverse("register:record", args=[_PLACEHOLDER], urlconf=urlconf)
    head, _placeholder, tail = url.rpartition(_PLACEHOLDER)
    return head, tail


def record_url(listing: Listing) -> str:
    # Tokens are URL-safe base64 (``new_token``): nothing to quote, the URL is the pattern around the token.
    head, tail = _record_url_parts(settings.REGISTER_PUBLIC_BASE_URL, get_script_prefix(), get_urlconf())
    return head + listing.token + tail


def _measures(entry: dict, language: str) -> str:
    return "; ".join(
        f"{(m.get('name') or {}).get(language, '')} ({m.get('starts_on') or ''} – {m.get('ends_on') or ''})"
        for m in entry.get("measures", [])
    )


def csv_rows(listings: Iterable[Listing]) -> Iterator[list]:
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


def jsonl_lines(listings: Iterable[Listing]) -> Iterator[str]:
    for listing in listings:
        yield json.dumps({"record_url": record_url(listing), **listing.content}, ensure_ascii=False, sort_keys=True)


def _write_csv(stream: io.TextIOBase, listings) -> None:
    stream.write("\ufeff")  # UTF-8 with a byte-order mark: Excel then reads Chinese correctly
    writer = SafeCSVWriter(stream)
    writer.writerow(CSV_HEADER)
    writer.writerows(csv_rows(listings))


def _write_lines(lines):
    def write(stream: io.TextIOBase, listings) -> None:
        for line in lines(listings):
            stream.write(line + "\n")

    return write


# name → (file name, content type, writer)
FORMATS = {
    "csv": ("register.csv", "text/csv; charset=utf-8", _write_csv),
    "jsonl": ("register.jsonl", "application/jsonl; charset=utf-8", _write_lines(jsonl_lines)),
    "ftm": (
        "register.ftm.json",
        "application/json; charset=utf-8",
        _write_lines(partial(ftm_lines, record_url=record_url)),
    ),
}


def download_dir() -> Path:
    return Path(settings.REGISTER_DOWNLOAD_ROOT)


def download_path(fmt: str) -> Path:
    return download_dir() / FORMATS[fmt][0]


def _stamp_path(fmt: str) -> Path:
    path = download_path(fmt)
    return path.with_suffix(path.suffix + ".sha256")


def download_etag(fmt: str) -> str | None:
    """The ETag of the file as written today, or ``None`` when it is missing or was written on an earlier day
    (entries leave the register at midnight, before any publication is saved)."""
    try:
        digest, written_on = _stamp_path(fmt).read_text().split()
    except (FileNotFoundError, ValueError):
        return None
    if written_on != timezone.localdate().isoformat() or not download_path(fmt).exists():
        return None
    return f'"{digest}"'


class _HashingWriter(io.TextIOBase):
    """Text written goes to ``raw`` as UTF-8 while its SHA-256 is computed (one pass, nothing held)."""

    def __init__(self, raw):
        self.raw, self.sha = raw, hashlib.sha256()

    def write(self, text):
        data = text.encode("utf-8")
        self.sha.update(data)
        self.raw.write(data)
        return len(text)


def download_regenerate(fmt: str) -> Path:
    """Write one format of the current register atomically; return its path."""
    directory = download_dir()
    directory.mkdir(parents=True, exist_ok=True)
    target = download_path(fmt)
    handle, temporary = tempfile.mkstemp(dir=directory, prefix=f".{target.name}.")
    try:
        with os.fdopen(handle, "wb") as raw:
            stream = _HashingWriter(raw)
            FORMATS[fmt][2](stream, listings_current())
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    _stamp_path(fmt).write_text(f"{stream.sha.hexdigest()} {timezone.localdate().isoformat()}")
    return target


def downloads_regenerate() -> list[Path]:
    return [download_regenerate(fmt) for fmt in FORMATS]
