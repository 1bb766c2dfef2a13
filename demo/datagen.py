"""Synthetic data at scale for the benchmark (issue 11): what the application itself would have written.

How it stays faithful without calling the services a million times:

1. **Prototypes through the services.** For every (entity kind, conduct, end state) the generator builds one case
   through ``cases.services`` exactly as a caseworker and a supervisor would (create, legal document, measure,
   submit, approve, statement, decide ...), inside a transaction it then rolls back, after reading every row the
   path wrote: the case and what hangs off it, the guardian grants, every history row, and the order of their audit
   chain links. Entities and individual grants get prototypes the same way (``entity_register``,
   ``case_grant_user``).
2. **Set-based cloning.** Each prototype is stamped out many times: primary keys renumbered, foreign keys mapped
   to the target department, its role groups, caseworker, supervisor and entity, dates shifted back in whole
   weeks, the case number and names replaced in every text (notice bodies, snapshots). Rows go in with
   ``COPY`` on PostgreSQL (``executemany`` on SQLite), a batch per transaction.
3. **The audit chain is extended, not bypassed.** Each cloned history row gets its link in the same transaction,
   hashed with :func:`audit.chain.content_hash` / :func:`audit.chain.link_hash` over the row as stored and
   chained on the current head under the chain's advisory lock, in the order the prototype's links had — so
   ``manage.py verify_audit`` accepts generated data like any other.

What is deliberately simpler than life: natural persons are adults (a minor's case would need a different
publication path); dates move by whole weeks, so a shifted deadline keeps its weekday but not the holiday
calendar of the week it lands in; no evidence files; no representatives except the two the benchmark signs in as.
"""

import datetime
import hashlib
import itertools
import json
import multiprocessing
import os
import random
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field

from django.apps import apps
from django.contrib.auth.models import Group
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from accounts import roles
from accounts.models import Department, User
from accounts.services import department_group, user_sync_department_groups
from audit import chain
from audit.history import attribute
from audit.models import ChainLink
from cases import services
from cases.models import Case, CaseNumberSequence, CatalogueItem, LegalDocument, MeasureType
from cases.services.access import case_grant_user
from cases.services.drafts import measure_problems
from entities import crypto
from entities.identifiers import id_check_digit, mask_id_number, uscc_check_char
from entities.models import Entity, Representative
from entities.services import entity_register, representative_add

# The end states a generated case may be in, the steps that lead there, and how often each occurs.
PATHS = {
    "draft": (),
    "returned": ("submit", "return"),
    "submitted": ("submit",),
    "rejected": ("submit", "reject"),
    "notice_issued": ("submit", "approve"),
    "decision_pending": ("submit", "approve", "statement"),
    "sanctioned": ("submit", "approve", "statement", "sanction"),
    "dismissed": ("submit", "approve", "statement", "dismiss"),
}
STATE_WEIGHTS = {
    "draft": 10,
    "returned": 3,
    "submitted": 8,
    "rejected": 6,
    "notice_issued": 5,
    "decision_pending": 6,
    "sanctioned": 52,
    "dismissed": 10,
}
# How far back (in weeks) a case in each state was opened: open work is recent, decided cases older.
AGE_WEEKS = {
    "draft": (0, 8),
    "returned": (1, 10),
    "submitted": (0, 4),
    "rejected": (2, 120),
    "notice_issued": (0, 3),
    "decision_pending": (1, 6),
    "sanctioned": (3, 100),
    "dismissed": (3, 120),
}
KIND_WEIGHTS = {
    Entity.Kind.LEGAL_PERSON: 62,
    Entity.Kind.NATURAL_PERSON: 30,
    Entity.Kind.OTHER_ORGANISATION: 8,
}

CITIES = [
    ("Beijing", "北京", "110105"), ("Shanghai", "上海", "310101"), ("Guangzhou", "广州", "440103"),
    ("Shenzhen", "深圳", "440303"), ("Hangzhou", "杭州", "330102"), ("Chengdu", "成都", "510104"),
    ("Wuhan", "武汉", "420102"), ("Nanjing", "南京", "320102"), ("Tianjin", "天津", "120101"),
    ("Xi'an", "西安", "610102"), ("Chongqing", "重庆", "500101"), ("Suzhou", "苏州", "320505"),
]  # fmt: skip
BUREAUS = [
    ("Tax Bureau", "税务局"), ("Market Regulation Bureau", "市场监督管理局"), ("Human Resources Bureau", "人社局"),
    ("Ecology and Environment Bureau", "生态环境局"), ("Emergency Management Bureau", "应急管理局"),
    ("Statistics Bureau", "统计局"), ("Finance Bureau", "财政局"), ("Housing Bureau", "住房和城乡建设局"),
]  # fmt: skip
# Name parts: a few very common words (unselective search) and many rare ones (selective search).
BRANDS = [
    "Huaxin", "Zhongtian", "Jinlong", "Hengda", "Xinyuan", "Baosheng", "Ruifeng", "Tianyu", "Kaiyuan", "Dongfang",
    "Mingtai", "Shengshi", "Yongli", "Fuda", "Changhong", "Haoyun", "Longxiang", "Jiahe", "Wanfu", "Taikang",
]  # fmt: skip
TRADES = ["Trading", "Technology", "Construction", "Logistics", "Food", "Pharmaceutical", "Textile", "Property",
          "Catering", "Chemical", "Media", "Equipment"]  # fmt: skip
SUFFIXES = ["Co., Ltd.", "Co., Ltd.", "Co., Ltd.", "Group Co., Ltd.", "Partnership", "Cooperative"]
SURNAMES = ["Wang", "Li", "Zhang", "Liu", "Chen", "Yang", "Zhao", "Huang", "Zhou", "Wu", "Xu", "Sun", "Ma", "Zhu"]
GIVEN = ["Wei", "Fang", "Na", "Min", "Jing", "Lei", "Qiang", "Jun", "Yang", "Yan", "Jie", "Tao", "Ming", "Chao"]
SYLLABLES = "ba bo ca ce da de fa fe ga ge ha he ji ju ka ke la le ma me na ne pa pe qi qu ra re sa se ta te xi xu"
SYLLABLES = SYLLABLES.split()


def _zipf_weights(n: int, s: float = 1.0) -> list[float]:
    return [1.0 / (k**s) for k in range(1, n + 1)]


def _tag(seed: int) -> str:
    """The prefix of every generated department code and username: ``G<seed>`` (one generation per seed)."""
    return f"G{seed % 100000}"


