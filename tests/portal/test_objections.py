"""Objections, the entity's side of the review, and the public statement, through the portal's pages (issues 6–7).

The journey of issue 7: ``rep_wang`` objects, ``reviewer`` upholds it, the sanction ends, the publication
disappears, and ``rep_wang`` sees the decision with its reasons.
"""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts import roles
from cases.models import Filing, FilingAttachment, Publication
from cases.services import appeals
from cases.workflow import State
from tests.factories import UserFactory

from .fixtures import login

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


@pytest.fixture(autouse=True)
def vault(settings, tmp_path):
    from django.core.files.storage import storages

    settings.STORAGES = {
        **settings.STORAGES,
        "evidence": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": tmp_path}},
    }
    storages._storages.pop("evidence", None)
    FilingAttachment._meta.get_field("file").storage = storages["evidence"]


@pytest.fixture
def wang_case(clock, wang, rep_wang, serve, sanction):
    return sanction(serve(wang))


def test_rep_wang_objects_the_reviewer_upholds_and_rep_wang_sees_why(wang_case, rep_wang):
    client = login(rep_wang)
    detail = reverse("portal:case_detail", args=[wang_case.pk])
    assert reverse("portal:objection_file", args=[wang_case.pk]) in client.get(detail).content.decode()

    response = client.post(
        reverse("portal:objection_file", args=[wang_case.pk]),
        {"text": "I paid the tax on time.", "files": [SimpleUploadedFile("receipt.pdf", PDF)]},
    )
    filing = Filing.objects.get(case=wang_case)
    assert response.status_code == 302 and response["Location"].endswith(f"/filings/{filing.pk}/")
    page = client.get(detail).content.decode()
    assert '<span class="flag">under objection</span>' in page and filing.reference in page

    reviewer = UserFactory(role=roles.APPEALS_REVIEWER)
    appeals.filing_decide(filing=filing, actor=reviewer, outcome="revoked", reasons="The bank confirms the payment.")

    wang_case.refresh_from_db()
    assert wang_case.state == State.REVOKED
    assert not wang_case.sanctions.exclude(status="ended").exists()
    assert not Publication.objects.visible().filter(case=wang_case).exists()
    receipt = client.get(reverse("portal:filing_receipt", args=[wang_case.pk, filing.pk])).content.decode()
    assert "upheld: the record is revoked" in receipt and "The bank confirms the payment." in receipt
    page = client.get(detail).content.decode()
    assert '<span class="flag">' not in page
    assert "The bank confirms the payment." in page  # the decision notice, readable on the case page


def test_an_objection_for_another_entitys_case_is_404_and_saves_nothing(wang_case, rep_acme):
    response = login(rep_acme).post(reverse("portal:objection_file", args=[wang_case.pk]), {"text": "Not mine."})
    assert response.status_code == 404
    assert not Filing.objects.exists()


def test_an_objection_needs_its_reasons(wang_case, rep_wang):
    response = login(rep_wang).post(reverse("portal:objection_file", args=[wang_case.pk]), {"text": "  "})
    assert response.status_code == 400 and not Filing.objects.exists()


def test_a_failed_objection_removes_every_file_it_had_stored(wang_case, rep_wang, tmp_path, monkeypatch):
    from django.db import DatabaseError

    from cases.services import filings

    def broken_notice(**kwargs):  # after both attachments are stored and saved
        assert len([path for path in tmp_path.rglob("*") if path.is_file()]) == 2
        raise DatabaseError("disk full")

    monkeypatch.setattr(filings, "notice_issue", broken_notice)
    files = [SimpleUploadedFile("one.pdf", PDF), SimpleUploadedFile("two.pdf", PDF)]
    with pytest.raises(DatabaseError):
        filings.filing_objection_file(case=wang_case, actor=rep_wang, text="I paid.", uploads=files)
    assert [path for path in tmp_path.rglob("*") if path.is_file()] == []
    assert not Filing.objects.exists() and not FilingAttachment.objects.exists()


def test_supplying_requested_documents_through_the_portal(wang_case, rep_wang, clock):
    clock.set(wang_case.repair_earliest_on)
    client = login(rep_wang)
    client.post(
        reverse("portal:repair_apply", args=[wang_case.pk]),
        {"commitment": "Paid; I will comply.", "files": [SimpleUploadedFile("paid.pdf", PDF)]},
    )
    filing = Filing.objects.get(case=wang_case, kind="repair")
    appeals.filing_request_documents(
        filing=filing, actor=UserFactory(role=roles.APPEALS_REVIEWER), missing="The bank's certificate."
    )
    url = reverse("portal:filing_supplement", args=[wang_case.pk, filing.pk])
    assert "The bank&#x27;s certificate." in client.get(url).content.decode()
    assert client.post(url, {"note": "Here."}).status_code == 400  # the documents are required
    response = client.post(url, {"note": "Here.", "files": [SimpleUploadedFile("bank.pdf", PDF)]})
    assert response.status_code == 302
    filing.refresh_from_db()
    assert filing.status == "filed" and filing.attachments.count() == 2
    # Nothing more is requested: the page says so instead of offering a form.
    assert "No documents are requested" in client.get(url).content.decode()


def test_the_public_statement_page(wang_case, rep_wang):
    client = login(rep_wang)
    url = reverse("portal:public_statement", args=[wang_case.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"text": "The tax has been paid in full."})
    assert response.status_code == 302
    assert Publication.objects.get(case=wang_case).entity_statement == "The tax has been paid in full."
    assert (
        "The tax has been paid in full."
        in client.get(reverse("portal:case_detail", args=[wang_case.pk])).content.decode()
    )
    assert client.post(url, {"text": "x" * 501}).status_code == 400


# -- the statement on the pre-decision notice, with evidence (issue 6: "files an objection with a PDF") ----------


@pytest.fixture
def served(clock, wang, rep_wang, serve):
    return serve(wang)


def test_a_statement_with_a_pdf_during_the_window(served, rep_wang, supervisor):
    from audit.models import AccessLog
    from cases.models import StatementAttachment

    StatementAttachment._meta.get_field("file").storage = FilingAttachment._meta.get_field("file").storage
    client = login(rep_wang)
    response = client.post(
        reverse("portal:statement_file", args=[served.pk]),
        {"text": "I object: the tax was paid.", "files": [SimpleUploadedFile("receipt.pdf", PDF)]},
    )
    assert response.status_code == 302
    statement = served.statements.get()
    attachment = statement.attachments.get()
    assert attachment.content_type == "application/pdf" and attachment.history.first().history_user == rep_wang
    receipt = client.get(response["Location"]).content.decode()
    assert "receipt.pdf" in receipt and attachment.sha256 in receipt
    # The supervisor who decides sees it on the case page and downloads it (logged).
    staff = login(supervisor)
    page = staff.get(reverse("admin:cases_case_change", args=[served.pk])).content.decode()
    download = reverse("cases:statement_attachment_download", args=[attachment.pk])
    assert download in page
    assert staff.get(download).status_code == 200
    assert AccessLog.objects.filter(actor=supervisor, action="download").exists()


def test_a_disguised_file_refuses_the_whole_statement(served, rep_wang):
    from cases.models import Statement

    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00"
    response = login(rep_wang).post(
        reverse("portal:statement_file", args=[served.pk]),
        {"text": "I object.", "files": [SimpleUploadedFile("receipt.pdf", png)]},
    )
    assert response.status_code == 400
    assert not Statement.objects.exists()
    served.refresh_from_db()
    assert served.state == State.NOTICE_ISSUED
