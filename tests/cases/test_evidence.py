"""Evidence: upload inspection (type from the bytes), the storing service, and the logged download view."""

import hashlib
import io
import re
import zipfile
import zlib
from unittest import mock

import pytest
from django.conf import settings as django_settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError
from django.http import Http404
from django.test import Client
from django.urls import get_resolver, reverse
from django.views.static import serve

from accounts import roles
from audit.models import AccessLog
from cases import views as cases_views
from cases.evidence import MAX_NAME_LENGTH, inspect_upload, safe_download_name, sanitize_name
from cases.models import Evidence
from cases.services.evidence import evidence_add, stored_files_discard
from tests.factories import CaseFactory, DepartmentFactory, UserFactory

# -- sample files, built here so every byte is visible ------------------------------------------------------------

PDF = (
    b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
    b"2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
)
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"
OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48 + b"This program cannot be run"
TEXT_UTF8 = "行政处罚决定书, 罚款人民币一百二十万元。\nPenalty decision, 2025.\n".encode()
TEXT_GB18030 = "行政处罚决定书, 罚款人民币一百二十万元。\n".encode("gb18030")
HTML = b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><circle r="4"/></svg>'


def make_zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


CONTENT_TYPES_XML = (
    b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>'
)
DOCX = make_zip(
    {
        "[Content_Types].xml": CONTENT_TYPES_XML,
        "_rels/.rels": b"<Relationships/>",
        "word/document.xml": b"<w:document/>",
    }
)
XLSX = make_zip({"[Content_Types].xml": CONTENT_TYPES_XML, "xl/workbook.xml": b"<workbook/>"})
PPTX = make_zip({"[Content_Types].xml": CONTENT_TYPES_XML, "ppt/presentation.xml": b"<p:presentation/>"})
PLAIN_ZIP = make_zip({"notes.txt": b"hello", "photo.png": PNG})


def upload(name: str, data: bytes, content_type: str = "application/octet-stream") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


def refusal_code(call) -> str:
    with pytest.raises(ValidationError) as caught:
        call()
    error = caught.value
    if hasattr(error, "error_dict"):
        return error.error_dict["file"][0].code
    return error.code


# -- inspect_upload: accepted types ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "data", "content_type"),
    [
        ("decision.pdf", PDF, "application/pdf"),
        ("photo.JPG", JPEG, "image/jpeg"),
        ("photo.jpeg", JPEG, "image/jpeg"),
        ("scan.png", PNG, "image/png"),
        ("note.txt", TEXT_UTF8, "text/plain"),
        ("note-bom.txt", b"\xef\xbb\xbf" + TEXT_UTF8, "text/plain"),
        ("说明.txt", TEXT_GB18030, "text/plain"),
        ("report.docx", DOCX, "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        ("ledger.xlsx", XLSX, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        ("slides.pptx", PPTX, "application/vnd.openxmlformats-officedocument.presentationml.presentation"),
        ("old.doc", OLE2, "application/msword"),
        ("old.xls", OLE2, "application/vnd.ms-excel"),
        ("old.ppt", OLE2, "application/vnd.ms-powerpoint"),
    ],
)
def test_accepted_types_are_recognised_from_their_bytes(name, data, content_type):
    # The client's header claims something else every time: it is never used.
    facts = inspect_upload(upload(name, data, content_type="text/html"))
    assert facts.content_type == content_type
    assert facts.size == len(data)
    assert facts.sha256 == hashlib.sha256(data).hexdigest()
    assert facts.original_name == name
    assert facts.extension == name.rsplit(".", 1)[1].lower()


def test_inspection_leaves_the_file_ready_to_be_stored_from_the_start():
    uploaded = upload("report.docx", DOCX)
    inspect_upload(uploaded)
    assert uploaded.tell() == 0
    assert uploaded.read() == DOCX


def test_a_file_of_many_chunks_is_hashed_whole():
    data = PDF + b"0" * (3 * 1024 * 1024)
    facts = inspect_upload(upload("big.pdf", data))
    assert facts.sha256 == hashlib.sha256(data).hexdigest()
    assert facts.size == len(data)


# -- inspect_upload: refusals -------------------------------------------------------------------------------------


