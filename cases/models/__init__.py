from .case import Case, CaseNumberSequence, Decision, LegalDocument, Notice, Sanction, Statement
from .catalogue import CalendarDay, CatalogueItem, LegalSource, MeasureType, RulePeriod, Severity
from .evidence import Evidence
from .filing import Filing, FilingAttachment, StatementAttachment
from .notification import Notification
from .permissions import CaseGroupObjectPermission, CaseUserObjectPermission
from .proportionality import ProportionalityRule
from .publication import Publication

__all__ = [
    "CalendarDay",
    "Case",
    "CaseGroupObjectPermission",
    "CaseNumberSequence",
    "CaseUserObjectPermission",
    "CatalogueItem",
    "Decision",
    "Evidence",
    "Filing",
    "FilingAttachment",
    "LegalDocument",
    "LegalSource",
    "MeasureType",
    "Notice",
    "Notification",
    "ProportionalityRule",
    "Publication",
    "RulePeriod",
    "Sanction",
    "Severity",
    "Statement",
    "StatementAttachment",
]