def special_usernames(seed: int) -> dict[str, str]:
    """The accounts the benchmark signs in as (created by :class:`Generator`)."""
    tag = _tag(seed).lower()
    return {
        "admin": f"{tag}_admin",
        "light": f"{tag}_light",
        "heavy": f"{tag}_heavy",
        "supervisor": f"{tag}_supervisor",
        "rep_light": f"{tag}_rep_light",
        "rep_heavy": f"{tag}_rep_heavy",
    }


class RefusedError(Exception):
    """The database is not one to generate into (see :func:`preflight`)."""


def preflight(*, append: bool) -> None:
    """Refuse a database that holds cases or entities not made by the generator, unless ``append``."""
    if append:
        return
    if Case.objects.exists() or Entity.objects.exists():
        raise RefusedError(
            "This database already holds cases or entities. Generate into an empty database, or pass --append "
            "to add generated data next to what is there."
        )


# -- reading and writing raw rows ---------------------------------------------------------------------------
def _qn(name: str) -> str:
    return connection.ops.quote_name(name)


def _max_pk(model) -> int:
    return model._default_manager.aggregate(m=Max(model._meta.pk.attname))["m"] or 0


def _rows_after(model, after: int) -> tuple[list[str], list[tuple]]:
    """Columns and stored rows (no field conversion: ciphertext stays ciphertext) with pk > ``after``."""
    pk = _qn(model._meta.pk.column)
    # Names come from the model, the bound is a parameter.
    sql = f"SELECT * FROM {_qn(model._meta.db_table)} WHERE {pk} > %s ORDER BY {pk}"  # noqa: S608  # nosec B608
    with connection.cursor() as cursor:
        cursor.execute(sql, [after])
        columns = [col[0] for col in cursor.description]
        return columns, [tuple(row) for row in cursor.fetchall()]


def _insert(table: str, columns: list[str], rows: list) -> None:
    if not rows:
        return
    cols = ", ".join(_qn(c) for c in columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Table and column names come from the models; the data travels in COPY's own format.
            with cursor.cursor.copy(f"COPY {_qn(table)} ({cols}) FROM STDIN") as copy:  # nosec B608
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(columns))
            cursor.executemany(f"INSERT INTO {_qn(table)} ({cols}) VALUES ({marks})", rows)  # noqa: S608  # nosec B608


def _reset_sequences(models) -> None:
    if connection.vendor != "postgresql":
        return  # SQLite's AUTOINCREMENT follows explicit ids by itself
    from django.core.management.color import no_style

    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), models):
            cursor.execute(sql)


def _cloned_models():
    """Everything a case's life writes: the case app's rows and their history, and entities with theirs."""
    skip = {"CaseNumberSequence", "CatalogueItem", "MeasureType", "RulePeriod", "LegalSource", "CalendarDay"}
    found = [m for m in apps.get_app_config("cases").get_models() if m.__name__ not in skip]
    found += [m for m in apps.get_app_config("entities").get_models() if m.__name__ in {"Entity", "HistoricalEntity"}]
    return [m for m in found if not m._meta.proxy]


# -- prototypes ---------------------------------------------------------------------------------------------
class _Rollback(Exception):
    pass


@dataclass
class Table:
    model: type
    columns: list[str]
    rows: list[tuple]


@dataclass
class Prototype:
    """The rows one service path wrote, and how to map them onto a clone."""

    name: str
    tables: list[Table]
    links: list[tuple[str, str]]  # (table, pk) of each chain link, in chain order
    roles: dict[tuple[str, int], str]  # (model label, proto pk) → role name in a clone's parameters
    sentinels: dict[str, str]  # text in the prototype → parameter name whose value replaces it
    created_at: datetime.datetime
    compiled: list = field(default_factory=list)


def _capture(name: str, context, build) -> Prototype:
    """Run ``build(context)`` in a savepoint that is rolled back, keeping every row it wrote.

    Only rows ``build`` wrote are kept (the throwaway department, staff and entity of ``context`` are not), and
    every chain link it appended must belong to one of them: a path that writes anything the generator does
    not know how to clone stops the run rather than leave unchained or half-cloned data.
    """
    models = _cloned_models()
    captured = {}
    try:
        with transaction.atomic():
            before = {m: _max_pk(m) for m in models}
            before_seq = _max_pk(ChainLink)
            roles_, sentinels, created_at = build(context)
            tables = []
            for model in models:
                columns, rows = _rows_after(model, before[model])
                if rows:
                    tables.append(Table(model, columns, rows))
            links = list(ChainLink.objects.filter(seq__gt=before_seq).order_by("seq").values_list("table", "row_pk"))
            captured = {"tables": tables, "links": links, "roles": roles_, "sentinels": sentinels, "at": created_at}
            raise _Rollback
    except _Rollback:
        pass
    known = {t.model._meta.db_table for t in captured["tables"]}
    stray = {table for table, _pk in captured["links"]} - known
    if stray:
        raise RuntimeError(f"prototype {name} wrote rows the generator cannot clone: {sorted(stray)}")
    proto = Prototype(
        name=name,
        tables=captured["tables"],
        links=captured["links"],
        roles=captured["roles"],
        sentinels=captured["sentinels"],
        created_at=captured["at"],
    )
    _compile(proto)
    return proto


def _label(model) -> str:
    return model._meta.label_lower


def _instance_model(model):
    """The tracked model of a simple-history model, else None."""
    return getattr(model, "instance_type", None)


