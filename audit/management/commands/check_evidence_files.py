"""Every stored file with a recorded SHA-256 is present and unchanged (restore drill; docs/operations.md)."""

import hashlib

from django.apps import apps
from django.core.files.storage import storages
from django.core.management.base import BaseCommand, CommandError
from django.db import models


def _file_models():
    """(model, file field) for every model keeping files in the evidence storage next to a `sha256` field."""
    evidence = storages["evidence"]
    for model in apps.get_models():
        names = {field.name for field in model._meta.get_fields()}
        for field in model._meta.get_fields():
            if isinstance(field, models.FileField) and field.storage is evidence and "sha256" in names:
                yield model, field


class Command(BaseCommand):
    help = "Check that every evidence file the database records exists in EVIDENCE_ROOT with its recorded SHA-256."

    def handle(self, *args, **options):
        checked, problems = 0, []
        for model, field in _file_models():
            for pk, name, expected in model._default_manager.values_list("pk", field.name, "sha256").iterator():
                checked += 1
                try:
                    with field.storage.open(name, "rb") as stored:
                        digest = hashlib.file_digest(stored, "sha256").hexdigest()
                except FileNotFoundError:
                    problems.append(f"{model._meta.label} {pk}: file missing")
                    continue
                if digest != expected:
                    problems.append(f"{model._meta.label} {pk}: SHA-256 differs from the recorded one")
        for problem in problems:
            self.stderr.write(problem)
        self.stdout.write(f"Evidence files checked: {checked}, problems: {len(problems)}")
        if problems:
            raise CommandError(f"{len(problems)} evidence file(s) missing or changed.")
