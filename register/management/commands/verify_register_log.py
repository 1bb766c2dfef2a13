"""``manage.py verify_register_log <file-or-url>``: prove a copy of the publication log is intact (issue 18).

Reads the JSON Lines download (a file, or an http(s) URL) line by line and exits non-zero, naming each
problem, if an entry was edited, removed or reordered, the log was cut short, or the head's signature fails.
"""

import urllib.request
from contextlib import contextmanager
from io import TextIOWrapper

from django.core.management.base import BaseCommand, CommandError

from register.log import verify_lines


@contextmanager
def _open(source: str):
    if source.startswith(("http://", "https://")):
        with urllib.request.urlopen(source, timeout=60) as response:  # noqa: S310  # nosec B310 - scheme checked
            yield TextIOWrapper(response, encoding="utf-8")
    elif "://" in source:
        raise CommandError("Give a file path or an http(s) URL.")
    else:
        with open(source, encoding="utf-8") as stream:
            yield stream


class Command(BaseCommand):
    help = "Verify a downloaded copy of the register's publication log (hash chain and signed head)."

    def add_arguments(self, parser):
        parser.add_argument("source", help="the downloaded log (a file path or an http(s) URL)")
        parser.add_argument("--public-key", help="the register's Ed25519 public key (base64) to trust")

    def handle(self, *args, source, public_key=None, **options):
        try:
            with _open(source) as lines:
                problems = verify_lines(lines, public_key=public_key)
        except OSError as error:
            raise CommandError(f"Cannot read {source}: {error}") from error
        if problems:
            for problem in problems:
                self.stderr.write(str(problem))
            raise CommandError(f"The publication log is not intact: {len(problems)} problem(s).")
        self.stdout.write("register log: intact")
