"""History tracking shared by every domain model (DESIGN §8).

Every tracked model uses :func:`tracked_history`, so each gets a 64-bit ``history_id``
(simple-history ignores ``DEFAULT_AUTO_FIELD``) and text change reasons.
Outside a request, services name their actor with :func:`attribute`. Bulk writers copy the rows they inserted
into history set-based with :func:`copy_to_history`.
"""

from django.db import connection, models
from simple_history.models import HistoricalRecords

from creditportal import bulk


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


HISTORY_COLUMNS = ("history_date", "history_change_reason", "history_type", "history_user")


def copy_to_history(model, *, key: str, values: list, actor, when, reason: str = "", reason_by=None) -> list[dict]:
    """Copy the stored rows of ``model`` whose ``key`` field is among ``values`` into its history table, as
    ``bulk_history_create`` would write them for new rows, in one ``INSERT ... SELECT`` (per parameter limit).

    Each history row: the row's tracked columns as stored, ``when``, the reason, type ``+`` (created) and
    ``actor``. The reason is ``reason``, or by holder: ``reason_by = (field name, {holder pk: reason})``. No model
    instance a row (issue 25 §2: building and binding them was most of a bulk import's time). Returns the new
    history rows as stored (``RETURNING *``: ``{column: value}``, no field conversion) in the rows' primary-key
    order, for ``audit.chain.append_stored``: nothing is read back to chain them.
    """
    qn = connection.ops.quote_name
    opts, history_opts = model._meta, model.history.model._meta
    tracked = [field.column for field in model.history.model.tracked_fields]
    own = [history_opts.get_field(name) for name in HISTORY_COLUMNS]
    written = {*tracked, *(field.column for field in own), history_opts.pk.column}
    stored = {field.column for field in history_opts.concrete_fields}
    if written != stored:  # a history column this copy would leave out (or invent): fail loudly, never write less
        raise RuntimeError(f"{history_opts.db_table}: columns {sorted(stored ^ written)} not handled by the bulk copy")
    date, reason_field, type_field, _user = own
    when_sql = date.get_db_prep_save(when, connection)
    type_sql = type_field.get_db_prep_save("+", connection)
    reasons = reason_by[1] if reason_by else {}
    if not reason_by or len(set(reasons.values())) == 1:
        single = next(iter(reasons.values())) if reason_by else reason
        reason_sql, reason_params = "%s", [reason_field.get_db_prep_save(single, connection)]
    else:
        holder = qn(opts.get_field(reason_by[0]).column)
        reason_sql = f"CASE {holder}" + " WHEN %s THEN %s" * len(reasons) + " END"
        reason_params = [value for pk, text in reasons.items() for value in (pk, text)]
    source = ", ".join(qn(column) for column in tracked)
    target = ", ".join(qn(column) for column in [*tracked, *(field.column for field in own)])
    key_field = opts.get_field(key)
    per_statement = bulk.max_rows(1) - len(reason_params) - 3
    found = []
    with connection.cursor() as cursor:
        for start in range(0, len(values), per_statement):
            where, params = bulk.among(qn(key_field.column), key_field, values[start : start + per_statement])
            # Table and column names come from the models, values are parameters.
            sql = (
                f"INSERT INTO {qn(history_opts.db_table)} ({target}) "  # noqa: S608  # nosec B608
                f"SELECT {source}, %s, {reason_sql}, %s, %s FROM {qn(opts.db_table)} "
                f"WHERE {where} ORDER BY {qn(opts.pk.column)} RETURNING *"
            )
            cursor.execute(sql, [when_sql, *reason_params, type_sql, actor.pk, *params])
            found += sorted(bulk.fetched(cursor), key=lambda row: row[history_opts.pk.column])
    return found
