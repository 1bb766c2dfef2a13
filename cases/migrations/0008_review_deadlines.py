"""Two ``portal_default`` deadlines the review of filings needs (issue 7), beside ``portal.objection.decision``.

The dataset (``cases/data``) has the objection deadline (5 working days, ``portal.objection.decision``) and the
national credit-repair reply deadline from 2025-06-22 (10 working days, ``sc2025``/``ndrc36``
``repair.credit_china_feedback``), but nothing for the internal appeal, nor for repair before 2025-06-22.
These rows fill the gap as project proposals (confidence "inferred"), with their analogues named, so
administrators confirm or change them in the admin.
"""

import datetime

from django.db import migrations

NOTE = "Project proposal; administrators confirm or change."
PERIODS = [
    {
        "key": "portal.appeal.decision",
        "value": 15,
        "unit": "days",
        "starts_from": "receipt_of_appeal",
        "sources": ["spc_dishonest_debtor", "gov_2020_49"],
        "notes": (
            f"{NOTE} Appeal against the decision, decided by an independent reviewer within 15 days of receipt, "
            "after SPC dishonest-debtor rules art. 12 (reconsideration decided within 15 days)."
        ),
    },
    {
        "key": "portal.repair.decision",
        "value": 10,
        "unit": "working_days",
        "starts_from": "application_date",
        "sources": ["gov_2020_49", "gov_2025_22"],
        "notes": (
            f"{NOTE} Applies only where no national repair deadline is in force (before 2025-06-22); "
            "the 2025 plan's 10 working days (repair.credit_china_feedback) is used from then on."
        ),
    },
]


def add(apps, schema_editor):
    RulePeriod = apps.get_model("cases", "RulePeriod")
    LegalSource = apps.get_model("cases", "LegalSource")
    for row in PERIODS:
        period, created = RulePeriod.objects.get_or_create(
            key=row["key"],
            defaults={
                "regime": "portal_default",
                "kind": "process_deadline",
                "severity": "any",
                "value": row["value"],
                "unit": row["unit"],
                "effective_from": datetime.date(2020, 12, 18),
                "starts_from": row["starts_from"],
                "confidence": "inferred",
                "notes": row["notes"],
            },
        )
        if created:
            period.sources.set(LegalSource.objects.filter(code__in=row["sources"]))


def remove(apps, schema_editor):
    apps.get_model("cases", "RulePeriod").objects.filter(key__in=[row["key"] for row in PERIODS]).delete()


class Migration(migrations.Migration):
    dependencies = [("cases", "0007_filing_review")]

    operations = [migrations.RunPython(add, remove)]
