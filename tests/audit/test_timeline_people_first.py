"""Timelines open with what people did, reasons in the reader's language, bookkeeping folded (issue 25)."""

import re

import pytest
from django.urls import reverse
from django.utils import translation

from audit.timeline import case_timeline, reason_label, split
from cases import services
from cases.services import notifications


@pytest.fixture
def approved(make_draft, caseworker, supervisor):
    case = services.case_submit(case=make_draft(), actor=caseworker)
    case = services.case_approve(case=case, actor=supervisor, reasons="Facts verified")
    # The staff are told; the e-mail sender then records its attempt on each notification (bookkeeping).
    for notification in notifications.notification_send_decision_due(case, actor=supervisor):
        notifications.notification_email_send(notification_id=notification.pk)
    return case


def test_fixed_reasons_are_translated_and_free_text_kept():
    assert reason_label("approve: Facts verified") == "approve and issue notice: Facts verified"
    assert reason_label("notification: notice_served") == "notification: notice served"
    assert reason_label("draft created") == "draft created"
    assert reason_label("something a person wrote") == "something a person wrote"
    assert reason_label("") == ""
    with translation.override("zh-hans"):
        translated = reason_label("approve: Facts verified")
        assert translated.endswith(": Facts verified")
        assert not translated.startswith("approve")
        assert reason_label("notification: notice_served") != "notification: notice served"


def test_email_bookkeeping_is_split_from_peoples_actions(approved):
    people, technical = split(case_timeline(approved))
    assert technical
    assert all(event.title.startswith("notification") and "changed" in event.title for event in technical)
    assert not any(event.title.startswith("notification") and "changed" in event.title for event in people)
    assert any(event.reason == "approve and issue notice: Facts verified" for event in people)
    assert any(event.reason == "notification: case awaits decision" for event in people)


def test_timeline_page_shows_people_first_and_folds_bookkeeping(client, approved, supervisor):
    client.force_login(supervisor)
    html = client.get(reverse("admin:audit_timeline_case", args=[approved.pk])).text
    main, folded = html.split('<details class="audit-technical">')
    assert "approve and issue notice: Facts verified" in main
    assert not re.search(r"notification #\d+ changed", main)
    assert re.search(r"<summary>\d+ technical rows? \(e-mail delivery bookkeeping\)</summary>", folded)
    assert re.search(r"notification #\d+ changed", folded)
    assert "notification: case awaits decision" in main
    assert "notification: decision_due" not in html
