import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts import roles
from tests.factories import DepartmentFactory, UserFactory


@pytest.fixture
def tax(db):
    return DepartmentFactory(code="TAX", name="Tax bureau")


@pytest.fixture
def caseworker(tax):
    return UserFactory(role=roles.CASEWORKER, department=tax, username="cw_tax")


def csv_file(lines: list[str], *, name="file.csv", encoding="utf-8-sig") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, "\r\n".join(lines).encode(encoding), content_type="text/csv")


def xlsx_file(rows: list[list], *, name="file.xlsx") -> SimpleUploadedFile:
    from openpyxl import Workbook

    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    content = io.BytesIO()
    workbook.save(content)
    return SimpleUploadedFile(name, content.getvalue())
