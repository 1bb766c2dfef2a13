"""Request size limits (issue 9): too many fields or files, or too large a body, get the project's 400 page."""

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def production(settings):
    settings.DEBUG = False  # with DEBUG on, Django shows its technical page instead


def _browser(language="en"):
    return Client(headers={"Accept-Language": language}, raise_request_exception=False)


def test_limits_are_set_deliberately():
    assert settings.DATA_UPLOAD_MAX_NUMBER_FIELDS == 1000
    assert settings.DATA_UPLOAD_MAX_NUMBER_FILES == 10
    assert settings.DATA_UPLOAD_MAX_MEMORY_SIZE == 2_621_440
    assert settings.FILE_UPLOAD_MAX_MEMORY_SIZE == 2_621_440
    assert settings.FILE_UPLOAD_PERMISSIONS == 0o640
    assert settings.EVIDENCE_MAX_BYTES == 20 * 1024 * 1024


def test_too_many_fields_is_a_clean_400():
    response = _browser().post(reverse("admin:login"), {f"f{n}": "x" for n in range(1001)})
    assert response.status_code == 400
    body = response.content.decode()
    assert "The request could not be accepted" in body
    assert "Traceback" not in body and "TooManyFields" not in body


def test_up_to_the_field_limit_is_accepted():
    response = _browser().post(reverse("admin:login"), {f"f{n}": "x" for n in range(900)})
    assert response.status_code == 200


def test_too_many_files_is_a_clean_400(superuser):
    browser = _browser()
    browser.force_login(superuser)
    files = {f"file{n}": SimpleUploadedFile(f"e{n}.txt", b"evidence") for n in range(11)}
    response = browser.post(reverse("admin:cases_case_add"), files)
    assert response.status_code == 400
    assert "The request could not be accepted" in response.content.decode()


def test_too_large_a_body_is_a_clean_400():
    response = _browser().post(
        reverse("admin:login"), data="x=" + "y" * 2_700_000, content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 400


@pytest.mark.parametrize(("language", "text"), [("en", "could not be accepted"), ("zh-hans", '<html lang="zh-hans">')])
def test_the_400_page_follows_the_language(language, text):
    response = _browser(language).post(reverse("admin:login"), {f"f{n}": "x" for n in range(1001)})
    assert response.status_code == 400
    assert text in response.content.decode()


def test_too_many_files_to_a_page_without_its_own_message_is_still_the_400_page(superuser):
    """Only views that show the limit in their form get the request's fields (creditportal.uploads)."""
    browser = Client(headers={"Accept-Language": "en"}, raise_request_exception=False, enforce_csrf_checks=True)
    browser.force_login(superuser)
    files = {f"file{n}": SimpleUploadedFile(f"e{n}.txt", b"evidence") for n in range(11)}
    response = browser.post(reverse("admin:cases_case_add"), files)
    assert response.status_code == 400
    assert "The request could not be accepted" in response.content.decode()
