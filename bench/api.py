"""The data-sharing API's benchmark entries (issue 19), each beside its SQL floor: status by credit code and by
identity number, a sanctions page of 100, screening 1,000 names (listed ones, then the same misspelt), and an
``updated_since`` sync of 10k changes.

The generator makes publications but no register listings, so the first run indexes up to ``API_BENCH_LISTINGS`` of
them (``register.services.listings_refresh``) and registers one API client with every scope; later runs reuse them.
"""

import json

from django.db import connection

from accounts.models import Department, User
from api.models import ApiClient
from api.scopes import Scope
from api.services import api_client_register, api_token_create
from cases.models import Publication
from entities.crypto import blind_index
from entities.models import Entity
from register.models import Listing
from register.screening import screening_key
from register.services import listings_refresh

API_BENCH_LISTINGS = 12_000
CLIENT_NAME = "bench data-sharing client"
HEADERS = {"HTTP_X_PURPOSE": "credit_supervision", "HTTP_ACCEPT_LANGUAGE": "en"}


def _publish_some(limit: int) -> None:
    """The generator's publications have no register listings yet (its bulk inserts send no signals): index up to
    ``limit`` of them once, as the register's own refresh would."""
    if Listing.objects.count() >= min(limit, 1000):
        return
    ids = list(Publication.objects.filter(register_listing__isnull=True).order_by("pk").values_list("pk", flat=True))
    listings_refresh(publication_ids=ids[:limit])


# The incremental sync's size: the changes after ``updated_since`` (issue 19: "updated_since sync of 10k changes").
SYNC_CHANGES = 10_000


def _since(changes: int) -> str:
    """An ``updated_since`` with about ``changes`` listings changed at or after it: the start when there are fewer
    (a database indexed by ``_publish_some`` alone), else the ``changes``-th latest change (one fully indexed by
    ``rebuild_register``, where syncing from the start would read every listing)."""
    moments = Listing.objects.order_by("-updated_at", "-pk").values_list("updated_at", flat=True)
    moment = moments[changes - 1 : changes].first()
    return moment.isoformat().replace("+00:00", "Z") if moment else "2000-01-01T00:00:00Z"


def _bearer() -> str:
    admin = User.objects.filter(is_superuser=True).first() or User.objects.filter(is_staff=True).first()
    client = ApiClient.objects.filter(name=CLIENT_NAME).first()
    if client is None:
        client = api_client_register(
            actor=admin, department=Department.objects.order_by("pk").first(), name=CLIENT_NAME,
            scopes=list(Scope.values),
        )  # fmt: skip
    client.rate_per_minute = 10_000_000
    client.save(update_fields=["rate_per_minute"])
    return api_token_create(client=client, actor=admin).secret


def _sql(sql, params):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return json.dumps(cursor.fetchall(), default=str)


def _call(client, method, path, body=None, status=200):
    def fn():
        if method == "post":
            response = client.post(path, json.dumps(body), content_type="application/json", **HEADERS)
        else:
            response = client.get(path, **HEADERS)
        if response.status_code != status:
            raise AssertionError(f"{path}: {response.status_code} {response.content[:200]!r}")
        return response

    return fn


VISIBLE = "listed AND NOT minor AND published_from <= CURRENT_DATE AND ended_on IS NULL AND max_end_on > CURRENT_DATE"
VISIBLE_L = (
    "l.listed AND NOT l.minor AND l.published_from <= CURRENT_DATE AND l.ended_on IS NULL "
    "AND l.max_end_on > CURRENT_DATE"
)
# The floors: the same rows read in one statement each (constant SQL text, parameters bound).
STATUS_USCC_SQL = (
    "SELECT e.id, e.name, l.token, l.content FROM entities_entity e LEFT JOIN cases_case c ON c.entity_id = e.id "  # noqa: S608
    "LEFT JOIN cases_publication p ON p.case_id = c.id "
    f"LEFT JOIN register_listing l ON l.publication_id = p.id AND {VISIBLE_L} "  # nosec B608
    "WHERE e.uscc = %s"
)
STATUS_ID_SQL = STATUS_USCC_SQL.replace("e.uscc = %s", "e.id_number_hash = %s")
PAGE_SQL = f"SELECT token, content, updated_at FROM register_listing WHERE {VISIBLE} ORDER BY updated_at, id LIMIT %s"  # noqa: S608  # nosec B608
# An incremental sync also returns a tombstone for each listing no longer visible: its floor reads every listing
# changed since, visible or not (the API's date-ended ones are keyed by their end day instead; the count is the same).
SINCE_SQL = (
    "SELECT token, content, updated_at FROM register_listing WHERE updated_at >= %s ORDER BY updated_at, id LIMIT 100"
)
# Screening's two statements (``register.selectors._screen_postgres``): equal keys, then the most similar keys.
SCREEN_EXACT_SQL = (
    "SELECT q.i, l.id FROM unnest(%s::int[], %s::text[]) AS q(i, k) CROSS JOIN LATERAL (SELECT id "  # noqa: S608  # nosec
    f"FROM register_listing WHERE screening_key = q.k AND {VISIBLE} ORDER BY id LIMIT 5) AS l"
)
SCREEN_SQL = (
    "SELECT q.i, l.id, l.score FROM unnest(%s::int[], %s::text[]) AS q(i, k) CROSS JOIN LATERAL (SELECT id, "  # noqa: S608  # nosec
    f"similarity(screening_key, q.k) AS score FROM register_listing WHERE screening_key %% q.k AND {VISIBLE} "
    "ORDER BY score DESC, id LIMIT 5) AS l WHERE l.score >= 0.3"
)