def test_empty_file_is_refused():
    with pytest.raises(ValidationError) as caught:
        inspect_upload(upload("empty.pdf", b""))
    assert caught.value.code == "empty"
    assert caught.value.messages == ["The file is empty."]


def test_file_over_the_limit_is_refused_with_the_limit_in_mb(settings):
    settings.EVIDENCE_MAX_BYTES = 1024 * 1024
    with pytest.raises(ValidationError) as caught:
        inspect_upload(upload("big.pdf", PDF + b"0" * (1024 * 1024)))
    assert caught.value.code == "too_large"
    assert caught.value.messages == ["The file is too large: the limit is 1 MB."]


def test_default_limit_is_20_mb():
    assert django_settings.EVIDENCE_MAX_BYTES == 20 * 1024 * 1024


def test_size_limit_is_checked_before_any_byte_is_read(settings):
    settings.EVIDENCE_MAX_BYTES = 100
    huge = mock.Mock(size=10**12)
    huge.name = "huge.pdf"
    huge.read.side_effect = huge.chunks.side_effect = AssertionError("read before the size check")
    with pytest.raises(ValidationError) as caught:
        inspect_upload(huge)
    assert caught.value.code == "too_large"


def test_a_file_that_understates_its_size_is_still_cut_off(settings):
    settings.EVIDENCE_MAX_BYTES = 1000
    lying = upload("big.pdf", PDF + b"0" * 5000)
    lying.size = 10
    assert refusal_code(lambda: inspect_upload(lying)) == "too_large"


@pytest.mark.parametrize(
    ("name", "data"),
    [
        # Decision: an executable is refused as "type_not_allowed" whatever its name; "disguised" is for an
        # accepted type under another type's name. The message says the name does not matter.
        ("invoice.pdf", EXE),
        ("setup.exe", EXE),
        ("page.html", HTML),
        ("page.txt", HTML),  # text that a browser would render as HTML is not plain text
        ("logo.svg", SVG),
        ("logo.txt", SVG),
        ("data.txt", b"<?xml version='1.0'?><root/>"),
        ("archive.zip", PLAIN_ZIP),
        ("archive.docx", PLAIN_ZIP),  # a ZIP without [Content_Types].xml is no Office document
        ("no-parts.docx", make_zip({"[Content_Types].xml": CONTENT_TYPES_XML, "other/x.xml": b"<x/>"})),
        (
            "macro.docx",
            make_zip({"[Content_Types].xml": b"<T/>", "word/document.xml": b"<d/>", "word/vbaProject.bin": b"x"}),
        ),
        ("broken.docx", b"PK\x03\x04" + b"\x14" * 200),
        ("nul.txt", b"plain words\x00more words"),
        ("controls.txt", bytes(range(1, 9)) * 200),
        ("script.sh", b"#!/bin/sh\x00"),
        ("odd.bin", b"\x80\x81\xfe\xff" * 16),
    ],
)
def test_content_not_on_the_allow_list_is_refused(name, data):
    with pytest.raises(ValidationError) as caught:
        inspect_upload(upload(name, data, content_type="application/pdf"))
    assert caught.value.code == "type_not_allowed"
    message = caught.value.messages[0]
    assert message.startswith(
        "This kind of file is not accepted, whatever its name says. Accepted: PDF document (.pdf)"
    )
    assert "Word document (.docx)" in message


@pytest.mark.parametrize(
    ("name", "data", "detected"),
    [
        ("scan.pdf", PNG, "PNG image"),
        ("decision.png", PDF, "PDF document"),
        ("decision.html", PDF, "PDF document"),  # would open in a browser once downloaded
        ("decision", PDF, "PDF document"),  # no extension: the name claims nothing we can check
        ("ledger.xlsx", DOCX, "Word document"),
        ("report.docx", XLSX, "Excel workbook"),
        ("note.pdf", TEXT_UTF8, "plain text"),
        ("run.sh", b"#!/bin/sh\necho hi\n", "plain text"),
        ("old.docx", OLE2, "legacy Office document"),
        ("photo.png", JPEG, "JPEG image"),
    ],
)
def test_accepted_content_under_another_name_is_disguised(name, data, detected):
    with pytest.raises(ValidationError) as caught:
        inspect_upload(upload(name, data))
    assert caught.value.code == "disguised"
    assert f"(detected: {detected})" in caught.value.messages[0]


