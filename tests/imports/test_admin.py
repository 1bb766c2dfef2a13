"""The import pages in the admin: templates, upload, the preview with each row's errors, progress, few queries."""

import io
import re
from html import unescape

import pytest
from django.conf import settings
from django.urls import reverse

from accounts import roles
from entities.models import Entity
from imports.models import ImportJob
from tests.factories import UserFactory, make_id_number, make_uscc

from .conftest import csv_file

ADD = "/admin/imports/importjob/add/"


@pytest.fixture
def signed_in(client, caseworker):
    client.force_login(caseworker)
    return client


def _upload(client, lines, kind="entities"):
    return client.post(ADD, {"kind": kind, "file": csv_file(lines)})


def test_templates_have_the_translated_header(signed_in):
    from openpyxl import load_workbook

    response = signed_in.get(reverse("admin:imports_importjob_template", args=["entities", "csv"]))
    assert response["Content-Disposition"].startswith("attachment")
    assert (
        response.content.decode("utf-8-sig").strip()
        == "Kind (kind),Name (name),Identifier (identifier),Region code (region_code)"
    )
    signed_in.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    response = signed_in.get(reverse("admin:imports_importjob_template", args=["cases", "xlsx"]))
    workbook = load_workbook(io.BytesIO(response.content))
    header = [cell.value for cell in workbook.worksheets[0][1]]
    assert header[0].endswith("(entity_identifier)") and header[0] != "Entity identifier (entity_identifier)"
    assert workbook.worksheets[1].max_row == 5  # a help row per column under its own header


def test_unknown_template_is_404(signed_in):
    assert signed_in.get(reverse("admin:imports_importjob_template", args=["users", "csv"])).status_code == 404


def test_upload_shows_each_rows_errors_next_to_it_then_imports_the_valid_rows(
    signed_in, caseworker, django_capture_on_commit_callbacks
):
    number = make_id_number()
    response = _upload(
        signed_in,
        ["kind,name,identifier", f"natural_person,Li Si,{number}", "legal_person,Bad Co.,91110105MA0000000X"],
    )
    job = ImportJob.objects.get()
    assert response["Location"] == reverse("admin:imports_importjob_change", args=[job.pk])
    page = signed_in.get(response["Location"])
    html = unescape(page.content.decode())
    assert number not in html and "1101**********" + number[-4:] in html  # masked as on every screen
    bad_row = re.search(r'<tr class="import-invalid"><th scope="row">3</th>(.*?)</tr>', html, re.S).group(1)
    assert "Bad Co." in bad_row and "Identifier: " in bad_row and "check character" in bad_row
    assert 'value="all"' not in html and 'value="valid"' in html
    with django_capture_on_commit_callbacks(execute=True):
        response = signed_in.post(response["Location"], {"action": "valid"})
    assert list(Entity.objects.values_list("name", flat=True)) == ["Li Si"]
    page = signed_in.get(response["Location"])
    assert "imported" in page.content.decode()


def test_import_the_whole_file_is_refused_with_errors(signed_in):
    _upload(signed_in, ["kind,name,identifier", "legal_person,Bad Co.,123"])
    job = ImportJob.objects.get()
    response = signed_in.post(reverse("admin:imports_importjob_change", args=[job.pk]), {"action": "all"}, follow=True)
    assert "1 rows have errors" in response.content.decode()
    assert not Entity.objects.exists()


def test_a_bad_file_is_an_error_on_the_form(signed_in):
    response = signed_in.post(ADD, {"kind": "entities", "file": csv_file(["colour"], name="x.csv")})
    assert response.status_code == 200
    assert "Unknown column" in response.content.decode() or "Columns missing" in response.content.decode()
    assert not ImportJob.objects.exists()


def test_someone_who_may_not_add_entities_gets_no_upload(client, db):
    client.force_login(UserFactory(role=roles.AUDITOR))
    assert client.get(ADD).status_code == 403
    assert client.post(ADD, {"kind": "entities", "file": csv_file(["kind,name,identifier"])}).status_code == 403


def test_a_running_import_page_reloads_itself_without_script(signed_in):
    _upload(signed_in, ["kind,name,identifier", f"legal_person,Queued Co.,{make_uscc()}"])
    job = ImportJob.objects.get()
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.QUEUED, mode="all")
    html = signed_in.get(reverse("admin:imports_importjob_change", args=[job.pk])).content.decode()
    assert '<meta http-equiv="refresh" content="2">' in html
    assert '<progress id="import-progress" max="1" value="0">' in html


def test_other_department_gets_404(client, signed_in):
    _upload(signed_in, ["kind,name,identifier", f"legal_person,Mine Co.,{make_uscc()}"])
    job = ImportJob.objects.get()
    client.force_login(UserFactory(role=roles.CASEWORKER))
    url = reverse("admin:imports_importjob_change", args=[job.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"action": "all"}).status_code == 404


@pytest.mark.parametrize("rows", [2, 40])
def test_preview_page_queries_do_not_grow_with_rows(signed_in, django_assert_max_num_queries, rows):
    lines = ["kind,name,identifier", *(f"legal_person,Co {index},{make_uscc()}" for index in range(rows))]
    _upload(signed_in, [*lines, "legal_person,Bad,1"])
    job = ImportJob.objects.get()
    with django_assert_max_num_queries(8):
        assert signed_in.get(reverse("admin:imports_importjob_change", args=[job.pk])).status_code == 200


@pytest.mark.parametrize("rows", [5, 50])
def test_check_and_import_cost_a_fixed_number_of_queries(
    signed_in, caseworker, django_assert_max_num_queries, django_capture_on_commit_callbacks, rows
):
    from imports import services

    lines = ["kind,name,identifier", *(f"legal_person,Co {index},{make_uscc()}" for index in range(rows))]
    with django_assert_max_num_queries(14):  # the job, its history; one look-up of registered identifiers
        job = services.import_job_check(actor=caseworker, kind="entities", upload=csv_file(lines))
    # Entities are written in bulk: the rows, their history rows and their chain links, whatever their number.
    # (PostgreSQL adds the chain's advisory lock to each history write: 48 there.)
    with django_assert_max_num_queries(50), django_capture_on_commit_callbacks(execute=True):
        services.import_job_start(job=job, actor=caseworker, mode="all")
    assert Entity.objects.count() == rows
