"""Bulk import (issue 25 §2): per-row errors, all-or-nothing or valid rows only, through the services."""

import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts import roles
from cases.models import Case, CatalogueItem
from entities.models import Entity
from imports import services
from imports.models import ImportJob
from imports.selectors import import_job_progress
from tests.factories import EntityFactory, UserFactory, make_id_number, make_uscc

from .conftest import csv_file, xlsx_file

HEADER = "kind,name,identifier,region_code"


def _check(actor, lines, kind="entities", **kwargs):
    return services.import_job_check(actor=actor, kind=kind, upload=csv_file(lines, **kwargs))


def _errors(job) -> dict[int, dict[str, str]]:
    found: dict[int, dict[str, str]] = {}
    for error in job.errors:
        found.setdefault(error["row"], {})[error["column"]] = error["message"]
    return found


def _start(job, actor, mode, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.import_job_start(job=job, actor=actor, mode=mode)
    job.refresh_from_db()
    return job


def test_each_bad_row_gets_its_error_at_its_column_and_nothing_is_written(caseworker):
    registered = EntityFactory()
    good, twice = make_uscc(), make_uscc()
    job = _check(
        caseworker,
        [
            HEADER,
            f"legal_person,Good Co.,{good},",
            "legal_person,Bad Code Co.,91110105MA0000000X,",  # fails the check character
            "natural_person,Zhang San,110105198503120000,",  # bad identity number
            f"company,Unknown Kind Co.,{make_uscc()},",  # unknown category
            f"legal_person,Twice Co.,{twice},",
            f"legal_person,Twice Again Co.,{twice},",  # duplicate in the file
            f"legal_person,Already Co.,{registered.uscc},",  # duplicate in the database
            f"legal_person,,{make_uscc()},",  # required name
        ],
    )
    errors = _errors(job)
    assert set(errors) == {3, 4, 5, 7, 8, 9}
    assert "check character" in errors[3]["identifier"]
    assert set(errors[4]) == {"identifier"}
    assert "Unknown kind" in errors[5]["kind"]
    assert "earlier row" in errors[7]["identifier"]
    assert "already registered" in errors[8]["identifier"]
    assert errors[9] == {"name": "Required."}
    assert (job.total_rows, job.invalid_rows, job.status) == (8, 6, ImportJob.Status.PREVIEWED)
    assert Entity.objects.count() == 1  # only the one registered before


def test_the_whole_file_is_refused_while_a_row_has_errors(caseworker, django_capture_on_commit_callbacks):
    job = _check(caseworker, [HEADER, f"legal_person,Good Co.,{make_uscc()},", "legal_person,Bad,123,"])
    with pytest.raises(ValidationError) as refused:
        services.import_job_start(job=job, actor=caseworker, mode=ImportJob.Mode.ALL)
    assert refused.value.code == "has_errors"
    assert Entity.objects.count() == 0


def test_import_the_valid_rows_leaves_the_others_out(caseworker, django_capture_on_commit_callbacks):
    job = _check(caseworker, [HEADER, f"legal_person,Good Co.,{make_uscc()},", "legal_person,Bad,123,"])
    job = _start(job, caseworker, ImportJob.Mode.VALID, django_capture_on_commit_callbacks)
    assert (job.status, job.imported_rows, job.invalid_rows) == (ImportJob.Status.DONE, 1, 1)
    assert list(Entity.objects.values_list("name", flat=True)) == ["Good Co."]
    assert job.rows is None  # the file's content is not kept once imported


def test_a_clean_file_is_imported_through_the_service_with_history_and_actor(
    caseworker, django_capture_on_commit_callbacks
):
    number = make_id_number()
    job = _check(caseworker, [HEADER, f"legal_person,Good Co.,{make_uscc()},", f"natural_person,Li Si,{number},"])
    job = _start(job, caseworker, ImportJob.Mode.ALL, django_capture_on_commit_callbacks)
    assert (job.status, job.imported_rows) == (ImportJob.Status.DONE, 2)
    person = Entity.objects.get(name="Li Si")
    assert person.id_number == number and person.id_number_masked == "1101**********" + number[-4:]
    assert person.region_code == "110105"  # taken from the identifier, as the form does
    for entity in Entity.objects.all():
        history = entity.history.get()
        assert (history.history_user, history.history_change_reason) == (caseworker, "registered")
        # the history row holds the entity as stored: the same identifiers (the number still encrypted there)
        assert (history.uscc, history.id_number, history.id_number_hash, history.created_at) == (
            entity.uscc, entity.id_number, entity.id_number_hash, entity.created_at
        )  # fmt: skip
    reasons = list(job.history.order_by("history_id").values_list("history_change_reason", "history_user"))
    assert reasons == [
        ("import checked", caseworker.pk),
        ("import started", caseworker.pk),
        ("import running", caseworker.pk),
        ("import finished", caseworker.pk),
    ]


def test_bulk_written_rows_are_chained_like_any_other(caseworker, django_capture_on_commit_callbacks):
    from audit import chain

    EntityFactory()  # a row chained one by one before
    lines = [HEADER, *(f"legal_person,Chained {index} Co.,{make_uscc()}," for index in range(3))]
    job = _start(_check(caseworker, lines), caseworker, ImportJob.Mode.ALL, django_capture_on_commit_callbacks)
    assert job.imported_rows == 3
    EntityFactory()  # and one after
    assert chain.verify() == []


def test_valid_rows_registered_meanwhile_are_left_out(caseworker, django_capture_on_commit_callbacks):
    uscc = make_uscc()
    job = _check(caseworker, [HEADER, f"legal_person,Kept Co.,{make_uscc()},", f"legal_person,Raced Co.,{uscc},"])
    EntityFactory(identifier=uscc)
    job = _start(job, caseworker, ImportJob.Mode.VALID, django_capture_on_commit_callbacks)
    assert (job.status, job.imported_rows, job.invalid_rows) == (ImportJob.Status.DONE, 1, 1)
    assert "already registered" in _errors(job)[3]["identifier"]
    assert Entity.objects.filter(name="Kept Co.").exists()


def test_identity_numbers_are_never_stored_in_clear(caseworker, django_capture_on_commit_callbacks):
    number = make_id_number()
    job = _check(caseworker, [HEADER, f"natural_person,Wang Wu,{number},"])
    with connection.cursor() as cursor:
        cursor.execute("SELECT rows FROM imports_importjob")
        stored = cursor.fetchone()[0]
    assert number not in stored and "Wang Wu" not in stored
    _start(job, caseworker, ImportJob.Mode.ALL, django_capture_on_commit_callbacks)
    for table in ("entities_entity", "entities_historicalentity", "imports_importjob", "imports_historicalimportjob"):
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT * FROM {table}")
            dump = repr(cursor.fetchall())
        assert number not in dump, table


def test_a_row_refused_while_importing_undoes_the_whole_file(caseworker, django_capture_on_commit_callbacks):
    uscc = make_uscc()
    job = _check(caseworker, [HEADER, f"legal_person,First Co.,{make_uscc()},", f"legal_person,Raced Co.,{uscc},"])
    EntityFactory(identifier=uscc)  # registered by someone else between the check and the import
    job = _start(job, caseworker, ImportJob.Mode.ALL, django_capture_on_commit_callbacks)
    assert job.status == ImportJob.Status.FAILED
    assert "Row 3" in job.failure and job.imported_rows == 0
    assert _errors(job)[3]["identifier"] == "An entity with this identifier is already registered."
    assert not Entity.objects.filter(name="First Co.").exists()


def test_running_twice_imports_once(caseworker, django_capture_on_commit_callbacks):
    job = _check(caseworker, [HEADER, f"legal_person,Once Co.,{make_uscc()},"])
    _start(job, caseworker, ImportJob.Mode.ALL, django_capture_on_commit_callbacks)
    assert services.import_job_run(job_id=job.pk) == "skipped"
    assert Entity.objects.filter(name="Once Co.").count() == 1


def test_progress_comes_from_the_running_task(caseworker, monkeypatch):
    from django.core.cache import cache

    job = _check(caseworker, [HEADER, *(f"legal_person,Co {index},{make_uscc()}," for index in range(5))])
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.QUEUED, mode=ImportJob.Mode.ALL)
    seen = []
    original = cache.set

    def record(key, value, *args, **kwargs):
        original(key, value, *args, **kwargs)
        if key == services.progress_key(job.pk):
            job.refresh_from_db()
            seen.append((value, import_job_progress(job)))

    monkeypatch.setattr(services, "BATCH", 2)
    monkeypatch.setattr(cache, "set", record)
    services.import_job_run(job_id=job.pk)
    assert seen == [(2, (2, 5)), (4, (4, 5)), (5, (5, 5))]
    job.refresh_from_db()
    assert import_job_progress(job) == (5, 5)


