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


# -- readable values: related records by name, identifiers masked ------------------------------------------


def _resolved(events):
    from audit.timeline import resolve

    return resolve(events)


def test_foreign_keys_read_as_the_related_records_label(submitted, caseworker, supervisor):
    from cases.models import CatalogueItem, MeasureType

    caseworker.first_name, caseworker.last_name = "Chen", "Yi"
    caseworker.save()
    reviewer = UserFactory(role=roles.APPEALS_REVIEWER, first_name="Lin", last_name="Er")
    case_grant_user(case=submitted, actor=supervisor, user=reviewer, reason="second opinion")
    events = _resolved(case_timeline(submitted))
    changes = [(c.label, c.new) for e in events for c in e.changes]
    assert ("conduct (catalogue item)", str(CatalogueItem.objects.get(code="tax_major_violation"))) in changes
    assert ("measure", str(MeasureType.objects.get(code="public_disclosure"))) in changes
    assert ("caseworker", "Chen Yi (cw_tax)") in changes
    assert ("user", "Lin Er (" + reviewer.username + ")") in changes
    assert not any(str(value).startswith("#") for _label, value in changes)
    # Each event names its record too: the case by its number.
    assert any(e.subject == submitted.number for e in events)


def test_related_persons_are_labelled_with_the_masked_identity_number(db, supervisor, firm):
    from entities.models import EntityRelation
    from entities.services import relation_add

    person = EntityFactory(person=True, name="Zhou Jiu")
    relation_add(actor=supervisor, organisation=firm, person=person, role=EntityRelation.Role.LEGAL_REPRESENTATIVE)
    events = _resolved(entity_timeline(firm))
    persons = [c.new for e in events for c in e.changes if c.label == "person"]
    assert persons == [f"Zhou Jiu ({person.id_number_masked})"]
    assert person.id_number not in persons[0] and "*" in persons[0]


def test_a_deleted_related_record_reads_as_its_id(submitted, supervisor):
    from cases.services.access import case_revoke_user

    reviewer = UserFactory(role=roles.APPEALS_REVIEWER)
    case_grant_user(case=submitted, actor=supervisor, user=reviewer, reason="a while")
    case_revoke_user(case=submitted, actor=supervisor, user=reviewer, reason="done")
    grants = [e for e in _resolved(case_timeline(submitted)) if e.kind == "grant" and "deleted" in e.title]
    assert grants and grants[0].subject == ""  # the grant row is gone; its title still names it by id


# -- pagination and a fixed number of queries per page -----------------------------------------------------


def _timeline_queries(client, url, **params):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params)
    assert response.status_code == 200
    return len(queries), response


