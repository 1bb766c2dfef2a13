"""Appeals within the deadline, credit repair once eligible, proofs checked like evidence; refusals state the date."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404
from django.urls import reverse

from cases.models import Filing, FilingAttachment
from cases.services.filings import appeal_deadline, filing_appeal_file, filing_repair_apply

from .fixtures import login

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00"


@pytest.fixture
def vault(settings, tmp_path):
    from django.core.files.storage import storages

    settings.STORAGES = {
        **settings.STORAGES,
        "evidence": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": tmp_path}},
    }
    storages._storages.pop("evidence", None)
    FilingAttachment._meta.get_field("file").storage = storages["evidence"]
    return tmp_path


@pytest.fixture
def decided(clock, firm, rep_acme, serve, sanction):
    return sanction(serve(firm))


def test_appeal_within_the_deadline_gets_a_reference(decided, rep_acme, vault):
    filing = filing_appeal_file(
        case=decided, actor=rep_acme, text="The amount was paid.", uploads=[SimpleUploadedFile("receipt.pdf", PDF)]
    )
    assert filing.reference == f"A-{decided.number}-1"
    assert filing.filed_by == rep_acme and filing.history.first().history_user == rep_acme
    assert filing.attachments.get().content_type == "application/pdf"


def test_appeal_after_the_deadline_is_refused_with_the_date(decided, rep_acme, clock):
    deadline = appeal_deadline(decided)
    clock.set(deadline + datetime.timedelta(days=1))
    with pytest.raises(ValidationError) as error:
        filing_appeal_file(case=decided, actor=rep_acme, text="Late.")
    assert f"was {deadline}" in error.value.messages[0]
    assert not Filing.objects.exists()


def test_appeal_on_a_case_not_yet_decided_is_refused(clock, firm, rep_acme, serve):
    served = serve(firm)
    with pytest.raises(ValidationError) as error:
        filing_appeal_file(case=served, actor=rep_acme, text="x")
    assert "no sanction decision" in error.value.messages[0]


def test_repair_before_eligibility_is_refused_with_the_opening_date(decided, rep_acme):
    with pytest.raises(ValidationError) as error:
        filing_repair_apply(case=decided, actor=rep_acme, commitment="I will comply.")
    assert f"from {decided.repair_earliest_on}" in error.value.messages[0]
    assert not Filing.objects.exists()


def test_repair_once_eligible_with_proof(decided, rep_acme, clock, vault):
    clock.set(decided.repair_earliest_on)
    filing = filing_repair_apply(
        case=decided, actor=rep_acme, commitment="I paid and will comply.",
        uploads=[SimpleUploadedFile("paid.pdf", PDF)],
    )  # fmt: skip
    assert filing.reference == f"R-{decided.number}-1"
    with pytest.raises(ValidationError) as error:
        filing_repair_apply(case=decided, actor=rep_acme, commitment="Again.")
    assert "is still being reviewed" in error.value.messages[0]


def test_disguised_upload_is_refused_and_nothing_is_saved(decided, rep_acme, vault):
    with pytest.raises(ValidationError) as error:
        filing_appeal_file(case=decided, actor=rep_acme, text="x", uploads=[SimpleUploadedFile("scan.pdf", PNG)])
    assert "files" in error.value.error_dict
    assert not Filing.objects.exists() and not FilingAttachment.objects.exists()
    assert not any(vault.rglob("*.*")) and not [p for p in vault.rglob("*") if p.is_file()]


def test_oversized_upload_is_refused_and_nothing_is_saved(decided, rep_acme, vault, settings):
    settings.EVIDENCE_MAX_BYTES = 1024
    with pytest.raises(ValidationError):
        filing_appeal_file(
            case=decided, actor=rep_acme, text="x", uploads=[SimpleUploadedFile("big.pdf", PDF + b"0" * 2048)]
        )
    assert not Filing.objects.exists()
    assert not [p for p in vault.rglob("*") if p.is_file()]


def test_another_entitys_representative_cannot_file(decided, rep_wang):
    with pytest.raises(Http404):
        filing_appeal_file(case=decided, actor=rep_wang, text="x")
    response = login(rep_wang).post(reverse("portal:appeal_file", args=[decided.pk]), {"text": "x"})
    assert response.status_code == 404
    assert not Filing.objects.exists()


def test_appeal_and_repair_pages(decided, rep_acme, clock, vault):
    client = login(rep_acme)
    response = client.post(
        reverse("portal:appeal_file", args=[decided.pk]),
        {"text": "Grounds.", "files": [SimpleUploadedFile("a.pdf", PDF)]},
        follow=True,
    )
    assert response.status_code == 200 and f"A-{decided.number}-1" in response.content.decode()
    body = client.get(reverse("portal:repair_apply", args=[decided.pk])).content.decode()
    assert f"from {decided.repair_earliest_on}" in body
    clock.set(decided.repair_earliest_on)
    client = login(rep_acme)  # a year later: the earlier session has expired
    response = client.post(reverse("portal:repair_apply", args=[decided.pk]), {"commitment": "I comply."}, follow=True)
    assert f"R-{decided.number}-1" in response.content.decode()
    detail = client.get(reverse("portal:case_detail", args=[decided.pk])).content.decode()
    assert f"A-{decided.number}-1" in detail and f"R-{decided.number}-1" in detail


def test_disguised_upload_through_the_page_shows_the_error(decided, rep_acme, vault):
    response = login(rep_acme).post(
        reverse("portal:appeal_file", args=[decided.pk]), {"text": "x", "files": [SimpleUploadedFile("scan.pdf", PNG)]}
    )
    assert response.status_code == 400
    assert not Filing.objects.exists()


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("script.pdf", b"%PDF-1.4\n1 0 obj << /OpenAction << /S /JavaScript /JS (x) >> >> endobj\n", "active content"),
        ("bomb.docx", None, "compressed more than 100 times"),
    ],
)
def test_active_content_or_archive_bombs_are_refused_on_the_page(decided, rep_acme, vault, name, data, message):
    from tests.cases.test_evidence import _bomb

    data = data or _bomb(128 * 1024 * 1024)
    response = login(rep_acme).post(
        reverse("portal:appeal_file", args=[decided.pk]), {"text": "x", "files": [SimpleUploadedFile(name, data)]}
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Filing.objects.exists()


def test_more_files_than_a_request_may_carry_get_the_forms_message_and_keep_the_text(decided, rep_acme, vault):
    """Fifteen files: the form's own message, the text kept, nothing filed (not Django's bare 400 page)."""
    client = login(rep_acme)
    client.handler.enforce_csrf_checks = True  # the CSRF check reads the body first, as in production
    url = reverse("portal:appeal_file", args=[decided.pk])
    token = client.get(url).context["csrf_token"]
    files = [SimpleUploadedFile(f"p{n}.pdf", PDF) for n in range(15)]
    response = client.post(url, {"csrfmiddlewaretoken": token, "text": "My grounds.", "files": files})
    assert response.status_code == 400
    body = response.content.decode()
    assert "Attach at most 5 files." in body
    assert "My grounds." in body
    assert not Filing.objects.exists() and not FilingAttachment.objects.exists()
