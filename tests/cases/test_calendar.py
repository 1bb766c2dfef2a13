"""Working days under the State Council's holiday notices, with a statutory-holiday fallback for years not loaded."""

import datetime
import logging

import pytest

from cases import calendar
from cases.models import CalendarDay

pytestmark = pytest.mark.django_db

D = datetime.date


@pytest.fixture
def calendar_warnings(monkeypatch):
    """The warnings cases.calendar logs (a handler of our own: the suite also runs with ``-p no:logging``)."""
    monkeypatch.setattr(calendar, "_warned_missing_years", set())
    records = []
    handler = logging.Handler(level=logging.WARNING)
    handler.emit = records.append
    logger = logging.getLogger("cases.calendar")
    logger.addHandler(handler)
    yield records
    logger.removeHandler(handler)


@pytest.mark.parametrize(
    "day, working",
    [
        *[(D(2025, 10, d), False) for d in range(1, 9)],  # National Day and Mid-Autumn 2025: Oct 1-8
        (D(2025, 9, 28), True),  # make-up working Sunday
        (D(2025, 10, 11), True),  # make-up working Saturday
        (D(2025, 10, 9), True),
        *[(D(2026, 2, d), False) for d in range(15, 24)],  # Spring Festival 2026: Feb 15-23
        (D(2026, 2, 14), True),
        (D(2026, 2, 28), True),
        (D(2026, 2, 24), True),
        (D(2026, 3, 7), False),  # an ordinary Saturday
        (D(2026, 3, 9), True),  # an ordinary Monday
        (D(2026, 1, 1), False),
        (D(2026, 1, 4), True),
    ],
)
def test_is_working_day_follows_the_notices(day, working):
    assert calendar.is_working_day(day) is working


@pytest.mark.parametrize(
    "start, n, expected",
    [
        (D(2026, 2, 12), 0, D(2026, 2, 12)),
        (D(2026, 2, 13), 1, D(2026, 2, 14)),  # Friday → the make-up Saturday
        (D(2026, 2, 13), 2, D(2026, 2, 24)),  # then over the whole Spring Festival
        (D(2026, 2, 12), 5, D(2026, 2, 26)),
        (D(2026, 2, 24), 4, D(2026, 2, 28)),  # make-up Saturday counts
        (D(2025, 9, 26), 1, D(2025, 9, 28)),  # make-up Sunday before National Day
        (D(2025, 9, 26), 3, D(2025, 9, 30)),
        (D(2025, 9, 26), 4, D(2025, 10, 9)),  # Oct 1-8 are not counted
        (D(2025, 9, 26), 6, D(2025, 10, 11)),
        (D(2025, 12, 31), 1, D(2026, 1, 4)),  # across the year end and New Year's Day 2026
        (D(2026, 10, 1), 1, D(2026, 10, 8)),  # from inside a holiday block
    ],
)
def test_add_working_days(start, n, expected):
    assert calendar.add_working_days(start, n) == expected


def test_add_working_days_refuses_a_negative_count():
    with pytest.raises(ValueError, match="zero or more"):
        calendar.add_working_days(D(2026, 1, 5), -1)


@pytest.mark.parametrize(
    "a, b, expected",
    [
        (D(2025, 9, 30), D(2025, 10, 11), 3),
        (D(2025, 10, 11), D(2025, 9, 30), -3),
        (D(2025, 10, 1), D(2025, 10, 1), 0),
        (D(2025, 10, 1), D(2025, 10, 8), 0),
        (D(2026, 2, 13), D(2026, 2, 28), 6),
    ],
)
def test_working_days_between(a, b, expected):
    assert calendar.working_days_between(a, b) == expected


@pytest.mark.parametrize("n", [1, 7, 30, 120, 400])
def test_working_days_between_inverts_add_working_days(n):
    start = D(2025, 12, 20)
    assert calendar.working_days_between(start, calendar.add_working_days(start, n)) == n


