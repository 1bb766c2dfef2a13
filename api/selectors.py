"""Reads of the API's own records: a client's usage for auditors."""

import datetime

from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from .models import ApiCall, ApiClient
from .scopes import Purpose

USAGE_DAYS = 30


def client_usage(client: ApiClient, *, days: int = USAGE_DAYS) -> dict:
    """Calls, refused calls and entities touched per day, and per purpose, over the last ``days`` days."""
    since = timezone.now() - datetime.timedelta(days=days)
    calls = ApiCall.objects.filter(client=client, at__gte=since)
    figures = {
        "calls": Count("pk"),
        "refused": Count("pk", filter=Q(status_code__gte=400)),
        "entities": Sum("entities"),
    }
    per_day = calls.annotate(day=TruncDate("at")).values("day").annotate(**figures).order_by("-day")
    purposes = calls.values("purpose").annotate(**figures).order_by("-calls", "purpose")
    labels = dict(Purpose.choices)
    return {
        "days": days,
        "per_day": list(per_day),
        "purposes": [{**row, "label": labels.get(row["purpose"], row["purpose"] or "—")} for row in purposes],
    }
