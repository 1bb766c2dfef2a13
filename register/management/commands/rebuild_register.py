"""``manage.py rebuild_register``: rewrite every listing from the publications, then the downloads.

Run once after installing the register on a database that already has publications, and whenever
``check_register`` reports stale entries; safe to run at any time. ``--csv-lines`` only stores the bulk download's
pre-rendered CSV lines that are missing or of an older ``CSV_FORMAT`` (minutes at 1M listings); ``--screening-keys``
only rewrites the screening keys that differ from their name's (``register.screening``: after its lists changed).
"""

from django.core.management.base import BaseCommand
from django.db import connection

from register.downloads import downloads_regenerate
from register.models import Listing, PublicationEvent
from register.services import listings_csv_lines_store, listings_refresh, listings_screening_keys_store

# From how many listings written a rebuild refreshes the planner's statistics of the register's tables.
ANALYZE_FROM = 1000


class Command(BaseCommand):
    help = "Rebuild the public register's listings and bulk downloads from the publications."

    def add_arguments(self, parser):
        parser.add_argument(
            "--csv-lines",
            action="store_true",
            help="Only store each listing's CSV line where it is missing or of an older format (after an upgrade).",
        )
        parser.add_argument(
            "--screening-keys",
            action="store_true",
            help="Only rewrite the screening keys that differ from their name's (after the normalisation changed).",
        )

    def handle(self, *args, **options):
        if options["csv_lines"]:
            count = listings_csv_lines_store()
            self.stdout.write(f"register: {count} CSV line(s) stored")
            return
        if options["screening_keys"]:
            count = listings_screening_keys_store()
            self.stdout.write(f"register: {count} screening key(s) stored")
            return
        count = listings_refresh()
        if count >= ANALYZE_FROM and connection.vendor == "postgresql":
            # Rows written in bulk leave the planner's statistics behind until autovacuum catches up: at 1M listings
            # the API's first sync page planned for a few hundred rows (bitmap scan and sort, ~600 ms instead of <1 ms).
            tables = [
                Listing._meta.db_table,
                Listing.measure_types.through._meta.db_table,
                PublicationEvent._meta.db_table,
            ]
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE " + ", ".join(connection.ops.quote_name(table) for table in tables))
        files = downloads_regenerate()
        self.stdout.write(f"register: {count} listing(s), {len(files)} download file(s) written")
