"""Reads of import jobs: through the one policy, and the progress of a running import."""

from django.core.cache import cache

from accounts.permissions import scope

from .models import ImportJob
from .services import progress_key


def import_jobs_for(user):
    """The imports ``user`` may see: those of their department (``accounts.permissions``)."""
    return scope(ImportJob.objects.select_related("created_by"), user, "view")


def import_job_progress(job: ImportJob) -> tuple[int, int]:
    """(rows processed, rows in the file): the running task's count from the cache, else the job's own."""
    if job.in_progress:
        return min(cache.get(progress_key(job.pk), 0), job.total_rows), job.total_rows
    done = job.total_rows if job.status == ImportJob.Status.DONE else 0
    return done, job.total_rows


def errors_by_row(job: ImportJob) -> dict[int, list[dict]]:
    rows: dict[int, list[dict]] = {}
    for error in job.errors:
        rows.setdefault(error["row"], []).append(error)
    return rows
