"""The appeals reviewer's workspace in the admin: the queue, the review page and its forms (issue 7)."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from accounts import roles
from cases.models import Filing, FilingAttachment, Publication
from cases.services.filings import filing_objection_file
from cases.workflow import State
from tests.factories import CaseFactory, UserFactory

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
def reviewer(db):
    return UserFactory(role=roles.APPEALS_REVIEWER, username="reviewer")


@pytest.fixture
def objection(clock, firm, rep_acme, serve, sanction):
    case = sanction(serve(firm))
    return filing_objection_file(
        case=case, actor=rep_acme, text="Paid on 1 October.", uploads=[SimpleUploadedFile("paid.pdf", PDF)]
    )


def _client(client, user):
    client.force_login(user)
    return client


def test_the_queue_lists_open_filings_most_overdue_first(client, reviewer, objection, clock):
    clock.set(objection.due_on + datetime.timedelta(days=1))
    response = _client(client, reviewer).get(reverse("admin:cases_filing_queue"))
    assert response.status_code == 200
    sections = dict(response.context["sections"])
    assert [f.pk for f in sections["objection to the record"]] == [objection.pk]
    assert b"overdue" in response.content and objection.reference.encode() in response.content


@pytest.mark.parametrize("rows", [5, 40])
def test_queue_query_count_is_fixed(client, reviewer, django_assert_max_num_queries, rows):
    filer = UserFactory(role=roles.ENTITY_REPRESENTATIVE)
    today = timezone.localdate()
    cases = [CaseFactory(state=State.SANCTIONED, grants=False) for _ in range(rows)]
    Filing.objects.bulk_create(
        Filing(
            case=case,
            kind=Filing.Kind.OBJECTION,
            reference=f"O-{case.number}-1",
            text="x",
            filed_by=filer,
            due_on=today + datetime.timedelta(days=i % 7 - 3),
        )
        for i, case in enumerate(cases)
    )
    client = _client(client, reviewer)
    with django_assert_max_num_queries(10):
        response = client.get(reverse("admin:cases_filing_queue"))
    assert len(dict(response.context["sections"])["objection to the record"]) == rows
    dues = [f.due_on for f in dict(response.context["sections"])["objection to the record"]]
    assert dues == sorted(dues)


def test_only_appeals_reviewers_have_a_queue(client, supervisor):
    assert _client(client, supervisor).get(reverse("admin:cases_filing_queue")).status_code == 403


def test_the_review_page_shows_both_sides_and_the_reviewers_forms(client, reviewer, objection):
    response = _client(client, reviewer).get(reverse("admin:cases_filing_change", args=[objection.pk]))
    assert response.status_code == 200
    assert set(response.context["forms"]) == {"decide", "correct"}
    content = response.content.decode()
    assert "paid.pdf" in content and "Paid on 1 October." in content
    assert reverse("cases:filing_attachment_download", args=[objection.attachments.get().pk]) in content


def test_the_deciding_supervisor_sees_the_page_without_forms(client, supervisor, objection):
    response = _client(client, supervisor).get(reverse("admin:cases_filing_change", args=[objection.pk]))
    assert response.status_code == 200 and response.context["forms"] == {}
    step = reverse("admin:cases_filing_step", args=[objection.pk, "decide"])
    response = client.post(step, {"decide-version": objection.version, "decide-outcome": "revoked"})
    assert response.status_code == 403
    assert Filing.objects.get(pk=objection.pk).status == "filed"


def test_deciding_from_the_review_page(client, reviewer, objection):
    step = reverse("admin:cases_filing_step", args=[objection.pk, "decide"])
    client = _client(client, reviewer)
    response = client.post(step, {"decide-version": objection.version, "decide-outcome": "revoked"})
    assert response.status_code == 400  # reasons are required; nothing happened
    assert "This field is required" in response.content.decode()
    assert Filing.objects.get(pk=objection.pk).status == "filed"

    response = client.post(
        step, {"decide-version": objection.version, "decide-outcome": "revoked", "decide-reasons": "Paid in time."}
    )
    assert response.status_code == 302
    objection.refresh_from_db()
    assert objection.outcome == "revoked" and objection.case.state == State.REVOKED
    assert not Publication.objects.get(case=objection.case).is_visible()


def test_a_stale_review_page_gets_a_conflict_message(client, reviewer, objection):
    step = reverse("admin:cases_filing_step", args=[objection.pk, "decide"])
    data = {"decide-version": objection.version - 1, "decide-outcome": "dismissed", "decide-reasons": "x"}
    response = _client(client, reviewer).post(step, data, follow=True)
    assert "changed by someone else" in response.content.decode()
    assert Filing.objects.get(pk=objection.pk).status == "filed"


def test_a_correction_through_the_pages_needs_two_reviewers(client, reviewer, objection):
    measure = objection.case.sanctions.get()
    step = reverse("admin:cases_filing_step", args=[objection.pk, "correct"])
    data = {
        "correct-version": objection.version, "correct-outcome": "corrected", "correct-reasons": "Shorter.",
        f"correct-measure_{measure.pk}": "shorten", f"correct-end_{measure.pk}": "",
    }  # fmt: skip
    client = _client(client, reviewer)
    response = client.post(step, data)
    assert response.status_code == 400 and "Enter the new end date." in response.content.decode()
    data[f"correct-end_{measure.pk}"] = "2027-06-01"
    assert client.post(step, data).status_code == 302
    objection.refresh_from_db()
    assert objection.status == "correction_proposed"
    # The proposer is offered nothing more; a second reviewer confirms.
    assert client.get(reverse("admin:cases_filing_change", args=[objection.pk])).context["forms"] == {}
    other = _client(type(client)(), UserFactory(role=roles.APPEALS_REVIEWER))
    confirm = reverse("admin:cases_filing_step", args=[objection.pk, "confirm"])
    assert other.post(confirm, {"confirm-version": objection.version}).status_code == 302
    measure.refresh_from_db()
    assert measure.planned_end_on == datetime.date(2027, 6, 1)


def test_the_case_list_and_page_show_the_objection_flag(client, supervisor, objection):
    client = _client(client, supervisor)
    response = client.get(reverse("admin:cases_case_changelist"), {"all": ""})
    assert "under objection" in response.content.decode()
    response = client.get(reverse("admin:cases_case_change", args=[objection.case_id]))
    assert objection.reference in response.content.decode()
    # The published entry carries the flag too.
    publication = Publication.objects.get(case=objection.case)
    response = client.get(reverse("admin:cases_publication_change", args=[publication.pk]))
    assert "under objection" in response.content.decode()


def test_attachment_download_is_logged(client, reviewer, objection):
    from audit.models import AccessLog

    attachment = objection.attachments.get()
    response = _client(client, reviewer).get(reverse("cases:filing_attachment_download", args=[attachment.pk]))
    assert response.status_code == 200 and response["Content-Disposition"].startswith("attachment")
    assert AccessLog.objects.filter(actor=reviewer, action="download").count() == 1
