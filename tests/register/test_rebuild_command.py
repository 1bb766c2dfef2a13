"""``manage.py rebuild_register``: after writing many listings it refreshes the planner's statistics (PostgreSQL).

At 1M listings written by a rebuild, the API's first sync page was planned from the statistics of an almost empty
table (a bitmap scan and a sort of every visible listing, ~600 ms) until autovacuum analysed it (docs/performance.md).
"""

from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from register.management.commands import rebuild_register

pytestmark = pytest.mark.django_db


def _analyses(queries) -> list[str]:
    return [query["sql"] for query in queries if query["sql"].startswith("ANALYZE")]


@pytest.mark.postgres
def test_a_rebuild_that_writes_many_listings_analyses_the_register_tables(publish, monkeypatch):
    publish()
    monkeypatch.setattr(rebuild_register, "ANALYZE_FROM", 1)
    out = StringIO()
    with CaptureQueriesContext(connection) as queries:
        call_command("rebuild_register", stdout=out)
    assert out.getvalue().startswith("register: 1 listing(s)")
    assert _analyses(queries) == [
        'ANALYZE "register_listing", "register_listing_measure_types", "register_publicationevent"'
    ]


def test_a_small_rebuild_leaves_the_statistics_to_autovacuum(publish):
    publish()
    with CaptureQueriesContext(connection) as queries:
        call_command("rebuild_register", stdout=StringIO())
    assert _analyses(queries) == []