def test_cancel_drops_the_rows(caseworker):
    job = _check(caseworker, [HEADER, f"legal_person,Dropped Co.,{make_uscc()},"])
    job = services.import_job_cancel(job=job, actor=caseworker)
    assert (job.status, job.rows) == (ImportJob.Status.CANCELLED, None)
    with pytest.raises(ValidationError):
        services.import_job_start(job=job, actor=caseworker, mode=ImportJob.Mode.ALL)


def test_only_the_uploader_starts_and_other_departments_do_not_see_it(caseworker, tax):
    job = _check(caseworker, [HEADER, f"legal_person,Mine Co.,{make_uscc()},"])
    colleague = UserFactory(role=roles.CASEWORKER, department=tax)
    with pytest.raises(PermissionDenied):
        services.import_job_start(job=job, actor=colleague, mode=ImportJob.Mode.ALL)
    stranger = UserFactory(role=roles.CASEWORKER)
    with pytest.raises(Http404):
        services.import_job_start(job=job, actor=stranger, mode=ImportJob.Mode.ALL)


def test_who_may_import(caseworker):
    auditor = UserFactory(role=roles.AUDITOR)
    with pytest.raises(PermissionDenied):
        _check(auditor, [HEADER])
    assert services.may_import(caseworker, "entities") and services.may_import(caseworker, "cases")
    assert not services.may_import(UserFactory(role=roles.APPEALS_REVIEWER), "entities")