def _never_decompressed():
    return (
        mock.patch.object(zipfile.ZipFile, "open", side_effect=AssertionError("decompressed")),
        mock.patch.object(zipfile.ZipFile, "read", side_effect=AssertionError("decompressed")),
    )


def test_zip_members_are_listed_never_decompressed():
    # 5 MB of varied text: within every archive limit, and accepted without a byte being inflated.
    text = b"".join(b"<w:t>%d</w:t>" % n for n in range(500_000))[: 5 * 1024 * 1024]
    document = make_zip({"[Content_Types].xml": CONTENT_TYPES_XML, "word/document.xml": text})
    opened, read = _never_decompressed()
    with opened, read:
        facts = inspect_upload(upload("big.docx", document))
    assert facts.content_type.endswith("wordprocessingml.document")


def _bomb(uncompressed: int) -> bytes:
    """A docx whose document part declares ``uncompressed`` bytes of zeros, built without holding them."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES_XML)
        with archive.open("word/document.xml", "w", force_zip64=True) as part:
            chunk = b"\x00" * (1024 * 1024)
            for _ in range(uncompressed // len(chunk)):
                part.write(chunk)
    return buffer.getvalue()


def test_a_small_docx_holding_a_huge_part_is_refused_without_inflating_it(settings):
    """A 1 MB docx declaring a 1 GiB part (ratio ~1000) is an archive bomb: refused from its directory alone."""
    settings.OFFICE_MAX_UNCOMPRESSED_BYTES = 2 * 1024**3  # so the ratio, not the total, refuses it
    bomb = _bomb(1024**3)
    assert len(bomb) < 2 * 1024 * 1024
    opened, read = _never_decompressed()
    with opened, read, pytest.raises(ValidationError) as caught:
        inspect_upload(upload("report.docx", bomb))
    assert caught.value.code == "archive_ratio"
    assert "compressed more than 100 times" in caught.value.messages[0]


def test_office_document_unpacking_beyond_the_limit_is_refused(settings):
    settings.OFFICE_MAX_UNCOMPRESSED_BYTES = 8 * 1024 * 1024
    with pytest.raises(ValidationError) as caught:
        inspect_upload(upload("report.docx", _bomb(16 * 1024 * 1024)))
    assert caught.value.code == "archive_size"
    assert "more than 8 MB" in caught.value.messages[0]


def test_zip_with_too_many_members_is_refused(settings):
    settings.OFFICE_MAX_MEMBERS = 3
    members = {"[Content_Types].xml": CONTENT_TYPES_XML, **{f"word/part{i}.xml": b"<x/>" for i in range(3)}}
    assert refusal_code(lambda: inspect_upload(upload("many.docx", make_zip(members)))) == "archive_members"


def test_archive_limits_are_set_deliberately():
    assert django_settings.OFFICE_MAX_MEMBERS == 10_000
    assert django_settings.OFFICE_MAX_UNCOMPRESSED_BYTES == 200 * 1024 * 1024
    assert django_settings.OFFICE_MAX_COMPRESSION_RATIO == 100


# -- PDFs with active content ----------------------------------------------------------------------------------------


def _pdf(catalog_extra: bytes, *objects: bytes) -> bytes:
    body = b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R " + catalog_extra + b" >>\nendobj\n"
    body += b"2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\n" + b"".join(objects)
    return body + b"trailer\n<< /Root 1 0 R >>\n%%EOF\n"


def _object_stream(content: bytes) -> bytes:
    data = zlib.compress(content)
    header = b"3 0 obj\n<< /Type /ObjStm /N 1 /First 4 /Filter /FlateDecode /Length %d >>\nstream\n" % len(data)
    return header + data + b"\nendstream\nendobj\n"


@pytest.mark.parametrize(
    ("name", "data", "found"),
    [
        ("open-action-js", _pdf(b"/OpenAction << /S /JavaScript /JS (app.alert(1)) >>"), "/JS, /JavaScript"),
        ("launch", _pdf(b"/OpenAction 3 0 R", b"3 0 obj << /S /Launch /F (cmd.exe) >> endobj\n"), "/Launch"),
        ("embedded-file", _pdf(b"/Names << /EmbeddedFiles 3 0 R >>"), "/EmbeddedFiles"),
        ("page-additional-action", _pdf(b"", b"3 0 obj << /Type /Page /AA << /O 4 0 R >> >> endobj\n"), "/AA"),
        ("escaped-name", _pdf(b"/OpenAction << /S /J#61vaScript /J#53 (x) >>"), "/JS, /JavaScript"),
        ("in-object-stream", _pdf(b"", _object_stream(b"4 0 << /S /JavaScript /JS (x) >>")), "/JS, /JavaScript"),
    ],
)  # fmt: skip
def test_pdf_with_active_content_is_refused_with_what_was_found(name, data, found):
    with pytest.raises(ValidationError) as caught:
        inspect_upload(upload(f"{name}.pdf", data))
    assert caught.value.code == "active_content"
    assert f"active content ({found})" in caught.value.messages[0]


def test_pdf_with_a_view_opening_action_and_binary_streams_is_accepted():
    """Setting the first page's view is not active content; stream bytes never count as names."""
    image = b"stream\n" + b"/JS /AA /Launch " * 10 + b"\nendstream"
    data = _pdf(b"/OpenAction [3 0 R /Fit]", b"3 0 obj << /Type /XObject /Length 160 >>\n" + image + b"\nendobj\n")
    assert inspect_upload(upload("decision.pdf", data)).content_type == "application/pdf"


