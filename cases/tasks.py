"""Background tasks (django-tasks; on Django 6 the same API is ``django.tasks``).

Run by ``manage.py db_worker`` in production, at once in the enqueuing process with ``DEBUG``
(settings: ``TASKS``). Tasks take primary keys, never model instances, and are safe to run twice.
"""

from django_tasks import task

from .services.notifications import notification_email_send


@task()
def send_notification_email(notification_id: int) -> str:
    """Send one notification's e-mail; failures are recorded on the notification and retried with backoff."""
    return notification_email_send(notification_id=notification_id)
