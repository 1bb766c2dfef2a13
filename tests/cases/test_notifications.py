"""Notifications (issue 5): enqueued iff the transaction commits, e-mailed in the recipient's language, retried."""

import datetime

import pytest
from django.contrib.auth.models import Permission
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.core.mail import EmailMessage
from django.core.management import call_command
from django.db import connection, transaction
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from accounts import roles
from cases import services
from cases.models import Case, Notification
from cases.services import notifications
from cases.services.sweep import sweep
from cases.workflow import State
from entities.services import representative_add
from tests.cases.frozen_clock import FrozenClock
from tests.factories import CaseFactory, UserFactory

pytestmark = pytest.mark.django_db

D = datetime.date
DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
Status = Notification.EmailStatus


@pytest.fixture
def clock(monkeypatch):
    return FrozenClock(monkeypatch, D(2026, 11, 2))


@pytest.fixture
def reps(firm, clock):
    """Two representatives of the firm: one reads Chinese, one English."""
    zh = UserFactory(role=roles.ENTITY_REPRESENTATIVE, username="rep_zh", preferred_language="zh-hans")
    en = UserFactory(role=roles.ENTITY_REPRESENTATIVE, username="rep_en", preferred_language="en")
    for user in (zh, en):
        representative_add(actor=None, user=user, entity=firm, relationship="authorised_agent")
    return zh, en


@pytest.fixture
def submitted(clock, make_draft, caseworker):
    return services.case_submit(case=make_draft(), actor=caseworker)


def _approve(case, supervisor):
    return services.case_approve(case=case, actor=supervisor, reasons="Verified.")


# -- enqueued if and only if the transaction commits ---------------------------------------------------


