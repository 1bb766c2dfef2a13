"""Rule-period lookup and the deadlines the workflow computes from it."""

import datetime

import pytest

from cases import rules
from cases.models import CatalogueItem, RulePeriod

pytestmark = pytest.mark.django_db

D = datetime.date
DECIDED = D(2026, 11, 27)


def test_statement_window_is_ten_calendar_days_from_service():
    assert rules.rule_period("statement_window", on=DECIDED).key == "portal.statement_window"
    assert rules.statement_window_end(D(2026, 11, 27)) == D(2026, 12, 7)
    assert rules.statement_window_end(D(2026, 9, 30)) == D(2026, 10, 10)  # calendar days: holidays count


def test_review_due_counts_working_days_across_mid_autumn_and_national_day_2026():
    # Sep 25 and Oct 1-7 are holidays; Saturday Oct 10 is a make-up working day.
    assert rules.review_due(D(2026, 9, 24)) == D(2026, 10, 15)


def test_decision_due_counts_working_days_from_the_end_of_the_window():
    # Sunday Sep 28 and Saturday Oct 11 are make-up working days; Oct 1-8 are holidays.
    assert rules.decision_due(D(2025, 9, 26)) == D(2025, 10, 16)
    assert rules.decision_due(rules.statement_window_end(D(2026, 11, 27))) == D(2026, 12, 21)


@pytest.mark.parametrize(
    "severity, expected, keys",
    [
        (
            "general",
            (D(2027, 2, 27), D(2027, 11, 27)),
            ("ndrc36.general.publication_min", "ndrc36.general.publication_max"),
        ),
        (
            "serious",
            (D(2027, 11, 27), D(2029, 11, 27)),
            ("ndrc36.serious.publication_min", "ndrc36.serious.publication_max"),
        ),
        ("minor", (None, D(2027, 2, 27)), (None, "ndrc36.minor.publication_max")),
    ],
)
def test_publication_period_under_sc_2025_22_and_ndrc_order_36(severity, expected, keys):
    assert rules.publication_period(severity, DECIDED) == expected
    # 22号 (2025-06-22) and Order 36 (2026-04-01) are both in force and agree; the later one is chosen.
    found = tuple(
        getattr(rules.rule_period(k, on=DECIDED, severity=severity), "key", None)
        for k in ("publication_min", "publication_max")
    )
    assert found == keys


def test_exact_severity_beats_any_during_the_order_58_overlap():
    # Order 58's single tier ("any") ran to 2026-04-01 alongside 22号's tiers.
    assert (
        rules.rule_period("publication_min", on=D(2025, 12, 1), severity="general").key
        == "sc2025.general.publication_min"
    )
    assert (
        rules.rule_period("publication_min", on=D(2025, 1, 1), severity="general").key
        == "ndrc58.penalty.publication_min"
    )
    assert rules.publication_period("general", D(2025, 1, 1)) == (D(2025, 4, 1), D(2028, 1, 1))


def test_sector_and_catalogue_rows_apply_only_to_their_items():
    food = CatalogueItem.objects.get(code="food_safety_serious")
    tax = CatalogueItem.objects.get(code="tax_evasion_penalty")
    on = D(2025, 1, 1)
    assert rules.rule_period("publication_min", on=on).key == "ndrc58.penalty.publication_min"
    assert rules.rule_period("publication_min", on=on, catalogue_item=tax).key == "ndrc58.penalty.publication_min"
    assert rules.rule_period("publication_min", on=on, catalogue_item=food).key == "ndrc58.sector.publication_min"
    samr = CatalogueItem.objects.get(code="samr_admin_penalty")
    assert rules.rule_period("publication_max", on=DECIDED, severity="general", catalogue_item=samr).key == (
        "samr2021.other.publication_max"
    )
    assert rules.publication_period("general", DECIDED, catalogue_item=samr.pk) == (D(2027, 2, 27), D(2029, 11, 27))


