"""Reads of the register (issue 18): search, one record, the current register for the download; and the data-sharing
API's reads of the same visible listings (issue 19): an entity's status, the incremental sync, screening."""

import datetime
import difflib
import re
import secrets
from collections.abc import Iterator
from dataclasses import dataclass

from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.models import (
    BooleanField,
    Case,
    Expression,
    F,
    JSONField,
    Max,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    TextField,
    When,
)
from django.db.models.functions import Cast, TruncDate
from django.utils import timezone
from django.utils.translation import get_language

from accounts.models import Department
from cases.selectors.publications import conduct_choices, measure_choices
from entities.identifiers import normalize_uscc

from .models import SHOWN, Listing, visible_q
from .screening import CHINESE_GENERIC, LATIN_GENERIC, screening_key

MIN_QUERY_LENGTH = 2
# Results are capped: the register answers look-ups, it is not a way to page through everyone listed.
MAX_RESULTS = 200
_USCC_SHAPE = re.compile(r"[0-9A-Z]{18}")


def as_uscc(query: str) -> str | None:
    """The query as a credit code if it has the shape of one (normalised like ``entities.identifiers``)."""
    code = normalize_uscc(query)
    return code if _USCC_SHAPE.fullmatch(code) else None


# The search form's filter lists (departments, conduct categories, measures) change only when an administrator edits
# that seeded data: cached per language under a version that ``search_filters_forget`` drops (register.signals).
FILTERS_VERSION_KEY = "register:filters:version"
# A bound on staleness if a change bypasses the signals (``QuerySet.update``, raw SQL).
FILTERS_CACHE_SECONDS = 3600


def search_filter_choices() -> dict[str, list[tuple[int, str]]]:
    """``{"department" | "conduct" | "measure": [(pk, label), ...]}`` in the active language, from the cache.

    On a miss the lists are read from the primary database (a lagging replica could otherwise put old labels back
    into the cache right after a change)."""
    version = cache.get(FILTERS_VERSION_KEY)
    if version is None:
        cache.add(FILTERS_VERSION_KEY, secrets.token_hex(8), timeout=None)
        version = cache.get(FILTERS_VERSION_KEY)
    key = f"register:filters:{version}:{get_language() or ''}"
    choices = cache.get(key)
    if choices is None:
        querysets = {
            "department": Department.objects.order_by("name").only("name"),
            "conduct": conduct_choices(),
            "measure": measure_choices(),
        }
        choices = {
            name: [(row.pk, str(row)) for row in rows.using(DEFAULT_DB_ALIAS)] for name, rows in querysets.items()
        }
        cache.set(key, choices, timeout=FILTERS_CACHE_SECONDS)
    return choices


def search_filters_forget() -> None:
    """The filter lists changed: the next search reads them afresh (in every language)."""
    cache.delete(FILTERS_VERSION_KEY)


# A term with a run of this many letters or digits gives the trigram index something to look up (``pg_trgm`` splits
# words at anything else); a shorter one — two Chinese characters, ``LI``, ``A B`` — goes to ``name_grams``.
_TRIGRAM_RUN = re.compile(r"[^\W_]{3}")


class _ShortTermName(Expression):
    """PostgreSQL: the name contains ``term``, looked up in the ``name_grams`` index (register 0008) — for a term the
    trigram index cannot serve.

    ``name_grams`` holds every character and every pair of consecutive characters of ``UPPER(name)`` (a tsvector's
    lexemes); the term's keys (``register_name_query``: its character, or its pairs) must all be there. For a term
    of one or two characters that *is* the condition (the pair is in the name exactly when the term is), so the
    ``LIKE`` is folded away by the planner (``char_length(…) <= 2`` is a constant): PostgreSQL then estimates the
    matches from its statistics of each pair, and walks the ordering index for a common pair rather than fetching
    and sorting all its rows. A longer term (``A B``) keeps the ``LIKE`` as the exact condition. Upper-casing is the
    database's on both sides, as for ``name__icontains``; the column is the database's own, unknown to the model,
    hence this expression."""

    output_field = BooleanField()
    conditional = True

    def __init__(self, term: str):
        super().__init__()
        self.term = term

    def as_sql(self, compiler, connection):
        table = compiler.quote_name_unless_alias(compiler.query.get_initial_alias())
        pattern = f"%{connection.ops.prep_for_like_query(self.term)}%"  # exactly what ``icontains`` sends
        sql = (
            f"({table}.name_grams @@ register_name_query(UPPER(%s)) "
            f"AND (char_length(UPPER(%s)) <= 2 OR UPPER({table}.name::text) LIKE UPPER(%s)))"
        )
        return sql, [self.term, self.term, pattern]


