"""Next year's working-day calendar (issue 20 §4): statutory fallback, provisional deadlines, recompute, warnings."""

import datetime

import pytest
from django.core import checks
from django.urls import reverse

from accounts import roles
from cases import calendar, services
from cases.clocks import case_clocks
from cases.models import CalendarDay, Case
from cases.services.deadlines import NoticeDay, calendar_notice_enter, deadlines_recompute
from tests.cases.frozen_clock import FrozenClock
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
D = datetime.date
NOTICE = "国务院办公厅关于2027年部分节假日安排的通知（test）"


def test_a_year_without_notice_counts_its_statutory_holidays():
    assert calendar.missing_years({2027}) == {2027}
    assert calendar.is_working_day(D(2027, 1, 1)) is False  # New Year's Day, a Friday
    assert calendar.is_working_day(D(2027, 2, 8)) is False  # Spring Festival (lunar date computed)
    assert calendar.is_working_day(D(2027, 10, 1)) is False  # National Day
    assert calendar.is_working_day(D(2027, 1, 4)) is True
    assert calendar.add_working_days(D(2026, 12, 31), 1) == D(2027, 1, 4)
    # loaded years are untouched by the fallback
    assert calendar.add_working_days(D(2026, 9, 30), 1) == D(2026, 10, 8)


def test_deadlines_through_a_missing_year_are_provisional():
    assert calendar.is_provisional(D(2026, 12, 20), D(2027, 1, 6))
    assert not calendar.is_provisional(D(2026, 11, 2), D(2026, 11, 16))


def test_next_year_counts_as_missing_from_the_first_of_november():
    assert calendar.missing_years(D(2026, 10, 31)) == set()
    assert calendar.missing_years(D(2026, 11, 1)) == {2027}
    assert calendar.missing_years(D(2027, 3, 1)) == {2027}


def _calendar_warnings():
    return [m for m in checks.run_checks(tags=[checks.Tags.database], databases=["default"]) if m.id == "cases.W001"]


def test_system_check_warns_from_the_first_of_november(monkeypatch):
    clock = FrozenClock(monkeypatch, D(2026, 10, 31))
    assert _calendar_warnings() == []
    clock.set(D(2026, 11, 1))
    (warning,) = _calendar_warnings()
    assert "2027" in warning.msg and warning.level == checks.WARNING


@pytest.fixture
def late_december(monkeypatch, make_draft, caseworker):
    clock = FrozenClock(monkeypatch, D(2026, 12, 28))
    case = services.case_submit(case=make_draft(), actor=caseworker)
    return clock, case


def test_the_case_page_marks_a_provisional_deadline(late_december):
    _clock, case = late_december
    (review,) = [c for c in case_clocks(case) if c.name == "review_due"]
    assert review.on.year == 2027 and "Provisional" in review.note


def _enter_2027(actor, *, holidays, workdays=()):
    return calendar_notice_enter(
        actor=actor, year=2027, notice=NOTICE, source="https://www.gov.cn/ (test)",
        holidays=[NoticeDay(*h) for h in holidays], workdays=[NoticeDay(*w) for w in workdays],
    )  # fmt: skip


def test_loading_the_notice_recomputes_open_deadlines(late_december):
    _clock, case = late_december
    admin = UserFactory(role=roles.ADMINISTRATOR)
    before = case.review_due_on
    moved = _enter_2027(
        admin, holidays=[(D(2027, 1, 1), D(2027, 1, 8), "元旦", "New Year's Day")],
        workdays=[(D(2027, 1, 9), D(2027, 1, 9), "元旦", "New Year's Day")],
    )  # fmt: skip
    case = Case.objects.get(pk=case.pk)
    assert case.review_due_on > before
    assert [(m.case_number, m.field) for m in moved] == [(case.number, "review_due_on")]
    assert CalendarDay.objects.filter(date__year=2027).count() == 9
    assert case.history.first().history_user == admin
    (review,) = [c for c in case_clocks(case) if c.name == "review_due"]
    assert review.note == ""  # no longer provisional


def test_a_notified_deadline_never_moves_earlier(late_december, supervisor):
    _clock, case = late_december
    case = services.case_approve(case=case, actor=supervisor)
    notified = case.statement_window_ends_on + datetime.timedelta(days=3)  # as told to the entity
    Case.objects.filter(pk=case.pk).update(statement_window_ends_on=notified)
    deadlines_recompute(actor=supervisor, years={2027})
    case = Case.objects.get(pk=case.pk)
    assert case.statement_window_ends_on == notified
    assert case.decision_due_on > notified


def test_the_notice_is_checked_before_anything_is_replaced(db):
    from django.core.exceptions import ValidationError

    admin = UserFactory(role=roles.ADMINISTRATOR)
    with pytest.raises(ValidationError) as error:
        _enter_2027(
            admin, holidays=[(D(2026, 12, 31), D(2027, 1, 1), "元旦", "New Year's Day")],
            workdays=[(D(2027, 1, 4), D(2027, 1, 4), "元旦", "New Year's Day")],
        )  # fmt: skip
    assert set(error.value.message_dict) == {"holidays", "workdays"}
    assert not CalendarDay.objects.filter(date__year=2027).exists()


