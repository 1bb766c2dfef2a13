"""What an uploaded evidence file really is, decided from its bytes (DESIGN §4, §9). Pure: no database.

:func:`inspect_upload` accepts a file only when its content is on the allow-list *and* its name's
extension belongs to that content type. The client's name and Content-Type header are never trusted
to decide the type. Two refusals, one rule each:

- ``type_not_allowed``: the content is not an accepted type, whatever the name says (an ``.exe``
  renamed ``.pdf`` is refused here: its bytes are no accepted type at all);
- ``disguised``: the content is an accepted type but the name claims another (a PNG named ``.pdf``,
  a PDF named ``.html`` or with no extension), because the name decides how the file opens once
  downloaded.

Accepted types are then checked for content that acts when the file is opened (issue 24):

- ``active_content``: a PDF that carries scripts, launch or submit actions, automatic actions or embedded
  files (:data:`PDF_ACTIVE_NAMES`), looked for in its bytes and in its compressed object streams;
- ``archive_members``, ``archive_size``, ``archive_ratio``: an Office document (a ZIP archive) with more
  parts than ``OFFICE_MAX_MEMBERS``, unpacking to more than ``OFFICE_MAX_UNCOMPRESSED_BYTES``, or with a
  part compressed more than ``OFFICE_MAX_COMPRESSION_RATIO`` times (an archive bomb). Decided from the
  archive's directory alone: nothing is decompressed.
"""

import codecs
import hashlib
import os
import re
import struct
import unicodedata
import zipfile
import zlib
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

MAX_NAME_LENGTH = 255
# Text is refused when more than this share of its characters are control characters (binary data).
MAX_NON_PRINTABLE_SHARE = 0.01
_CHUNK_SIZE = 64 * 1024
_MB = 1024 * 1024
# Parts smaller than this are not held to the compression-ratio limit.
_RATIO_FLOOR_BYTES = 1 * _MB
# At most this much is inflated from a PDF's object streams to look for active content.
_OBJSTM_BUDGET = 64 * _MB


@dataclass(frozen=True)
class FileType:
    label: object  # lazy translated
    content_type: str
    extensions: tuple[str, ...]


PDF = FileType(_("PDF document"), "application/pdf", ("pdf",))
JPEG = FileType(_("JPEG image"), "image/jpeg", ("jpg", "jpeg"))
PNG = FileType(_("PNG image"), "image/png", ("png",))
TEXT = FileType(_("plain text"), "text/plain", ("txt",))
DOCX = FileType(
    _("Word document"), "application/vnd.openxmlformats-officedocument.wordprocessingml.document", ("docx",)
)
XLSX = FileType(_("Excel workbook"), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ("xlsx",))
PPTX = FileType(
    _("PowerPoint presentation"),
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ("pptx",),
)
# The OLE2 header does not say which Office program wrote the file; the extension picks the content type.
LEGACY_OFFICE = FileType(_("legacy Office document"), "application/x-ole-storage", ("doc", "xls", "ppt"))
_LEGACY_OFFICE_CONTENT_TYPES = {
    "doc": "application/msword",
    "xls": "application/vnd.ms-excel",
    "ppt": "application/vnd.ms-powerpoint",
}

ALLOWED_TYPES = (PDF, JPEG, PNG, TEXT, DOCX, XLSX, PPTX, LEGACY_OFFICE)

_MAGIC = (
    (b"%PDF-", PDF),
    (b"\xff\xd8\xff", JPEG),
    (b"\x89PNG\r\n\x1a\n", PNG),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", LEGACY_OFFICE),
)
_ZIP_MAGIC = b"PK\x03\x04"
_OOXML_PARTS = (("word/", DOCX), ("xl/", XLSX), ("ppt/", PPTX))

# WHATWG MIME sniffing: text that opens like this is markup a browser would render, not plain text.
_MARKUP_OPENINGS = (
    b"<!doctype html", b"<html", b"<head", b"<script", b"<iframe", b"<h1", b"<div", b"<font", b"<table", b"<a",
    b"<style", b"<title", b"<b", b"<body", b"<br", b"<p", b"<!--", b"<?xml", b"<svg",
)  # fmt: skip
_MARKUP_TERMINATORS = b" \t\n\r\x0c>"
# C0/C1 control characters other than whitespace: binary data decoded as text is full of them.
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f]")


@dataclass(frozen=True)
class UploadFacts:
    """What an accepted upload is: everything the Evidence row stores about the file."""

    original_name: str
    content_type: str
    extension: str
    size: int
    sha256: str


def _accepted_list():
    return ", ".join(
        f"{file_type.label} ({', '.join('.' + ext for ext in file_type.extensions)})" for file_type in ALLOWED_TYPES
    )


