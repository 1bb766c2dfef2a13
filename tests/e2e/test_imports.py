"""Bulk import and list export (issue 25 §2, §3, §5): a file with errors, then a clean one; a masked export."""

import csv
import io
import re

import pytest

from demo.management.commands.seed_demo import ENTITIES
from entities.identifiers import id_check_digit, uscc_check_char

from .browser import assert_accessible, expect, staff_sign_in
from .conftest import url_re

pytestmark = pytest.mark.e2e

UPLOAD = "/admin/imports/importjob/add/"


def _uscc(serial: str) -> str:
    first17 = f"91110105MA{serial}"
    return first17 + uscc_check_char(first17)


def _id_number(serial: str) -> str:
    first17 = f"11010519900101{serial}"
    return first17 + id_check_digit(first17)


def _upload(page, name: str, lines: list[str]) -> None:
    page.goto(UPLOAD)
    page.locator("input[name=kind][value=entities]").check()
    page.locator("input[type=file]").set_input_files(
        {"name": name, "mimeType": "text/csv", "buffer": "\r\n".join(lines).encode("utf-8-sig")}
    )
    page.get_by_role("button", name="Check the file").click()
    expect(page).to_have_url(re.compile(r"/admin/imports/importjob/\d+/change/$"))


def test_an_import_with_errors_then_a_clean_import(page, new_page, demo, screenshots):
    caseworker = demo.user("cw_tax")
    staff_sign_in(page, caseworker, demo.password, next_path=UPLOAD)
    expect(page.locator("h1")).to_have_text("Import entities or cases")
    assert_accessible(page)
    screenshots.take(page, "import-upload")
    with page.expect_download() as download:
        page.locator(".import-kind").first.get_by_role("link", name="CSV").click()
    header = download.value.path().read_text(encoding="utf-8-sig").strip()
    assert header == "Kind (kind),Name (name),Identifier (identifier),Region code (region_code)"

    firm, person = _uscc("E2E0001"), _id_number("071")
    bad_firm = firm[:-1] + ("0" if firm[-1] != "0" else "1")  # a wrong check character
    header_line = "kind,name,identifier"
    _upload(
        page,
        "firms.csv",
        [header_line, f"legal_person,E2E Import Firm Co.,{bad_firm}", f"natural_person,E2E Import Person,{person}"],
    )

    bad_row = page.locator("tr.import-invalid")
    expect(bad_row).to_have_count(1)
    expect(bad_row.locator("th")).to_have_text("2")
    expect(bad_row).to_contain_text("Identifier:")
    expect(bad_row).to_contain_text("check character")
    expect(page.locator(".import-preview")).to_contain_text("1101**********" + person[-4:])  # masked
    expect(page.locator(".import-preview")).not_to_contain_text(person)
    expect(page.get_by_role("button", name=re.compile("Import all"))).to_have_count(0)
    assert_accessible(page)
    screenshots.take(page, "import-preview-errors")
    page.get_by_role("button", name="Drop the file").click()
    expect(page.locator(".import-status")).to_have_text("cancelled")

    # The file corrected: every row valid, imported whole.
    _upload(
        page,
        "firms-fixed.csv",
        [header_line, f"legal_person,E2E Import Firm Co.,{firm}", f"natural_person,E2E Import Person,{person}"],
    )
    expect(page.locator(".import-choice")).to_contain_text("Every row is valid.")
    page.get_by_role("button", name="Import all 2 rows").click()
    expect(page.locator(".import-status")).to_have_text("imported")
    expect(page.locator("#content-main")).to_contain_text("2 imported")
    assert_accessible(page)
    screenshots.take(page, "import-done", both_languages=False)
    page.get_by_role("link", name="Open the list of records").click()
    expect(page).to_have_url(url_re("/admin/entities/entity/"))
    page.get_by_role("textbox", name=re.compile("search", re.I)).fill("E2E Import")
    page.get_by_role("textbox", name=re.compile("search", re.I)).press("Enter")
    expect(page.locator("#result_list")).to_contain_text("E2E Import Firm Co.")
    expect(page.locator("#result_list")).to_contain_text("E2E Import Person")

    # The upload page in Chinese: translated, and as accessible.
    chinese = new_page("zh-hans")
    staff_sign_in(chinese, caseworker, demo.password, next_path=UPLOAD)
    expect(chinese.locator("h1")).to_have_text("导入主体或案件")
    assert_accessible(chinese)


def test_an_export_of_a_filtered_list_is_masked(page, demo):
    staff_sign_in(
        page, demo.user("sup_tax"), demo.password, next_path="/admin/entities/entity/?kind__exact=natural_person"
    )
    page.get_by_role("link", name="Export").click()
    expect(page).to_have_url(re.compile(r"/admin/entities/entity/export/\?kind__exact=natural_person$"))
    assert_accessible(page)
    page.get_by_label("CSV").check() if page.get_by_label("CSV").count() else page.locator(
        "select[name=format]"
    ).select_option("csv")
    page.get_by_label("Purpose").fill("Quarterly check of registered persons")
    with page.expect_download() as download:
        page.get_by_role("button", name="Export").click()
    rows = list(csv.reader(io.StringIO(download.value.path().read_text(encoding="utf-8-sig"))))
    names = [row[0] for row in rows[1:]]
    persons = [entity for entity in ENTITIES if entity["kind"] == "natural_person"]
    assert all(person["name"] in names for person in persons)
    content = "\n".join(",".join(row) for row in rows)
    for person in persons:
        assert person["identifier"] not in content
        assert person["identifier"][:4] + "**********" + person["identifier"][-4:] in content
    assert all(row[1] == "natural person" for row in rows[1:])  # the list's filter holds in the file
