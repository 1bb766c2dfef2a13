"""The auditor's dashboard: access-log volume, identifier reveals, unusual access, the audit chain's status."""

import datetime
from dataclasses import dataclass

from django.db.models import Count, Q
from django.db.models.functions import TruncWeek
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from accounts.permissions import scope
from audit.models import AccessLog, ChainHead

from ..charts import Chart, Part, Row, bar_chart
from .common import TOP_SERIES, Figure, admin_list, as_date, iso, midnight

REVEAL_WEEKS = 8
ACCESS_DAYS = 30
# Unusual access: reads in the last week against the same user's weekly average over the weeks before.
RECENT_DAYS = 7
BASELINE_WEEKS = 8
UNUSUAL_FACTOR = 3
UNUSUAL_MIN_READS = 20
_READS = (AccessLog.Action.VIEW, AccessLog.Action.REVEAL_IDENTIFIER, AccessLog.Action.DOWNLOAD)


def audit_dashboard(user, today: datetime.date) -> dict:
    logs = scope(AccessLog.objects.all(), user, "view").order_by()
    now = timezone.now()
    return {
        "figures": [_chain_status()],
        "charts": [_access_volume_chart(logs, now), _reveals_chart(logs, today)],
        "unusual": _unusual_access(logs, now),
        "unusual_rule": {"factor": UNUSUAL_FACTOR, "minimum": UNUSUAL_MIN_READS, "weeks": BASELINE_WEEKS},
    }


def _chain_status() -> Figure:
    """The last sealed head: ``verify_audit --seal`` seals only after a clean verification of the whole chain."""
    head = ChainHead.objects.order_by("-sealed_at", "-seq").first()
    if head is None:
        return Figure(_("Audit chain"), _("not verified yet"), "", alert=True)
    when = formats.date_format(timezone.localtime(head.sealed_at), "DATETIME_FORMAT")
    return Figure(
        _("Audit chain"), _("intact up to link #%(seq)s, verified %(when)s") % {"seq": head.seq, "when": when}, ""
    )


def _access_volume_chart(logs, now: datetime.datetime) -> Chart:
    since = now - datetime.timedelta(days=ACCESS_DAYS)
    rows = (
        logs.filter(at__gte=since)
        .values_list("actor_department_id", "actor_department__name", "purpose")
        .annotate(n=Count("pk"))
    )
    per_purpose: dict[str, int] = {}
    departments: dict[int | None, str] = {}
    tally: dict[tuple[int | None, str], int] = {}
    for department_id, department_name, purpose, n in rows:
        departments[department_id] = department_name or _("no department")
        per_purpose[purpose] = per_purpose.get(purpose, 0) + n
        tally[(department_id, purpose)] = n
    top = sorted(per_purpose, key=lambda purpose: (-per_purpose[purpose], purpose))[:TOP_SERIES]
    series = {f"p{index}": purpose for index, purpose in enumerate(top)}
    series["other"] = _("other purposes")
    key_of = {purpose: key for key, purpose in series.items() if key != "other"}
    window = {"at__gte": iso(since)}
    chart_rows = []
    for department_id, name in sorted(departments.items(), key=lambda item: item[1]):
        where = (
            {"actor_department__id__exact": department_id} if department_id else {"actor_department__isnull": "True"}
        )
        parts: dict[str, int] = {}
        for (tally_department, purpose), n in tally.items():
            if tally_department == department_id:
                key = key_of.get(purpose, "other")
                parts[key] = parts.get(key, 0) + n
        chart_rows.append(
            Row(
                name,
                admin_list(AccessLog, **where, **window),
                [
                    Part(
                        key,
                        n,
                        admin_list(AccessLog, **where, **window)
                        if key == "other"
                        else admin_list(AccessLog, **where, purpose__exact=series[key], **window),
                    )
                    for key, n in parts.items()
                ],
            )
        )
    return bar_chart(
        title=_("Access-log volume by department and purpose, last %(days)s days") % {"days": ACCESS_DAYS},
        slug="access-volume",
        rows=chart_rows,
        series=series,
    )


