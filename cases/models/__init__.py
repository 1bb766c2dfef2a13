from .case import Case, CaseNumberSequence, Decision, LegalDocument, Notice, Sanction, Statement
from .catalogue import CalendarDay, CatalogueItem, LegalSource, MeasureType, RulePeriod, Severity
from .evidence import Evidence
from .permissions import CaseGroupObjectPermission, CaseUserObjectPermission

__all__ = [
    "CalendarDay",
    "Case",
    "CaseGroupObjectPermission",
    "CaseNumberSequence",
    "CaseUserObjectPermission",
    "CatalogueItem",
    "Decision",
    "Evidence",
    "LegalDocument",
    "LegalSource",
    "MeasureType",
    "Notice",
    "RulePeriod",
    "Sanction",
    "Severity",
    "Statement",
]