@pytest.mark.parametrize(
    ("content", "name", "code"),
    [
        (b"\x00\x01binary", "file.csv", "malformed"),
        (b"not a zip", "file.xlsx", "malformed"),
        (b"kind,name\r\n", "file.csv", "missing_columns"),
        (b"kind,name,identifier,colour\r\nx,y,z,w\r\n", "file.csv", "unknown_column"),
        (b"", "file.csv", "empty"),
        (b"kind,name,identifier\r\n", "file.csv", "no_rows"),
        (b"kind,name,identifier\r\n", "file.txt", "file_type"),
        (b'kind,name,identifier\r\n"legal_person,x', "file.csv", "malformed"),
        (b"\xff\xfe\xfa\xfb\xff\xfe", "file.csv", "encoding"),
    ],
)
def test_a_malformed_file_gets_a_clear_error(caseworker, content, name, code):
    from django.core.files.uploadedfile import SimpleUploadedFile

    with pytest.raises(ValidationError) as refused:
        services.import_job_check(actor=caseworker, kind="entities", upload=SimpleUploadedFile(name, content))
    assert refused.value.error_dict["file"][0].code == code
    assert ImportJob.objects.count() == 0


def test_limits_of_size_and_rows(caseworker, settings):
    settings.IMPORT_MAX_ROWS = 2
    lines = [HEADER, *(f"legal_person,Co {index},{make_uscc()}," for index in range(3))]
    with pytest.raises(ValidationError) as refused:
        _check(caseworker, lines)
    assert refused.value.error_dict["file"][0].code == "too_many_rows"
    settings.IMPORT_MAX_BYTES = 10
    with pytest.raises(ValidationError) as refused:
        _check(caseworker, lines[:2])
    assert refused.value.error_dict["file"][0].code == "too_large"


