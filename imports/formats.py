"""Reading an uploaded CSV or XLSX file into rows of text, within limits, and writing the blank templates.

What comes out is plain data: ``header`` (the column keys) and ``rows`` (one dict of text per row, keyed by
column, with the file's row number). Everything wrong with the file as a whole raises ``ValidationError``
with a translated message, keyed ``file``; a malformed file is never a traceback.
"""

import csv
import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext_lazy as _

# The encodings a Chinese office's spreadsheet export comes in: UTF-8 (with or without a byte-order mark),
# then GB18030 (a superset of GBK and GB2312, what Excel on a Chinese Windows writes as "CSV").
ENCODINGS = ("utf-8-sig", "gb18030")
# ``标识码 (identifier)``: the template's header names the column in the user's language, the key in brackets.
_HEADER_KEY = re.compile(r"[(（]\s*([a-z_]+)\s*[)）]\s*$")


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    help: str
    required: bool = True


@dataclass
class Sheet:
    header: list[str]
    rows: list[dict]  # {"row": <number in the file>, "values": {key: text}}


def _file_error(message, code: str, **params) -> ValidationError:
    return ValidationError({"file": ValidationError(message, code=code, params=params)})


def max_bytes() -> int:
    return settings.IMPORT_MAX_BYTES


def max_rows() -> int:
    return settings.IMPORT_MAX_ROWS


def has_control_characters(text: str) -> bool:
    """Control characters (other than tab and line breaks) have no place in a name or a code."""
    return any(unicodedata.category(char) == "Cc" and char not in "\t\r\n" for char in text)


def _cell_text(value) -> str:
    """A cell as text: numbers typed into a spreadsheet lose their ``.0``; everything is stripped."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _header_key(cell: str, columns: dict[str, Column]) -> str:
    text = cell.strip().lstrip("\ufeff")
    match = _HEADER_KEY.search(text)
    key = match.group(1) if match else text.lower()
    if key in columns:
        return key
    for language in ("zh-hans", "en"):  # a header that is only the label, in either language
        with translation.override(language):
            for column in columns.values():
                if text == str(column.label):
                    return column.key
    raise _file_error(
        _("Unknown column “%(column)s”: use the template's header row."), "unknown_column", column=text[:60]
    )


def _sheet(raw_rows, columns: list[Column]) -> Sheet:
    by_key = {column.key: column for column in columns}
    first = next(raw_rows, None)
    if first is None or not any(_cell_text(cell) for cell in first):
        raise _file_error(_("The file is empty: it needs the template's header row and one row per record."), "empty")
    # Columns with a blank header (a spreadsheet's stray empty columns) are left out, the others keep their place.
    positions = {index: _header_key(_cell_text(cell), by_key) for index, cell in enumerate(first) if _cell_text(cell)}
    header = list(positions.values())
    missing = [str(by_key[key].label) for key in by_key if by_key[key].required and key not in header]
    if missing:
        raise _file_error(_("Columns missing: %(columns)s."), "missing_columns", columns=", ".join(missing))
    if len(set(header)) != len(header):
        raise _file_error(_("A column appears twice in the header row."), "duplicate_column")
    rows = []
    limit = max_rows()
    for number, cells in enumerate(raw_rows, start=2):
        values = [_cell_text(cell) for cell in cells]
        if not any(values):
            continue  # blank lines (and a spreadsheet's trailing empty rows) are not records
        if len(rows) >= limit:
            raise _file_error(
                _("The file has more than %(max)s rows: split it into smaller files."), "too_many_rows", max=limit
            )
        rows.append(
            {
                "row": number,
                "values": {key: values[index] if index < len(values) else "" for index, key in positions.items()},
            }
        )
    if not rows:
        raise _file_error(_("The file has a header row but no records."), "no_rows")
    return Sheet(header=header, rows=rows)


def _decode(content: bytes) -> str:
    for encoding in ENCODINGS:
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise _file_error(_("The file is neither UTF-8 nor GB18030 text: save it as “CSV UTF-8”."), "encoding")


def read_csv(content: bytes, columns: list[Column]) -> Sheet:
    text = _decode(content)
    if "\x00" in text:
        raise _file_error(_("This is not a CSV file (it holds binary data)."), "malformed")
    try:
        return _sheet(iter(csv.reader(io.StringIO(text, newline=""), strict=True)), columns)
    except csv.Error:
        raise _file_error(_("The CSV file is malformed (a quote is not closed?)."), "malformed") from None


def read_xlsx(content: bytes, columns: list[Column]) -> Sheet:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, TypeError):
        raise _file_error(_("This is not a readable Excel (XLSX) file."), "malformed") from None
    try:
        sheet = workbook.worksheets[0]
        return _sheet(sheet.iter_rows(values_only=True), columns)
    except (zipfile.BadZipFile, KeyError, ValueError, TypeError):
        raise _file_error(_("This is not a readable Excel (XLSX) file."), "malformed") from None
    finally:
        workbook.close()


def read_upload(upload, columns: list[Column]) -> Sheet:
    """The rows of an uploaded file (a Django ``UploadedFile``), by its extension: ``.csv`` or ``.xlsx``."""
    name = (upload.name or "").lower()
    if upload.size > max_bytes():
        raise _file_error(
            _("The file is larger than %(max)s MB: split it into smaller files."),
            "too_large",
            max=max_bytes() // (1024 * 1024),
        )
    content = upload.read(max_bytes() + 1)
    if name.endswith(".csv"):
        return read_csv(content, columns)
    if name.endswith(".xlsx"):
        return read_xlsx(content, columns)
    raise _file_error(_("Upload a .csv or .xlsx file."), "file_type")


def header_cells(columns: list[Column]) -> list[str]:
    """The template's header row: each column's label in the active language, its key in brackets."""
    return [f"{column.label} ({column.key})" for column in columns]


def xlsx_template(columns: list[Column], help_title: str, help_header: list[str]) -> bytes:
    """An empty XLSX template: the header row on the first sheet, each column's help on a second one."""
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "data"
    sheet.append(header_cells(columns))
    for index in range(1, len(columns) + 1):
        sheet.cell(row=1, column=index).number_format = "@"
        sheet.column_dimensions[sheet.cell(row=1, column=index).column_letter].width = 28
        # Identifiers are text: a column formatted as text keeps an 18-digit number whole.
        for row in range(2, 202):
            sheet.cell(row=row, column=index).number_format = "@"
    help_sheet = workbook.create_sheet(help_title[:31])
    help_sheet.append(help_header)
    for column in columns:
        help_sheet.append([column.key, str(column.label), str(column.help)])
    content = io.BytesIO()
    workbook.save(content)
    return content.getvalue()
