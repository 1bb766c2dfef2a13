"""System checks of the cases app (run by ``migrate`` and ``manage.py check --database default``)."""

from django.core import checks
from django.utils import timezone
from django.utils.translation import gettext as _


@checks.register(checks.Tags.database)
def holiday_notice_loaded(app_configs=None, databases=None, **kwargs):
    """From 1 November, warn when this or next year's holiday notice is not loaded (issue 20 §4).

    Only when asked about the database (Django passes ``databases`` to ``migrate``'s checks and to ``check
    --database``): a plain ``check`` (``make lint``, ``check --deploy``) must not depend on what a local database
    holds.
    """
    from django.db import DatabaseError

    if not databases or "default" not in databases:
        return []

    from .calendar import missing_years

    try:
        missing = missing_years(timezone.localdate())
    except DatabaseError:  # not migrated yet: migrate itself runs the check again afterwards
        return []
    return [
        checks.Warning(
            _("The State Council holiday notice for %(year)s is not loaded.") % {"year": year},
            hint=_(
                "Deadlines in %(year)s count the statutory holidays only and are provisional. Enter the notice "
                "(holidays and make-up working days) in the admin: Holiday calendar → Enter a year's notice."
            )
            % {"year": year},
            id="cases.W001",
        )
        for year in sorted(missing)
    ]