def test_gb18030_and_labels_as_header_and_control_characters(caseworker):
    from django.utils import translation

    with translation.override("zh-hans"):
        from imports.formats import header_cells
        from imports.kinds import EntityImport

        header = ",".join(header_cells(EntityImport.columns))
    job = _check(
        caseworker,
        [header, f"legal_person,北京某某有限公司,{make_uscc()},", f"legal_person,Bell\x07 Co.,{make_uscc()},"],
        encoding="gb18030",
    )
    rows = json.loads(job.rows)
    assert rows[0]["values"]["name"] == "北京某某有限公司"
    assert _errors(job) == {3: {"name": "Contains control characters; type the value again."}}


def test_labels_alone_in_either_language_and_stray_blank_columns(caseworker):
    uscc = make_uscc()
    job = _check(caseworker, ["主体类型,,Name,identifier", f"legal_person,ignored,Label Co.,{uscc}"])
    assert json.loads(job.rows)[0]["values"] == {"kind": "legal_person", "name": "Label Co.", "identifier": uscc}
    assert job.invalid_rows == 0


def test_xlsx_with_numbers_for_codes(caseworker):
    number = make_id_number()
    job = services.import_job_check(
        actor=caseworker,
        kind="entities",
        upload=xlsx_file([["kind", "name", "identifier"], ["natural_person", "Zhao Liu", number], [None, None, None]]),
    )
    assert (job.total_rows, job.invalid_rows) == (1, 0)


CASES_HEADER = "entity_identifier,catalogue_item,severity,facts"


def test_cases_are_opened_as_drafts_of_the_department(caseworker, tax, django_capture_on_commit_callbacks):
    entity = EntityFactory()
    person = EntityFactory(person=True)
    firms_only = next(
        item.code for item in CatalogueItem.objects.all() if "natural_person" not in item.applicable_kinds
    )
    job = _check(
        caseworker,
        [
            CASES_HEADER,
            f"{entity.uscc},tax_major_violation,,Did not pay VAT.",
            f"{make_uscc()},tax_major_violation,,Unknown entity.",
            f"{entity.uscc},no_such_item,,Unknown item.",
            f"{entity.uscc},tax_major_violation,huge,Bad severity.",
            f"{person.id_number},{firms_only},,Wrong kind of entity.",
        ],
        kind="cases",
    )
    errors = _errors(job)
    assert "No entity" in errors[3]["entity_identifier"]
    assert "Unknown catalogue item" in errors[4]["catalogue_item"]
    assert "Unknown severity" in errors[5]["severity"]
    assert "cannot be recorded against" in errors[6]["catalogue_item"]
    job = _start(job, caseworker, ImportJob.Mode.VALID, django_capture_on_commit_callbacks)
    case = Case.objects.get()
    assert (case.department, case.caseworker, case.state, case.entity) == (tax, caseworker, "draft", entity)
    assert case.severity == case.catalogue_item.default_severity
    assert case.history.get().history_user == caseworker
    rows = json.loads(
        services.import_job_check(
            actor=caseworker, kind="cases", upload=csv_file([CASES_HEADER, f"{person.id_number},x,,y"])
        ).rows
    )
    assert rows[0]["values"]["entity_identifier"] == person.id_number  # kept encrypted, shown masked (views)


def test_cases_need_a_department(db):
    assert not services.may_import(UserFactory(is_staff=True, is_superuser=True), "cases")


