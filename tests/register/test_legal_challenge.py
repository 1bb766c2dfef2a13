"""Under legal challenge (issue 18): staff record a reconsideration or lawsuit and its end; the register shows it."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.urls import reverse

from accounts import roles
from cases.models import Case
from cases.services.challenges import case_legal_challenge_end, case_legal_challenge_file
from register.models import Listing
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
FILED = {"kind": "litigation", "forum": "Beijing Xicheng District People's Court", "reasons": "(2026)京0102行初12号"}


def _file(case, actor, **changes):
    return case_legal_challenge_file(
        case=case, actor=actor, **{**FILED, "filed_on": datetime.date(2026, 11, 16), **changes}
    )


def test_filing_and_ending_set_the_flag_with_reasons_in_the_history(publish, supervisor, client):
    listing = publish()
    case = listing.publication.case
    _file(case, supervisor)
    assert Case.objects.get(pk=case.pk).under_legal_challenge
    listing.refresh_from_db()
    assert listing.content["under_legal_challenge"] is True
    page = client.get(reverse("register:record", args=[listing.token])).content.decode()
    assert "under legal challenge" in page
    case_legal_challenge_end(
        case=case, actor=supervisor, ended_on=datetime.date(2026, 11, 16), outcome="Claim dismissed."
    )
    assert not Listing.objects.get(pk=listing.pk).content["under_legal_challenge"]
    reasons = list(
        Case.history.filter(id=case.pk).order_by("history_id").values_list("history_change_reason", "history_user")
    )
    assert (
        reasons[-2][0].startswith("legal challenge filed: litigation, Beijing Xicheng")
        and reasons[-2][1] == supervisor.pk
    )
    assert reasons[-1][0] == "legal challenge ended on 2026-11-16: Claim dismissed."


def test_each_refusal_has_its_message(publish, supervisor, caseworker, make_draft):
    case = publish().publication.case
    with pytest.raises(ValidationError, match="required"):
        _file(case, supervisor, forum=" ")
    with pytest.raises(ValidationError, match="future"):
        _file(case, supervisor, filed_on=datetime.date(2026, 11, 17))
    with pytest.raises(ValidationError, match="reconsideration or litigation"):
        _file(case, supervisor, kind="petition")
    with pytest.raises(ValidationError, match="No legal challenge is pending"):
        case_legal_challenge_end(case=case, actor=supervisor, ended_on=datetime.date(2026, 11, 16), outcome="x")
    _file(case, supervisor)
    with pytest.raises(ValidationError, match="already recorded"):
        _file(case, supervisor)
    with pytest.raises(PermissionDenied):
        case_legal_challenge_end(case=case, actor=caseworker, ended_on=datetime.date(2026, 11, 16), outcome="x")
    with pytest.raises(ValidationError, match="Only a decision in force"):
        _file(make_draft(), supervisor)


def test_a_supervisor_of_another_department_gets_404(publish, market_department):
    case = publish().publication.case
    outsider = UserFactory(role=roles.SUPERVISOR, department=market_department, username="sup_mkt")
    with pytest.raises(Http404):
        _file(case, outsider)


def test_the_admin_step_records_and_ends_a_challenge(publish, supervisor, client):
    case = publish().publication.case
    client.force_login(supervisor)
    change = client.get(reverse("admin:cases_case_change", args=[case.pk])).content.decode()
    url = reverse("admin:cases_case_legal_challenge", args=[case.pk])
    assert url in change and "Record a legal challenge" in change
    refused = client.post(url, {**FILED, "filed_on": "2026-11-16", "forum": ""})
    assert refused.status_code == 200 and "This field is required." in refused.content.decode()
    assert client.post(url, {**FILED, "filed_on": "2026-11-16"}).status_code == 302
    assert Case.objects.get(pk=case.pk).under_legal_challenge
    assert "End of the legal challenge" in client.get(url).content.decode()
    assert client.post(url, {"ended_on": "2026-11-16", "outcome": "Withdrawn by the plaintiff."}).status_code == 302
    assert not Case.objects.get(pk=case.pk).under_legal_challenge


def test_a_caseworker_cannot_open_the_step(publish, caseworker, client):
    case = publish().publication.case
    client.force_login(caseworker)
    assert client.get(reverse("admin:cases_case_legal_challenge", args=[case.pk])).status_code == 403
