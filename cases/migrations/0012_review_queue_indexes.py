"""The review queue's partial indexes (issue 11): one ordered walk per waiting state (cases.admin.case.review_queue).

PostgreSQL only, like ``case_number_trgm`` (0009): SQLite cannot index ``NULLS FIRST``; on SQLite the state
knows the indexes and the database does nothing.
"""

from django.db import migrations, models

REVIEW = models.Index(
    models.OrderBy(models.F("review_due_on"), nulls_first=True), models.F("submitted_at"), models.F("id"),
    condition=models.Q(("state", "submitted")), name="case_review_queue_idx",
)  # fmt: skip
DECISION = models.Index(
    models.OrderBy(models.F("decision_due_on"), nulls_first=True), models.F("submitted_at"), models.F("id"),
    condition=models.Q(("state", "decision_pending")), name="case_decision_queue_idx",
)  # fmt: skip


def _on_postgresql(method):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        model = apps.get_model("cases", "Case")
        for index in (REVIEW, DECISION):
            getattr(schema_editor, method)(model, index)

    return run


class Migration(migrations.Migration):
    dependencies = [("cases", "0011_filing_overdue_notification")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AddIndex(model_name="case", index=REVIEW),
                migrations.AddIndex(model_name="case", index=DECISION),
            ],
            database_operations=[migrations.RunPython(_on_postgresql("add_index"), _on_postgresql("remove_index"))],
        ),
    ]