def _reveals_chart(logs, today: datetime.date) -> Chart:
    monday = today - datetime.timedelta(days=today.weekday())
    weeks = [monday - datetime.timedelta(weeks=offset) for offset in range(REVEAL_WEEKS - 1, -1, -1)]
    rows = (
        logs.filter(action=AccessLog.Action.REVEAL_IDENTIFIER, at__gte=midnight(weeks[0]))
        .annotate(week=TruncWeek("at"))
        .values_list("week", "actor_id", "actor__username")
        .annotate(n=Count("pk"))
    )
    per_user: dict[int, int] = {}
    names: dict[int, str] = {}
    tally: dict[tuple[datetime.date, int], int] = {}
    for week, actor_id, username, n in rows:
        names[actor_id] = username
        per_user[actor_id] = per_user.get(actor_id, 0) + n
        tally[(as_date(week), actor_id)] = n
    top = sorted(per_user, key=lambda actor_id: (-per_user[actor_id], names[actor_id]))[:TOP_SERIES]
    series = {str(actor_id): names[actor_id] for actor_id in top}
    series["other"] = _("other users")
    chart_rows = []
    for week in weeks:
        window = {
            "action__exact": AccessLog.Action.REVEAL_IDENTIFIER,
            "at__gte": iso(midnight(week)),
            "at__lt": iso(midnight(week + datetime.timedelta(weeks=1))),
        }
        parts: dict[str, int] = {}
        for (tally_week, actor_id), n in tally.items():
            if tally_week == week:
                key = str(actor_id) if str(actor_id) in series else "other"
                parts[key] = parts.get(key, 0) + n
        chart_rows.append(
            Row(
                _("week of %(date)s") % {"date": formats.date_format(week, "DATE_FORMAT")},
                admin_list(AccessLog, **window),
                [
                    Part(
                        key,
                        n,
                        admin_list(AccessLog, **window)
                        if key == "other"
                        else admin_list(AccessLog, actor__id__exact=key, **window),
                    )
                    for key, n in parts.items()
                ],
            )
        )
    return bar_chart(
        title=_("Identifier reveals per user, last %(weeks)s weeks") % {"weeks": REVEAL_WEEKS},
        slug="reveals-per-user",
        rows=chart_rows,
        series=series,
    )


@dataclass(frozen=True)
class UnusualAccess:
    username: str
    recent: int
    usual: float
    url: str


def _unusual_access(logs, now: datetime.datetime) -> list[UnusualAccess]:
    """Users who read far more records in the last week than their own weekly average over the weeks before.

    Far more: at least ``UNUSUAL_MIN_READS`` reads and more than ``UNUSUAL_FACTOR`` times the usual week (a user
    with no earlier reads has no usual pattern yet, so the minimum alone counts).
    """
    recent_from = now - datetime.timedelta(days=RECENT_DAYS)
    baseline_from = recent_from - datetime.timedelta(weeks=BASELINE_WEEKS)
    rows = (
        logs.filter(action__in=_READS, at__gte=baseline_from)
        .values_list("actor_id", "actor__username")
        .annotate(
            recent=Count("pk", filter=Q(at__gte=recent_from)),
            baseline=Count("pk", filter=Q(at__lt=recent_from)),
        )
        .filter(recent__gte=UNUSUAL_MIN_READS)
    )
    unusual = []
    for actor_id, username, recent, baseline in rows:
        usual = baseline / BASELINE_WEEKS
        if recent > UNUSUAL_FACTOR * usual:
            url = admin_list(AccessLog, actor__id__exact=actor_id, at__gte=iso(recent_from))
            unusual.append(UnusualAccess(username, recent, round(usual, 1), url))
    return sorted(unusual, key=lambda row: (-row.recent, row.username))