# -- names --------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\zhang\\Desktop\\处罚决定.pdf", "处罚决定.pdf"),
        ("行政处罚决定书\uff082025\uff09第12号.pdf", "行政处罚决定书\uff082025\uff09第12号.pdf"),
        ("line\r\nbreak\x00.txt", "linebreak.txt"),
        ("invoice\u202egpj.exe", "invoicegpj.exe"),  # a right-to-left override would disguise the extension
        ("  .hidden.txt. ", "hidden.txt"),
        ("..", ""),
    ],
)
def test_original_names_are_sanitised(raw, clean):
    assert sanitize_name(raw) == clean


def test_long_names_are_cut_to_255_characters_keeping_the_extension():
    name = sanitize_name("证" * 300 + ".pdf")
    assert len(name) == MAX_NAME_LENGTH
    assert name.endswith("证.pdf")


def test_upload_facts_carry_the_sanitised_name():
    assert inspect_upload(upload("../../etc/passwd.txt", TEXT_UTF8)).original_name == "passwd.txt"


@pytest.mark.parametrize(
    ("raw", "safe"),
    [
        ("report.pdf", "report.pdf"),
        ('a"b;c\\d.pdf', "d.pdf"),
        ('quote"semi;colon.pdf', "quote_semi_colon.pdf"),
        ("处罚决定.pdf", "处罚决定.pdf"),
        ("bad\r\nheader.txt", "badheader.txt"),
        ("", "evidence"),
        ("../..", "evidence"),
    ],
)
def test_safe_download_name(raw, safe):
    assert safe_download_name(raw) == safe


# -- the service --------------------------------------------------------------------------------------------------


@pytest.fixture
def evidence_dir(settings, tmp_path, monkeypatch):
    """Evidence storage in a temporary directory.

    Overriding STORAGES resets ``storages`` (Django's setting_changed handler), but ``Evidence.file`` calls its
    storage callable once, when the model class is loaded; so the field is pointed at the fresh backend too.
    """
    location = tmp_path / "evidence"
    settings.STORAGES = {
        **settings.STORAGES,
        "evidence": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": location, "base_url": None},
        },
    }
    storage = storages["evidence"]
    assert storage.location == str(location)
    monkeypatch.setattr(Evidence._meta.get_field("file"), "storage", storage)
    return location


def stored_files(location) -> list:
    return [path for path in location.rglob("*") if path.is_file()] if location.exists() else []


def staff(role, department=None):
    """A staff member of ``role``; department roles get ``department`` (or a fresh one)."""
    if role in roles.DEPARTMENT_ROLES:
        return UserFactory(role=role, is_staff=True, department=department or DepartmentFactory())
    return UserFactory(role=role)


@pytest.fixture
def department(db):
    return DepartmentFactory()


@pytest.fixture
def caseworker(department):
    return staff(roles.CASEWORKER, department)


@pytest.fixture
def case(department, caseworker):
    return CaseFactory(department=department, caseworker=caseworker)


