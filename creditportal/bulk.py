"""Set-based SQL for bulk writes that would cost a model instance a row (issue 25 §2).

Django's ``bulk_create`` builds, prepares and binds every row as a model instance; for the grants, history rows and
chain links of a bulk import that was most of the time. These helpers write plain columns instead. On PostgreSQL
rows are inserted with ``COPY ... FROM STDIN``: psycopg formats each row in C, where one placeholder a value cost
its Python parser more than the insert itself, and one array a column (``unnest``, the previous form) still dumped
every element in Python (5,500 chain links: 126 ms of CPU as arrays, 7 ms as COPY). The ``COPY`` runs through
Django's cursor wrappers, so query counts, ``execute_wrapper`` probes and the debug log see it as one statement.
Elsewhere (SQLite) rows go as ``VALUES`` lists, split to the database's limit on parameters.

Values must be ready for the database (``field.get_db_prep_save(value, connection)`` where that changes them, e.g.
datetimes on SQLite); table and column names come from the models, never from input.
"""

from django.db import connection
from django.db.backends.utils import CursorDebugWrapper

# Parameters one statement carries at most where the database sets no lower limit.
MAX_PARAMS = 30_000


def _postgresql() -> bool:
    return connection.vendor == "postgresql"


def max_rows(width: int) -> int:
    """How many rows of ``width`` parameters one statement may carry."""
    return max(1, min(connection.features.max_query_params or MAX_PARAMS, MAX_PARAMS) // width)


def _array_type(field) -> str:
    return f"{field.db_type(connection)}[]"  # a foreign key's is its target's column type


def insert_rows(
    model, field_names: list[str], rows: list[tuple], *, constants: dict | None = None, returning: bool = False
) -> list[dict] | None:
    """Insert ``rows`` (values in the order of ``field_names``) into ``model``'s table, in the order given.

    Identity columns are numbered in that order, as ``bulk_create`` relies on too. PostgreSQL: one statement, a
    ``COPY`` (or, ``returning``, an ``INSERT ... SELECT`` from one array a column).
    ``constants`` (field name → value) are columns every row shares, sent once rather than once a row (psycopg builds
    an array's text in Python, element by element). With ``returning``, the rows as stored (``RETURNING *``: every
    column by name, the values as the database hands them back, no field conversion, exactly as a plain ``SELECT *``
    reads them), in primary-key order.
    """
    if not rows:
        return [] if returning else None
    constants = constants or {}
    qn = connection.ops.quote_name
    opts = model._meta
    fields = [opts.get_field(name) for name in field_names]
    shared = [opts.get_field(name) for name in constants]
    columns = ", ".join(qn(field.column) for field in [*fields, *shared])
    table = qn(opts.db_table)
    suffix = " RETURNING *" if returning else ""
    stored = []
    with connection.cursor() as cursor:
        if _postgresql():
            if not returning:
                shared_values = tuple(constants.values())
                _copy(cursor, f"COPY {table} ({columns}) FROM STDIN", [(*row, *shared_values) for row in rows])
                return None
            arrays = ", ".join(f"%s::{_array_type(field)}" for field in fields)
            values = "".join(f", %s::{_scalar_type(field)}" for field in shared)
            # Table and column names come from the models, values are parameters.
            sql = f"INSERT INTO {table} ({columns}) SELECT u.*{values} FROM unnest({arrays}) AS u{suffix}"  # noqa: S608  # nosec B608
            cursor.execute(sql, [*constants.values(), *(list(column) for column in zip(*rows, strict=True))])
            stored += fetched(cursor)
        else:
            row_sql = "(" + ", ".join(["%s"] * (len(fields) + len(shared))) + ")"
            size = max_rows(len(fields) + len(shared))
            for start in range(0, len(rows), size):
                chunk = rows[start : start + size]
                sql = f"INSERT INTO {table} ({columns}) VALUES {', '.join([row_sql] * len(chunk))}{suffix}"  # noqa: S608  # nosec B608
                cursor.execute(sql, [value for row in chunk for value in (*row, *constants.values())])
                stored += fetched(cursor) if returning else []
    if not returning:
        return None
    # SQLite returns the rows in no particular order; identity columns number them in the order inserted.
    pk_column = opts.pk.column
    return sorted(stored, key=lambda row: row[pk_column])


def _scalar_type(field) -> str:
    """The cast of a shared value: text for character columns, whose insert then checks the length (an explicit cast
    to ``varchar(n)`` would cut a longer value silently), else the column's type."""
    db_type = field.db_type(connection)
    return "text" if db_type.startswith("varchar") else db_type


def fetched(cursor) -> list[dict]:
    columns = [column[0] for column in cursor.description]
    return [dict(zip(columns, values, strict=True)) for values in cursor.fetchall()]


def insert_objects(objs: list, *, key: str) -> None:
    """Insert new model instances as :func:`insert_rows` inserts rows, then give each its primary key.

    What ``bulk_create`` does, without binding every value through the query compiler: each concrete field's
    ``pre_save`` (``auto_now_add`` times) and ``get_db_prep_save``. ``key`` names a unique field the instances
    already carry; the primary keys are read back by it in one statement (per parameter limit).
    """
    if not objs:
        return
    opts = objs[0]._meta
    fields = [field for field in opts.concrete_fields if not field.primary_key]
    rows = [
        tuple(field.get_db_prep_save(field.pre_save(obj, add=True), connection) for field in fields) for obj in objs
    ]
    insert_rows(type(objs[0]), [field.attname for field in fields], rows)
    key_field = opts.get_field(key)
    qn = connection.ops.quote_name
    found = {}
    size = max_rows(1)
    with connection.cursor() as cursor:
        for start in range(0, len(objs), size):
            where, params = among(
                qn(key_field.column), key_field, [getattr(obj, key_field.attname) for obj in objs[start : start + size]]
            )
            # Table and column names come from the models, values are parameters.
            sql = f"SELECT {qn(key_field.column)}, {qn(opts.pk.column)} FROM {qn(opts.db_table)} WHERE {where}"  # noqa: S608  # nosec B608
            cursor.execute(sql, params)
            found.update(cursor.fetchall())
    for obj in objs:
        obj.pk = found[getattr(obj, key_field.attname)]
        obj._state.adding, obj._state.db = False, connection.alias


def _copy(cursor, sql: str, rows: list[tuple]) -> None:
    """Run ``COPY ... FROM STDIN`` with ``rows`` as one statement of Django's ``cursor``: through its execute
    wrappers and, when queries are being logged (tests, ``DEBUG``), into the query log, as ``execute`` would."""

    def executor(sql, params, many, context):
        connection.validate_no_broken_transaction()
        with connection.wrap_database_errors, cursor.cursor.copy(sql) as copy:
            for row in rows:
                copy.write_row(row)

    if isinstance(cursor, CursorDebugWrapper):
        with cursor.debug_sql(sql):
            cursor._execute_with_wrappers(sql, None, many=False, executor=executor)
    else:
        cursor._execute_with_wrappers(sql, None, many=False, executor=executor)


def among(column_sql: str, field, values: list) -> tuple[str, list]:
    """``column IN values`` as SQL and parameters: one array parameter on PostgreSQL, a placeholder a value elsewhere.

    Callers keep ``values`` within :func:`max_rows` of one parameter a value (for SQLite).
    """
    if _postgresql():
        return f"{column_sql} = ANY(%s::{_array_type(field)})", [list(values)]
    return f"{column_sql} IN ({', '.join(['%s'] * len(values))})", list(values)