def test_cases_are_opened_in_bulk_numbered_in_file_order_with_history_grants_and_chain(
    caseworker, tax, django_capture_on_commit_callbacks
):
    from audit import chain
    from cases.models import CaseUserObjectPermission

    firms = [EntityFactory() for _ in range(3)]
    person = EntityFactory(person=True)
    lines = [CASES_HEADER, *(f"{firm.uscc},tax_major_violation,,Facts {index}." for index, firm in enumerate(firms))]
    lines.append(f"{person.id_number},tax_evasion_penalty,serious,Facts 3.")
    job = _start(
        _check(caseworker, lines, kind="cases"), caseworker, ImportJob.Mode.ALL, django_capture_on_commit_callbacks
    )
    assert (job.status, job.imported_rows) == (ImportJob.Status.DONE, 4)
    year = timezone.localdate().year
    cases = list(Case.objects.order_by("number"))
    assert [case.number for case in cases] == [f"TAX-{year}-{serial:06d}" for serial in range(1, 5)]
    assert [case.facts for case in cases] == [f"Facts {index}." for index in range(4)]
    assert [case.entity for case in cases] == [*firms, person] and cases[3].severity == "serious"
    for case in cases:
        assert (case.department, case.caseworker, case.state) == (tax, caseworker, "draft")
        record = case.history.get()
        assert (record.history_user, record.history_change_reason) == (caseworker, "draft created")
        assert CaseUserObjectPermission.objects.filter(content_object=case, user=caseworker).count() == 3
    assert chain.verify() == []


def test_a_case_row_refused_while_importing_undoes_the_whole_file(caseworker, django_capture_on_commit_callbacks):
    firm = EntityFactory()
    lines = [CASES_HEADER, f"{firm.uscc},tax_evasion_penalty,,Kept.", f"{firm.uscc},tax_major_violation,,Refused."]
    job = _check(caseworker, lines, kind="cases")
    CatalogueItem.objects.filter(code="tax_major_violation").update(is_active=False)  # retired meanwhile
    failed = _start(job, caseworker, ImportJob.Mode.ALL, django_capture_on_commit_callbacks)
    assert (failed.status, failed.imported_rows) == (ImportJob.Status.FAILED, 0)
    assert "Row 3" in failed.failure
    assert _errors(failed)[3]["catalogue_item"] == "This catalogue item is no longer in use."
    assert not Case.objects.exists()


def test_a_case_row_refused_while_importing_the_valid_rows_is_left_out(caseworker, django_capture_on_commit_callbacks):
    firm = EntityFactory()
    lines = [CASES_HEADER, f"{firm.uscc},tax_evasion_penalty,,Kept.", f"{firm.uscc},tax_major_violation,,Refused."]
    job = _check(caseworker, lines, kind="cases")
    CatalogueItem.objects.filter(code="tax_major_violation").update(is_active=False)
    job = _start(job, caseworker, ImportJob.Mode.VALID, django_capture_on_commit_callbacks)
    assert (job.status, job.imported_rows, job.invalid_rows) == (ImportJob.Status.DONE, 1, 1)
    assert "no longer in use" in _errors(job)[3]["catalogue_item"]
    assert Case.objects.get().facts == "Kept." and Case.objects.get().number.endswith("-000001")


def _run_statements(actor, rows: int) -> int:
    firms = [EntityFactory() for _ in range(rows)]
    lines = [CASES_HEADER, *(f"{firm.uscc},tax_evasion_penalty,,Facts." for firm in firms)]
    job = _check(actor, lines, kind="cases")
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.QUEUED, mode=ImportJob.Mode.ALL)
    with CaptureQueriesContext(connection) as queries:
        assert services.import_job_run(job_id=job.pk) == ImportJob.Status.DONE
    return [query["sql"] for query in queries.captured_queries]


def test_importing_cases_takes_as_many_statements_for_100_rows_as_for_10(caseworker):
    _run_statements(caseworker, 1)  # the department's groups and the year's counter are made on first use
    few, many = _run_statements(caseworker, 10), _run_statements(caseworker, 100)

    def others(statements):  # SQLite caps one statement's parameters, so Django splits a long insert there
        return [sql.split(" ", 1)[0] for sql in statements if not sql.startswith("INSERT")]

    assert others(many) == others(few)
    if connection.vendor == "postgresql":
        assert len(many) == len(few)
    assert len(few) <= 60, len(few)
