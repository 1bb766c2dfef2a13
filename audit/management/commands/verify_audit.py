from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from audit import chain, witness
from audit.models import ChainLink


class Command(BaseCommand):
    help = (
        "Verify the tamper-evident audit chain over every history and access-log row and name the first broken "
        "row. --seal also writes a signed digest of the head (run it periodically, e.g. hourly from cron: "
        "`manage.py verify_audit --seal`), so truncating the end of the chain is detected too, and publishes its "
        "witness in the public register's log when this process holds AUDIT_WITNESS_SIGNING_KEY. The chain is "
        "checked against every published witness, and against those of a downloaded copy of the log (--witness)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--seal", action="store_true", help="After a clean check, seal the current head.")
        parser.add_argument(
            "--adopt-unchained",
            action="store_true",
            help="Once, when the chain is introduced on an existing database: chain rows written before it.",
        )
        parser.add_argument(
            "--witness",
            action="append",
            default=[],
            metavar="FILE",
            help="A downloaded copy of the public register's log (JSON Lines): check the chain against its "
            "witnesses too. Repeatable.",
        )
        parser.add_argument(
            "--witness-key",
            help="The audit witness public key (Ed25519, base64) to trust instead of AUDIT_WITNESS_PUBLIC_KEY.",
        )
        parser.add_argument(
            "--chunk-size",
            type=int,
            default=chain.CHUNK_SIZE,
            help=f"Rows read per query (default {chain.CHUNK_SIZE}); memory stays flat however long the chain.",
        )

    def handle(self, *args, seal=False, adopt_unchained=False, chunk_size=chain.CHUNK_SIZE, **options):
        if chunk_size < 1:
            raise CommandError("--chunk-size must be at least 1")
        if adopt_unchained:
            self._adopt(chunk_size)
        copies = [self._read(path) for path in options.get("witness") or []]
        outside = [item for copy in copies for item in copy]
        problems = chain.verify(chunk_size=chunk_size, witnesses=outside, witness_key=options.get("witness_key"))
        links = ChainLink.objects.count()
        if problems:
            first = problems[0]
            self.stderr.write(self.style.ERROR(f"Audit chain BROKEN ({len(problems)} problem(s)). First: {first}"))
            for problem in problems[1:20]:
                self.stderr.write(f"  {problem}")
            raise CommandError(f"first broken row: {first.table}:{first.row_pk}")
        self.stdout.write(self.style.SUCCESS(f"Audit chain intact: {links} link(s) verified."))
        if outside:
            self.stdout.write(f"Consistent with {len(outside)} witness(es) from {len(copies)} downloaded copy(ies).")
        if seal:
            head = chain.seal()
            if head is not None:
                self.stdout.write(self.style.SUCCESS(f"Sealed head at link #{head.seq}."))
                if head.witness is not None:
                    self.stdout.write(self.style.SUCCESS("Witness published in the public register's log."))
                else:
                    self.stderr.write(
                        self.style.WARNING(
                            "No witness published: this process holds no AUDIT_WITNESS_SIGNING_KEY (docs/audit.md)."
                        )
                    )

    def _read(self, path):
        try:
            with open(path, encoding="utf-8") as lines:
                return list(witness.witnesses_from_lines(lines))
        except (OSError, UnicodeDecodeError) as error:
            raise CommandError(f"Cannot read the witness copy {path}: {error}") from error

    def _adopt(self, chunk_size):
        adopted = 0
        with transaction.atomic():
            for problem in chain.verify(chunk_size=chunk_size):
                if problem.seq is None:
                    model = next(m for m in chain.chained_models() if m._meta.db_table == problem.table)
                    chain.append(model, problem.row_pk, note="adopted")
                    adopted += 1
        self.stdout.write(f"Chained {adopted} row(s) written before the chain existed.")
