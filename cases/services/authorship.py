"""Four-eyes on authorship (issue 20 §2): who wrote or changed a case's content never reviews or decides it.

The content is the draft's fields, its measures, its legal document and its evidence; who touched it is read
from their simple-history rows, so an edit made through any path counts. Transitions (submit, return, ...)
change the case row too, but not its content, so they do not make anyone an author. The database keeps its
own narrower constraint (the submitter never approves or decides, ``decision_four_eyes``).
"""

from django.db.models import Q

from accounts.models import User

from ..models import Case, Evidence, LegalDocument, Sanction
from .errors import AuthorshipError

# The draft's own fields (cases.services.drafts.case_create / case_update).
_CONTENT_FIELDS = ("entity", "catalogue_item", "severity", "facts", "internal_notes")


def content_authors(case: Case) -> set[int]:
    """The ids of everyone who created or changed the case's content (two queries)."""
    authors: set[int | None] = set()
    previous = None
    rows = Case.history.filter(id=case.pk).order_by("history_date", "history_id")
    for row in rows.values("history_user_id", *_CONTENT_FIELDS):
        if previous is None or any(row[field] != previous[field] for field in _CONTENT_FIELDS):
            authors.add(row["history_user_id"])
        previous = row
    # Proposing, changing or removing a measure; not the decision that imposes it or the sweep that ends it.
    proposed = Q(status=Sanction.Status.PROPOSED)
    # The three other histories in one UNION query (issue 22: one statement fewer per approval and decision each).
    others = [
        LegalDocument.history.filter(case_id=case.pk),
        Evidence.history.filter(case_id=case.pk),
        Sanction.history.filter(proposed, case_id=case.pk),
    ]
    first, *rest = [rows.order_by().values_list("history_user_id", flat=True) for rows in others]
    authors.update(first.union(*rest))
    authors.discard(None)
    return authors


def require_not_author(case: Case, actor: User) -> None:
    """Refuse ``actor`` (``AuthorshipError``) if they wrote or changed the case's content."""
    if actor.pk in content_authors(case):
        raise AuthorshipError
