from django.core.management.base import BaseCommand

from entities.services import entities_reencrypt


class Command(BaseCommand):
    help = "Re-encrypt identity numbers with the newest key in FIELD_ENCRYPTION_KEYS (idempotent, resumable)."

    def handle(self, *args, **options):
        changed = entities_reencrypt()
        self.stdout.write(self.style.SUCCESS(f"Re-encrypted {changed} identity number(s) with the newest key."))
