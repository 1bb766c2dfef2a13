"""The retention purge (issue 8): run it daily from cron or a systemd timer; see README "The audit trail"."""

import datetime

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from audit import retention


def _date(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError as error:
        raise CommandError(f"--date must be YYYY-MM-DD, not {value!r}") from error


class Command(BaseCommand):
    help = (
        "De-identify natural persons whose retention period has ended (all their cases closed and past the "
        "catalogue's retention years): name and identity number are removed from the entity and from every "
        "history row, through the one audited purge path, so verify_audit still passes. Idempotent: a second "
        "run finds nothing. --dry-run lists what would be de-identified and changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="list what would be de-identified; change nothing")
        parser.add_argument(
            "--date",
            type=_date,
            help="act as if today were this date (YYYY-MM-DD); a future date only with DEBUG on (rehearsal)",
        )

    def handle(self, *args, dry_run=False, date=None, **options):
        today = timezone.localdate()
        if date and date > today and not settings.DEBUG:
            raise CommandError("Refusing a future --date with DEBUG off: it would purge data before its time.")
        today = date or today
        if dry_run:
            expired = retention.expired_persons(today=today)
            for person in expired:
                self.stdout.write(f"would de-identify {person}")
            self.stdout.write(f"Dry run for {today}: {len(expired)} person(s) would be de-identified; nothing changed.")
            return
        done = retention.purge_expired(actor=retention.system_actor(), today=today)
        for person in done:
            self.stdout.write(f"de-identified {person}")
        self.stdout.write(f"Retention purge for {today}: {len(done)} person(s) de-identified.")
