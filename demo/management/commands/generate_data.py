"""``manage.py generate_data --cases N --entities M --seed S``: benchmark data as the application writes it."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from demo import datagen


class Command(BaseCommand):
    help = (
        "Generate N cases against M entities (deterministic for a seed), with departments, staff, grants, history "
        "rows and audit chain links, as the application itself would have written them (demo/datagen.py). "
        "Built for PostgreSQL (COPY); works on SQLite for small N. Refuses with DEBUG off unless --force, and on a "
        "database with cases or entities unless --append."
    )

    def add_arguments(self, parser):
        parser.add_argument("--cases", type=int, required=True)
        parser.add_argument("--entities", type=int, default=None, help="default: cases / 10, at least 20")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--batch", type=int, default=2000, help="cases per transaction")
        parser.add_argument(
            "--workers",
            type=int,
            default=None,
            help="processes cloning and hashing batches beside the writer (default: one per core on PostgreSQL, "
            "none on SQLite; 0 = all in this process)",
        )
        parser.add_argument("--append", action="store_true", help="generate next to existing cases and entities")
        parser.add_argument("--force", action="store_true", help="run even with DEBUG off")

    def handle(self, *args, cases, entities, seed, batch, workers, append, force, **options):
        if not settings.DEBUG and not force:
            raise CommandError("generate_data writes synthetic records; with DEBUG off pass --force to confirm.")
        if cases < 1:
            raise CommandError("--cases must be at least 1.")
        if workers is not None and workers < 0:
            raise CommandError("--workers must be 0 or more.")
        entities = entities or max(20, cases // 10)
        try:
            datagen.preflight(append=append)
            generator = datagen.Generator(
                cases=cases,
                entities=entities,
                seed=seed,
                batch=batch,
                workers=workers,
                log=lambda m: self.stdout.write(m),
            )
            stats = generator.run()
        except datagen.RefusedError as error:
            raise CommandError(str(error)) from None
        names = ", ".join(f"{key}={value}" for key, value in generator.names.items())
        self.stdout.write(
            self.style.SUCCESS(
                f"Generated {cases} cases, {entities} entities: {stats.rows} rows, {stats.links} chain links "
                f"in {stats.seconds['total']} s. Accounts: {names}"
            )
        )