def test_a_catalogue_specific_row_beats_a_general_one_even_with_severity_any():
    tax = CatalogueItem.objects.get(code="tax_evasion_penalty")
    specific = RulePeriod.objects.create(
        key="test.tax.publication_max", regime="test", kind="publication_max", severity="any", value=24,
        unit="months", effective_from=D(2026, 1, 1), confidence="inferred",
    )  # fmt: skip
    specific.catalogue_items.add(tax)
    assert rules.rule_period("publication_max", on=DECIDED, severity="serious", catalogue_item=tax) == specific
    assert rules.publication_period("serious", DECIDED, catalogue_item=tax) == (D(2027, 11, 27), D(2028, 11, 27))
    # Without the item, or for another item, the general row still applies.
    assert rules.rule_period("publication_max", on=DECIDED, severity="serious").key == "ndrc36.serious.publication_max"
    other = CatalogueItem.objects.get(code="false_advertising")
    assert rules.rule_period("publication_max", on=DECIDED, severity="serious", catalogue_item=other) != specific
    # Not yet in force before its start.
    assert rules.rule_period("publication_max", on=D(2025, 12, 31), severity="serious", catalogue_item=tax) != specific


def test_effective_to_is_exclusive():
    assert rules.rule_period("publication_min", on=D(2026, 3, 31), key="ndrc58.penalty.publication_min") is not None
    assert rules.rule_period("publication_min", on=D(2026, 4, 1), key="ndrc58.penalty.publication_min") is None


def test_key_lookup():
    assert rules.rule_period("process_deadline", on=DECIDED, key="portal.review.due").value == 10
    assert rules.rule_period("process_deadline", on=D(2019, 1, 1), key="portal.review.due") is None
    assert rules.rule_period("statement_window", on=DECIDED, key="portal.review.due") is None  # wrong kind
    assert rules.rule_period("process_deadline", on=DECIDED, key="no.such.key") is None


def test_lookup_is_one_query(django_assert_num_queries):
    item = CatalogueItem.objects.get(code="samr_admin_penalty")
    with django_assert_num_queries(1):
        rules.rule_period("publication_max", on=DECIDED, severity="general", catalogue_item=item)
    with django_assert_num_queries(1):
        rules.rule_period("process_deadline", on=DECIDED, key="portal.review.due")


def test_a_date_before_any_regime_raises_rule_missing():
    with pytest.raises(rules.RuleMissing) as missing:
        rules.statement_window_end(D(2019, 1, 1))
    assert str(missing.value) == (
        "No “statement window” rule is in force on 2019-01-01. An administrator must add one to the catalogue."
    )
    assert (missing.value.kind, missing.value.on) == ("statement_window", D(2019, 1, 1))
    with pytest.raises(rules.RuleMissing, match=r"process deadline \(portal\.review\.due\).*2020-12-17"):
        rules.review_due(D(2020, 12, 17))
    with pytest.raises(rules.RuleMissing, match=r"portal\.decision\.due"):
        rules.decision_due(D(2020, 1, 1))
    with pytest.raises(rules.RuleMissing, match="maximum publication period"):
        rules.publication_period("general", D(2017, 7, 30))


def test_a_missing_statement_window_rule_is_reported_not_guessed():
    RulePeriod.objects.filter(kind="statement_window").delete()
    with pytest.raises(rules.RuleMissing):
        rules.statement_window_end(DECIDED)


@pytest.mark.parametrize(
    "unit, value, start, expected",
    [
        ("days", 15, D(2026, 9, 30), D(2026, 10, 15)),
        ("working_days", 3, D(2026, 9, 30), D(2026, 10, 10)),  # Saturday Oct 10 is a make-up working day
        ("months", 1, D(2026, 1, 31), D(2026, 2, 28)),
        ("months", 0, D(2026, 1, 31), D(2026, 1, 31)),
    ],
)
def test_deadline_applies_the_unit(unit, value, start, expected):
    period = RulePeriod(key="t", kind="process_deadline", value=value, unit=unit, effective_from=D(2020, 1, 1))
    assert rules.deadline(period, start) == expected
