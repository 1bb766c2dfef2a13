"""Readable timelines, the auditor's activity view and its CSV export (issue 8)."""

import pytest
from django.urls import reverse

from accounts import roles
from audit.models import AccessLog
from audit.timeline import case_timeline, entity_timeline, user_activity
from cases import services
from cases.services.access import case_grant_user
from tests.factories import EntityFactory, UserFactory


@pytest.fixture
def submitted(make_draft, caseworker):
    return services.case_submit(case=make_draft(), actor=caseworker)


@pytest.fixture
def auditor(db):
    return UserFactory(role=roles.AUDITOR)


def test_case_timeline_has_diffs_decisions_grants_and_accesses(submitted, caseworker, supervisor):
    case = services.case_approve(case=submitted, actor=supervisor)
    reviewer = UserFactory(role=roles.APPEALS_REVIEWER)
    case_grant_user(case=case, actor=supervisor, user=reviewer, reason="second opinion")
    AccessLog.objects.create(
        actor=supervisor, action="view", target_type_id=_ct(case), target_id=case.pk, purpose="check"
    )
    events = case_timeline(case)
    titles = [e.title for e in events]
    assert events == sorted(events, key=lambda e: e.sort_key, reverse=True)
    assert any(t.startswith("case #") and "changed" in t for t in titles)
    assert any("notice" in t.lower() for t in titles)
    assert any(e.kind == "grant" for e in events)
    assert any(e.kind == "access" for e in events)
    state_changes = [c for e in events for c in e.changes if c.label == "state"]
    assert any(c.old and c.new and c.old != c.new for c in state_changes)
    assert all(e.actor is not None for e in events if e.kind != "access")


def _ct(obj):
    from django.contrib.contenttypes.models import ContentType

    return ContentType.objects.get_for_model(obj).pk


def test_identity_numbers_are_masked_in_diffs(db, supervisor):
    person = EntityFactory(person=True, name="Qian Qi")
    events = entity_timeline(person)
    changes = {c.label: c for e in events for c in e.changes}
    assert "identity number (encrypted)" in changes
    assert changes["identity number (encrypted)"].new == "recorded"
    assert not any("hash" in label for label in changes)
    flat = " ".join(f"{c.old} {c.new}" for c in changes.values())
    assert person.id_number not in flat


def test_timeline_page_logs_the_view_and_hides_identifiers(client, db, supervisor):
    person = EntityFactory(person=True, name="Sun Ba")
    client.force_login(supervisor)
    response = client.get(reverse("admin:audit_timeline_entity", args=[person.pk]))
    assert response.status_code == 200
    assert person.id_number not in response.content.decode()
    log = AccessLog.objects.get(actor=supervisor)
    assert (log.action, log.target_id, log.field) == ("view", person.pk, "timeline")


def test_case_page_links_to_its_timeline(client, submitted, caseworker):
    client.force_login(caseworker)
    response = client.get(reverse("admin:cases_case_change", args=[submitted.pk]))
    assert reverse("admin:audit_timeline_case", args=[submitted.pk]) in response.content.decode()


def test_out_of_scope_case_timeline_is_404(client, submitted, other_caseworker):
    client.force_login(other_caseworker)
    assert client.get(reverse("admin:audit_timeline_case", args=[submitted.pk])).status_code == 404
    assert not AccessLog.objects.exists()


def test_user_activity_lists_changes_and_reads_in_period(submitted, caseworker, supervisor):
    AccessLog.objects.create(
        actor=caseworker, action="view", target_type_id=_ct(submitted), target_id=submitted.pk, purpose="p"
    )
    events = user_activity(caseworker)
    assert any(e.kind == "access" for e in events)
    assert any("case #" in e.title for e in events)
    assert all(e.actor == caseworker for e in events)
    assert user_activity(supervisor) == []


def test_activity_csv_export_is_logged_before_it_is_returned(client, submitted, caseworker, auditor):
    client.force_login(auditor)
    url = reverse("admin:audit_activity")
    refused = client.get(url, {"user": caseworker.username, "format": "csv"})
    assert refused.status_code == 200 and "State why" in refused.content.decode()
    assert not AccessLog.objects.filter(action="export").exists()
    response = client.get(url, {"user": caseworker.username, "format": "csv", "purpose": "annual audit"})
    assert response["Content-Type"].startswith("text/csv")
    body = response.content.decode("utf-8-sig")
    assert "case #" in body
    log = AccessLog.objects.get(action="export")
    assert (log.actor, log.target_id, log.purpose) == (auditor, caseworker.pk, "annual audit")


def test_activity_page_filters_by_period_and_logs_the_view(client, submitted, caseworker, auditor):
    client.force_login(auditor)
    url = reverse("admin:audit_activity")
    response = client.get(url, {"user": caseworker.username, "start": "2000-01-01", "end": "2000-01-02"})
    assert response.status_code == 200 and "Nothing recorded" in response.content.decode()
    assert AccessLog.objects.filter(action="view", field="activity", target_id=caseworker.pk).exists()


def test_activity_view_is_for_auditors_only(client, caseworker):
    client.force_login(caseworker)
    assert client.get(reverse("admin:audit_activity")).status_code == 404
