"""Database sizing from measured growth (docs/operations.md, "Sizing"): `make sizing SIZING_URLS="url1 url2"`.

Give two or more PostgreSQL databases filled by `manage.py generate_data` at different sizes. For each, this reads
the number of cases and departments and every table's rows and on-disk size (pg_total_relation_size: table, indexes
and TOAST), fits size = fixed + per_case * cases for each table through the smallest and the largest database, and
extrapolates to SIZING_TARGET cases (10,000,000). Prints a Markdown table; the result is an extrapolation from the
measured points, not a measurement. Read-only (one read-only snapshot, so a database still being filled is
one consistent point).
"""

import os
import sys

import psycopg
from psycopg import sql

TARGET = int(os.environ.get("SIZING_TARGET", "10000000"))
TABLES = """
    SELECT c.relname, pg_total_relation_size(c.oid)
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')
"""


def measure(url):
    with psycopg.connect(url.replace("postgres://", "postgresql://", 1), autocommit=True) as db:
        # One snapshot for every count and size, so a database still being written gives one consistent point.
        db.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        sizes = db.execute(TABLES).fetchall()
        tables = {
            name: (db.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(name))).fetchone()[0], size)
            for name, size in sizes
        }
        cases, departments = tables["cases_case"][0], tables["accounts_department"][0]
        total = db.execute("SELECT pg_database_size(current_database())").fetchone()[0]
    return {"url": url.rsplit("/", 1)[1], "cases": cases, "departments": departments, "tables": tables, "total": total}


def gib(n):
    return f"{n / 2**30:,.1f} GiB" if n >= 2**30 else f"{n / 2**20:,.0f} MiB"


def main(urls):
    points = sorted((measure(url) for url in urls), key=lambda p: p["cases"])
    small, large = points[0], points[-1]
    if large["cases"] <= small["cases"]:
        sys.exit("Need two databases with different numbers of cases.")
    span = large["cases"] - small["cases"]
    for p in points:
        print(f"- {p['url']}: {p['cases']:,} cases, {p['departments']} departments, database {gib(p['total'])}")
    rows = []
    for name in large["tables"]:
        s_rows, s_size = small["tables"].get(name, (0, 0))
        l_rows, l_size = large["tables"][name]
        per_case = (l_size - s_size) / span
        fixed = l_size - per_case * large["cases"]
        rows_per_case = (l_rows - s_rows) / span
        rows.append((name, l_rows, l_size, per_case, max(fixed + per_case * TARGET, l_size), rows_per_case))
    rows.sort(key=lambda r: -r[4])
    total = sum(r[4] for r in rows)
    print(f"\n| table | rows at {large['cases']:,} | size at {large['cases']:,} | bytes per case | "
          f"rows per case | extrapolated to {TARGET:,} |")  # fmt: skip
    print("|---|---:|---:|---:|---:|---:|")
    for name, l_rows, l_size, per_case, estimate, rows_per_case in rows[:15]:
        print(f"| {name} | {l_rows:,} | {gib(l_size)} | {per_case:,.0f} | {rows_per_case:,.1f} | {gib(estimate)} |")
    rest = rows[15:]
    print(f"| {len(rest)} other tables | | {gib(sum(r[2] for r in rest))} | {sum(r[3] for r in rest):,.0f} | "
          f"| {gib(sum(r[4] for r in rest))} |")  # fmt: skip
    print(
        f"| **all tables** | | {gib(sum(r[2] for r in rows))} | {sum(r[3] for r in rows):,.0f} | | **{gib(total)}** |"
    )
    print(f"\nExtrapolated linearly from {small['cases']:,} and {large['cases']:,} cases (measured), not measured.")


if __name__ == "__main__":
    urls = sys.argv[1:] or os.environ.get("SIZING_URLS", "").split()
    if len(urls) < 2:
        sys.exit("usage: deploy/sizing.py DATABASE_URL_SMALL DATABASE_URL_LARGE (generate_data at two sizes)")
    main(urls)
