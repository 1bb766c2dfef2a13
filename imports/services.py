"""The only writers of import jobs: check a file (the preview), start the import, run it, cancel it.

Checking writes nothing but the job: every row is checked by its kind (``imports.kinds``) through the
services' own checks. Starting queues the background task (``imports.tasks.run_import``, registered in
``ImportsConfig.ready``: a task module sits above the services it runs). Running writes the rows in batches
through the kind's bulk service (``entities.services.entities_register_many`` or
``cases.services.cases_create_many``) as the uploader, in one transaction: the whole file (one refused row
undoes it), or (when the uploader chose so) the valid rows, a batch's rows refused at that moment left out.
Progress goes to the cache, which a page outside the import's transaction can read.
"""

import json
import logging
import os

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured, PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.permissions import require
from audit.history import attribute

from .formats import read_upload
from .kinds import KINDS, service_problems
from .models import ImportJob

logger = logging.getLogger(__name__)

# Who may import what: the permission the admin's own add page asks for that kind of record.
KIND_PERMISSIONS = {ImportJob.Kind.ENTITIES: "entities.add_entity", ImportJob.Kind.CASES: "cases.add_case"}
# Rows written per bulk call, and so how often a running import tells its progress.
BATCH = 500


def progress_key(job_id: int) -> str:
    return f"imports:progress:{job_id}"


def may_import(actor: User, kind: str) -> bool:
    """Whether ``actor`` may import records of ``kind`` (the model permissions of the import and the record)."""
    if not (actor.is_active and actor.is_staff and actor.has_perm("imports.add_importjob")):
        return False
    if not actor.has_perm(KIND_PERMISSIONS[kind]):
        return False
    return kind != ImportJob.Kind.CASES or actor.department_id is not None


def _row_errors(number: int, problems: dict) -> list[dict]:
    return [
        {"row": number, "column": column, "message": message}
        for column, messages in problems.items()
        for message in messages
    ]


@transaction.atomic
def import_job_check(*, actor: User, kind: str, upload) -> ImportJob:
    """Read and check an uploaded file; nothing but the job is written. File errors raise ``ValidationError``."""
    if kind not in KIND_PERMISSIONS:
        raise ValidationError({"kind": ValidationError(_("Choose what the file holds."), code="kind")})
    if not may_import(actor, kind):
        raise PermissionDenied
    importer = KINDS[kind](actor)
    sheet = read_upload(upload, importer.columns)
    found = {position: importer.check(row["values"]) for position, row in enumerate(sheet.rows)}
    if hasattr(importer, "check_registered"):  # checked for the whole file at once
        for position, problems in importer.check_registered().items():
            for column, messages in problems.items():
                found[position].setdefault(column, []).extend(messages)
    errors = [error for position, row in enumerate(sheet.rows) for error in _row_errors(row["row"], found[position])]
    invalid = sum(1 for problems in found.values() if problems)
    job = ImportJob(
        kind=kind,
        file_name=os.path.basename(upload.name or "")[:200],
        created_by=actor,
        department_id=actor.department_id,
        total_rows=len(sheet.rows),
        invalid_rows=invalid,
        rows=json.dumps(sheet.rows, ensure_ascii=False),
        errors=errors,
        language=translation.get_language() or settings.LANGUAGE_CODE,
    )
    job.full_clean()
    attribute(job, actor=actor, reason="import checked")
    job.save()
    return job


def _locked(job: ImportJob, actor: User) -> ImportJob:
    require(actor, "view", job)  # 404 outside the department
    job = ImportJob.objects.select_for_update().get(pk=job.pk)
    if job.created_by_id != actor.pk:
        raise PermissionDenied(_("Only the person who uploaded the file can import or cancel it."))
    if job.status != ImportJob.Status.PREVIEWED:
        raise ValidationError(_("This import was already started or cancelled."), code="not_previewed")
    return job


@transaction.atomic
def import_job_start(*, job: ImportJob, actor: User, mode: str) -> ImportJob:
    """Queue the import of the whole file (only when every row is valid) or of its valid rows."""
    job = _locked(job, actor)
    if mode == ImportJob.Mode.ALL and job.invalid_rows:
        raise ValidationError(
            _("%(count)s rows have errors: correct the file, or import only the valid rows."),
            code="has_errors",
            params={"count": job.invalid_rows},
        )
    if mode == ImportJob.Mode.VALID and not job.valid_rows:
        raise ValidationError(_("No row of this file is valid."), code="no_valid_rows")
    if mode not in ImportJob.Mode.values:
        raise ValidationError(_("Choose what to import."), code="mode")
    job.status, job.mode = ImportJob.Status.QUEUED, mode
    attribute(job, actor=actor, reason="import started")
    job.save()
    transaction.on_commit(lambda: _enqueue(job.pk), robust=False)
    return job