@pytest.mark.django_db
def test_evidence_add_stores_the_file_and_its_facts(evidence_dir, case, caseworker):
    evidence = evidence_add(
        case=case, actor=caseworker, uploaded_file=upload("行政处罚决定书.pdf", PDF), description=" Decision "
    )
    evidence.refresh_from_db()
    assert evidence.case == case
    assert evidence.original_name == "行政处罚决定书.pdf"
    assert evidence.content_type == "application/pdf"
    assert evidence.size == len(PDF)
    assert evidence.sha256 == hashlib.sha256(PDF).hexdigest()
    assert evidence.uploaded_by == caseworker
    assert evidence.description == "Decision"
    [path] = stored_files(evidence_dir)
    assert path.read_bytes() == PDF
    assert path.relative_to(evidence_dir).as_posix() == evidence.file.name
    assert "决定" not in evidence.file.name and not evidence.file.name.endswith(".pdf")  # a random name


@pytest.mark.django_db
def test_evidence_add_writes_a_history_row_with_actor_and_reason(evidence_dir, case, caseworker):
    evidence = evidence_add(case=case, actor=caseworker, uploaded_file=upload("scan.png", PNG))
    record = evidence.history.get()
    assert record.history_type == "+"
    assert record.history_user == caseworker
    assert record.history_change_reason == "evidence uploaded"


@pytest.mark.django_db
def test_supervisor_of_the_department_may_add_evidence(evidence_dir, case, department):
    supervisor = staff(roles.SUPERVISOR, department)
    assert evidence_add(case=case, actor=supervisor, uploaded_file=upload("n.txt", TEXT_UTF8)).pk


@pytest.mark.django_db
def test_evidence_add_keeps_a_sanitised_name(evidence_dir, case, caseworker):
    evidence = evidence_add(case=case, actor=caseworker, uploaded_file=upload("../../etc/passwd.txt", TEXT_UTF8))
    assert evidence.original_name == "passwd.txt"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "data", "code"),
    [
        ("empty.pdf", b"", "empty"),
        ("big.pdf", PDF + b"0" * 2048, "too_large"),
        ("invoice.pdf", EXE, "type_not_allowed"),
        ("scan.pdf", PNG, "disguised"),
        ("page.html", HTML, "type_not_allowed"),
        ("archive.zip", PLAIN_ZIP, "type_not_allowed"),
        ("script.pdf", b"%PDF-1.4\n1 0 obj << /OpenAction << /S /JavaScript /JS (x) >> >> endobj\n", "active_content"),
    ],
)
def test_refused_upload_leaves_no_file_and_no_row(evidence_dir, case, caseworker, settings, name, data, code):
    settings.EVIDENCE_MAX_BYTES = 1024
    with pytest.raises(ValidationError) as caught:
        evidence_add(case=case, actor=caseworker, uploaded_file=upload(name, data))
    assert [error.code for error in caught.value.error_dict["file"]] == [code]
    assert stored_files(evidence_dir) == []
    assert Evidence.objects.count() == 0


@pytest.mark.django_db
def test_too_long_description_is_refused_before_storing(evidence_dir, case, caseworker):
    with pytest.raises(ValidationError) as caught:
        evidence_add(case=case, actor=caseworker, uploaded_file=upload("a.pdf", PDF), description="x" * 301)
    assert caught.value.error_dict["description"][0].code == "max_length"
    assert stored_files(evidence_dir) == []


@pytest.mark.django_db
def test_a_failed_database_write_removes_the_stored_file(evidence_dir, case, caseworker, monkeypatch):
    def broken_save(self, *args, **kwargs):
        assert stored_files(evidence_dir), "the file is stored before the row"
        raise DatabaseError("disk full")

    monkeypatch.setattr(Evidence, "save", broken_save)
    with pytest.raises(DatabaseError):
        evidence_add(case=case, actor=caseworker, uploaded_file=upload("a.pdf", PDF))
    assert stored_files(evidence_dir) == []
    assert Evidence.objects.count() == 0


@pytest.mark.django_db
def test_a_file_that_cannot_be_discarded_is_logged_not_raised(evidence_dir, case, caseworker, monkeypatch, caplog):
    evidence = evidence_add(case=case, actor=caseworker, uploaded_file=upload("a.pdf", PDF))

    def broken_delete(name):
        raise OSError("read-only")

    monkeypatch.setattr(evidence.file.storage, "delete", broken_delete)
    stored_files_discard([evidence], case_id=case.pk)  # the caller's own error is the one to see
    assert f"Could not delete an orphaned evidence file of case {case.pk}" in caplog.text