@pytest.mark.parametrize(
    "start, n, expected",
    [
        (D(2026, 1, 31), 1, D(2026, 2, 28)),
        (D(2028, 1, 31), 1, D(2028, 2, 29)),
        (D(2026, 11, 30), 3, D(2027, 2, 28)),
        (D(2026, 3, 31), -1, D(2026, 2, 28)),
        (D(2026, 12, 15), 1, D(2027, 1, 15)),
        (D(2026, 11, 27), 36, D(2029, 11, 27)),
        (D(2026, 5, 5), 0, D(2026, 5, 5)),
    ],
)
def test_add_months_clamps_to_the_end_of_the_month(start, n, expected):
    assert calendar.add_months(start, n) == expected


def test_add_days():
    assert calendar.add_days(D(2026, 11, 27), 10) == D(2026, 12, 7)
    assert calendar.add_days(D(2026, 3, 1), -1) == D(2026, 2, 28)


def test_loaded_and_missing_years():
    assert calendar.loaded_years() == {2024, 2025, 2026}
    assert calendar.missing_years({2026, 2027}) == {2027}
    assert calendar.missing_years([]) == set()
    CalendarDay.objects.create(date=D(2027, 1, 1), kind="holiday", name_zh="元旦", name_en="New Year's Day",
                               notice="test", source="test")  # fmt: skip
    assert calendar.missing_years({2026, 2027}) == set()


def test_a_year_without_a_notice_counts_its_statutory_holidays_and_warns_once(calendar_warnings):
    # 2027's notice is not loaded: the statutory Spring Festival (eve 5 February, lunar date computed, with the
    # law's weekday substitutes to 10 February) is skipped; no make-up working day is assumed.
    assert calendar.add_working_days(D(2027, 1, 29), 5) == D(2027, 2, 11)
    assert calendar.is_working_day(D(2027, 2, 8)) is False
    assert calendar.is_working_day(D(2027, 2, 6)) is False
    assert calendar.is_working_day(D(2027, 2, 11)) is True
    assert calendar.working_days_between(D(2027, 1, 29), D(2027, 2, 11)) == 5
    messages = [r.getMessage() for r in calendar_warnings]
    assert messages == [
        "No holiday notice is loaded for 2027: working days in that year count weekends and the statutory "
        "holidays only, and deadlines are provisional. Load the notice's holidays and make-up working days."
    ]


def test_no_warning_for_loaded_years_or_when_a_missing_year_is_only_fetched(calendar_warnings):
    # The estimate reaches into 2027, but the count stops in 2026: nothing in 2027 was counted.
    assert calendar.add_working_days(D(2026, 11, 27), 5) == D(2026, 12, 4)
    assert calendar_warnings == []


@pytest.mark.parametrize("n", [5, 60, 250])
def test_query_count_does_not_grow_with_n(django_assert_max_num_queries, n):
    with django_assert_max_num_queries(1):
        calendar.add_working_days(D(2026, 1, 5), n)
    with django_assert_max_num_queries(2):
        calendar.add_working_days(D(2025, 11, 3), n)
    with django_assert_max_num_queries(1):
        calendar.working_days_between(D(2025, 11, 3), D(2025, 11, 3) + datetime.timedelta(days=n * 2))


def test_counting_past_the_estimate_fetches_more_and_gets_the_same_answer(monkeypatch, django_assert_max_num_queries):
    expected = calendar.add_working_days(D(2025, 12, 20), 10)
    monkeypatch.setattr(calendar, "_calendar_span", lambda n: datetime.timedelta(0))
    with django_assert_max_num_queries(2):
        assert calendar.add_working_days(D(2025, 12, 20), 10) == expected == D(2026, 1, 5)


def test_an_edit_applies_to_the_next_computation():
    """No cache between calls: a holiday added in the admin counts at once."""
    assert calendar.add_working_days(D(2026, 3, 6), 1) == D(2026, 3, 9)
    CalendarDay.objects.create(date=D(2026, 3, 9), kind="holiday", name_zh="测试", name_en="Test",
                               notice="test", source="test")  # fmt: skip
    assert calendar.add_working_days(D(2026, 3, 6), 1) == D(2026, 3, 10)