@transaction.atomic
def import_job_cancel(*, job: ImportJob, actor: User) -> ImportJob:
    """Drop a checked file without importing anything (its rows are deleted)."""
    job = _locked(job, actor)
    job.status, job.rows, job.finished_at = ImportJob.Status.CANCELLED, None, timezone.now()
    attribute(job, actor=actor, reason="import cancelled")
    job.save()
    return job


# The task that runs an import; ``imports.tasks`` defines it and hands it over in ``ImportsConfig.ready``.
_run_task = None


def import_task_register(task) -> None:
    global _run_task  # set once at start-up, by ImportsConfig.ready
    _run_task = task


def _enqueue(job_id: int) -> None:
    if _run_task is None:
        raise ImproperlyConfigured("No import task registered: is the imports app in INSTALLED_APPS?")
    _run_task.enqueue(job_id)


def _claim(job_id: int) -> ImportJob | None:
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().select_related("created_by").filter(pk=job_id).first()
        if job is None or job.status != ImportJob.Status.QUEUED:
            return None  # run twice, or cancelled: nothing to do
        job.status = ImportJob.Status.RUNNING
        attribute(job, actor=job.created_by, reason="import running")
        job.save(update_fields=["status"])
        return job


def _refused_row(row: int) -> str:
    return gettext("Row %(row)s was refused, so nothing was imported.") % {"row": row}


def _write_many(job: ImportJob, importer, rows: list[dict]) -> tuple[int, list[dict], str]:
    """Write the rows in batches through the kind's bulk service (the same checks, a few statements a batch)."""
    written, errors, done = 0, [], 0
    with transaction.atomic():
        for start in range(0, len(rows), BATCH):
            batch = rows[start : start + BATCH]
            try:
                created, problems = importer.create_many([row["values"] for row in batch])
                if problems and job.mode == ImportJob.Mode.VALID:
                    # Refused now though valid at the check (registered meanwhile): left out like the invalid ones.
                    for index, error in problems.items():
                        errors.extend(_row_errors(batch[index]["row"], service_problems(error, importer.fields)))
                    batch = [row for index, row in enumerate(batch) if index not in problems]
                    created, problems = importer.create_many([row["values"] for row in batch])
            except ValidationError as error:  # raised: the batch as a whole (a race at the insert)
                transaction.set_rollback(True)
                return (
                    0,
                    [*errors, *_row_errors(batch[0]["row"], service_problems(error, importer.fields))],
                    str(error.messages[0]),
                )
            if problems:
                transaction.set_rollback(True)
                for index, error in problems.items():
                    errors.extend(_row_errors(batch[index]["row"], service_problems(error, importer.fields)))
                return 0, errors, _refused_row(batch[min(problems)]["row"])
            written += len(created)
            done = min(start + BATCH, len(rows))
            cache.set(progress_key(job.pk), done, timeout=3600)
    return written, errors, ""


def _write(job: ImportJob, rows: list[dict]) -> tuple[int, list[dict], str]:
    """Write the rows; returns (how many were written, the errors found while writing, why it failed or "")."""
    importer = KINDS[job.kind](job.created_by)
    skip = {error["row"] for error in job.errors}  # only when importing the valid rows: else refused at start
    return _write_many(job, importer, [row for row in rows if row["row"] not in skip])


def import_job_run(*, job_id: int) -> str:
    """Import a queued job's rows as its uploader (safe to run twice: only a queued job runs)."""
    job = _claim(job_id)
    if job is None:
        return "skipped"
    with translation.override(job.language):
        try:
            written, errors, why = _write(job, json.loads(job.rows or "[]"))
        except Exception:  # an unforeseen failure still ends the job, so its page stops waiting
            logger.exception("import %s failed", job.pk)
            written, errors, why = 0, [], gettext("An unexpected error stopped the import; nothing was imported.")
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().get(pk=job.pk)
        job.status = ImportJob.Status.FAILED if why else ImportJob.Status.DONE
        job.imported_rows, job.failure = written, why
        job.errors = [*job.errors, *errors]
        job.invalid_rows = len({error["row"] for error in job.errors})
        job.rows, job.finished_at = None, timezone.now()
        attribute(job, actor=job.created_by, reason="import finished" if not why else "import failed")
        job.save()
    cache.delete(progress_key(job.pk))
    return job.status