def _compile(proto: Prototype) -> None:
    """Turn each captured row into a template plus the few cells a clone changes.

    Cell kinds: ``pk`` (renumbered), ``ref`` (a row of the same prototype), ``role`` (a clone parameter),
    ``dt``/``date`` (shifted), ``text`` (sentinels replaced), ``param`` (an entity column set per clone).
    """
    in_proto = {}  # (label, proto pk) → (table index, row index)
    for ti, table in enumerate(proto.tables):
        pk_col = table.model._meta.pk.column
        pk_idx = table.columns.index(pk_col)
        for ri, row in enumerate(table.rows):
            in_proto[(_label(table.model), row[pk_idx])] = (ti, ri)
    proto.compiled = []
    for table in proto.tables:
        model = table.model
        by_column = {f.column: f for f in model._meta.concrete_fields}
        tracked = _instance_model(model)
        cells = []  # (column index, kind, argument)
        for ci, column in enumerate(table.columns):
            f = by_column.get(column)
            if f is not None and f.primary_key:
                cells.append((ci, "pk", None))
                continue
            target = None
            if f is not None and f.is_relation and f.related_model is not None:
                target = f.related_model
            elif tracked is not None and column == tracked._meta.pk.column:
                target = tracked  # a history row's copy of the tracked row's primary key
            if target is not None:
                cells.append((ci, "rel", _label(target)))
                continue
            if model in (Entity, apps.get_model("entities", "HistoricalEntity")) and column in ENTITY_PARAMS:
                cells.append((ci, "param", column))
                continue
            sample = [row[ci] for row in table.rows]
            if any(isinstance(v, datetime.datetime) for v in sample):
                cells.append((ci, "dt", None))
            elif any(isinstance(v, datetime.date) for v in sample):
                cells.append((ci, "date", None))
            elif any(isinstance(v, str) and any(s in v for s in proto.sentinels) for v in sample):
                cells.append((ci, "text", None))
        rows = []
        for row in table.rows:
            row_cells = []
            for ci, kind, arg in cells:
                value = row[ci]
                if kind == "rel":
                    if value is None:
                        continue
                    if (arg, value) in in_proto:
                        row_cells.append((ci, "ref", (arg, value)))
                    elif (arg, value) in proto.roles:
                        row_cells.append((ci, "role", proto.roles[(arg, value)]))
                    # else: a catalogue item, measure, permission, content type... kept as it is
                elif kind == "text":
                    if isinstance(value, str):
                        present = [(s, p) for s, p in proto.sentinels.items() if s in value]
                        if present:
                            row_cells.append((ci, "text", (value, present)))
                elif kind in ("dt", "date"):
                    if value is not None:
                        row_cells.append((ci, kind, value))
                else:
                    row_cells.append((ci, kind, arg))
            plan = _hash_plan(table.columns, row, {ci for ci, _kind, _arg in row_cells}, model) if tracked else None
            rows.append((row, row_cells, plan))
        proto.compiled.append(rows)


# -- the chain's hashes, from templates -----------------------------------------------------------------------
# ``audit.chain.content_hash`` encodes a whole row as canonical JSON (sorted keys, compact, not ASCII-escaped).
# A clone differs from its prototype row in a few cells only, so each history row's canonical JSON is
# precomputed as fixed text with gaps for those cells, and a clone encodes just its gaps: the same bytes, hence
# the same hash, for a fraction of the work (``tests/bench/test_datagen.py`` checks both agree on every row).
_encode_str = json.encoder.encode_basestring  # what json.dumps(..., ensure_ascii=False) applies to strings


def _canonical_json(value) -> str:
    """``value`` exactly as ``content_hash`` writes it inside the row's JSON object."""
    cls = value.__class__
    if cls is str:
        return _encode_str(value)
    if cls is int:
        return int.__repr__(value)
    if value is None:
        return "null"
    if cls is datetime.datetime:
        if value.tzinfo is not None:
            value = value.astimezone(datetime.UTC)
        return '"' + value.isoformat() + '"'
    if cls is datetime.date:
        return '"' + value.isoformat() + '"'
    return json.dumps(
        chain._canonical_value(value), sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str
    )


def _hash_plan(columns: list[str], row: tuple, changing: set[int], model) -> list:
    """Segments of a history row's canonical JSON: fixed text, or the index of a cell each clone sets."""
    pk_column = model._meta.pk.column
    segments, fixed = [], "{"
    ordered = sorted((column, ci) for ci, column in enumerate(columns) if column != pk_column)
    for n, (column, ci) in enumerate(ordered):
        fixed += ("," if n else "") + _encode_str(column) + ":"
        if ci in changing:
            segments += [fixed, ci]
            fixed = ""
        else:
            fixed += _canonical_json(row[ci])
    segments.append(fixed + "}")
    return segments


def _row_hash(plan: list, values: list) -> str:
    """``audit.chain.content_hash`` of a clone's history row (its primary key left out), from its plan."""
    text = "".join([part if part.__class__ is str else _canonical_json(values[part]) for part in plan])
    return hashlib.sha256(text.encode()).hexdigest()


def _link_hash(prev_hash: str, table: str, row_pk: str, row_hash: str) -> str:
    """``audit.chain.link_hash`` of a ``row`` link without a note."""
    payload = f'["{prev_hash}",{_encode_str(table)},{_encode_str(row_pk)},"row","{row_hash}",""]'
    return hashlib.sha256(payload.encode()).hexdigest()


ENTITY_PARAMS = ("name", "uscc", "id_number", "id_number_hash", "id_number_masked", "region_code")


# -- the plan: every random choice, made up front from the seed ----------------------------------------------
@dataclass
class Plan:
    seed: int
    n_cases: int
    n_entities: int
    now: datetime.datetime | None
    departments: list[dict] = field(default_factory=list)
    entities: list[dict] = field(default_factory=list)
    cases: list[dict] = field(default_factory=list)
    grants: list[dict] = field(default_factory=list)


def _entity_name(rng: random.Random, kind: str, n: int) -> str:
    city = rng.choice(CITIES)[0]
    if kind == Entity.Kind.NATURAL_PERSON:
        return f"{rng.choice(SURNAMES)} {rng.choice(GIVEN)}{''.join(rng.choices(SYLLABLES, k=1))} ({city})"
    rare = "".join(rng.choices(SYLLABLES, k=3)).capitalize()
    if kind == Entity.Kind.OTHER_ORGANISATION:
        return f"{city} {rare} {rng.choice(TRADES)} Association No. {n}"
    return f"{city} {rng.choice(BRANDS)} {rare} {rng.choice(TRADES)} {rng.choice(SUFFIXES)} {n}"


