"""System checks of the audit app (``manage.py check --deploy``): where the witness key is held (docs/audit.md)."""

import os

from django.conf import settings
from django.core import checks
from django.utils.translation import gettext as _


@checks.register(checks.Tags.security, deploy=True)
def witness_keys(app_configs=None, **kwargs):
    """The witness key must not be in the environment every unit shares, and the web needs the public key."""
    if settings.DEBUG:
        return []
    problems = []
    if os.environ.get("AUDIT_WITNESS_SIGNING_KEY"):
        problems.append(
            checks.Warning(
                _("AUDIT_WITNESS_SIGNING_KEY is set in the environment."),
                hint=_(
                    "Every unit reads the shared environment file, the web application included, and whoever holds "
                    "the witness key can witness a rewritten audit chain. Give it to the seal's unit only, as the "
                    "systemd credential audit-witness-key (docs/audit.md)."
                ),
                id="audit.W001",
            )
        )
    if not settings.AUDIT_WITNESS_PUBLIC_KEY:
        problems.append(
            checks.Warning(
                _("AUDIT_WITNESS_PUBLIC_KEY is not set."),
                hint=_("Without it the audit chain cannot be checked against the published witnesses (docs/audit.md)."),
                id="audit.W002",
            )
        )
    return problems
