"""Background work of the register (django-tasks; runs at once with ``DEBUG``, see settings ``TASKS``)."""

from django_tasks import task

from .downloads import downloads_regenerate


@task()
def regenerate_downloads() -> int:
    """Rewrite every bulk download from the current register; safe to run twice or concurrently (atomic replace)."""
    return len(downloads_regenerate())
