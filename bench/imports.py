"""The bulk import in ``make bench`` (issue 25 §2): rows per second written through the services, with history.

"import N rows (write)": one call runs one queued import of N new firms (``imports.services.import_job_run``:
``entities_register_many`` — identifier checks, history rows, chain links — in one transaction). The jobs are
checked (the preview) and queued before the timing; the check is timed on its own ("import check N rows").
The floor is the same N rows inserted bare in one statement: no checks, no history, no chain. Goal: ≥ 2,000
rows/s with history on PostgreSQL, i.e. the write's p50 ≤ N / 2 ms (docs/performance.md).

"import N cases (write)": one queued import of N draft cases in the light user's department, against entities and
a catalogue item the generator made (``cases_create_many``: the checks, numbers, history rows, default grants and
chain links of ``case_create``). Each run is rolled back at its end, so the job stays queued for the next run and
the department's lists measured above keep the cases the generator gave them (24 committed runs would add 12,000
drafts); only the commit itself is left out of the timing. The floor: the same N cases inserted bare in one
statement, rolled back too.
"""

import itertools

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.utils import timezone

from cases.models import CatalogueItem
from entities.identifiers import uscc_check_char
from entities.models import Entity
from imports import services
from imports.models import ImportJob

ROWS = 500
# Enough jobs for the runner's warm-ups and iterations (3 + BENCH_ITER, default 15), with a margin.
JOBS = 24
# The benchmark's own codes ("MB" in the organisation-code part), numbered on from the last one a run stored.
PREFIX = "91110105MB"
_serial = itertools.count()


def _start_serial() -> None:
    global _serial
    last = Entity.objects.filter(uscc__startswith=PREFIX).order_by("-uscc").values_list("uscc", flat=True).first()
    _serial = itertools.count(int(last[len(PREFIX) : 17]) + 1 if last else 1)


def _uscc() -> str:
    first17 = f"{PREFIX}{next(_serial):07d}"
    return first17 + uscc_check_char(first17)


def _file(rows: int) -> SimpleUploadedFile:
    lines = ["kind,name,identifier", *(f"legal_person,Bench Import {index} Co.,{_uscc()}" for index in range(rows))]
    return SimpleUploadedFile("bench.csv", "\r\n".join(lines).encode())


class _RolledBack(Exception):
    """Raised at the end of a case run, so its transaction is rolled back."""


def _case_file(rows: int) -> SimpleUploadedFile:
    firms = list(
        Entity.objects.filter(kind=Entity.Kind.LEGAL_PERSON, uscc__isnull=False)
        .order_by("pk")
        .values_list("uscc", flat=True)[:rows]
    )
    items = CatalogueItem.objects.filter(is_active=True).order_by("code")
    item = next(item for item in items if Entity.Kind.LEGAL_PERSON in item.applicable_kinds)
    lines = [
        "entity_identifier,catalogue_item,severity,facts",
        *(f"{firms[index % len(firms)]},{item.code},,Bench import case {index}." for index in range(rows)),
    ]
    return SimpleUploadedFile("bench-cases.csv", "\r\n".join(lines).encode())


def _rolled_back(fn):
    def run():
        try:
            with transaction.atomic():
                fn()
                raise _RolledBack
        except _RolledBack:
            pass

    return run


def case_scenarios(actor) -> list[dict]:
    job = services.import_job_check(actor=actor, kind="cases", upload=_case_file(ROWS))
    if job.invalid_rows:
        raise AssertionError(f"the bench's case file has {job.invalid_rows} invalid rows: {job.errors[:3]}")
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.QUEUED, mode=ImportJob.Mode.ALL)
    entity_id = Entity.objects.filter(kind=Entity.Kind.LEGAL_PERSON).order_by("pk").values_list("pk", flat=True)[0]

    def write():
        status = services.import_job_run(job_id=job.pk)
        if status != ImportJob.Status.DONE:
            raise AssertionError(f"import ended {status}")

    def floor():
        now = timezone.now()
        rows = [
            (f"BENCH-FLOOR-{index:06d}", actor.department_id, entity_id, "Bench floor case.", actor.pk, now)
            for index in range(ROWS)
        ]
        with connection.cursor() as cursor:
            cursor.executemany(
                "INSERT INTO cases_case (number, department_id, entity_id, severity, facts, internal_notes, state, "
                "version, caseworker_id, under_objection, under_legal_challenge, created_at) "
                "VALUES (%s, %s, %s, '', %s, '', 'draft', 1, %s, false, false, %s)",
                rows,
            )

    return [
        {
            "page": f"import {ROWS} cases (write)",
            "user": "light",
            "variants": {"app": _rolled_back(write), "floor": _rolled_back(floor)},
        }
    ]


def scenarios(users) -> list[dict]:
    actor = users["light"]
    _start_serial()
    queued = []
    for _ in range(JOBS):
        job = services.import_job_check(actor=actor, kind="entities", upload=_file(ROWS))
        ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.QUEUED, mode=ImportJob.Mode.ALL)
        queued.append(job.pk)

    def write():
        status = services.import_job_run(job_id=queued.pop())
        if status != ImportJob.Status.DONE:
            raise AssertionError(f"import ended {status}")

    def floor():
        now = timezone.now()
        rows = [("legal_person", f"Bench Floor {index}", _uscc(), "110105", now) for index in range(ROWS)]
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.executemany(
                "INSERT INTO entities_entity (kind, name, uscc, id_number_masked, region_code, created_at) "
                "VALUES (%s, %s, %s, '', %s, %s)",
                rows,
            )

    def check():
        services.import_job_check(actor=actor, kind="entities", upload=_file(ROWS))

    return [
        {"page": f"import {ROWS} rows (write)", "user": "light", "variants": {"app": write, "floor": floor}},
        {"page": f"import check {ROWS} rows", "user": "light", "variants": {"app": check}},
        *case_scenarios(actor),
    ]