ERROR_EMPTY = _("The file is empty.")
ERROR_TOO_LARGE = _("The file is too large: the limit is %(limit)s MB.")
ERROR_TYPE_NOT_ALLOWED = _("This kind of file is not accepted, whatever its name says. Accepted: %(accepted)s.")
ERROR_ACTIVE_CONTENT = _(
    "This PDF contains active content (%(found)s): it could run when the file is opened, so it is refused. "
    "Print it to a new PDF, or scan the paper, and upload that."
)
ERROR_ARCHIVE_MEMBERS = _(
    "This Office document holds more than %(limit)s parts, which no real document does; it is refused."
)
ERROR_ARCHIVE_SIZE = _(
    "This Office document would unpack to more than %(limit)s MB; it is refused. Split it or save it as PDF."
)
ERROR_ARCHIVE_RATIO = _(
    "A part of this Office document is compressed more than %(limit)s times, as archive bombs are; it is refused."
)
ERROR_DISGUISED = _(
    "The file's name does not match its content (detected: %(detected)s). "
    "Give it the right extension (%(extensions)s) and upload it again."
)


class _TextSniffer:
    """Feeds on the chunks once: is the whole file printable UTF-8 or GB18030 text without NUL bytes?"""

    def __init__(self):
        self.has_nul = False
        self.decoders = {name: codecs.getincrementaldecoder(name)() for name in ("utf-8-sig", "gb18030")}
        self.counts = {name: [0, 0] for name in self.decoders}  # characters, non-printable characters

    def feed(self, chunk: bytes, final: bool = False):
        if self.has_nul or not self.decoders:
            return
        if b"\x00" in chunk:
            self.has_nul = True
            return
        for name in list(self.decoders):
            try:
                text = self.decoders[name].decode(chunk, final)
            except UnicodeDecodeError:
                del self.decoders[name]
                continue
            self.counts[name][0] += len(text)
            self.counts[name][1] += len(_CONTROL_CHARACTERS.findall(text))

    def is_text(self) -> bool:
        if self.has_nul:
            return False
        for name in self.decoders:
            characters, non_printable = self.counts[name]
            if characters and non_printable <= characters * MAX_NON_PRINTABLE_SHARE:
                return True
        return False


def _looks_like_markup(head: bytes) -> bool:
    text = head.removeprefix(codecs.BOM_UTF8).lstrip(b" \t\n\r\x0c").lower()
    for opening in _MARKUP_OPENINGS:
        if text.startswith(opening):
            following = text[len(opening) : len(opening) + 1]
            if opening in (b"<!--", b"<?xml") or not following or following in _MARKUP_TERMINATORS:
                return True
    return False


def _zip_member_count(fileobj) -> int | None:
    """Entries announced by the end-of-central-directory record, read without parsing the directory."""
    fileobj.seek(0, os.SEEK_END)
    size = fileobj.tell()
    tail_start = max(0, size - (22 + 65535))
    fileobj.seek(tail_start)
    tail = fileobj.read()
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) < at + 22:
        return None
    (entries,) = struct.unpack("<H", tail[at + 10 : at + 12])
    locator = at - 20
    if entries == 0xFFFF and locator >= 0 and tail[locator : locator + 4] == b"PK\x06\x07":
        (zip64_offset,) = struct.unpack("<Q", tail[locator + 8 : locator + 16])
        fileobj.seek(zip64_offset)
        record = fileobj.read(56)
        if len(record) == 56 and record[:4] == b"PK\x06\x06":
            (entries,) = struct.unpack("<Q", record[32:40])
    return entries


def _ooxml_type(fileobj) -> FileType | None:
    """The OOXML type of a ZIP, from its member list only: nothing is decompressed (no zip bomb can go off).

    Raises ``ValidationError`` for an archive beyond the limits (:func:`_check_archive`).
    """
    count = _zip_member_count(fileobj)
    if count is None:
        return None
    if count > settings.OFFICE_MAX_MEMBERS:
        raise _too_many_members()
    fileobj.seek(0)
    try:
        with zipfile.ZipFile(fileobj) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError, struct.error):
        return None
    names = [member.filename for member in members]
    if "[Content_Types].xml" not in names:
        return None
    # Macro-enabled documents (.docm, .xlsm, .pptm) carry a VBA project; never accepted.
    if any(name.lower().endswith("vbaproject.bin") for name in names):
        return None
    for prefix, file_type in _OOXML_PARTS:
        if any(name.startswith(prefix) for name in names):
            _check_archive(members)
            return file_type
    return None


def _too_many_members() -> ValidationError:
    return ValidationError(ERROR_ARCHIVE_MEMBERS, code="archive_members", params={"limit": settings.OFFICE_MAX_MEMBERS})


