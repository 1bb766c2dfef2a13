#!/usr/bin/env python
"""Where a page's time goes: each benchmarked page's "app" variant under pyinstrument (issue 22).

    BENCH_DB_PREFIX=cp_pages_bench .venv/bin/python bench/profile.py S [page substring ...]

(Set ``BENCH_DB_PREFIX`` as for ``make bench``: without it the shared ``creditportal_bench_<size>`` is used.) The
register's search and record pages are among them once ``make bench`` has indexed the register's listings.

Uses the database ``make bench`` prepared for that size (``bench/run.py``, same settings: ``bench.settings``,
DEBUG off), warms each page up, then samples ``PROFILE_ITER`` (default 10) requests in a row. One text report
per page goes to ``var/bench/profile-<size>-<page>-<user>.txt`` (call tree, library frames collapsed) and a
summary line with the wall time per request to stdout. Each report holds the call tree (library frames
collapsed), then the functions by their own time and by their total time.
"""

import os
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main(argv):
    size = (argv[1] if len(argv) > 1 else "S").upper()
    wanted = [a.lower() for a in argv[2:]]
    from bench import run

    run._prepare(size)
    from django.test import Client
    from pyinstrument import Profiler

    from bench import pages, register
    from register.models import Listing

    iterations = int(os.environ.get("PROFILE_ITER", "10"))
    run.OUT.mkdir(parents=True, exist_ok=True)
    scenarios = pages.scenarios(run.SEED, Client)
    if Listing.objects.exists():  # the register's pages, once ``make bench`` has indexed the listings
        scenarios += register.page_scenarios(Client)
    for scenario in scenarios:
        label = f"{scenario['page']} {scenario['user']}"
        if wanted and not any(w in label.lower() for w in wanted):
            continue
        fn = scenario["variants"]["app"]
        for _ in range(3):
            fn()
        profiler = Profiler(interval=0.001)
        started = time.perf_counter()
        profiler.start()
        for _ in range(iterations):
            fn()
        profiler.stop()
        per_request = (time.perf_counter() - started) * 1000 / iterations
        name = re.sub(r"[^a-z0-9]+", "-", f"{size} {label}".lower()).strip("-")
        path = run.OUT / f"profile-{name}.txt"
        tree = profiler.output_text(unicode=True, show_all=False, processor_options={"filter_threshold": 0.02})
        own = profiler.output_text(unicode=True, flat=True, flat_time="self")
        total = profiler.output_text(unicode=True, flat=True, flat_time="total")
        path.write_text(f"{tree}\n\n== self time per function ==\n{own}\n\n== total time per function ==\n{total}")
        print(f"[{size}] {label:<40} {per_request:8.2f} ms/request (profiled)  -> {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
