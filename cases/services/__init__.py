"""The only writers of case state (STYLE: services change state; selectors read it)."""

from .drafts import (
    case_create,
    case_update,
    legal_document_set,
    measure_change,
    measure_problems,
    measure_propose,
    measure_withdraw,
    submission_problems,
)
from .errors import AuthorshipError, ConflictError, FourEyesError
from .review import (
    case_approve,
    case_close_statement_window,
    case_dismiss,
    case_record_statement,
    case_reject,
    case_return,
    case_sanction,
    case_submit,
    case_transition_allowed,
    case_transitions_available,
    case_withdraw,
)

__all__ = [
    "AuthorshipError",
    "ConflictError",
    "FourEyesError",
    "case_approve",
    "case_close_statement_window",
    "case_create",
    "case_dismiss",
    "case_record_statement",
    "case_reject",
    "case_return",
    "case_sanction",
    "case_submit",
    "case_transition_allowed",
    "case_transitions_available",
    "case_update",
    "case_withdraw",
    "legal_document_set",
    "measure_change",
    "measure_problems",
    "measure_propose",
    "measure_withdraw",
    "submission_problems",
]