def _check_archive(members: list[zipfile.ZipInfo]) -> None:
    """Refuse an archive bomb from the sizes its directory declares (a part that lies about its size cannot
    unpack beyond it in a conforming reader, which checks each part's size and CRC)."""
    if len(members) > settings.OFFICE_MAX_MEMBERS:
        raise _too_many_members()
    limit = settings.OFFICE_MAX_UNCOMPRESSED_BYTES
    if sum(member.file_size for member in members) > limit:
        raise ValidationError(ERROR_ARCHIVE_SIZE, code="archive_size", params={"limit": _format_limit(limit)})
    ratio = settings.OFFICE_MAX_COMPRESSION_RATIO
    for member in members:
        # Small parts may compress well (a run of spaces); only parts of some size count.
        if member.file_size > _RATIO_FLOOR_BYTES and member.file_size > ratio * max(member.compress_size, 1):
            raise ValidationError(ERROR_ARCHIVE_RATIO, code="archive_ratio", params={"limit": ratio})


# -- PDF active content ---------------------------------------------------------------------------------------------

# PDF names that make a document act when opened or clicked: scripts, launching programs, submitting or
# importing data, automatic actions, embedded files, multimedia and XML forms (ISO 32000-1 §12.6, §7.11.4).
PDF_ACTIVE_NAMES = frozenset(
    {b"JavaScript", b"JS", b"Launch", b"AA", b"EmbeddedFile", b"EmbeddedFiles", b"RichMedia", b"XFA",
     b"SubmitForm", b"ImportData", b"GoToE"}
)  # fmt: skip
# A name: "/" and regular characters; "#xx" escapes a byte (/J#61vaScript is /JavaScript).
_PDF_NAME = re.compile(rb"/([^\s()<>\[\]{}/%]+)")
_PDF_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")
# Compressed object streams (PDF 1.5+) hide dictionaries from a byte scan: they are inflated, within a budget.
_PDF_OBJSTM = re.compile(rb"/Type\s*/ObjStm(?![^\s()<>\[\]{}/%])")
_PDF_STREAM_START = re.compile(rb"(?<![A-Za-z])stream\r?\n")
_DICTIONARY_REACH = 4096


def _outside_streams(data: bytes) -> bytes:
    """The PDF without its streams' bytes (images, fonts): data, not names, which a scan would match by chance."""
    pieces, position = [], 0
    while (at := data.find(b"stream", position)) >= 0:
        if at and data[at - 1 : at].isalpha():  # "endstream", or a name that ends so
            pieces.append(data[position : at + 6])
            position = at + 6
            continue
        pieces.append(data[position:at])
        end = data.find(b"endstream", at + 6)
        position = len(data) if end < 0 else end + 9
    pieces.append(data[position:])
    return b" ".join(pieces)


def _unescape(name: bytes) -> bytes:
    return _PDF_ESCAPE.sub(lambda m: bytes([int(m.group(1), 16)]), name) if b"#" in name else name


def _pdf_names(data: bytes) -> set[bytes]:
    return {_unescape(name) for name in set(_PDF_NAME.findall(data))}


def _object_streams(data: bytes):
    """The inflated content of each FlateDecode object stream, at most ``_OBJSTM_BUDGET`` bytes in all."""
    budget = _OBJSTM_BUDGET
    view = memoryview(data)
    for match in _PDF_OBJSTM.finditer(data):
        opening = _PDF_STREAM_START.search(data, match.end(), match.end() + _DICTIONARY_REACH)
        if opening is None:
            continue
        # The stream's dictionary: from its object's "obj" keyword to the "stream" keyword.
        reach = max(0, match.start() - _DICTIONARY_REACH)
        start = max(reach, data.rfind(b"obj", reach, match.start()))
        if b"/FlateDecode" not in data[start : opening.start()]:
            continue
        try:
            content = zlib.decompressobj().decompress(view[opening.end() :], budget)
        except zlib.error:
            continue
        budget -= len(content)
        yield content
        if budget <= 0:
            return


def _pdf_active_content(fileobj) -> list[str]:
    """The active-content names a PDF uses, in its bytes or in its object streams (sorted, for the message)."""
    fileobj.seek(0)
    data = fileobj.read()
    names = _pdf_names(_outside_streams(data))
    for content in _object_streams(data):
        names |= _pdf_names(content)
    return sorted(name.decode("ascii", "replace") for name in names & PDF_ACTIVE_NAMES)


def _detect(head: bytes, fileobj, text: _TextSniffer) -> FileType | None:
    for magic, file_type in _MAGIC:
        if head.startswith(magic):
            return file_type
    if head.startswith(_ZIP_MAGIC):
        return _ooxml_type(fileobj)
    if text.is_text() and not _looks_like_markup(head):
        return TEXT
    return None


