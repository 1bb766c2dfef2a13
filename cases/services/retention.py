"""The end of retention for the free text of a person's cases (issue 20 §5).

``lifecycle.case_records_deidentify`` de-identifies the notices and published entries; this module does the
rest of what may name or describe the person: descriptions (facts, notes, evidence descriptions), statements,
reasons (decisions, filings, and the reasons recorded with each change of the case) and the names of uploaded
files. Live rows change as attributed saves by the purge's actor; their history rows are blanked through the
one audited purge path (``audit.services.history_purge_personal_data``).
"""

from django.db import models

from accounts.models import User
from audit.history import attribute
from audit.services import history_purge_personal_data

from ..models import Case, Decision, Evidence, Filing, FilingAttachment, Statement, StatementAttachment

# What replaces a de-identified text in the live row (history rows are blanked).
DEIDENTIFIED_TEXT = "（已去标识化）(de-identified)"
DEIDENTIFIED_FILE_NAME = "de-identified"

# model → (how it reaches the person's entity, the free-text fields, what the live row's fields become)
_FREE_TEXT: tuple[tuple[type[models.Model], str, dict[str, str]], ...] = (
    (Case, "entity", {"facts": DEIDENTIFIED_TEXT, "internal_notes": ""}),
    (Decision, "case__entity", {"reasons": DEIDENTIFIED_TEXT}),
    (Statement, "case__entity", {"text": DEIDENTIFIED_TEXT}),
    (Evidence, "case__entity", {"description": "", "original_name": DEIDENTIFIED_FILE_NAME}),
    (Filing, "case__entity", {"text": DEIDENTIFIED_TEXT, "missing": "", "reasons": ""}),
    (FilingAttachment, "filing__case__entity", {"original_name": DEIDENTIFIED_FILE_NAME}),
    (StatementAttachment, "statement__case__entity", {"original_name": DEIDENTIFIED_FILE_NAME}),
)


def case_free_text_deidentify(*, entity, actor: User, reason: str) -> int:
    """De-identify the free text and file names of every case against ``entity``; returns the live rows changed.

    Runs inside the caller's transaction. History rows of those records lose the same fields (and, for the
    case itself, the reasons stored with each change).
    """
    changed = 0
    for model, path, replacements in _FREE_TEXT:
        rows = list(model.objects.select_for_update(of=("self",)).filter(**{path: entity}).order_by("pk"))
        if not rows:
            continue
        fields = tuple(replacements) + (("history_change_reason",) if model is Case else ())
        history_purge_personal_data(
            actor=actor, history_model=model.history.model, fields=fields, reason=reason,
            pks=model.history.filter(id__in=[row.pk for row in rows]).values_list("history_id", flat=True),
        )  # fmt: skip
        for row in rows:
            for name, value in replacements.items():
                setattr(row, name, value)
            attribute(row, actor=actor, reason=reason)
            row.save(update_fields=list(replacements))
            changed += 1
    return changed
