"""The periodic lifecycle sweep (issue 5): run it from cron or a systemd timer; see README "Lifecycle sweep"."""

import datetime

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from cases.services.sweep import sweep
from creditportal.metrics import record_lifecycle_sweep


def _date(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError as error:
        raise CommandError(f"--date must be YYYY-MM-DD, not {value!r}") from error


class Command(BaseCommand):
    help = (
        "Apply what the clock has made due: close statement windows, start and end measures, end publication at "
        "its maximum, expire cases, mark credit-repair eligibility, flag overdue reviews, send reminders. "
        "Idempotent and safe to run concurrently; exits 1 if some record could not be moved."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--date",
            type=_date,
            help="act as if today were this date (YYYY-MM-DD); a future date only with DEBUG on (demo, rehearsal)",
        )

    def handle(self, *args, date=None, verbosity=1, **options):
        today = timezone.localdate()
        if date and date > today and not settings.DEBUG:
            raise CommandError("Refusing a future --date with DEBUG off: it would end measures and publications early.")
        report = sweep(today=date or today)
        record_lifecycle_sweep(counts=report.counts(), errors=len(report.errors))
        if verbosity >= 2:
            for action, record in report.done:
                self.stdout.write(f"  {record}: {report.labels[action]}")
        for action, count in report.counts().items():
            self.stdout.write(f"{report.labels[action]}: {count}")
        for record, message in report.errors:
            self.stderr.write(self.style.ERROR(f"{record}: {message}"))
        if report.nothing_done:
            self.stdout.write(f"Lifecycle sweep for {report.today}: nothing to do.")
        if report.errors:
            raise CommandError(f"{len(report.errors)} record(s) could not be moved; see the messages above.")