def _screen_floor(names: list[str]):
    params = [list(range(len(names))), [screening_key(name) for name in names]]
    return lambda: (_sql(SCREEN_EXACT_SQL, params), _sql(SCREEN_SQL, params))


def misspelt(name: str) -> str:
    """``name`` with one character dropped a third of the way in: like a listed name, but not equal to any."""
    cut = len(name) // 3
    return name[:cut] + name[cut + 1 :]


def _sync(client, since: str):
    """Every page of ``updated_since`` to the end: about SYNC_CHANGES changes (tombstones included), 100 a page."""

    def fn():
        path = f"/api/v1/sanctions?updated_since={since}"
        pages = 0
        while path:
            body = client.get(path, **HEADERS).json()
            pages += 1
            cursor = body["next_cursor"]
            path = f"/api/v1/sanctions?cursor={cursor}" if cursor else None
        return pages

    return fn


def _sync_floor(since):
    def fn():
        last = since
        while True:
            rows = _sql(SINCE_SQL.replace("updated_at >= %s", "updated_at > %s"), [last])
            rows = json.loads(rows)
            if not rows:
                return
            last = rows[-1][2]

    return fn


def scenarios(seed, client_class) -> list[dict]:
    _publish_some(API_BENCH_LISTINGS)
    client = client_class(headers={"Authorization": f"Bearer {_bearer()}"})
    organisation = Entity.objects.filter(uscc__isnull=False, cases__publication__isnull=False).first()
    person = Entity.objects.filter(kind=Entity.Kind.NATURAL_PERSON, id_number__isnull=False).order_by("pk").first()
    number = person.id_number
    names = list(Listing.objects.order_by("pk").values_list("name", flat=True)[:1000])
    names += [f"{name} X" for name in names][: 1000 - len(names)]
    misspelt_names = [misspelt(name) for name in names]
    since = _since(SYNC_CHANGES)
    return [
        {"page": "api status by USCC", "user": "api", "variants": {
            "app": _call(client, "post", "/api/v1/status", {"uscc": organisation.uscc}),
            "floor": lambda: _sql(STATUS_USCC_SQL, [organisation.uscc])}},
        {"page": "api status by id number", "user": "api", "variants": {
            "app": _call(client, "post", "/api/v1/status", {"identity_number": number}),
            "floor": lambda: _sql(STATUS_ID_SQL, [blind_index(number)])}},
        {"page": "api sanctions page 100", "user": "api", "variants": {
            "app": _call(client, "get", "/api/v1/sanctions?limit=100"),
            "floor": lambda: _sql(PAGE_SQL, [100])}},
        {"page": "api screening 1000", "user": "api", "variants": {
            "app": _call(client, "post", "/api/v1/screening", {"queries": names}), "floor": _screen_floor(names)}},
        # The same names misspelt: none has an equal key, each is found by similarity alone.
        {"page": "api screening 1000 misspelt", "user": "api", "variants": {
            "app": _call(client, "post", "/api/v1/screening", {"queries": misspelt_names}),
            "floor": _screen_floor(misspelt_names)}},
        {"page": "api updated_since 10k", "user": "api", "variants": {
            "app": _sync(client, since), "floor": _sync_floor(since)}},
    ]  # fmt: skip
