"""What each dashboard counts: a few aggregate queries per role, every one scoped by the policy.

Each figure keeps the URL of the admin list that shows its rows, filtered the same way, so what a chart
counts is what the list behind it shows (to the same user, through the same ``scope``).
"""

from .appeals import appeals_dashboard
from .audit import audit_dashboard
from .cases import case_dashboard

__all__ = ["appeals_dashboard", "audit_dashboard", "case_dashboard"]
