"""Background tasks of the imports (django-tasks, as ``cases.tasks``): they take primary keys and may run twice."""

from django_tasks import task

from .services import import_job_run


@task()
def run_import(job_id: int) -> str:
    """Import one queued file's rows (``imports.services.import_job_run``)."""
    return import_job_run(job_id=job_id)