def _more_entries(case, supervisor, count):
    """``count`` more timeline entries: grants to distinct people, and reads of the case."""
    for index in range(count // 2):
        case_grant_user(case=case, actor=supervisor, user=UserFactory(role=roles.APPEALS_REVIEWER), reason="r")
        AccessLog.objects.create(
            actor=supervisor, action="view", target_type_id=_ct(case), target_id=case.pk, purpose=f"check {index}"
        )


def test_timeline_queries_do_not_grow_with_its_length(client, submitted, supervisor):
    """Labels are looked up per related model on the page shown, never per entry."""
    from audit.timeline import PER_PAGE

    client.force_login(supervisor)
    url = reverse("admin:audit_timeline_case", args=[submitted.pk])
    assert len(case_timeline(submitted)) < PER_PAGE
    client.get(url)  # warm the caches (content types, the session) as any earlier page would
    few, _response = _timeline_queries(client, url)
    _more_entries(submitted, supervisor, 3 * PER_PAGE)
    assert len(case_timeline(submitted)) > 3 * PER_PAGE
    many, response = _timeline_queries(client, url)
    second, _response = _timeline_queries(client, url, page=2)
    third, _response = _timeline_queries(client, url, page=3)
    # A page of grants and reads names fewer kinds of record than a draft's page (measures, documents...).
    assert many <= few
    assert many == second == third
    assert len(response.context["events"]) == PER_PAGE


def test_entity_timeline_with_5_and_50_entries_costs_the_same(client, db, supervisor, firm):
    from entities.models import Representative
    from entities.services import representative_add

    client.force_login(supervisor)
    url = reverse("admin:audit_timeline_entity", args=[firm.pk])
    client.get(url)  # warm the caches (content types, the session) as any earlier page would

    def grow_to(total):
        # Each unit: a representative registered (labels: the portal user, the entity, who verified) and a read.
        while len(entity_timeline(firm)) < total:
            representative_add(
                actor=supervisor, user=UserFactory(role=roles.ENTITY_REPRESENTATIVE), entity=firm,
                relationship=Representative.Relationship.AUTHORISED_AGENT,
            )  # fmt: skip
            AccessLog.objects.create(
                actor=UserFactory(role=roles.AUDITOR), action="view", target_type_id=_ct(firm),
                target_id=firm.pk, purpose="p",
            )  # fmt: skip

    grow_to(5)
    five, response = _timeline_queries(client, url)
    assert 5 <= len(response.context["events"]) < 10
    grow_to(50)
    fifty, response = _timeline_queries(client, url)
    assert len(response.context["events"]) == 50
    assert five == fifty


def test_timeline_pages_are_newest_first_and_linked(client, submitted, supervisor):
    client.force_login(supervisor)
    _more_entries(submitted, supervisor, 80)
    url = reverse("admin:audit_timeline_case", args=[submitted.pk])
    first = client.get(url)
    second = client.get(url, {"page": 2})
    page1, page2 = first.context["events"], second.context["events"]
    assert page1[0].at >= page1[-1].at >= page2[0].at >= page2[-1].at
    body = first.content.decode()
    assert "page=2" in body and "Page 1 of" in body
    assert client.get(url, {"page": "999"}).status_code == 200  # past the end: the last page
    assert client.get(url, {"page": "x"}).status_code == 200  # not a number: the first page


def test_one_chronological_view_across_kinds(client, submitted, supervisor):
    case = services.case_approve(case=submitted, actor=supervisor)
    case_grant_user(case=case, actor=supervisor, user=UserFactory(role=roles.APPEALS_REVIEWER), reason="r")
    AccessLog.objects.create(actor=supervisor, action="view", target_type_id=_ct(case), target_id=case.pk, purpose="p")
    events = case_timeline(case)
    assert {e.kind for e in events} == {"change", "grant", "access"}
    assert [e.sort_key for e in events] == sorted((e.sort_key for e in events), reverse=True)
    titles = " ".join(e.title for e in events)
    assert "decision" in titles and "notice" in titles


# -- the auditor's view: filters --------------------------------------------------------------------------


def test_activity_filters_by_kind(submitted, caseworker, supervisor):
    case = services.case_approve(case=submitted, actor=supervisor)
    case_grant_user(case=case, actor=supervisor, user=UserFactory(role=roles.APPEALS_REVIEWER), reason="r")
    AccessLog.objects.create(actor=supervisor, action="view", target_type_id=_ct(case), target_id=case.pk, purpose="p")
    assert {e.kind for e in user_activity(supervisor)} == {"change", "grant", "access"}
    for kind in ("change", "grant", "access"):
        assert {e.kind for e in user_activity(supervisor, kinds=[kind])} == {kind}


def test_activity_page_filters_by_kind_and_keeps_it_in_the_export(client, submitted, caseworker, supervisor, auditor):
    case = services.case_approve(case=submitted, actor=supervisor)
    case_grant_user(case=case, actor=supervisor, user=UserFactory(role=roles.APPEALS_REVIEWER), reason="why")
    client.force_login(auditor)
    url = reverse("admin:audit_activity")
    response = client.get(url, {"user": supervisor.username, "kind": "grant"})
    assert {e.kind for e in response.context["events"]} == {"grant"}
    export = client.get(url, {"user": supervisor.username, "kind": "grant", "format": "csv", "purpose": "review"})
    rows = export.content.decode("utf-8-sig").splitlines()[1:]
    assert rows and all(",grant," in row for row in rows)
    assert AccessLog.objects.filter(action="export", actor=auditor, purpose="review").count() == 1


def test_activity_of_a_period_diffs_against_the_version_before_it(make_draft, caseworker):
    """A change made in the period is shown against the version before the period, not as a creation."""
    import datetime

    from django.utils import timezone

    from cases.services import case_update

    draft = make_draft()
    start = timezone.now() + datetime.timedelta(microseconds=1)
    case_update(case=draft, actor=caseworker, facts="Corrected facts.", catalogue_item=draft.catalogue_item,
                severity=draft.severity, internal_notes="")  # fmt: skip
    events = _resolved(user_activity(caseworker, start=start))
    facts = [c for e in events for c in e.changes if c.label == "facts"]
    assert facts and facts[0].old and facts[0].new == "Corrected facts."


def test_times_in_diffs_read_in_the_offices_time_zone(submitted, supervisor):
    """A datetime is stored in UTC; the timeline shows it as the office reads clocks (Asia/Shanghai), to the minute."""
    import datetime

    from django.utils import timezone

    case = services.case_approve(case=submitted, actor=supervisor)
    submitted_at = [c for e in case_timeline(case) for c in e.changes if c.label == "submitted at" and c.new]
    assert submitted_at
    expected = timezone.localtime(case.submitted_at).strftime("%Y-%m-%d %H:%M")
    assert submitted_at[-1].new == expected
    assert timezone.localtime(case.submitted_at).utcoffset() == datetime.timedelta(hours=8)