def test_a_committed_change_enqueues_one_e_mail_per_recipient(
    submitted, supervisor, reps, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        case = _approve(submitted, supervisor)
    rows = Notification.objects.filter(case=case, kind="notice_served")
    assert {n.recipient for n in rows} == set(reps)
    assert len(callbacks) == 2 and not mail.outbox  # nothing is sent before the commit
    for callback in callbacks:
        callback()
    assert sorted(m.to[0] for m in mail.outbox) == sorted(u.email for u in reps)
    assert set(Notification.objects.values_list("email_status", flat=True)) == {Status.SENT}


def test_a_change_that_rolls_back_leaves_no_notification_and_sends_nothing(
    submitted, supervisor, reps, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            _approve(submitted, supervisor)
            raise RuntimeError("the request failed after the service")
    assert callbacks == []
    assert not Notification.objects.exists() and not mail.outbox
    assert Case.objects.get(pk=submitted.pk).state == State.SUBMITTED


@override_settings(TASKS=DATABASE_TASKS)
def test_with_the_database_backend_the_task_row_exists_only_after_commit(
    submitted, supervisor, reps, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(RuntimeError), transaction.atomic():
            _approve(submitted, supervisor)
            raise RuntimeError("rolled back")
    assert not DBTaskResult.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        _approve(submitted, supervisor)
    tasks = DBTaskResult.objects.all()
    assert len(tasks) == 2 and {t.task_path for t in tasks} == {"cases.tasks.send_notification_email"}
    assert not mail.outbox  # the worker sends them, not the request


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@override_settings(TASKS=DATABASE_TASKS)
def test_the_worker_sends_what_was_enqueued(make_draft, caseworker, supervisor, firm):
    rep = UserFactory(role=roles.ENTITY_REPRESENTATIVE, username="rep_worker", preferred_language="en")
    representative_add(actor=None, user=rep, entity=firm, relationship="authorised_agent")
    _approve(services.case_submit(case=make_draft(), actor=caseworker), supervisor)
    assert DBTaskResult.objects.filter(status="READY").count() == 1 and not mail.outbox
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)
    assert [m.to for m in mail.outbox] == [[rep.email]]
    assert Notification.objects.get().email_status == Status.SENT
    assert DBTaskResult.objects.get().status == "SUCCESSFUL"


# -- content and language ---------------------------------------------------------------------------------


def test_each_recipient_gets_the_notice_in_their_language(
    submitted, supervisor, reps, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        case = _approve(submitted, supervisor)
    by_recipient = {m.to[0]: m for m in mail.outbox}
    zh, en = (by_recipient[u.email] for u in reps)
    assert zh.subject == f"失信行为认定事先告知书（案件编号 {case.number}）"
    assert "陈述和申辩" in zh.body and "statement and defence" not in zh.body
    assert en.subject == f"Notice prior to a decision on dishonest conduct — case {case.number}"
    assert "statement and defence" in en.body
    row = Notification.objects.get(recipient=reps[1])
    assert (row.language, row.subject_zh.startswith("失信"), row.notice.kind) == ("en", True, "pre_decision")


def test_staff_are_told_when_a_case_awaits_their_decision(submitted, supervisor, caseworker, clock):
    case = _approve(submitted, supervisor)
    clock.set(D(2026, 11, 13))
    sweep()
    rows = Notification.objects.filter(case=case, kind="decision_due")
    assert {n.recipient for n in rows} == {caseworker, supervisor}
    assert rows[0].subject_en == f"Case {case.number} awaits decision by 26 November 2026"


def test_no_address_is_recorded_not_retried(submitted, supervisor, reps, django_capture_on_commit_callbacks):
    reps[0].email = ""
    reps[0].save()
    with django_capture_on_commit_callbacks(execute=True):
        _approve(submitted, supervisor)
    assert Notification.objects.get(recipient=reps[0]).email_status == Status.SKIPPED
    assert len(mail.outbox) == 1


# -- failures: retried with backoff, visible, the change stands --------------------------------------------


@pytest.fixture
def smtp_down(monkeypatch):
    def fail(self, fail_silently=False):
        raise ConnectionRefusedError("[Errno 111] Connection refused")

    monkeypatch.setattr(EmailMessage, "send", fail)


def test_a_failed_e_mail_is_retried_with_backoff_then_shown_as_failed(
    submitted, supervisor, reps, clock, smtp_down, monkeypatch, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        case = _approve(submitted, supervisor)
    assert Case.objects.get(pk=case.pk).state == State.NOTICE_ISSUED  # the change stands
    row = Notification.objects.get(recipient=reps[1])
    assert (row.email_status, row.email_attempts) == (Status.RETRYING, 1)
    assert row.email_last_error == "ConnectionRefusedError: [Errno 111] Connection refused"
    assert row.email_next_attempt_at == clock.now + datetime.timedelta(seconds=60)

    waits = []
    for _attempt in range(2, 6):
        row.refresh_from_db()
        waits.append(row.email_next_attempt_at - clock.now)
        clock.now = row.email_next_attempt_at + notifications.LOST_AFTER  # the sweep picks the retry up
        with django_capture_on_commit_callbacks(execute=True):
            assert ("email_requeued", str(row)) in sweep(today=clock.today).done
    assert [int(w.total_seconds()) for w in waits] == [60, 240, 960, 3840]
    row.refresh_from_db()
    assert (row.email_status, row.email_attempts, row.email_next_attempt_at) == (Status.FAILED, 5, None)
    assert "Connection refused" in row.email_last_error
    clock.advance(days=30)
    assert not any(action == "email_requeued" for action, _ in sweep(today=clock.today).done)
    history = list(row.history.order_by("history_id").values_list("history_change_reason", flat=True))
    assert history[0] == "notification: notice_served" and history[-1] == "e-mail attempt 5 failed"


@override_settings(TASKS=DATABASE_TASKS)
def test_with_the_database_backend_a_retry_is_scheduled_after_the_backoff(
    submitted, supervisor, reps, clock, smtp_down, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _approve(submitted, supervisor)
    first = DBTaskResult.objects.order_by("enqueued_at").first()
    with django_capture_on_commit_callbacks(execute=True):
        notifications.notification_email_send(notification_id=first.args_kwargs["args"][0])
    deferred = [t.run_after for t in DBTaskResult.objects.all() if t.run_after.year < 9999]  # 9999: "no delay"
    assert deferred == [clock.now + datetime.timedelta(seconds=60)]


def test_administrators_see_failed_e_mails_in_the_admin(
    submitted, supervisor, reps, superuser, client, smtp_down, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _approve(submitted, supervisor)
    Notification.objects.filter(recipient=reps[0]).update(email_status=Status.FAILED, email_attempts=5)
    client.force_login(superuser)
    response = client.get(reverse("admin:cases_notification_changelist"), {"email": "attention"})
    assert response.status_code == 200
    assert len(response.context["cl"].result_list) == 2
    row = Notification.objects.get(recipient=reps[0])
    page = client.get(reverse("admin:cases_notification_change", args=[row.pk])).content.decode()
    assert "Connection refused" in page


def test_who_follows_deliveries_does_not_read_the_texts_of_cases_they_cannot_see(
    submitted, supervisor, reps, client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _approve(submitted, supervisor)
    operator = UserFactory(role=roles.ADMINISTRATOR)
    operator.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_notification", "oversee_notification"])
    )
    row = Notification.objects.get(recipient=reps[1])
    client.force_login(operator)
    page = client.get(reverse("admin:cases_notification_change", args=[row.pk])).content.decode()
    assert "e-mail status" in page.lower() or "E-mail status" in page
    assert "statement and defence" not in page and submitted.facts not in page


# -- lost enqueues, duplicates, reading -------------------------------------------------------------------


def test_an_e_mail_whose_enqueue_was_lost_is_sent_by_the_sweep_once(
    submitted, supervisor, reps, clock, django_capture_on_commit_callbacks
):
    _approve(submitted, supervisor)  # the on-commit callbacks never run: as if the process died after commit
    assert set(Notification.objects.values_list("email_status", flat=True)) == {Status.PENDING}
    clock.advance(minutes=5)
    with django_capture_on_commit_callbacks(execute=True):
        assert sweep().nothing_done  # not yet taken as lost
    clock.advance(minutes=10)
    with django_capture_on_commit_callbacks(execute=True):
        assert sweep().counts() == {"email_requeued": 2}
    assert len(mail.outbox) == 2
    with django_capture_on_commit_callbacks(execute=True):
        assert sweep().nothing_done


def test_sending_twice_sends_once(submitted, supervisor, reps):
    _approve(submitted, supervisor)
    row = Notification.objects.get(recipient=reps[0])
    assert notifications.notification_email_send(notification_id=row.pk) == Status.SENT
    assert notifications.notification_email_send(notification_id=row.pk) == Status.SENT
    assert len(mail.outbox) == 1


def test_only_the_recipient_marks_a_notification_read(submitted, supervisor, reps):
    _approve(submitted, supervisor)
    row = Notification.objects.get(recipient=reps[0])
    with pytest.raises(PermissionDenied):
        notifications.notification_mark_read(notification=row, actor=reps[1])
    notifications.notification_mark_read(notification=row, actor=reps[0])
    row.refresh_from_db()
    assert row.read_at is not None


def test_inactive_or_unverified_representatives_are_not_notified(submitted, supervisor, firm, reps):
    reps[0].is_active = False
    reps[0].save()
    stranger = UserFactory(role=roles.ENTITY_REPRESENTATIVE)
    unverified = representative_add(actor=None, user=stranger, entity=firm, relationship="authorised_agent")
    unverified.verified_at = None
    unverified.save()
    case = _approve(submitted, supervisor)
    assert list(Notification.objects.filter(case=case).values_list("recipient", flat=True)) == [reps[1].pk]


def test_the_notification_list_costs_the_same_for_few_or_many_rows(superuser, client):
    url = reverse("admin:cases_notification_changelist")
    client.force_login(superuser)
    client.get(url)  # the first request after sign-in also refreshes the session's idle timeout
    counts = []
    for rows in (2, 20):
        for _n in range(rows - Notification.objects.count()):
            notifications.notification_send(
                recipients=[UserFactory()], kind="decision_due", actor=None, case=CaseFactory()
            )
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]