def _name_q(queryset: QuerySet, term: str):
    """The name condition: ``UPPER(name) LIKE`` the term (the trigram index serves it on PostgreSQL, SQLite reads the
    table); on PostgreSQL, a term the trigram index cannot serve goes to the ``name_grams`` index instead."""
    if term and not _TRIGRAM_RUN.search(term) and connections[queryset.db].vendor == "postgresql":
        return queryset.filter(_ShortTermName(term))
    return queryset.filter(name__icontains=term)


def _search_matches(
    *,
    query: str,
    department_id: int | None = None,
    catalogue_item_id: int | None = None,
    measure_type_id: int | None = None,
    decided_from: datetime.date | None = None,
    decided_to: datetime.date | None = None,
    on: datetime.date | None = None,
) -> QuerySet:
    listings = Listing.objects.visible(on)
    code = as_uscc(query)
    listings = listings.filter(uscc=code) if code else _name_q(listings, query.strip())
    if department_id:
        listings = listings.filter(department_id=department_id)
    if catalogue_item_id:
        listings = listings.filter(catalogue_item_id=catalogue_item_id)
    if measure_type_id:
        listings = listings.filter(measure_types=measure_type_id)
    if decided_from:
        listings = listings.filter(decided_on__gte=decided_from)
    if decided_to:
        listings = listings.filter(decided_on__lte=decided_to)
    return listings


def listing_search(**filters) -> QuerySet:
    """Visible listings whose name contains ``query`` (any script), or whose credit code is ``query`` exactly, newest
    decision first, at most ``MAX_RESULTS``. ``filters``: ``query`` and those of :func:`_search_matches`."""
    return (
        _search_matches(**filters).only("token", "content", "decided_on").order_by("-decided_on", "-id")[:MAX_RESULTS]
    )


def listing_search_count(**filters) -> int:
    """How many listings :func:`listing_search` gives (at most ``MAX_RESULTS``), counted in no particular order: the
    database stops at the cap wherever the matches come from, where counting the ordered rows first found and sorted
    them (a common name part: thousands of rows read for a count of 200)."""
    return _search_matches(**filters).order_by().values("pk")[:MAX_RESULTS].count()


def listing_get(token: str, *, on: datetime.date | None = None) -> Listing | None:
    """The visible listing behind a record URL, or ``None`` (never-existing and withdrawn look the same)."""
    return (
        Listing.objects.visible(on).filter(token=token).only("token", "content", "natural_person", "updated_at").first()
    )


def _in_slices(values: QuerySet, *, chunk_size: int) -> Iterator[tuple]:
    """The rows of ``values`` (a ``values_list`` of visible listings), oldest first, read in slices of ``chunk_size``
    consecutive primary keys.

    Each query reads at most that many rows whatever plan the database picks, so memory stays constant and the whole
    read is linear in the register's size (pages of ``pk > last … LIMIT n`` were sorted again from all the remaining
    rows whenever the planner misjudged the visible condition: quadratic at 1M). Not one snapshot: an entry changed
    during the read shows as it was when its slice was read.
    """
    bounds = Listing.objects.aggregate(first=Min("pk"), last=Max("pk"))
    if bounds["first"] is None:
        return
    for start in range(bounds["first"], bounds["last"] + 1, chunk_size):
        yield from values.filter(pk__gte=start, pk__lt=start + chunk_size).order_by("pk")


def listing_contents_current(*, chunk_size: int = 2000, on: datetime.date | None = None) -> Iterator[tuple[str, dict]]:
    """Every visible listing as ``(token, public content)``, oldest first (the JSON Lines and FollowTheMoney
    downloads). Tuples, not model instances: building a ``Listing`` per row was a fifth of the download's time."""
    values = Listing.objects.visible(on).values_list("token", "content")
    return _in_slices(values, chunk_size=chunk_size)


def listing_csv_lines_current(
    *, csv_format: str, chunk_size: int = 2000, on: datetime.date | None = None
) -> Iterator[tuple[str, str, dict | None]]:
    """Every visible listing as ``(token, its CSV line, None)``, oldest first (the CSV download), or as ``(token, …,
    public content)`` when its stored line is missing or of another ``csv_format`` than the writer's: the writer then
    renders it from the content."""
    stale_content = Case(When(~Q(csv_format=csv_format), then="content"), output_field=JSONField())
    values = Listing.objects.visible(on).values_list("token", "csv_line", stale_content)
    return _in_slices(values, chunk_size=chunk_size)


