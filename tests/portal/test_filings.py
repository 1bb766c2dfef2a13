"""Filing a statement or objection through the portal: the window, the receipt, the refusals."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404
from django.urls import reverse

from cases.models import Statement
from cases.services.filings import statement_file
from cases.workflow import State

from .fixtures import login

pytestmark = pytest.mark.django_db


@pytest.fixture
def served(clock, firm, rep_acme, serve):
    return serve(firm)


def test_filing_during_the_window_records_moves_the_case_and_gives_a_receipt(served, rep_acme):
    receipt = statement_file(case=served, actor=rep_acme, text="We paid the tax on 1 November.")
    served.refresh_from_db()
    assert served.state == State.DECISION_PENDING
    statement = Statement.objects.get(case=served)
    assert statement.recorded_by == rep_acme
    assert receipt.reference == f"S-{served.number}-1"
    history = served.history.first()
    assert history.history_user == rep_acme
    assert "statement filed through the portal" in history.history_change_reason


def test_filing_on_the_last_day_is_accepted(served, rep_acme, clock):
    clock.set(served.statement_window_ends_on, hour=23)
    statement_file(case=served, actor=rep_acme, text="Last-day statement.")
    assert Statement.objects.filter(case=served).count() == 1


def test_filing_after_the_window_is_refused_with_the_closing_date(served, rep_acme, clock):
    clock.set(served.statement_window_ends_on + datetime.timedelta(days=1))
    with pytest.raises(ValidationError) as error:
        statement_file(case=served, actor=rep_acme, text="Too late.")
    assert f"closed on {served.statement_window_ends_on}" in error.value.messages[0]
    assert not Statement.objects.exists()
    served.refresh_from_db()
    assert served.state == State.NOTICE_ISSUED


def test_a_second_filing_is_refused(served, rep_acme):
    statement_file(case=served, actor=rep_acme, text="First.")
    with pytest.raises(ValidationError) as error:
        statement_file(case=served, actor=rep_acme, text="Second.")
    assert "already been filed" in error.value.messages[0]
    assert Statement.objects.count() == 1


def test_another_entitys_representative_gets_404_and_nothing_is_saved(served, rep_wang):
    with pytest.raises(Http404):
        statement_file(case=served, actor=rep_wang, text="Not mine.")
    assert not Statement.objects.exists()


def test_staff_cannot_use_the_portal_service_on_a_case_they_cannot_see(served, db):
    from accounts import roles
    from tests.factories import UserFactory

    with pytest.raises(Http404):
        statement_file(case=served, actor=UserFactory(role=roles.CASEWORKER), text="x")


def test_empty_statement_is_refused(served, rep_acme):
    with pytest.raises(ValidationError):
        statement_file(case=served, actor=rep_acme, text="   ")
    assert not Statement.objects.exists()


def test_statement_page_files_and_shows_the_receipt(served, rep_acme):
    client = login(rep_acme)
    url = reverse("portal:statement_file", args=[served.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"text": "We object: the amount was paid."}, follow=True)
    assert response.status_code == 200
    body = response.content.decode()
    assert f"S-{served.number}-1" in body
    assert "We object: the amount was paid." in body


def test_statement_page_after_the_window_says_when_it_closed_and_saves_nothing(served, rep_acme, clock):
    clock.set(served.statement_window_ends_on + datetime.timedelta(days=3))
    client = login(rep_acme)
    url = reverse("portal:statement_file", args=[served.pk])
    response = client.post(url, {"text": "Late."})
    assert response.status_code == 400
    assert f"closed on {served.statement_window_ends_on}" in response.content.decode()
    assert not Statement.objects.exists()


def test_statement_form_posted_for_another_entitys_case_is_404(served, rep_wang):
    response = login(rep_wang).post(reverse("portal:statement_file", args=[served.pk]), {"text": "x"})
    assert response.status_code == 404
    assert not Statement.objects.exists()


def test_statement_form_needs_csrf(served, rep_acme):
    from django.test import Client

    client = Client(enforce_csrf_checks=True, headers={"Accept-Language": "en"})
    client.force_login(rep_acme)
    response = client.post(reverse("portal:statement_file", args=[served.pk]), {"text": "x"})
    assert response.status_code == 403
    assert not Statement.objects.exists()
