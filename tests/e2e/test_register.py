"""The public register's journey (issue 18): anonymous search → record → download, in English and in Chinese."""

import re

import pytest

from register.models import Listing

from .browser import assert_accessible, expect
from .conftest import url_re

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize(
    ("language", "search", "record_heading", "download"),
    [
        ("en", "Search", "Measures", "CSV (opens in spreadsheets)"),
        ("zh-hans", "搜索", "惩戒措施", "CSV（可用电子表格打开）"),
    ],
)
def test_anonymous_search_record_and_download(new_page, demo, screenshots, language, search, record_heading, download):
    listing = Listing.objects.visible().filter(natural_person=False).order_by("pk").first()
    assert listing is not None, "the demo publishes at least one organisation"
    name = listing.content["entity"]["name"]
    page = new_page(language)
    page.goto("/")
    page.locator("a[href='/register/']").click()
    expect(page).to_have_url(url_re("/register/"))
    assert_accessible(page)

    page.locator("#id_q").fill(name[1:5])  # any part of the name
    page.get_by_role("button", name=search).click()
    expect(page.get_by_role("link", name=name).first).to_be_visible()
    assert_accessible(page)
    if language == "en":
        screenshots.take(page, "register-search", key=False)

    page.get_by_role("link", name=name).first.click()
    expect(page).to_have_url(re.compile(r"/register/r/[\w-]{22}/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(name)
    expect(page.get_by_role("heading", name=record_heading)).to_be_visible()
    assert_accessible(page)
    if language == "en":
        screenshots.take(page, "register-record")

    page.go_back()
    page.go_back()
    with page.expect_download() as info:
        page.get_by_role("link", name=download).click()
    body = open(info.value.path(), "rb").read()
    assert body.startswith("\ufeff".encode()) and name.encode() in body
