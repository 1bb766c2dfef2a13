"""The public register's entries in ``make bench`` (issue 18), each beside its SQL floor (see ``bench/run.py``).

- **register search**: the anonymous search page by a Latin name part, by a 2-character Chinese name part and by
  a unified social credit code; floor: the one hand-written query of the page's rows, rendered as a table (the
  2-character term through its pair in ``name_grams``, as the application asks since register 0007).
- **register record**: a record page without a validator (no ``If-None-Match``: rendered, not a 304); floor: the
  one query of the entry by its token.
- **register CSV regeneration**: ``download_regenerate("csv")`` writing the whole current register; floor:
  PostgreSQL's own ``COPY … TO STDOUT (FORMAT csv)`` of the same columns into a file. Its peak RSS is measured once
  in a fresh child process — the RSS after Django is set up, then the peak during the regeneration alone (Linux
  ``VmHWM``, reset through ``/proc/self/clear_refs`` just before; ``resource.getrusage`` gives the whole process's,
  and after ``exec`` Linux carries the parent's peak into it) — with its CPU and wall time and rows per second, and
  written to ``var/bench/register-<size>.json``; then the same for serving the file through the download view (the
  peak while a client reads the whole CSV). The entry's row in the results carries ``rows``, ``rows_per_s`` (app and
  floor, from their p50) and the child's figures. At M and L it runs once, without warm-up (``iterations``,
  ``warmups``): one regeneration of 1M rows takes a minute or more, and the child process has already run one.

The generator writes publications in bulk, which leaves the register's index empty, so :func:`index_generated` is a
separate step: it gives the organisations' entries the Chinese registered name they carry in life and indexes every
publication (``register.services.listings_refresh``).
"""

import functools
import json
import os
import subprocess  # nosec B404
import sys
import tempfile
import zlib
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from cases.models import Publication
from entities.models import Entity
from register.downloads import download_regenerate
from register.models import Listing
from register.services import listings_refresh

ROOT = Path(__file__).resolve().parents[1]
# The whole-register regeneration runs once at these sizes (minutes at 1M), and a few times at S.
ONE_RUN_SIZES = {"M", "L"}
REGENERATION_ITERATIONS = 5
OUT = ROOT / "var" / "bench"

# Registered names are Chinese: the generator's organisations get one for the register (bench data only).
CITIES_ZH = ["北京", "上海", "广州", "深圳", "杭州", "成都", "武汉", "南京", "天津", "西安", "重庆", "苏州"]
BRANDS_ZH = ["华信", "中天", "金龙", "恒达", "鑫源", "宝盛", "瑞丰", "天宇", "开元", "东方", "明泰", "盛世",
             "永利", "富达", "长虹", "好运", "龙翔", "嘉禾", "万福", "泰康"]  # fmt: skip
TRADES_ZH = ["商贸", "科技", "建设", "物流", "食品", "医药", "纺织", "置业", "餐饮", "化工", "传媒", "设备"]

# The floors: the page's rows in one hand-written query each (the visible condition of ``ListingQuerySet.visible``).
SEARCH_NAME_SQL = """SELECT l.token, l.content FROM register_listing l
WHERE l.listed AND NOT l.minor AND l.published_from <= %s AND l.ended_on IS NULL AND l.max_end_on > %s
  AND UPPER(l.name) LIKE UPPER(%s) ORDER BY l.decided_on DESC, l.id DESC LIMIT 20"""
# A 2-character term: its pair in ``name_grams`` (register 0007) is the whole condition, as the application sends it.
SEARCH_PAIR_SQL = """SELECT l.token, l.content FROM register_listing l
WHERE l.listed AND NOT l.minor AND l.published_from <= %s AND l.ended_on IS NULL AND l.max_end_on > %s
  AND l.name_grams @@ register_name_query(UPPER(%s)) ORDER BY l.decided_on DESC, l.id DESC LIMIT 20"""
SEARCH_USCC_SQL = """SELECT l.token, l.content FROM register_listing l
WHERE l.listed AND NOT l.minor AND l.published_from <= %s AND l.ended_on IS NULL AND l.max_end_on > %s
  AND l.uscc = %s ORDER BY l.decided_on DESC, l.id DESC LIMIT 20"""
RECORD_SQL = """SELECT l.token, l.content FROM register_listing l
WHERE l.listed AND NOT l.minor AND l.published_from <= %s AND l.ended_on IS NULL AND l.max_end_on > %s
  AND l.token = %s"""