@pytest.mark.django_db
def test_submitted_case_of_own_department_refuses_evidence(evidence_dir, department, caseworker):
    case = CaseFactory(department=department, caseworker=caseworker, state="submitted")
    with pytest.raises(PermissionDenied):  # visible, but only drafts change
        evidence_add(case=case, actor=caseworker, uploaded_file=upload("a.pdf", PDF))
    assert stored_files(evidence_dir) == [] and Evidence.objects.count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "error"),
    [
        (roles.CASEWORKER, Http404),  # of another department: the case does not exist for them
        (roles.SUPERVISOR, Http404),  # of another department
        (roles.APPEALS_REVIEWER, PermissionDenied),  # sees every case, changes none
        (roles.AUDITOR, PermissionDenied),  # reads everything, changes nothing
        (roles.ADMINISTRATOR, Http404),
        (roles.ENTITY_REPRESENTATIVE, Http404),
    ],
)
def test_evidence_add_refuses_users_who_may_not_change_the_case(evidence_dir, case, role, error):
    with pytest.raises(error):
        evidence_add(case=case, actor=staff(role), uploaded_file=upload("a.pdf", PDF))
    assert stored_files(evidence_dir) == [] and Evidence.objects.count() == 0


@pytest.mark.django_db
def test_evidence_add_needs_the_add_evidence_permission(evidence_dir, case, department):
    from django.contrib.auth.models import Permission

    # May change the case, but was never given cases.add_evidence.
    user = UserFactory(is_staff=True, department=department)
    user.user_permissions.set(
        Permission.objects.filter(content_type__app_label="cases", codename__in=["view_case", "change_case"])
    )
    from guardian.shortcuts import assign_perm

    assign_perm("cases.view_case", user, case)
    assign_perm("cases.change_case", user, case)
    with pytest.raises(PermissionDenied):
        evidence_add(case=case, actor=user, uploaded_file=upload("a.pdf", PDF))
    assert stored_files(evidence_dir) == []


# -- the download view --------------------------------------------------------------------------------------------


@pytest.fixture
def stored(evidence_dir, case, caseworker):
    return evidence_add(case=case, actor=caseworker, uploaded_file=upload("处罚决定.pdf", PDF))


def download_url(evidence_or_pk) -> str:
    return reverse("cases:evidence_download", args=[getattr(evidence_or_pk, "pk", evidence_or_pk)])


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


@pytest.mark.django_db
def test_caseworker_downloads_an_attachment_and_the_access_is_logged(client, stored, caseworker):
    client.force_login(caseworker)
    response = client.get(download_url(stored))
    assert response.status_code == 200
    assert body(response) == PDF
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "filename*=utf-8''%E5%A4%84%E7%BD%9A%E5%86%B3%E5%AE%9A.pdf" in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "no-store, private"
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
    [entry] = AccessLog.objects.all()
    assert entry.action == AccessLog.Action.DOWNLOAD
    assert entry.actor == caseworker
    assert (entry.target_type.model, entry.target_id) == ("evidence", stored.pk)
    assert entry.field == "file"
    assert entry.purpose == "case file review"
    assert entry.request_id == response["X-Request-ID"]


@pytest.mark.django_db
def test_the_purpose_given_is_logged_and_cut_to_200_characters(client, stored, caseworker):
    client.force_login(caseworker)
    client.get(download_url(stored), {"purpose": "objection review"})
    client.get(download_url(stored), {"purpose": "p" * 500})
    client.get(download_url(stored), {"purpose": "   "})
    purposes = list(AccessLog.objects.order_by("id").values_list("purpose", flat=True))
    assert purposes == ["objection review", "p" * 200, "case file review"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "same_department", "status"),
    [
        (roles.CASEWORKER, True, 200),
        (roles.SUPERVISOR, True, 200),
        (roles.CASEWORKER, False, 404),
        (roles.SUPERVISOR, False, 404),
        (roles.APPEALS_REVIEWER, False, 200),  # sees every case
        (roles.AUDITOR, False, 200),  # reads everything
        (roles.ADMINISTRATOR, False, 404),
    ],
)
def test_download_permission_table(client, stored, department, role, same_department, status):
    user = staff(role, department if same_department else None)
    client.force_login(user)
    response = client.get(download_url(stored))
    assert response.status_code == status
    assert AccessLog.objects.filter(actor=user, action=AccessLog.Action.DOWNLOAD).count() == (status == 200)
    if status == 200:
        assert body(response) == PDF
    else:
        assert PDF not in body(response)
        assert "Page not found" in body(response).decode()


