"""History tracking shared by every domain model (DESIGN §8).

Every tracked model uses :func:`tracked_history`, so each gets a 64-bit ``history_id``
(simple-history ignores ``DEFAULT_AUTO_FIELD``) and text change reasons.
Outside a request, services name their actor with :func:`attribute`.
"""

from django.db import models
from simple_history.models import HistoricalRecords


def tracked_history(**kwargs) -> HistoricalRecords:
    """The ``HistoricalRecords`` every domain model uses."""
    kwargs.setdefault("history_id_field", models.BigAutoField(primary_key=True))
    kwargs.setdefault("cascade_delete_history", False)
    return HistoricalRecords(**kwargs)


def attribute(obj: models.Model, *, actor, reason: str) -> models.Model:
    """Name who makes the next save of ``obj`` and why; the history row records both.

    ``actor=None`` means the caller does not know who acts (e.g. a helper that creates a department's role
    group on first use): the history row then names the signed-in user of the current request
    (simple-history's middleware), rather than nobody. Outside a request it stays empty.
    """
    if actor is None:
        obj.__dict__.pop("_history_user", None)
    else:
        obj._history_user = actor
    obj._change_reason = reason
    return obj
