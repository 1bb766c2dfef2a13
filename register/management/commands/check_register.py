"""``manage.py check_register``: exit non-zero, naming each record, if the register serves what it must not."""

from django.core.management.base import BaseCommand, CommandError

from register.monitor import check_record, stale_disclosures


class Command(BaseCommand):
    help = "Fail if any publication past its end, repaired, revoked or of a minor is served by the register."

    def handle(self, *args, **options):
        stale = stale_disclosures()
        check_record(stale)
        if stale:
            for item in stale:
                self.stderr.write(str(item))
            raise CommandError(f"{len(stale)} stale disclosure(s) on the public register.")
        self.stdout.write("register: nothing stale is served")
