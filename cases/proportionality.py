"""Measures proportional to the conduct's severity (issue 20 §3), read from ``ProportionalityRule``.

A conduct (catalogue item) with rules in force is limited to the measures listed for the case's severity, each
up to its maximum duration; a conduct with no rules in force is not limited here (the other guards still apply).
"""

import datetime

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import Case, MeasureType, ProportionalityRule, Severity

# ``measure_problems(rules=UNREAD)``: read the rules (a caller that read them already passes them).
UNREAD = object()


def _in_force(on: datetime.date) -> Q:
    return Q(valid_from__lte=on) & (Q(valid_to__isnull=True) | Q(valid_to__gt=on))


def rules_for(case: Case, *, on: datetime.date | None = None) -> dict[int, ProportionalityRule] | None:
    """The rules in force for the case's conduct and severity, by measure id; ``None`` when nothing limits it."""
    if case.catalogue_item_id is None:
        return None
    in_force = _in_force(on or timezone.localdate())
    rules = list(
        ProportionalityRule.objects.filter(in_force, catalogue_item_id=case.catalogue_item_id).order_by(
            "measure_type_id", "-valid_from"
        )
    )
    if not rules:
        return None
    chosen: dict[int, ProportionalityRule] = {}
    for rule in rules:
        if rule.severity == case.severity:
            chosen.setdefault(rule.measure_type_id, rule)
    return chosen


def measure_problems(*, case: Case, measure_type: MeasureType, duration_months: int | None, rules=UNREAD) -> dict:
    """Why the table refuses ``measure_type`` for ``duration_months`` on ``case`` (field → message), or nothing."""
    if rules is UNREAD:
        rules = rules_for(case)
    if rules is None or not case.severity:
        return {}
    severity = Severity(case.severity).label
    rule = rules.get(measure_type.pk)
    if rule is None:
        return {
            "measure_type": _("For %(severity)s conduct of this kind, this measure is not proportionate.")
            % {"severity": severity}
        }
    if rule.max_duration_months is not None:
        if duration_months is None:
            return {
                "duration_months": _(
                    "For %(severity)s conduct of this kind this measure lasts at most %(max)s months; enter a duration."
                )
                % {"severity": severity, "max": rule.max_duration_months}
            }
        if duration_months > rule.max_duration_months:
            return {
                "duration_months": _("For %(severity)s conduct of this kind this measure lasts at most %(max)s months.")
                % {"severity": severity, "max": rule.max_duration_months}
            }
    return {}


def describe(case: Case) -> str:
    """What the caseworker may choose: "measure (at most N months)", one per allowed measure, or ``""``."""
    rules = rules_for(case)
    if rules is None or not case.severity:
        return ""
    if not rules:
        return str(_("No measure is proportionate for this conduct at this severity."))
    measures = {m.pk: m for m in MeasureType.objects.filter(pk__in=rules)}
    parts = []
    for measure_id, rule in sorted(rules.items(), key=lambda pair: str(measures[pair[0]])):
        limit = (
            _("at most %(max)s months") % {"max": rule.max_duration_months}
            if rule.max_duration_months is not None
            else _("up to the record period")
        )
        parts.append(f"{measures[measure_id]} ({limit})")
    return str(_("Allowed for %(severity)s conduct: %(measures)s.")) % {
        "severity": Severity(case.severity).label,
        "measures": "; ".join(parts),
    }