def test_administrators_enter_a_notice_in_the_admin(client):
    admin = UserFactory(role=roles.ADMINISTRATOR)
    client.force_login(admin)
    url = reverse("admin:cases_calendarday_notice")
    assert client.get(url).status_code == 200
    data = {
        "year": 2027, "notice": NOTICE, "source": "https://www.gov.cn/ (test)",
        "holidays": "2027-01-01 元旦 | New Year's Day\n2027-02-05/2027-02-11 春节 | Spring Festival",
        "workdays": "2027-02-14 春节 | Spring Festival",
    }  # fmt: skip
    bad = client.post(url, {**data, "holidays": "2027-01-01 New Year"})
    assert bad.status_code == 200 and "does not read" in bad.content.decode()
    assert client.post(url, data).status_code == 302
    assert CalendarDay.objects.filter(date__year=2027, kind="holiday").count() == 8
    assert CalendarDay.objects.get(date=D(2027, 2, 14)).kind == "workday"


@pytest.mark.parametrize("role", [roles.CASEWORKER, roles.SUPERVISOR, roles.AUDITOR])
def test_only_administrators_enter_a_notice(client, role):
    client.force_login(UserFactory(role=role))
    assert client.get(reverse("admin:cases_calendarday_notice")).status_code == 403


@pytest.fixture
def fresh_cache():
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.mark.usefixtures("fresh_cache")
def test_administrators_see_the_missing_notice_banner_on_every_admin_page(client, monkeypatch):
    clock = FrozenClock(monkeypatch, D(2026, 10, 31))
    admin = UserFactory(role=roles.ADMINISTRATOR)
    client.force_login(admin)
    notice_url = reverse("admin:cases_calendarday_notice")
    assert notice_url not in client.get(reverse("admin:index")).content.decode()  # before 1 November
    clock.set(D(2026, 11, 1))
    client.force_login(admin)  # the session's idle timeout counts the day that passed
    for page in (reverse("admin:index"), reverse("admin:accounts_user_changelist")):
        body = client.get(page).content.decode()
        assert "holiday notice for 2027 is not loaded" in body and f'href="{notice_url}"' in body


@pytest.mark.usefixtures("fresh_cache")
def test_the_banner_is_translated(client, monkeypatch):
    FrozenClock(monkeypatch, D(2026, 11, 1))
    client.force_login(UserFactory(role=roles.ADMINISTRATOR))
    body = client.get(reverse("admin:index"), headers={"accept-language": "zh-hans"}).content.decode()
    assert "2027" in body and "holiday notice for 2027 is not loaded" not in body


@pytest.mark.usefixtures("fresh_cache")
@pytest.mark.parametrize("role", [roles.CASEWORKER, roles.SUPERVISOR, roles.AUDITOR])
def test_other_staff_see_no_banner(client, monkeypatch, role):
    FrozenClock(monkeypatch, D(2026, 11, 1))
    client.force_login(UserFactory(role=role))
    assert "is not loaded" not in client.get(reverse("admin:index")).content.decode()


@pytest.mark.usefixtures("fresh_cache")
def test_the_banner_costs_administrators_one_query_every_few_minutes(client, monkeypatch):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    FrozenClock(monkeypatch, D(2026, 11, 1))
    client.force_login(UserFactory(role=roles.ADMINISTRATOR))
    url = reverse("admin:cases_calendarday_notice")
    with CaptureQueriesContext(connection) as first:
        client.get(url)
    with CaptureQueriesContext(connection) as second:
        client.get(url)

    def calendar_queries(context):
        return [q["sql"] for q in context.captured_queries if "cases_calendarday" in q["sql"]]

    assert len(calendar_queries(first)) == 1
    assert calendar_queries(second) == []  # from the cache


@pytest.mark.usefixtures("fresh_cache")
def test_the_banner_goes_once_the_notice_is_entered(client, monkeypatch, django_capture_on_commit_callbacks):
    FrozenClock(monkeypatch, D(2026, 11, 1))
    admin = UserFactory(role=roles.ADMINISTRATOR)
    client.force_login(admin)
    assert "is not loaded" in client.get(reverse("admin:index")).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        _enter_2027(admin, holidays=[(D(2027, 1, 1), D(2027, 1, 1), "元旦", "New Year's Day")])
    assert "is not loaded" not in client.get(reverse("admin:index")).content.decode()


def test_a_plain_check_does_not_read_the_database_for_the_notice(db, monkeypatch):
    """`make lint` and `check --deploy` must not fail because of what a local database holds."""
    FrozenClock(monkeypatch, D(2026, 11, 15))
    CalendarDay.objects.filter(date__year=2027).delete()
    assert _calendar_warnings()  # asked about the database, it warns ...
    assert [m for m in checks.run_checks() if m.id == "cases.W001"] == []  # ... a plain check does not
