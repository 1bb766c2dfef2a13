"""The SQL statements a block of code sends, in order (for tests that check which statements run, not only how many)."""

from django.db import connection


def statements(block) -> list[str]:
    seen = []

    def record(execute, sql, params, many, context):
        seen.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        block()
    return seen