def sanitize_name(name: str) -> str:
    """The file's own name: no directories, no control or bidi characters, at most 255 characters."""
    name = unicodedata.normalize("NFC", str(name or ""))
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(char for char in name if unicodedata.category(char)[0] != "C")
    name = name.strip(" .")
    if len(name) > MAX_NAME_LENGTH:
        stem, dot, extension = name.rpartition(".")
        if dot and 0 < len(extension) <= 16:
            name = stem[: MAX_NAME_LENGTH - len(extension) - 1].rstrip(" .") + "." + extension
        else:
            name = name[:MAX_NAME_LENGTH]
    return name


def _extension(name: str) -> str:
    stem, dot, extension = name.rpartition(".")
    return extension.lower() if dot and stem else ""


def _declared_size(uploaded_file) -> int | None:
    size = getattr(uploaded_file, "size", None)
    return size if isinstance(size, int) else None


def _format_limit(limit_bytes: int) -> str:
    megabytes = limit_bytes / _MB
    if megabytes >= 1 and megabytes == int(megabytes):
        return str(int(megabytes))
    return f"{megabytes:.2f}".rstrip("0").rstrip(".") or "0"


def _too_large(limit_bytes: int) -> ValidationError:
    return ValidationError(ERROR_TOO_LARGE, code="too_large", params={"limit": _format_limit(limit_bytes)})


def inspect_upload(uploaded_file) -> UploadFacts:
    """Check an uploaded file against the evidence rules and return the facts to store.

    Raises ``ValidationError`` with code ``empty``, ``too_large``, ``type_not_allowed``, ``disguised``,
    ``active_content``, ``archive_members``, ``archive_size`` or ``archive_ratio``.
    The size limit is checked from ``uploaded_file.size`` before any byte is read, and again while
    reading, in chunks, so a file that lies about its size is still cut off. Leaves the file at offset 0.
    """
    limit = settings.EVIDENCE_MAX_BYTES
    declared = _declared_size(uploaded_file)
    if declared == 0:
        raise ValidationError(ERROR_EMPTY, code="empty")
    if declared is not None and declared > limit:
        raise _too_large(limit)

    digest = hashlib.sha256()
    text = _TextSniffer()
    head = b""
    size = 0
    uploaded_file.seek(0)
    for chunk in uploaded_file.chunks(_CHUNK_SIZE):
        size += len(chunk)
        if size > limit:
            raise _too_large(limit)
        if len(head) < 1024:
            head += chunk[: 1024 - len(head)]
        digest.update(chunk)
        text.feed(chunk)
    text.feed(b"", final=True)
    if size == 0:
        raise ValidationError(ERROR_EMPTY, code="empty")

    try:
        detected = _detect(head, uploaded_file, text)
    finally:
        uploaded_file.seek(0)
    if detected is None:
        raise ValidationError(ERROR_TYPE_NOT_ALLOWED, code="type_not_allowed", params={"accepted": _accepted_list()})
    if detected is PDF:
        try:
            active = _pdf_active_content(uploaded_file)
        finally:
            uploaded_file.seek(0)
        if active:
            raise ValidationError(
                ERROR_ACTIVE_CONTENT, code="active_content", params={"found": ", ".join(f"/{name}" for name in active)}
            )

    original_name = sanitize_name(getattr(uploaded_file, "name", ""))
    extension = _extension(original_name)
    if extension not in detected.extensions:
        raise ValidationError(
            ERROR_DISGUISED,
            code="disguised",
            params={
                "detected": detected.label,
                "extensions": ", ".join("." + ext for ext in detected.extensions),
            },
        )
    content_type = _LEGACY_OFFICE_CONTENT_TYPES[extension] if detected is LEGACY_OFFICE else detected.content_type
    return UploadFacts(
        original_name=original_name,
        content_type=content_type,
        extension=extension,
        size=size,
        sha256=digest.hexdigest(),
    )


_UNSAFE_IN_DOWNLOAD_NAME = frozenset('<>:"/\\|?*;')


def safe_download_name(name: str) -> str:
    """A name to offer in Content-Disposition: the sanitised name, with characters that break headers or
    file systems replaced; never empty. Non-ASCII names are kept (Django sends them as ``filename*``)."""
    name = sanitize_name(name)
    name = "".join("_" if char in _UNSAFE_IN_DOWNLOAD_NAME else char for char in name).strip(" .")
    return name or "evidence"


__all__ = ["ALLOWED_TYPES", "UploadFacts", "inspect_upload", "safe_download_name", "sanitize_name"]