# -- The data-sharing API's reads (issue 19): the same visible listings, the same public content ---------------------


def listings_of_entity(entity_id: int, *, on: datetime.date | None = None) -> list[Listing]:
    """The visible listings of one entity (its current public status), newest decision first."""
    return list(
        Listing.objects.visible(on)
        .filter(publication__case__entity_id=entity_id)
        .only("token", "content", "updated_at")
        .order_by("-decided_on", "-id")
    )


def _midnight(day: datetime.date) -> datetime.datetime:
    """The moment ``day`` starts in the site's time zone: when a listing whose end is ``day`` leaves the register."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min)).astimezone(datetime.UTC)


def _first_day_from(moment: datetime.datetime) -> datetime.date:
    """The first day that starts at or after ``moment``."""
    day = timezone.localdate(moment)
    return day if _midnight(day) == moment else day + datetime.timedelta(days=1)


def listings_changed(
    *,
    updated_since: datetime.datetime | None = None,
    after: tuple[datetime.datetime, int] | None = None,
    limit: int = 100,
    on: datetime.date | None = None,
    removals: bool = False,
    removed_since: datetime.datetime | None = None,
    content_as_text: bool = False,
) -> list[Listing]:
    """The API's incremental sync: listings in (``changed_at``, id) order, changed at or after ``updated_since``,
    past the ``after`` key (a cursor). Each carries ``changed_at`` and ``removed``; a visible one also ``entity_id``
    (for the access log). With ``content_as_text``, a visible one's public content comes as the JSON text the
    database holds (``content_text``; ``content`` is not read), for an answer that splices it in rather than parsing
    and re-encoding it.

    Without ``removals`` only visible listings, keyed by ``updated_at``. With it, also *tombstones*: listings no
    longer visible (``removed``), at the moment they stopped being visible — at or after ``removed_since`` if given:

    - ended by a write (repaired, revoked, expired, the publication ended, de-listed): ``listings_refresh`` set
      ``updated_at`` then, and that is the key;
    - ended by date alone (past ``max_end_on``, nothing written yet): the key is the start of ``max_end_on`` in the
      site's time zone, or ``updated_at`` if the listing was written later. Derived at read time from the stored
      dates, so it holds with a frozen clock and before any sweep runs. When the sweep later ends the publication,
      the listing is written again and its tombstone comes once more at that moment (removing twice is harmless).

    A key never moves backwards: a listing's key is either ``updated_at`` (set to "now" on every write) or a day's
    start that has just passed. So a client that keeps the last cursor sees every change after it exactly once more.
    A listing is never visible before it is written (``published_from`` is the decision day, not later than the
    write), so nothing appears by date alone.
    """
    on = on or timezone.localdate()
    fields = ("token", "updated_at", "publication_id", "listed", "minor", "ended_on", "published_from", "max_end_on")
    rows = Listing.objects.only(*fields)
    # Ended by date alone, not written since (the day ``updated_at`` falls on is before the end): keyed by the end.
    by_date = SHOWN & Q(max_end_on__lte=on, max_end_on__gt=TruncDate("updated_at"))
    keyed = rows.exclude(by_date) if removals else rows.filter(visible_q(on))
    # The entity behind each listing read for the rows of the page only (a subquery a row, by primary keys): the scan
    # of the listings stays one table in index order, and no second query looks the entities up.
    entity = Listing.objects.filter(pk=OuterRef("pk")).order_by().values("publication__case__entity_id")[:1]
    keyed = keyed.annotate(entity_id=Subquery(entity))
    if content_as_text:
        keyed = keyed.annotate(content_text=Cast("content", TextField()))
    else:
        keyed = keyed.only(*fields, "content")
    if updated_since is not None:
        keyed = keyed.filter(updated_at__gte=updated_since)
    if removed_since is not None:
        keyed = keyed.filter(visible_q(on) | Q(updated_at__gte=removed_since))
    if after is not None:
        # The redundant lower bound is the index's start: the OR alone made PostgreSQL scan from ``updated_since``
        # on every page (at 1M listings, 0.3 s a page of a 10k sync).
        keyed = keyed.filter(
            Q(updated_at__gte=after[0]) & (Q(updated_at__gt=after[0]) | Q(updated_at=after[0], pk__gt=after[1]))
        )
    # One table, in index order (``register_listing_sync_idx``), stopping at the page: no join here.
    page = list(keyed.order_by("updated_at", "pk")[:limit])
    for listing in page:
        listing.changed_at = listing.updated_at
        listing.removed = not _visible(listing, on)
    if removals:
        page += _ended_by_date(rows.filter(by_date), updated_since, removed_since, after, limit)
        page.sort(key=lambda listing: (listing.changed_at, listing.pk))
    page = page[:limit]
    for listing in page:
        if listing.removed:
            listing.entity_id = None
    return page


def _visible(listing: Listing, on: datetime.date) -> bool:
    """:func:`register.models.visible_q` of one row read with its flags and dates."""
    return (
        listing.listed and not listing.minor and listing.ended_on is None
        and listing.published_from <= on < listing.max_end_on
    )  # fmt: skip


def _ended_by_date(rows: QuerySet, updated_since, removed_since, after, limit: int) -> list[Listing]:
    """Tombstones of the listings ended by date alone, keyed by the start of their end day, in key order (the
    partial index ``register_listing_date_end_idx`` on (``max_end_on``, id)). Key bounds become day bounds."""
    bounds = [since for since in (updated_since, removed_since) if since is not None]
    if bounds:
        rows = rows.filter(max_end_on__gte=_first_day_from(max(bounds)))
    if after is not None:
        moment, pk = after
        day = timezone.localdate(moment)
        if _midnight(day) == moment:
            rows = rows.filter(Q(max_end_on__gte=day) & (Q(max_end_on__gt=day) | Q(max_end_on=day, pk__gt=pk)))
        else:
            rows = rows.filter(max_end_on__gt=day)
    page = list(rows.order_by("max_end_on", "pk")[:limit])
    for listing in page:
        listing.changed_at = _midnight(listing.max_end_on)
        listing.removed = True
    return page


def listings_all_changed(*, chunk_size: int = 1000, on: datetime.date | None = None) -> Iterator[Listing]:
    """Everything :func:`listings_changed` would serve, page by page (the stale-disclosure monitor walks it)."""
    after = None
    while True:
        page = listings_changed(after=after, limit=chunk_size, on=on)
        if not page:
            return
        yield from page
        after = (page[-1].changed_at, page[-1].pk)


@dataclass(frozen=True)
class ScreeningHit:
    query_index: int
    listing_id: int
    token: str
    name: str
    identifier: str
    entity_id: int
    score: float


SCREENING_CANDIDATES = 5
SCREENING_THRESHOLD = 0.3
# The words a screening key leaves out (``register.screening``), for the API's description of the contract.
SCREENING_LATIN_GENERIC = LATIN_GENERIC
SCREENING_CHINESE_GENERIC = CHINESE_GENERIC


def listings_screen(
    names: list[str],
    *,
    codes: list[str] | None = None,
    on: datetime.date | None = None,
    candidates: int = SCREENING_CANDIDATES,
    threshold: float = SCREENING_THRESHOLD,
) -> list[ScreeningHit]:
    """Candidate visible listings for each name and each credit code. ``names[i]`` and ``codes[i]`` share index
    ``i``; an empty string is skipped.

    The matching contract (docs/performance.md, "Screening on a normalised key"; the API's OpenAPI description): a
    credit code is an exact look-up (score 1). A name is compared by its screening key
    (:func:`register.screening.screening_key`: legal forms, generic words, punctuation and case removed). Listings
    whose key equals the name's come first, score 1; then the listings with the most similar keys (trigram
    similarity on PostgreSQL, a sequence ratio elsewhere) at or above ``threshold``, best first, up to
    ``candidates`` in all."""
    codes = codes or [""] * len(names)
    visible = Listing.objects.visible(on).annotate(entity_id=F("publication__case__entity_id"))
    hits = []
    wanted_codes = {code: i for i, code in enumerate(codes) if code}
    if wanted_codes:
        for listing in visible.filter(uscc__in=list(wanted_codes)).only("token", "name", "uscc", "content"):
            hits.append(_hit(wanted_codes[listing.uscc], listing, 1.0))
    queries = [(i, key) for i, name in enumerate(names) if name and not codes[i] and (key := screening_key(name))]
    if queries:
        screen = _screen_postgres if connection.vendor == "postgresql" else _screen_python
        ranked = screen(visible, queries, candidates=candidates, threshold=threshold)
        listings = {listing.pk: listing for listing in visible.filter(pk__in={pk for _i, pk, _s in ranked}).only(
            "token", "name", "content")}  # fmt: skip
        hits += [_hit(i, listings[pk], score) for i, pk, score in ranked if pk in listings]
    return sorted(hits, key=lambda hit: (hit.query_index, -hit.score, hit.listing_id))


def _hit(index: int, listing: Listing, score: float) -> ScreeningHit:
    return ScreeningHit(
        query_index=index, listing_id=listing.pk, token=listing.token, name=listing.name,
        identifier=(listing.content.get("entity") or {}).get("identifier", ""), entity_id=listing.entity_id,
        score=round(score, 3),
    )  # fmt: skip


def _ranked(exact: list[tuple[int, int]], similar: list[tuple[int, int, float]], candidates: int):
    """Per name: the listings of an equal key (score 1, by id), then the similar ones not among them (best first),
    ``candidates`` at most. Returns ``[(query index, listing id, score)]``."""
    out, taken = {}, set()
    for i, pk in sorted(exact):
        if len(out.setdefault(i, [])) < candidates:
            out[i].append((i, pk, 1.0))
            taken.add((i, pk))
    for i, pk, score in sorted(similar, key=lambda row: (row[0], -row[2], row[1])):
        if (i, pk) not in taken and len(out.setdefault(i, [])) < candidates:
            out[i].append((i, pk, score))
            taken.add((i, pk))
    return [row for rows in out.values() for row in rows]


def _screen_postgres(visible, queries, *, candidates: int, threshold: float) -> list[tuple[int, int, float]]:
    """Equal keys for every name in one statement, through the B-tree ``register_listing_screen_eq``; then, in one
    statement for the names whose equal keys did not fill ``candidates``, similar keys through the trigram index
    ``register_listing_screen_trgm``: ``%`` (pg_trgm's ``similarity_threshold``, 0.3 by default) narrows, the most
    similar are kept if at or above ``threshold``. A name with ``candidates`` equal keys is not probed: no similar key
    could rank above them (score 1), and the probe is what costs (docs/performance.md). Both indexes are partial on
    ``SHOWN``, which the visibility conditions imply."""
    # The visibility conditions inline, on the listing's own columns: as an ``id IN (subquery)`` they carried the
    # entity's join (publication, case) into every name's probe, twice the time at 1M (docs/performance.md).
    query = visible.query
    visible_sql, params = query.where.as_sql(query.get_compiler(connection=connection), connection)
    exact_sql = f"""
        SELECT q.i, l.id FROM unnest(%s::int[], %s::text[]) AS q(i, k)
        CROSS JOIN LATERAL (
            SELECT id FROM register_listing WHERE screening_key = q.k AND {visible_sql} ORDER BY id LIMIT %s
        ) AS l
    """  # noqa: S608  # nosec B608 - the conditions are Django's own SQL with its parameters
    similar_sql = f"""
        SELECT q.i, l.id, l.score FROM unnest(%s::int[], %s::text[]) AS q(i, k)
        CROSS JOIN LATERAL (
            SELECT id, similarity(screening_key, q.k) AS score FROM register_listing
            WHERE screening_key %% q.k AND {visible_sql}
            ORDER BY score DESC, id LIMIT %s
        ) AS l
        WHERE l.score >= %s
    """  # noqa: S608  # nosec B608 - the conditions are Django's own SQL with its parameters
    with connection.cursor() as cursor:
        cursor.execute(exact_sql, [[i for i, _k in queries], [k for _i, k in queries], *params, candidates])
        exact = cursor.fetchall()
        full = _full(exact, candidates)
        rest = [(i, key) for i, key in queries if i not in full]
        similar = []
        if rest:
            cursor.execute(similar_sql, [[i for i, _k in rest], [k for _i, k in rest], *params, candidates, threshold])
            similar = cursor.fetchall()
    return _ranked(exact, similar, candidates)


def _full(exact: list[tuple[int, int]], candidates: int) -> set[int]:
    """The names whose equal keys alone fill their candidates."""
    counts = {}
    for i, _pk in exact:
        counts[i] = counts.get(i, 0) + 1
    return {i for i, count in counts.items() if count >= candidates}


def _screen_python(visible, queries, *, candidates: int, threshold: float) -> list[tuple[int, int, float]]:
    """The portable fallback (SQLite in tests): every visible key read once; equal keys, then a sequence ratio."""
    keyed = list(visible.values_list("pk", "screening_key"))
    exact, similar = [], []
    for index, query in queries:
        equal = [(index, pk) for pk, key in keyed if key == query][:candidates]
        exact += equal
        if len(equal) >= candidates:
            continue
        scored = sorted(
            ((difflib.SequenceMatcher(None, query, key).ratio(), pk) for pk, key in keyed),
            key=lambda pair: (-pair[0], pair[1]),
        )
        similar += [(index, pk, score) for score, pk in scored[:candidates] if score >= threshold]
    return _ranked(exact, similar, candidates)
