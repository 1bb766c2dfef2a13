from .case import Case, CaseNumberSequence, Decision, LegalDocument, Notice, Sanction, Statement
from .catalogue import CalendarDay, CatalogueItem, LegalSource, MeasureType, RulePeriod, Severity
from .evidence import Evidence

__all__ = [
    "CalendarDay",
    "Case",
    "CaseNumberSequence",
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
