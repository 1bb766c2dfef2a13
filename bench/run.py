#!/usr/bin/env python
"""``make bench``: the same pages measured in one run against the naive setup and the SQL floor (issue 11).

    BENCH_SIZES=S,M  (default; S = 10k cases, M = 1M cases; L = 100k on request)   BENCH_ITER=15
    BENCH_FRESH=1 (regenerate)
    BENCH_DB_URL=postgres://postgres@127.0.0.1:5432  (databases creditportal_bench_s / _m are created there)
    BENCH_DB_PREFIX=creditportal_bench  (another prefix keeps a second checkout's databases apart)
    BENCH_PAGES=api,register  (only the entries whose name contains one of these; default: all)

Each size runs in its own process (``run.py --size S``): create the database if needed, migrate, generate,
then time every page in-process with the test client (warm-ups, then interleaved app / naive / floor
iterations), count queries and SQL time with ``connection.execute_wrapper``, and EXPLAIN the slowest query.
Results: a table on stdout and ``var/bench/results.json``.
"""

import json
import os
import statistics
import subprocess  # nosec B404
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SIZES = {"S": (10_000, 1_000), "M": (1_000_000, 100_000)}
SIZES["L"] = (100_000, 10_000)  # BENCH_SIZES=L: between the two, generated in minutes rather than an hour (#22)
SEED = 11
OUT = ROOT / "var" / "bench"
BIG_TABLES = {"cases_case", "entities_entity", "cases_caseuserobjectpermission", "cases_casegroupobjectpermission",
              "cases_historicalcase"}  # fmt: skip


def main():
    if "--size" in sys.argv:
        return measure(sys.argv[sys.argv.index("--size") + 1])
    sizes = [s.strip().upper() for s in os.environ.get("BENCH_SIZES", "S,M").split(",") if s.strip()]
    OUT.mkdir(parents=True, exist_ok=True)
    results = {}
    for size in sizes:
        subprocess.run([sys.executable, __file__, "--size", size], check=True, cwd=ROOT)  # noqa: S603  # nosec B603
        results[size] = json.loads((OUT / f"results-{size}.json").read_text())
    (OUT / "results.json").write_text(json.dumps(results, indent=2))
    print(table(results))
    return 0


# -- one size, in-process ---------------------------------------------------------------------------------
def _database(size: str) -> str:
    base = os.environ.get("BENCH_DB_URL", "postgres://postgres@127.0.0.1:5432").rstrip("/")
    prefix = os.environ.get("BENCH_DB_PREFIX", "creditportal_bench")
    return f"{base}/{prefix}_{size.lower()}"