def make_plan(*, seed: int, cases: int, entities: int, now: datetime.datetime | None = None) -> Plan:
    """Every choice the generator makes, from the seed alone (deterministic)."""
    rng = random.Random(seed)  # noqa: S311  # nosec B311 - reproducible test data, not secrets
    plan = Plan(seed=seed, n_cases=cases, n_entities=entities, now=now)
    tag = _tag(seed)
    n_departments = min(40, 3 + cases // 2500)
    dept_weights = _zipf_weights(n_departments, 1.0)
    total_caseworkers = max(2 * n_departments, min(1800, cases // 500))
    weight_sum = sum(dept_weights)
    for i in range(n_departments):
        city_en, city_zh, region = CITIES[i % len(CITIES)]
        bureau_en, bureau_zh = BUREAUS[(i // len(CITIES) + i) % len(BUREAUS)]
        caseworkers = max(2, round(total_caseworkers * dept_weights[i] / weight_sum))
        plan.departments.append(
            {
                "code": f"{tag}D{i:02d}",
                "name": f"{city_en} {bureau_en} {city_zh}{bureau_zh} ({tag}-{i:02d})",
                "region_code": region,
                "caseworkers": caseworkers,
                "supervisors": max(2, caseworkers // 8),
            }
        )
    # Entities: mostly firms; adults only for persons. Registered before any case against them.
    kinds = list(KIND_WEIGHTS)
    kind_weights = list(KIND_WEIGHTS.values())
    for n in range(entities):
        kind = rng.choices(kinds, kind_weights)[0]
        region = rng.choice(CITIES)[2]
        entity = {"kind": kind, "name": _entity_name(rng, kind, n), "region_code": region,
                  "weeks": rng.randint(130, 200)}  # fmt: skip
        if kind == Entity.Kind.NATURAL_PERSON:
            born = datetime.date(1950, 1, 1) + datetime.timedelta(days=n // 100)
            first17 = f"{region}{born:%Y%m%d}{(n % 100) + 100 * (seed % 10):03d}"
            entity["id_number"] = first17 + id_check_digit(first17)
        else:
            first17 = f"91{region}G{'0123456789ABCDEFGHJKLMNPQRTUWXY'[seed % 31]}{n:07d}"
            entity["uscc"] = first17 + uscc_check_char(first17)
        plan.entities.append(entity)
    # A few frequent offenders get a small share of all cases (Zipf); the rest spread evenly.
    frequent = min(20, max(1, entities // 50))
    frequent_weights = _zipf_weights(frequent, 1.0)
    frequent_share = min(0.02, 700 / max(cases, 1))
    states = list(STATE_WEIGHTS)
    state_weights = list(STATE_WEIGHTS.values())
    dept_cum = list(itertools.accumulate(dept_weights))
    caseworker_cum = [list(itertools.accumulate(_zipf_weights(d["caseworkers"], 1.1))) for d in plan.departments]
    frequent_cum = list(itertools.accumulate(frequent_weights))
    state_cum = list(itertools.accumulate(state_weights))
    for _n in range(cases):
        d = rng.choices(range(n_departments), cum_weights=dept_cum)[0]
        dept = plan.departments[d]
        if rng.random() < frequent_share:
            e = rng.choices(range(frequent), cum_weights=frequent_cum)[0]
        else:
            e = rng.randrange(entities)
        state = rng.choices(states, cum_weights=state_cum)[0]
        low, high = AGE_WEEKS[state]
        weeks = rng.randint(low, high)
        plan.cases.append(
            {
                "department": d,
                "entity": e,
                "state": state,
                "weeks": weeks,
                "jitter": rng.randrange(6 * 3600),  # seconds earlier in the day
                # Zipf within the department: a few caseworkers carry most of its cases.
                "caseworker": rng.choices(range(dept["caseworkers"]), cum_weights=caseworker_cum[d])[0],
                "supervisor": rng.randrange(dept["supervisors"]),
                "variant": rng.random(),
            }
        )
    plan.cases.sort(key=lambda c: (-c["weeks"], -c["jitter"]))  # oldest first: ids grow with time, as in life
    # Individual grants: the heavy user's ~20k on other departments' cases, and a Zipf tail over everyone.
    other = [i for i, c in enumerate(plan.cases) if c["department"] != 0]
    heavy = rng.sample(other, min(len(other), 20000, max(1, cases // 3)))
    plan.grants += [{"case": i, "grantee": "heavy"} for i in sorted(heavy)]
    extra = cases // 50
    for i in sorted(rng.sample(range(cases), min(cases, extra))):
        d = plan.departments[plan.cases[i]["department"]]
        plan.grants.append({"case": i, "grantee": ("zipf", rng.randrange(len(plan.departments)), d["caseworkers"])})
    return plan


# -- the generator --------------------------------------------------------------------------------------------
_ACTIVE = None  # the Generator whose prototypes the (forked) workers clone


def default_workers() -> int:
    """Cloning processes beside the one writing: one per core on PostgreSQL; none on SQLite (small runs)."""
    return (os.cpu_count() or 1) if connection.vendor == "postgresql" else 0


def _clone_batch(items, bases):
    """Clone a batch (run in a worker process, or in-process without workers): rows per table, links, refs.

    ``items`` name their prototype; ``bases`` is the first primary key of each table for this batch.
    """
    generator = _ACTIVE
    counters = {table: itertools.count(base) for table, base in bases.items()}
    out, columns, link_rows, refs = {}, {}, [], []
    for name, params, delta in items:
        proto = generator._protos[name]
        history = {}
        refs.append(generator._clone(proto, params, delta, counters, out, history))
        for table in proto.tables:
            columns[table.model._meta.db_table] = table.columns
        for table, old_pk in proto.links:
            link_rows.append((table, *history[(table, old_pk)]))
    return bases, {table: (columns[table], rows) for table, rows in out.items()}, link_rows, refs


@dataclass
class Stats:
    rows: int = 0
    links: int = 0
    seconds: dict = field(default_factory=dict)


class Generator:
    def __init__(self, *, cases: int, entities: int, seed: int, batch: int = 2000, workers=None, log=None):
        self.n_cases, self.n_entities, self.seed, self.batch = cases, entities, seed, batch
        self.workers = default_workers() if workers is None else workers
        self.log = log or (lambda message: None)
        self.stats = Stats()
        self.names = special_usernames(seed)
        self._pool, self._pending = None, deque()

    # ---- the whole run ----
    def run(self) -> Stats:
        if Department.objects.filter(code__startswith=f"{_tag(self.seed)}D").exists():
            raise RefusedError(f"Data for seed {self.seed} was generated here already; pick another --seed.")
        started = time.monotonic()
        now = timezone.now().replace(microsecond=0)
        self.plan = make_plan(seed=self.seed, cases=self.n_cases, entities=self.n_entities, now=now)
        self._phase("organisation", self._organisation)
        self._phase("prototypes", self._prototypes)
        self._start_cloning()
        deferred = self._defer_indexes()
        try:
            self._phase("entities", self._entities)
            self._phase("cases", self._cases)
            self._phase("grants", self._grants)
        finally:
            self._stop_cloning()
            self._phase("indexes", lambda: self._restore_indexes(deferred))
        self._phase("finish", self._finish)
        self.stats.seconds["total"] = round(time.monotonic() - started, 1)
        return self.stats

    def _start_cloning(self):
        """Name the prototypes, hand out keys after the current maxima, and fork the cloning workers."""
        global _ACTIVE
        protos = {f"case/{kind}/{state}/{oi}": p for (kind, state, oi), p in self.case_protos.items()}
        protos |= {f"entity/{kind}": p for kind, p in self.entity_protos.items()}
        protos["grant"] = self.grant_proto
        self._protos = protos
        self._proto_names = {id(p): name for name, p in protos.items()}
        self._next_pk = {m: _max_pk(m) + 1 for m in _cloned_models()}
        self._superuser = False
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
                self._superuser = bool(cursor.fetchone()[0])
        _ACTIVE = self
        if self.workers:
            # Forked, the workers hold the prototypes already; they never touch the database connection.
            self._pool = multiprocessing.get_context("fork").Pool(self.workers)

    def _defer_indexes(self) -> list[str]:
        """PostgreSQL, when the run at least doubles the data: drop the cloned tables' plain indexes for the load.

        Maintaining a dozen indexes row by row costs the server more than building them once, sorted, at the
        end (PostgreSQL's "Populating a Database" advice). Only indexes behind no constraint are dropped (primary
        keys and unique constraints stay and keep checking); their exact definitions are kept and replayed by
        :meth:`_restore_indexes`, which runs even when the generation fails. Returns the definitions.
        """
        if connection.vendor != "postgresql" or Case.objects.count() >= self.n_cases:
            return []
        tables = [m._meta.db_table for m in _cloned_models()] + [ChainLink._meta.db_table]
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i "
                "WHERE i.indrelid::regclass::text = ANY(%s) AND NOT i.indisprimary "
                "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid) ORDER BY 1",
                [tables],
            )
            found = cursor.fetchall()
            with transaction.atomic():
                for name, _definition in found:
                    cursor.execute(f"DROP INDEX {name}")  # a name from the catalogue
        self.log(f"  {len(found)} indexes set aside for the load")
        return [definition for _name, definition in found]

    @staticmethod
    def _restore_indexes(definitions: list[str]) -> None:
        if not definitions:
            return
        with connection.cursor() as cursor, transaction.atomic():
            cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
            for definition in definitions:
                cursor.execute(definition)  # pg_get_indexdef's own text  # nosec B608

    def _stop_cloning(self):
        global _ACTIVE
        if self._pool is not None:
            self._pool.terminate()
            self._pool.join()
        self._pool, _ACTIVE = None, None
        self._pending.clear()

    def _phase(self, name, function):
        started = time.monotonic()
        function()
        self.stats.seconds[name] = round(time.monotonic() - started, 1)
        self.log(f"{name}: {self.stats.seconds[name]} s")

    # ---- departments, staff and role groups: few rows, through the ORM and the services ----
    @transaction.atomic
    def _organisation(self):
        admin = User(username=self.names["admin"], is_staff=True, is_superuser=True, preferred_language="en")
        admin.set_unusable_password()
        attribute(admin, actor=None, reason="generated administrator").save()
        self.admin = admin
        role_groups = {role: Group.objects.get(name=role) for role in (roles.CASEWORKER, roles.SUPERVISOR)}
        self.departments = []
        tag = _tag(self.seed).lower()
        for i, spec in enumerate(self.plan.departments):
            dept = Department(code=spec["code"], name=spec["name"], region_code=spec["region_code"])
            attribute(dept, actor=admin, reason="generated department").save()
            staff = {"caseworkers": [], "supervisors": []}
            for role, key, count in (
                (roles.CASEWORKER, "caseworkers", spec["caseworkers"]),
                (roles.SUPERVISOR, "supervisors", spec["supervisors"]),
            ):
                for j in range(count):
                    username = f"{tag}_{'cw' if key == 'caseworkers' else 'sup'}_{i:02d}_{j:04d}"
                    if i == 0 and j == 0 and key == "caseworkers":
                        username = self.names["heavy"]  # the biggest department's busiest caseworker
                    if i == len(self.plan.departments) - 1 and j == 0 and key == "caseworkers":
                        username = self.names["light"]  # the smallest department's caseworker
                    if i == 0 and j == 0 and key == "supervisors":
                        username = self.names["supervisor"]
                    user = User(username=username, is_staff=True, department=dept, preferred_language="en")
                    user.set_unusable_password()
                    attribute(user, actor=admin, reason="generated staff").save()
                    user.groups.add(role_groups[role])
                    user_sync_department_groups(user, actor=admin)
                    staff[key].append(user)
            self.departments.append(
                {
                    "obj": dept,
                    "cw_group": department_group(dept, roles.CASEWORKER).pk,
                    "sup_group": department_group(dept, roles.SUPERVISOR).pk,
                    **staff,
                }
            )
        self.log(
            f"  {len(self.departments)} departments, {User.objects.filter(department__isnull=False).count()} staff"
        )

    # ---- prototypes ----
    def _proto_org(self, kind: str, *, with_entity: bool = True) -> dict:
        """A throwaway department, its staff and (optionally) one entity: rolled back with the prototype."""
        dept = Department.objects.create(code="PRTQX", name=PROTO_DEPARTMENT, region_code="110105")
        ctx = {"dept": dept, "kind": kind}
        for key, username, role in (
            ("cw", "proto_cw_qxqz", roles.CASEWORKER),
            ("sup", "proto_sup_qxqz", roles.SUPERVISOR),
            ("grantee", "proto_grantee_qxqz", roles.CASEWORKER),
        ):
            user = User.objects.create(username=username, is_staff=True, department=dept)
            user.groups.add(Group.objects.get(name=role))
            user_sync_department_groups(user)
            ctx[key] = user
        ctx["cw_group"] = department_group(dept, roles.CASEWORKER)
        ctx["sup_group"] = department_group(dept, roles.SUPERVISOR)
        if with_entity:
            ctx["entity"] = self._proto_entity(ctx)
        return ctx

    @staticmethod
    def _proto_entity(ctx, serial: int = 1) -> Entity:
        if ctx["kind"] == Entity.Kind.NATURAL_PERSON:
            first17 = f"11010519800101{serial:03d}"
            identifier = first17 + id_check_digit(first17)
        else:
            first17 = f"91110105QXQX{'T' if ctx['kind'] == Entity.Kind.OTHER_ORGANISATION else 'L'}{serial:04d}"
            identifier = first17 + uscc_check_char(first17)
        return entity_register(
            actor=ctx["cw"], kind=ctx["kind"], name=PROTO_ENTITY, identifier=identifier, region_code="110105"
        )

    @staticmethod
    def _proto_roles(ctx) -> tuple[dict, dict]:
        roles_ = {
            ("accounts.user", ctx["cw"].pk): "caseworker",
            ("accounts.user", ctx["sup"].pk): "supervisor",
            ("accounts.user", ctx["grantee"].pk): "grantee",
            ("accounts.department", ctx["dept"].pk): "department",
            ("auth.group", ctx["cw_group"].pk): "cw_group",
            ("auth.group", ctx["sup_group"].pk): "sup_group",
        }
        sentinels = {
            PROTO_DEPARTMENT: "department_name",
            PROTO_ENTITY: "entity_name",
            "proto_cw_qxqz": "caseworker_name",
            "proto_sup_qxqz": "supervisor_name",
        }
        if "entity" in ctx:
            roles_[("entities.entity", ctx["entity"].pk)] = "entity"
            sentinels[ctx["entity"].display_identifier] = "entity_identifier"
        return roles_, sentinels

    def _options(self):
        """(catalogue item, measure, months) combinations per entity kind that a caseworker may record."""
        per_kind = 1 if self.n_cases < 2000 else 3
        found = {}
        for kind in KIND_WEIGHTS:
            options = []
            items = CatalogueItem.objects.filter(is_active=True, court_only=False).order_by("code")
            for item in items:
                if kind not in (item.applicable_kinds or []):
                    continue
                for measure in MeasureType.objects.filter(catalogue_items=item, is_active=True).order_by("code"):
                    months = measure.max_duration_months and min(24, measure.max_duration_months)
                    probe = Case(catalogue_item=item, entity=Entity(kind=kind), severity=item.default_severity)
                    if not measure_problems(case=probe, measure_type=measure, duration_months=months):
                        options.append((item, measure, months))
                        break
                if len(options) >= per_kind:
                    break
            if not options:
                raise RuntimeError(f"the catalogue allows no measure for a {kind}")
            found[kind] = options
        return found

    def _prototypes(self):
        """Build every prototype in one transaction that is rolled back (each in its own savepoint)."""
        self.case_protos = {}  # (kind, state, option index) → Prototype
        self.entity_protos = {}
        self.options = self._options()
        try:
            with transaction.atomic():
                base = self._proto_org(Entity.Kind.LEGAL_PERSON, with_entity=False)
                for kind, options in self.options.items():
                    ctx = {**base, "kind": kind}
                    ctx["entity"] = self._proto_entity(ctx)
                    for oi, option in enumerate(options):
                        for state, steps in PATHS.items():
                            self.case_protos[(kind, state, oi)] = _capture(
                                f"{kind}/{option[0].code}/{state}",
                                ctx,
                                lambda ctx, option=option, steps=steps, oi=oi: self._case_path(ctx, option, steps, oi),
                            )
                    self.entity_protos[kind] = _capture(f"entity/{kind}", ctx, self._entity_path)
                ctx = {**base, "kind": Entity.Kind.LEGAL_PERSON}
                ctx["entity"] = self._proto_entity(ctx, serial=3)
                item, _measure, _months = self.options[Entity.Kind.LEGAL_PERSON][0]
                ctx["case"] = services.case_create(
                    actor=ctx["cw"], entity=ctx["entity"], catalogue_item=item, facts=FACTS[0]
                )
                self.grant_proto = _capture("grant", ctx, self._grant_path)
                raise _Rollback
        except _Rollback:
            pass
        self.log(f"  {len(self.case_protos)} case prototypes")

    def _case_path(self, ctx, option, steps, oi):
        """One case from draft to its end state, through the services, by the prototype's caseworker and supervisor."""
        item, measure, months = option
        cw, sup = ctx["cw"], ctx["sup"]
        case = services.case_create(actor=cw, entity=ctx["entity"], catalogue_item=item, facts=FACTS[oi % len(FACTS)])
        services.legal_document_set(
            case=case, actor=cw, type=LegalDocument.Type.PENALTY_DECISION, number=f"{case.number}-DOC", issuer=ISSUER,
            issued_on=timezone.localdate() - datetime.timedelta(days=30),
        )  # fmt: skip
        services.measure_propose(case=case, actor=cw, measure_type=measure, duration_months=months)
        for step in steps:
            case.refresh_from_db()
            if step == "submit":
                services.case_submit(case=case, actor=cw)
            elif step == "return":
                services.case_return(case=case, actor=sup, reasons=RETURN_REASON)
            elif step == "reject":
                services.case_reject(case=case, actor=sup, reasons=REJECT_REASON)
            elif step == "approve":
                services.case_approve(case=case, actor=sup)
            elif step == "statement":
                services.case_record_statement(case=case, actor=cw, text=STATEMENT)
            elif step == "sanction":
                services.case_sanction(case=case, actor=sup, reasons=SANCTION_REASON)
            elif step == "dismiss":
                services.case_dismiss(case=case, actor=sup, reasons=DISMISS_REASON)
        case.refresh_from_db()
        roles_, sentinels = self._proto_roles(ctx)
        sentinels[case.number] = "number"
        return roles_, sentinels, case.created_at

    def _entity_path(self, ctx):
        entity = self._proto_entity(ctx, serial=2)
        roles_, sentinels = self._proto_roles({key: value for key, value in ctx.items() if key != "entity"})
        roles_[("accounts.user", ctx["cw"].pk)] = "registrar"
        return roles_, sentinels, entity.created_at

    def _grant_path(self, ctx):
        """A supervisor gives one more person read access to a case (``case_grant_user``)."""
        case_grant_user(case=ctx["case"], user=ctx["grantee"], actor=ctx["sup"], reason=GRANT_REASON)
        roles_, sentinels = self._proto_roles(ctx)
        roles_[("cases.case", ctx["case"].pk)] = "case"
        return roles_, sentinels, timezone.now()

    # ---- stamping out clones ----
    def _clone(self, proto: Prototype, params: dict, delta: datetime.timedelta, ids: dict, out: dict, history: dict):
        """Append one clone of ``proto`` to ``out`` (table → rows); ``ids`` hands out primary keys per table.

        Returns the prototype-to-clone primary key map; ``history`` receives each history row's new pk and
        content hash, keyed by its table and prototype pk, for the chain.
        """
        ref = {}
        # First pass: new primary keys, so references inside the prototype resolve in any order.
        for table, compiled in zip(proto.tables, proto.compiled, strict=True):
            label = _label(table.model)
            pk_idx = table.columns.index(table.model._meta.pk.column)
            for row, _cells, _plan in compiled:
                ref[(label, row[pk_idx])] = next(ids[table.model._meta.db_table])
        days = datetime.timedelta(days=delta.days)
        for table, compiled in zip(proto.tables, proto.compiled, strict=True):
            model = table.model
            label = _label(model)
            table_name = model._meta.db_table
            rows = out.setdefault(table_name, [])
            pk_idx = table.columns.index(model._meta.pk.column)
            for row, cells, plan in compiled:
                values = list(row)
                for ci, kind, arg in cells:
                    if kind == "pk":
                        values[ci] = ref[(label, row[ci])]
                    elif kind == "ref":
                        values[ci] = ref[arg]
                    elif kind == "role":
                        values[ci] = params[arg]
                    elif kind == "dt":
                        values[ci] = arg - delta
                    elif kind == "date":
                        values[ci] = arg - days
                    elif kind == "text":
                        text, present = arg
                        for sentinel, name in present:
                            text = text.replace(sentinel, params[name])
                        values[ci] = text
                    elif kind == "param":
                        value = params["entity_columns"][arg]
                        values[ci] = value() if callable(value) else value
                rows.append(values)
                if plan is not None:
                    history[(table_name, str(row[pk_idx]))] = (str(values[pk_idx]), _row_hash(plan, values))
        return ref

    # ---- batches: cloned and hashed by worker processes, written here in order ----
    def _submit(self, batch, written=None):
        """Queue ``batch`` (``(prototype, params, delta)`` items) for cloning; ``written(refs)`` runs once it is in.

        Primary keys are handed out here, in submission order, so a batch can be cloned (and its history rows
        hashed) by a worker process while earlier batches are still being written; :meth:`_write` checks that
        nobody else took those keys meanwhile. Batches are written in submission order, so ids and the chain's
        order stay what they were with a single process.
        """
        counts = defaultdict(int)
        for proto, _params, _delta in batch:
            for table in proto.tables:
                counts[table.model] += len(table.rows)
        bases = {}
        for model, count in counts.items():
            bases[model._meta.db_table] = self._next_pk[model]
            self._next_pk[model] += count
        items = [(self._proto_names[id(proto)], params, delta) for proto, params, delta in batch]
        if self._pool is None:
            self._write(_clone_batch(items, bases), written)
            return
        self._pending.append((self._pool.apply_async(_clone_batch, (items, bases)), written))
        while len(self._pending) > self.workers:  # bounded: memory stays flat however many batches
            self._drain_one()

    def _drain_one(self):
        result, written = self._pending.popleft()
        self._write(result.get(), written)

    def _drain(self):
        while self._pending:
            self._drain_one()

    def _write(self, cloned, written):
        """One transaction: insert a cloned batch and chain every history row in its prototypes' link order."""
        bases, tables, link_rows, refs = cloned
        by_table = {m._meta.db_table: m for m in _cloned_models()}
        ordered = [table for table in by_table if table in tables]
        with transaction.atomic():
            chain._lock()
            if connection.vendor == "postgresql" and self._superuser:
                with connection.cursor() as cursor:
                    # Foreign keys are not re-checked row by row (the clones reference rows that exist: SQLite,
                    # where the tests run, enforces them); a lost commit can only lose generated data.
                    cursor.execute("SET LOCAL session_replication_role = replica")
                    cursor.execute("SET LOCAL synchronous_commit = off")
            for table, base in bases.items():
                if _max_pk(by_table[table]) >= base:
                    raise RuntimeError(f"rows were added to {table} during generation; generate into a quiet database")
            for table in ordered:
                columns, rows = tables[table]
                _insert(table, columns, rows)
                self.stats.rows += len(rows)
            _reset_sequences([by_table[table] for table in ordered])
            self._chain(link_rows)
        if written is not None:
            written(refs)

    def _chain(self, link_rows):
        """Append one link per row to the chain's current head (the caller holds the chain's lock)."""
        seq, prev = ChainLink.objects.order_by("-seq").values_list("seq", "hash").first() or (0, chain.GENESIS)
        created = timezone.now()
        rows = []
        for table, pk, row_hash in link_rows:
            seq += 1
            digest = _link_hash(prev, table, pk, row_hash)
            rows.append((seq, table, pk, "row", row_hash, prev, digest, "", created))
            prev = digest
        _insert(
            ChainLink._meta.db_table,
            ["seq", "table", "row_pk", "kind", "row_hash", "prev_hash", "hash", "note", "created"],
            rows,
        )
        _reset_sequences([ChainLink])
        self.stats.links += len(rows)

    def _delta(self, proto: Prototype, weeks: int, jitter: int) -> datetime.timedelta:
        return datetime.timedelta(weeks=weeks, seconds=jitter)

    # ---- entities ----
    def _entities(self):
        self.entity_ids = []
        registrars = [u.pk for d in self.departments for u in d["caseworkers"]]
        rng = random.Random(self.seed + 1)  # noqa: S311  # nosec B311
        batch = []
        for n, spec in enumerate(self.plan.entities):
            proto = self.entity_protos[spec["kind"]]
            number = spec.get("id_number")
            columns = {
                "name": spec["name"],
                "uscc": spec.get("uscc"),
                "id_number": crypto.encrypt(number) if number else None,
                "id_number_hash": crypto.blind_index(number) if number else None,
                "id_number_masked": mask_id_number(number) if number else "",
                "region_code": spec["region_code"],
            }
            params = {
                "registrar": rng.choice(registrars),
                "entity_columns": columns,
                "entity_name": spec["name"],
                "entity_identifier": mask_id_number(number) if number else spec["uscc"],
            }
            batch.append((proto, params, self._delta(proto, spec["weeks"], rng.randrange(6 * 3600))))
            if len(batch) >= self.batch * 5 or n == len(self.plan.entities) - 1:
                keys = [("entities.entity", self._proto_entity_pk(proto_)) for proto_, _p, _d in batch]
                self._submit(batch, lambda refs, keys=keys: self.entity_ids.extend(map(dict.__getitem__, refs, keys)))
                batch = []
        self._drain()
        self.log(f"  {len(self.entity_ids)} entities")

    @staticmethod
    def _proto_entity_pk(proto):
        table = next(t for t in proto.tables if t.model is Entity)
        return table.rows[0][table.columns.index("id")]

    # ---- cases ----
    def _cases(self):
        self.case_ids = []
        sequences = defaultdict(int)  # (department index, year) → last serial
        batch = []
        started = time.monotonic()
        for n, spec in enumerate(self.plan.cases):
            dept = self.departments[spec["department"]]
            entity_spec = self.plan.entities[spec["entity"]]
            kind = entity_spec["kind"]
            options = self.options[kind]
            oi = int(spec["variant"] * len(options))
            proto = self.case_protos[(kind, spec["state"], oi)]
            delta = self._delta(proto, spec["weeks"], spec["jitter"])
            year = timezone.localtime(proto.created_at - delta).year
            sequences[(spec["department"], year)] += 1
            cw = dept["caseworkers"][spec["caseworker"]]
            sup = dept["supervisors"][spec["supervisor"]]
            params = {
                "department": dept["obj"].pk,
                "cw_group": dept["cw_group"],
                "sup_group": dept["sup_group"],
                "caseworker": cw.pk,
                "supervisor": sup.pk,
                "grantee": cw.pk,
                "entity": self.entity_ids[spec["entity"]],
                "number": f"{dept['obj'].code}-{year}-{sequences[(spec['department'], year)]:06d}",
                "department_name": dept["obj"].name,
                "entity_name": entity_spec["name"],
                "entity_identifier": mask_id_number(entity_spec["id_number"])
                if "id_number" in entity_spec
                else entity_spec["uscc"],
                "caseworker_name": cw.username,
                "supervisor_name": sup.username,
            }
            batch.append((proto, params, delta))
            if len(batch) >= self.batch or n == len(self.plan.cases) - 1:
                keys = [("cases.case", self._proto_case_pk(proto_)) for proto_, _p, _d in batch]
                self._submit(batch, lambda refs, keys=keys: self._cases_written(refs, keys, started))
                batch = []
        self._drain()
        self.sequences = sequences

    def _cases_written(self, refs, keys, started):
        self.case_ids.extend(map(dict.__getitem__, refs, keys))
        done = len(self.case_ids)
        if done % (self.batch * 25) == 0 or done == len(self.plan.cases):
            rate = done / max(time.monotonic() - started, 1e-6)
            self.log(f"  {done} cases ({rate:.0f}/s), {self.stats.rows} rows, {self.stats.links} links")

    @staticmethod
    def _proto_case_pk(proto):
        table = next(t for t in proto.tables if t.model is Case)
        return table.rows[0][table.columns.index("id")]

    # ---- individual grants ----
    def _grants(self):
        rng = random.Random(self.seed + 2)  # noqa: S311  # nosec B311
        heavy = User.objects.get(username=self.names["heavy"])
        everyone = [[u.pk for u in d["caseworkers"]] for d in self.departments]
        everyone_cum = [list(itertools.accumulate(_zipf_weights(len(pool), 1.2))) for pool in everyone]
        batch = []
        for n, spec in enumerate(self.plan.grants):
            case = self.plan.cases[spec["case"]]
            dept = self.departments[case["department"]]
            if spec["grantee"] == "heavy":
                grantee = heavy.pk
            else:
                _zipf, d, _count = spec["grantee"]
                pool = everyone[d]
                grantee = pool[rng.choices(range(len(pool)), cum_weights=everyone_cum[d])[0]]
                if grantee in (dept["caseworkers"][case["caseworker"]].pk, heavy.pk):
                    continue  # already has access (assigned), or is the heavy user counted above
            weeks = max(0, case["weeks"] - rng.randint(0, max(0, case["weeks"])))
            params = {
                "case": self.case_ids[spec["case"]],
                "grantee": grantee,
                "supervisor": dept["supervisors"][case["supervisor"]].pk,
            }
            batch.append((self.grant_proto, params, self._delta(self.grant_proto, weeks, rng.randrange(3600))))
            if len(batch) >= self.batch * 5 or n == len(self.plan.grants) - 1:
                self._submit(batch)
                batch = []
        if batch:
            self._submit(batch)
        self._drain()

    # ---- numbering, the portal accounts, statistics ----
    @transaction.atomic
    def _finish(self):
        for (d, year), last in sorted(self.sequences.items()):
            dept = self.departments[d]["obj"]
            sequence, _created = CaseNumberSequence.objects.get_or_create(department=dept, year=year)
            sequence.last = max(sequence.last, last)
            sequence.save(update_fields=["last"])
        self._representatives()
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                for model in _cloned_models():
                    cursor.execute(f"ANALYZE {_qn(model._meta.db_table)}")  # nosec B608

    def _representatives(self):
        """Two portal users: one for the entity with the most cases, one for an entity with a single case."""
        counts = defaultdict(int)
        for spec in self.plan.cases:
            if spec["state"] not in ("draft", "returned", "submitted", "rejected"):
                counts[spec["entity"]] += 1
        if not counts:
            return
        ordered = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
        singles = [e for e, c in ordered if c == 1] or [ordered[-1][0]]
        verifier = self.admin
        for key, e in (("rep_heavy", ordered[0][0]), ("rep_light", singles[0])):
            user = User(username=self.names[key], is_staff=False, preferred_language="en")
            user.set_unusable_password()
            attribute(user, actor=self.admin, reason="generated portal account").save()
            entity = Entity.objects.get(pk=self.entity_ids[e])
            relationship = (
                Representative.Relationship.SELF
                if entity.is_natural_person
                else Representative.Relationship.LEGAL_REPRESENTATIVE
            )
            representative_add(
                actor=verifier, user=user, entity=entity, relationship=relationship,
                valid_from=timezone.localdate() - datetime.timedelta(days=365), valid_to=None,
            )  # fmt: skip


FACTS = [
    "Under-declared value-added tax for 2025 by RMB 1.2 million, established by the penalty decision.",
    "Sold goods with falsified quality certificates to 40 customers over eight months.",
    "Failed to pay the wages of 35 workers for four months despite an order to pay.",
    "Submitted forged financial statements in a public procurement bid.",
]
ISSUER = "Inspection Bureau"
STATEMENT = "The entity states that the amounts were paid late because of a cash-flow problem."
RETURN_REASON = "Attach the penalty decision's service record before resubmitting."
REJECT_REASON = "The conduct is not in the catalogue's scope for this entity."
SANCTION_REASON = "The facts are established by the legal document; the measures are proportionate."
DISMISS_REASON = "The entity remedied the conduct before the decision; no measure is needed."
GRANT_REASON = "joint investigation"
# Text in prototypes that clones replace (ASCII, so it matches inside JSON on every database).
PROTO_DEPARTMENT = "Prototype department QXQZ"
PROTO_ENTITY = "Prototype entity QXQZ"
