"""``manage.py rebuild_register``: rewrite every listing from the publications, then the downloads.

Run once after installing the register on a database that already has publications, and whenever
``check_register`` reports stale entries; safe to run at any time.
"""

from django.core.management.base import BaseCommand

from register.downloads import downloads_regenerate
from register.services import listings_refresh


class Command(BaseCommand):
    help = "Rebuild the public register's listings and bulk downloads from the publications."

    def handle(self, *args, **options):
        count = listings_refresh()
        files = downloads_regenerate()
        self.stdout.write(f"register: {count} listing(s), {len(files)} download file(s) written")
