"""The bulk download of the current register (issue 18): CSV, JSON Lines and FollowTheMoney entities.

:func:`downloads_regenerate` writes every format from the visible listings, read in pages as ``(token, content)``
tuples (constant memory), through a buffered UTF-8 text layer that hashes the bytes on their way to a temporary file,
which then replaces the published one atomically, with its SHA-256 beside it (the ETag). It runs
as a background task whenever a publication changes (``register.tasks``) and from ``manage.py
regenerate_register``. The view streams the file (``FileResponse``) and answers 304 to a current ETag.
"""

import hashlib
import io
import json
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils import timezone

from audit.exports import SafeCSVWriter

from .ftm import ftm_lines
from .selectors import listing_contents_current, listing_csv_lines_current

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


def record_urls() -> Callable[[str], str]:
    """``token → record URL`` under the current setting, script prefix and URLconf, read once for a whole file."""
    # Tokens are URL-safe base64 (``new_token``): nothing to quote, the URL is the pattern around the token.
    head, tail = _record_url_parts(settings.REGISTER_PUBLIC_BASE_URL, get_script_prefix(), get_urlconf())
    return lambda token: head + token + tail


def _measures(entry: dict, language: str) -> str:
    return "; ".join(
        f"{(m.get('name') or {}).get(language, '')} ({m.get('starts_on') or ''} – {m.get('ends_on') or ''})"
        for m in entry.get("measures", [])
    )


# The version of the CSV rendering that each listing's stored line (``Listing.csv_line``) was made with. Bump it when
# CSV_HEADER, csv_cells or audit.exports.csv_safe change what a line holds: stored lines of another version are then
# rendered again from the content at each regeneration, until ``manage.py rebuild_register`` stores the new ones.
CSV_FORMAT = "1"


def csv_cells(entry: dict) -> list:
    """The CSV cells of one listing's public content, after the record URL (CSV_HEADER's order)."""
    return [
        entry["entity"]["name"], entry["entity"]["identifier"], entry["entity"]["kind"],
            entry["conduct"].get("zh", ""), entry["conduct"].get("en", ""), entry["legal_basis"].get("zh", ""),
            entry["legal_basis"].get("en", ""), entry["department"], entry["document"].get("number", ""),
            entry["document"].get("date", ""), _measures(entry, "zh"), _measures(entry, "en"),
            entry["published_from"], entry["ends_on"], entry["under_objection"], entry["under_legal_challenge"],
            entry["statement"],
        ]  # fmt: skip


def csv_line(entry: dict) -> str:
    """One listing's CSV line without its first cell: ``,`` then the cells, neutralised and quoted, then CRLF."""
    buffer = io.StringIO()
    SafeCSVWriter(buffer).writerow(["", *csv_cells(entry)])
    return buffer.getvalue()


def _url_cell(url: Callable[[str], str]) -> tuple[str, str]:
    """The record URL's CSV cell around the token. Tokens (URL-safe base64) never need quoting, and the cell begins
    with the URL's path or base, never with the token: how the cell is written depends on the rest alone."""
    buffer = io.StringIO()
    SafeCSVWriter(buffer, lineterminator="").writerow([url(_PLACEHOLDER)])
    head, _placeholder, tail = buffer.getvalue().rpartition(_PLACEHOLDER)
    return head, tail


def jsonl_lines(contents: Iterable[tuple[str, dict]], url: Callable[[str], str]) -> Iterator[str]:
    for token, entry in contents:
        yield json.dumps({"record_url": url(token), **entry}, ensure_ascii=False, sort_keys=True)


def _write_csv(stream: io.TextIOBase, url) -> None:
    stream.write("\ufeff")  # UTF-8 with a byte-order mark: Excel then reads Chinese correctly
    SafeCSVWriter(stream).writerow(CSV_HEADER)
    head, tail = _url_cell(url)
    stream.writelines(
        head + token + tail + (line if content is None else csv_line(content))
        for token, line, content in listing_csv_lines_current(csv_format=CSV_FORMAT)
    )


def _write_lines(lines):
    def write(stream: io.TextIOBase, url) -> None:
        stream.writelines(line + "\n" for line in lines(listing_contents_current(), url))

    return write


def _ftm_lines(contents, url) -> Iterator[str]:
    return ftm_lines(contents, record_url=url)


# name → (file name, content type, writer)
FORMATS = {
    "csv": ("register.csv", "text/csv; charset=utf-8", _write_csv),
    "jsonl": ("register.jsonl", "application/jsonl; charset=utf-8", _write_lines(jsonl_lines)),
    "ftm": ("register.ftm.json", "application/json; charset=utf-8", _write_lines(_ftm_lines)),
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


class _HashingFile(io.RawIOBase):
    """Bytes written go to ``raw`` while their SHA-256 is computed (one pass, nothing held)."""

    def __init__(self, raw):
        super().__init__()
        self.raw, self.sha = raw, hashlib.sha256()

    def writable(self):
        return True

    def write(self, data):
        self.sha.update(data)
        return self.raw.write(data)


# Bytes gathered before they are hashed and written: one hash update and write per 256 KiB, not one per row.
WRITE_BUFFER = 256 * 1024


def download_regenerate(fmt: str) -> Path:
    """Write one format of the current register atomically; return its path."""
    directory = download_dir()
    directory.mkdir(parents=True, exist_ok=True)
    target = download_path(fmt)
    handle, temporary = tempfile.mkstemp(dir=directory, prefix=f".{target.name}.")
    try:
        with os.fdopen(handle, "wb") as raw:
            hashing = _HashingFile(raw)
            buffered = io.BufferedWriter(hashing, buffer_size=WRITE_BUFFER)
            stream = io.TextIOWrapper(buffered, encoding="utf-8", newline="", write_through=False)
            FORMATS[fmt][2](stream, record_urls())
            stream.detach().detach()  # each layer flushes into the next; the file itself is closed by the ``with``
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    _stamp_path(fmt).write_text(f"{hashing.sha.hexdigest()} {timezone.localdate().isoformat()}")
    return target


def downloads_regenerate() -> list[Path]:
    return [download_regenerate(fmt) for fmt in FORMATS]