@pytest.mark.django_db
def test_superuser_may_download(client, stored, superuser):
    client.force_login(superuser)
    assert client.get(download_url(stored)).status_code == 200
    assert AccessLog.objects.filter(actor=superuser).count() == 1


@pytest.mark.django_db
def test_out_of_scope_is_indistinguishable_from_nonexistent(client, stored):
    client.force_login(staff(roles.CASEWORKER))
    out_of_scope = client.get(download_url(stored))
    missing = client.get(download_url(stored.pk + 1000))
    assert out_of_scope.status_code == missing.status_code == 404

    def page(response):  # the language switcher echoes the path and a fresh CSRF token
        text = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", response.content.decode())
        return text.replace(response.wsgi_request.path, "PATH")

    assert page(out_of_scope) == page(missing)
    assert AccessLog.objects.count() == 0


@pytest.mark.django_db
def test_anonymous_is_sent_to_the_admin_login(client, stored):
    url = download_url(stored)
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('admin:login')}?next={url}"
    assert AccessLog.objects.count() == 0


@pytest.mark.django_db
def test_entity_representative_gets_404_and_no_bytes(client, stored):
    representative = UserFactory(role=roles.ENTITY_REPRESENTATIVE)
    assert not representative.is_staff
    client.force_login(representative)
    response = client.get(download_url(stored))
    assert response.status_code == 404
    assert PDF not in response.content
    assert AccessLog.objects.count() == 0


@pytest.mark.django_db
def test_only_get_is_allowed(client, stored, caseworker):
    client.force_login(caseworker)
    assert client.post(download_url(stored)).status_code == 405
    assert client.head(download_url(stored)).status_code == 405
    assert AccessLog.objects.count() == 0


@pytest.mark.django_db
def test_no_file_is_sent_when_the_access_log_cannot_be_written(stored, caseworker, monkeypatch):
    monkeypatch.setattr(cases_views, "access_log_write", mock.Mock(side_effect=DatabaseError("log down")))
    opened = mock.patch.object(type(stored.file), "open", side_effect=AssertionError("file opened"))
    browser = Client(raise_request_exception=False, headers={"Accept-Language": "en"})
    browser.force_login(caseworker)
    with opened as open_file:
        response = browser.get(download_url(stored))
    assert response.status_code == 500
    assert PDF not in response.content
    open_file.assert_not_called()


@pytest.mark.django_db
def test_file_missing_from_storage_is_a_logged_404(client, stored, caseworker, evidence_dir):
    (evidence_dir / stored.file.name).unlink()
    client.force_login(caseworker)
    with mock.patch.object(cases_views.logger, "error") as log_error:
        response = client.get(download_url(stored))
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()
    assert response.templates[0].name == "404.html"
    log_error.assert_called_once()
    logged = " ".join(str(part) for part in log_error.call_args.args)
    assert str(stored.pk) in logged
    assert stored.original_name not in logged
    # The request's transaction rolls back with the 404: no download is recorded for bytes never sent.
    assert AccessLog.objects.count() == 0


@pytest.mark.django_db
def test_evidence_storage_is_not_reachable_by_any_url(client, stored, caseworker):
    assert django_settings.STORAGES["evidence"]["OPTIONS"]["base_url"] is None
    client.force_login(caseworker)
    for url in (f"/media/{stored.file.name}", f"/{stored.file.name}", f"/evidence/{stored.file.name}"):
        response = client.get(url)
        assert response.status_code == 404, url
        assert PDF not in response.content

    def callbacks(patterns):
        for pattern in patterns:
            if hasattr(pattern, "url_patterns"):
                yield from callbacks(pattern.url_patterns)
            else:
                yield pattern.callback

    assert serve not in set(callbacks(get_resolver().url_patterns))