COPY_SQL = """COPY (SELECT l.token, l.name, l.uscc, l.content->'conduct'->>'zh', l.content->'conduct'->>'en',
  l.content->'document'->>'number', l.content->'document'->>'date', l.content->>'department', l.content->'measures',
  l.content->>'published_from', l.content->>'ends_on', l.content->>'statement' FROM register_listing l
WHERE l.listed AND NOT l.minor AND l.published_from <= %s AND l.ended_on IS NULL AND l.max_end_on > %s
ORDER BY l.id) TO STDOUT (FORMAT csv)"""


def _chinese_name(entity_id: int) -> str:
    n = zlib.crc32(str(entity_id).encode())
    city, brand, trade = CITIES_ZH[n % 12], BRANDS_ZH[(n // 12) % 20], TRADES_ZH[(n // 240) % 12]
    return f"{city}{brand}{trade}有限公司{entity_id}"


def index_generated(*, chunk_size: int = 500) -> int:
    """Index the generated publications for the register, once. Returns how many listings were written.

    The generator publishes sanctioned cases (cloned with their ``Publication``) but, writing rows in bulk, fires no
    signal, so the register's index is empty. Bench data only: the organisations' entries get the Chinese registered
    name real ones carry (the snapshot is rewritten in bulk, without history), then ``listings_refresh`` indexes every
    publication as the application does.
    """
    if Listing.objects.count() >= Publication.objects.count():
        return 0
    publications = (
        Publication.objects.exclude(case__entity__kind=Entity.Kind.NATURAL_PERSON)
        .select_related("case")
        .only("snapshot", "case__entity_id")
        .order_by("pk")
    )
    last = 0
    while True:
        page = list(publications.filter(pk__gt=last)[:chunk_size])
        if not page:
            break
        for publication in page:
            entity = {**(publication.snapshot.get("entity") or {}), "name": _chinese_name(publication.case.entity_id)}
            publication.snapshot = {**publication.snapshot, "entity": entity}
        with transaction.atomic():
            Publication.objects.bulk_update(page, ["snapshot"])
        last = page[-1].pk
    count = listings_refresh()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE register_listing")  # what autovacuum would do soon after: fair plans
    return count


def _html(rows) -> str:
    from html import escape

    body = "".join(f"<li><a href='/register/r/{escape(t)}/'>{escape(str(content))}</a></li>" for t, content in rows)
    return f"<html><body><ol>{body}</ol></body></html>"


def _floor(sql, params):
    def fn():
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return _html(cursor.fetchall())

    return fn


def _get(client, url):
    def fn():
        response = client.get(url)
        if response.status_code != 200:
            raise AssertionError(f"{url}: {response.status_code}")
        return response

    return fn


def _copy_floor(path: Path):
    def fn():
        today = timezone.localdate()
        connection.ensure_connection()
        with connection.connection.cursor() as cursor, path.open("wb") as out:
            with cursor.copy(COPY_SQL, [today, today]) as copy:
                for data in copy:
                    out.write(data)

    return fn


def _regenerate():
    download_regenerate("csv")


def _rss_of_regeneration(size: str) -> dict:
    """The CSV regeneration in a fresh child process: its RSS before, and the peak RSS while it writes."""
    script = (
        "import json, resource, time, django; django.setup()\n"
        "from pathlib import Path\n"
        "from register.downloads import download_regenerate\n"
        "from register.models import Listing\n"
        "rows = Listing.objects.visible().count()\n"
        "status = Path('/proc/self/status')\n"
        "def kb(field):\n"
        "    line = next(l for l in status.read_text().splitlines() if l.startswith(field + ':'))\n"
        "    return int(line.split()[1])\n"
        "before = kb('VmRSS')\n"
        "Path('/proc/self/clear_refs').write_text('5')  # reset the peak (VmHWM) to the current RSS\n"
        "cpu, started = time.process_time(), time.perf_counter()\n"
        "path = download_regenerate('csv')\n"
        "seconds, cpu = time.perf_counter() - started, time.process_time() - cpu\n"
        "peak = kb('VmHWM')\n"
        "from django.conf import settings; settings.REGISTER_RATE_LIMIT = 10**9\n"
        "from django.test import Client\n"
        "client = Client(); client.get('/register/download/csv/').close()  # warm: URL resolution, middleware\n"
        "served_before = kb('VmRSS'); Path('/proc/self/clear_refs').write_text('5')\n"
        "served = sum(len(chunk) for chunk in client.get('/register/download/csv/').streaming_content)\n"
        "served_peak = kb('VmHWM')\n"
        "print(json.dumps({'rows': rows, 'seconds': round(seconds, 2), 'cpu_seconds': round(cpu, 2),\n"
        "                  'rows_per_s': round(rows / seconds), 'rows_per_s_cpu': round(rows / max(cpu, 1e-6)),\n"
        "                  'bytes': path.stat().st_size,\n"
        "                  'rss_before_kb': before, 'rss_peak_kb': peak, 'rss_growth_kb': peak - before,\n"
        "                  'ru_maxrss_kb': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,\n"
        "                  'download_bytes': served, 'download_rss_growth_kb': served_peak - served_before}))\n"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "bench.settings"}
    env["REGISTER_DOWNLOAD_ROOT"] = str(settings.REGISTER_DOWNLOAD_ROOT)
    result = subprocess.run(  # noqa: S603  # nosec B603 - our own interpreter and script
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / f"register-{size}.json").write_text(json.dumps(figures, indent=2))
    print(f"[{size}] register CSV regeneration (child process): {figures}", flush=True)
    return figures


def page_scenarios(client_class) -> list[dict]:
    """The register's search and record pages with their floors, on the listings already indexed (``bench/profile.py``
    profiles these too)."""
    settings.REGISTER_RATE_LIMIT = 10**9  # one client address asks for every timed page
    today = timezone.localdate()
    visible = Listing.objects.visible(today)
    organisation = visible.exclude(uscc="").order_by("pk").first()
    person = visible.filter(natural_person=True).order_by("pk").first()
    client = client_class(headers={"Accept-Language": "zh-hans"})
    out = []
    chinese = BRANDS_ZH[0]  # 2 characters, in about 1 organisation name in 20
    latin = " ".join(person.name.split()[:2]) if person else "Wang"
    for label, term, sql in (
        ("name", latin, SEARCH_NAME_SQL),
        ("Chinese 2-char", chinese, SEARCH_PAIR_SQL),
        ("USCC", organisation.uscc if organisation else "91110000000000000X", SEARCH_USCC_SQL),
    ):
        param = f"%{term}%" if sql is SEARCH_NAME_SQL else term
        out.append({
            "page": f"register search {label}", "user": "anonymous",
            "variants": {"app": _get(client, f"/register/?q={term}"), "floor": _floor(sql, [today, today, param])},
        })  # fmt: skip
    if organisation is not None:
        out.append({
            "page": "register record", "user": "anonymous",
            "variants": {"app": _get(client, f"/register/r/{organisation.token}/"),
                         "floor": _floor(RECORD_SQL, [today, today, organisation.token])},
        })  # fmt: skip
    return out


def scenarios(seed, client_class, *, size: str = "") -> list[dict]:
    """The register's pages and its CSV regeneration, each with its floor (anonymous, Simplified Chinese)."""
    indexed = index_generated()
    print(f"[{size}] register: {indexed} generated publication(s) indexed", flush=True)
    if not Listing.objects.exists():
        print(f"[{size}] register: no publication to measure", flush=True)
        return []
    settings.REGISTER_DOWNLOAD_ROOT = str(Path(tempfile.mkdtemp(prefix="bench-register-")))
    out = page_scenarios(client_class)
    visible = Listing.objects.visible(timezone.localdate())
    child = _rss_of_regeneration(size or "S")
    rows = visible.count()
    once = size.upper() in ONE_RUN_SIZES
    out.append({
        "page": "register CSV regeneration", "user": "task",
        "variants": {"app": _regenerate, "floor": _copy_floor(Path(settings.REGISTER_DOWNLOAD_ROOT) / "floor.csv")},
        "iterations": 1 if once else REGENERATION_ITERATIONS, "warmups": 0 if once else 1,
        "figures": functools.partial(_regeneration_figures, rows=rows, child=child),
    })  # fmt: skip
    return out


def _regeneration_figures(row: dict, *, rows: int, child: dict) -> dict:
    """Rows per second of the app and the floor (from their p50), and the child process's RSS and CPU figures."""
    per_second = {name: round(rows / (row[name]["p50_ms"] / 1000)) for name in ("app", "floor") if row[name]["p50_ms"]}
    return {"rows": rows, "rows_per_s": per_second, "peak_rss_growth_kb": child["rss_growth_kb"], "child": child}