def _prepare(size: str):
    import psycopg

    url = _database(size)
    admin_url, name = url.rsplit("/", 1)
    with psycopg.connect(f"{admin_url}/postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists and os.environ.get("BENCH_FRESH"):
            conn.execute(f'DROP DATABASE "{name}"')  # nosec B608
            exists = None
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')  # nosec B608
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    import django

    django.setup()
    from django.core.management import call_command

    from accounts.models import User
    from demo import datagen

    call_command("migrate", verbosity=0)
    if not User.objects.filter(username=datagen.special_usernames(SEED)["heavy"]).exists():
        cases, entities = SIZES[size]
        print(f"[{size}] generating {cases} cases, {entities} entities ...", flush=True)
        call_command("generate_data", cases=cases, entities=entities, seed=SEED, force=True, append=True)


class Probe:
    """Counts queries, SQL time and the slowest statement of a block (``execute_wrapper``: survives reset_queries)."""

    def __init__(self):
        self.queries, self.sql_ms, self.slowest = 0, 0.0, (0.0, None, None)

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            elapsed = (time.perf_counter() - started) * 1000
            self.queries += 1
            self.sql_ms += elapsed
            if elapsed > self.slowest[0] and sql.lstrip().upper().startswith("SELECT"):
                self.slowest = (elapsed, sql, params)


def _explain(sql, params) -> dict:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (FORMAT JSON) " + sql, params)
        plan = cursor.fetchone()[0]
    plan = json.loads(plan) if isinstance(plan, str) else plan
    scans = []

    def walk(node):
        if "Relation Name" in node:
            scans.append((node["Node Type"], node["Relation Name"]))
        for child in node.get("Plans", []):
            walk(child)

    walk(plan[0]["Plan"])
    seq = [rel for kind, rel in scans if kind == "Seq Scan" and rel in BIG_TABLES]
    indexed = any("Index" in kind for kind, _rel in scans)
    return {"uses_index": indexed and not seq, "seq_scans_on_big_tables": seq, "scans": scans[:12]}


def _time(fn, iterations):
    from django.db import connection

    walls, probe_last = [], None
    for _ in range(iterations):
        probe = Probe()
        with connection.execute_wrapper(probe):
            started = time.perf_counter()
            fn()
            walls.append((time.perf_counter() - started) * 1000)
        probe_last = probe
    return walls, probe_last


def _summary(walls, probe):
    walls = sorted(walls)
    p95 = walls[min(len(walls) - 1, round(0.95 * (len(walls) - 1)))]
    out = {"p50_ms": round(statistics.median(walls), 2), "p95_ms": round(p95, 2), "queries": probe.queries,
           "sql_ms": round(probe.sql_ms, 2)}  # fmt: skip
    if probe.slowest[1]:
        out["main_query_ms"] = round(probe.slowest[0], 2)
        try:
            out["plan"] = _explain(probe.slowest[1], probe.slowest[2])
        except Exception as error:
            out["plan"] = {"error": str(error)[:200]}
    return out


def measure(size: str):
    _prepare(size)
    from django.test import Client

    from bench import pages, register

    iterations = int(os.environ.get("BENCH_ITER", "15"))
    scenarios = pages.scenarios(SEED, Client)
    scenarios += register.scenarios(SEED, Client, size=size)  # the public register (bench/register.py)
    only = [part.strip() for part in os.environ.get("BENCH_PAGES", "").split(",") if part.strip()]
    if only:
        scenarios = [scenario for scenario in scenarios if any(part in scenario["page"] for part in only)]
    results = {"size": size, "machine": pages.machine(), "pages": []}
    for scenario in scenarios:
        row = run_scenario(scenario, iterations)
        results["pages"].append(row)
        print(f"[{size}] {_line(row)}", flush=True)
    (OUT / f"results-{size}.json").write_text(json.dumps(results, indent=2, default=str))
    return 0


def run_scenario(scenario: dict, iterations: int) -> dict:
    """Warm up each variant, time them interleaved (app, naive, floor, app, ...) and summarise them as one row.

    A scenario may ask for fewer runs than ``iterations`` (``"iterations"``) and fewer warm-ups than 3
    (``"warmups"``): a regeneration of the whole register at 1M takes minutes.
    """
    variants = scenario["variants"]
    for fn in variants.values():
        for _ in range(scenario.get("warmups", 3)):
            fn()  # warm-up
    collected = {name: ([], None) for name in variants}
    for _ in range(min(iterations, scenario.get("iterations", iterations))):
        for name, fn in variants.items():
            walls, probe = _time(fn, 1)
            collected[name] = (collected[name][0] + walls, probe)
    row = {"page": scenario["page"], "user": scenario["user"]}
    for name, (walls, probe) in collected.items():
        row[name] = _summary(walls, probe)
    if "commits" in scenario:
        row["app"]["commits"] = scenario["commits"]()
    if "figures" in scenario:  # figures of the scenario's own (rows per second, peak RSS), given the timings
        row.update(scenario["figures"](row))
    return row


def _line(row) -> str:
    app = row["app"]
    text = f"{row['page']:<22} {row['user']:<10} app p50 {app['p50_ms']:>8} ms  q {app['queries']:>3}"
    for other in ("naive", "floor"):
        if other in row:
            text += f"  {other} {row[other]['p50_ms']:>8} ms"
    if "rows_per_s" in row:
        text += f"  rows/s app {row['rows_per_s']['app']} floor {row['rows_per_s'].get('floor', '—')}"
    if "peak_rss_growth_kb" in row:
        text += f"  peak RSS +{row['peak_rss_growth_kb']} KB"
    return text


def table(results) -> str:
    lines = ["| size | page | user | app p50 / p95 ms | queries | SQL ms | index | naive p50 ms | app÷naive "
             "| floor p50 ms | app÷floor |", "|---|---|---|---|---|---|---|---|---|---|---|"]  # fmt: skip
    for size, result in results.items():
        for row in result["pages"]:
            app = row["app"]
            naive, floor = row.get("naive"), row.get("floor")
            plan = app.get("plan", {})
            lines.append(
                f"| {size} | {row['page']} | {row['user']} | {app['p50_ms']} / {app['p95_ms']} | {app['queries']} "
                f"| {app['sql_ms']} | {'yes' if plan.get('uses_index') else 'no'} "
                f"| {naive['p50_ms'] if naive else '—'} "
                f"| {round(app['p50_ms'] / naive['p50_ms'], 3) if naive else '—'} "
                f"| {floor['p50_ms'] if floor else '—'} "
                f"| {round(app['p50_ms'] / floor['p50_ms'], 1) if floor else '—'} |"
            )
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
