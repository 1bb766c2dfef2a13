"""The data-sharing API's endpoints (issue 19), under /api/v1/.

Every call: a valid token (401), the endpoint's scope (403), the client's rate (429), a purpose from the list in the
``X-Purpose`` header (400), then the endpoint. Each entity a call touches gets an access-log row naming the client's
account and department and the purpose, before the answer leaves; each authenticated call is counted (``ApiCall``).
"""

import base64
import binascii
import datetime
import functools
import json

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django.http import HttpResponse
from django.utils import timezone, translation
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.utils import encoders
from rest_framework.views import APIView

from audit.models import API_FIELD_PREFIX, AccessLog
from audit.services import access_log_write_ids
from cases.selectors.sharing import case_for_sharing, case_shared_summary, entity_has_case_for_sharing
from entities.models import Entity
from entities.selectors import entity_by_id_number, entity_by_uscc
from register.selectors import (
    SCREENING_CANDIDATES,
    SCREENING_CHINESE_GENERIC,
    SCREENING_LATIN_GENERIC,
    SCREENING_THRESHOLD,
    as_uscc,
    listings_changed,
    listings_of_entity,
    listings_screen,
)

from . import serializers
from .models import ApiCall
from .scopes import PURPOSE_HEADER, Purpose, Scope

_PURPOSE_PARAMETER = OpenApiParameter(
    PURPOSE_HEADER, OpenApiTypes.STR, OpenApiParameter.HEADER, required=True, enum=Purpose.values,
    description="Why the data is needed (PIPL): one of the enumerated purposes.",
)  # fmt: skip
_PROBLEMS = dict.fromkeys((400, 401, 403, 404, 405, 406, 415, 429), serializers.ProblemSerializer)


class ApiView(APIView):
    required_scope: str | None = None
    endpoint = ""

    def initial(self, request, *args, **kwargs):
        request.api_touched = 0
        super().initial(request, *args, **kwargs)  # token, scope, rate
        purpose = request.headers.get(PURPOSE_HEADER, "")
        if purpose not in Purpose.values:
            raise exceptions.ValidationError(
                {"purpose": [_("State the purpose in the X-Purpose header, one of: %(purposes)s.")
                             % {"purposes": ", ".join(Purpose.values)}]},
                code="purpose_required",
            )  # fmt: skip
        request.api_purpose = purpose

    def touch(self, request, model, ids) -> None:
        """One access-log row per record read (``model``, by id), written before the answer leaves (no row, no
        answer). The account's roles come with the token (``api_token_find``): no query of their own."""
        ids = list(ids)
        if not ids:
            return
        with translation.override(settings.LANGUAGE_CODE):
            purpose = str(Purpose(request.api_purpose).label)
        access_log_write_ids(
            actor=request.api_client.account, action=AccessLog.Action.VIEW, model=model, ids=ids, purpose=purpose,
            field=f"{API_FIELD_PREFIX}{self.endpoint}", request=request, actor_roles=request.api_actor_roles,
        )  # fmt: skip
        request.api_touched += len(ids)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        client = getattr(request, "api_client", None)
        if client is not None and not transaction.get_connection().needs_rollback:
            ApiCall.objects.create(
                client=client, endpoint=self.endpoint, purpose=getattr(request, "api_purpose", ""),
                status_code=response.status_code, entities=getattr(request, "api_touched", 0),
            )  # fmt: skip
        patch_cache_control(response, no_store=True, private=True)
        # DRF made the client's account the request's user; the site's middleware must not take it for a signed-in
        # person on the way out: the sliding session would create a session row and cookie for every call.
        request._request.user = AnonymousUser()
        return response


def _entry(listing) -> dict:
    return {"id": listing.token, "updated_at": listing.updated_at, "entry": listing.content}


# The answer for an entity the client may not know about: the same whether it is registered or not.
_STATUS_NOT_FOUND = {"found": False, "entity": None, "listed": False, "entries": []}


class StatusView(ApiView):
    required_scope = Scope.STATUS_QUERY
    endpoint = "status"

    @extend_schema(
        operation_id="status_query", parameters=[_PURPOSE_PARAMETER], request=serializers.StatusRequestSerializer,
        responses={200: serializers.StatusResponseSerializer, **_PROBLEMS},
        summary="An entity's current status on the register, by credit code or identity number (in the body).",
        description=(
            "found is true for an entity with a listing on the public register today, or, for a client that also "
            "holds cases:read, an entity with a case within the client's scope (then listed is false and entries "
            "empty). Any other entity, registered or not, answers exactly as an unknown one: found false, entity "
            "null, listed false, no entries; such a call writes no access-log row."
        ),
    )  # fmt: skip
    def post(self, request):
        query = serializers.StatusRequestSerializer(data=request.data)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        entity = entity_by_uscc(data["uscc"]) if "uscc" in data else entity_by_id_number(data["identity_number"])
        listings = listings_of_entity(entity.pk) if entity is not None else []
        if entity is None or not (listings or self._knows_entity(request, entity)):
            # Unknown, or registered but neither on the public register nor in a case the client may see: the same
            # answer byte for byte, and no access-log row (nothing about anyone was shown).
            return Response(dict(_STATUS_NOT_FOUND))
        self.touch(request, Entity, [entity.pk])
        return Response({
            "found": True,
            "entity": {"name": entity.name, "kind": entity.kind, "identifier": entity.display_identifier},
            "listed": bool(listings),
            "entries": [_entry(listing) for listing in listings],
        })  # fmt: skip

    @staticmethod
    def _knows_entity(request, entity) -> bool:
        """A client with ``cases:read`` may learn of an unlisted entity that has a case in its scope (the policy of
        GET cases/{number}); without it, only the public register says an entity exists."""
        client = request.api_client
        return client.has_scope(Scope.CASES_READ) and entity_has_case_for_sharing(entity.pk, user=client.account)


def _cursor_encode(listing, since: datetime.datetime) -> str:
    """The sync's position (the last row's key and id) and ``since``, the moment before which no tombstone is due."""
    raw = json.dumps([listing.changed_at.isoformat(), listing.pk, since.isoformat()]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _moment(text) -> datetime.datetime:
    moment = datetime.datetime.fromisoformat(text)
    if moment.tzinfo is None:
        raise ValueError
    return moment


def _cursor_decode(cursor: str) -> tuple[datetime.datetime, int, datetime.datetime | None]:
    """(key, id, since); a cursor made before tombstones existed has no ``since`` (every removal after it is due)."""
    try:
        parts = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if not isinstance(parts, list) or len(parts) not in (2, 3) or not isinstance(parts[1], int):
            raise ValueError
        return _moment(parts[0]), parts[1], _moment(parts[2]) if len(parts) == 3 else None
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError, json.JSONDecodeError):
        raise exceptions.ValidationError(
            {"cursor": [_("This cursor was not given by this API; start again without it.")]}
        ) from None


def _tombstone(listing) -> dict:
    """A listing no longer on the register: its identifier and when it left, nothing else (no content, no entity)."""
    return {"id": listing.token, "updated_at": listing.changed_at, "removed": True, "entry": None}


class SanctionsView(ApiView):
    required_scope = Scope.REGISTER_READ
    endpoint = "sanctions"

    @extend_schema(
        operation_id="sanctions_list",
        parameters=[_PURPOSE_PARAMETER, serializers.SanctionsQuerySerializer],
        responses={200: serializers.SanctionsPageSerializer, **_PROBLEMS},
        summary="Active sanctions on the public register, oldest change first; page on with next_cursor.",
        description=(
            "Without updated_since or cursor: the listings on the register today. With either (an incremental sync, "
            "and every page after the first): also a tombstone for each listing that left the register since "
            "(ended, repaired, revoked, expired, or past its end date), at the moment it left, in the same order: "
            '{"id", "updated_at", "removed": true, "entry": null} and nothing else. Remove those ids from your copy.'
        ),
    )  # fmt: skip
    def get(self, request):
        query = serializers.SanctionsQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        updated_since = data.get("updated_since")
        if data.get("cursor"):
            *after, since = _cursor_decode(data["cursor"])
            after = tuple(after)
        else:
            after, since = None, updated_since
        # Tombstones only in a sync that continues something: a first full page lists what is on the register. Its
        # cursor carries the moment it was read, so later pages bring the removals since then and none older.
        removals = updated_since is not None or after is not None
        started = timezone.now()
        page = listings_changed(
            updated_since=updated_since, after=after, limit=data["limit"], removals=removals, removed_since=since,
            content_as_text=True,
        )  # fmt: skip
        shown = [listing for listing in page if not listing.removed]
        self.touch(request, Entity, _entity_ids(shown))  # a tombstone shows nobody's data: no access-log row
        since = since or started
        next_cursor = _cursor_encode(page[-1], since) if len(page) == data["limit"] else None
        # What the JSON renderer would write, but each entry's content spliced in as the database holds it (valid JSON
        # already): a page of 100 no longer parses and re-encodes 100 contents.
        results = ",".join(_json(_tombstone(listing)) if listing.removed else _sync_entry(listing) for listing in page)
        body = f'{{"results":[{results}],"next_cursor":{_json(next_cursor)}}}'
        return HttpResponse(body, content_type="application/json")


# The JSON renderer's encoding (DRF's encoder: "Z" datetimes; compact, UTF-8, no NaN).
_json = functools.partial(
    json.dumps, cls=encoders.JSONEncoder, ensure_ascii=False, allow_nan=False, separators=(",", ":")
)


def _sync_entry(listing) -> str:
    """A visible listing's entry as JSON text, its public content as stored (``content_text``)."""
    head = _json({"id": listing.token, "updated_at": listing.changed_at, "removed": False})
    return f'{head[:-1]},"entry":{listing.content_text}}}'


def _entity_ids(listings) -> list[int]:
    """The entities behind listings, each once, in the order first shown."""
    return list(dict.fromkeys(listing.entity_id for listing in listings))


class CaseView(ApiView):
    required_scope = Scope.CASES_READ
    endpoint = "case"

    @extend_schema(
        operation_id="case_summary", parameters=[_PURPOSE_PARAMETER],
        responses={200: serializers.CaseSummarySerializer, **_PROBLEMS},
        summary="A case of the client's department (or shared with it): the shared field class only.",
    )  # fmt: skip
    def get(self, request, number: str):
        case = case_for_sharing(number, user=request.api_client.account)
        if case is None:
            raise exceptions.NotFound(_("No such case within this client's scope."))
        summary = case_shared_summary(case)
        self.touch(request, type(case), [case.pk])
        return Response(summary)


SCREENING_CONTRACT = (
    "A query shaped like a unified social credit code is looked up exactly: its visible listings score 1.0. Any "
    "other query is a name, compared by its screening key: the name upper-cased, punctuation removed, legal forms "
    "and generic words removed ({words}), white space collapsed. Up to {candidates} candidates per name, best "
    "first: the listings whose key equals the name's (score 1.0), then the listings whose keys are most similar by "
    "trigram similarity (score from {threshold} to 1.0). Only entries visible on the public register today are "
    "candidates; minors never are. Results refer to the queries by their index."
).format(
    words=", ".join([*sorted(SCREENING_LATIN_GENERIC), *SCREENING_CHINESE_GENERIC]),
    candidates=SCREENING_CANDIDATES, threshold=SCREENING_THRESHOLD,
)  # fmt: skip


class ScreeningView(ApiView):
    required_scope = Scope.REGISTER_READ
    endpoint = "screening"

    @extend_schema(
        operation_id="screening", parameters=[_PURPOSE_PARAMETER], request=serializers.ScreeningRequestSerializer,
        responses={200: serializers.ScreeningResponseSerializer, **_PROBLEMS},
        summary="Up to 1,000 names or credit codes against the public register: candidates with a score.",
        description=SCREENING_CONTRACT,
    )  # fmt: skip
    def post(self, request):
        query = serializers.ScreeningRequestSerializer(data=request.data)
        query.is_valid(raise_exception=True)
        queries = query.validated_data["queries"]
        codes = [as_uscc(q) or "" for q in queries]
        hits = listings_screen(queries, codes=codes)
        self.touch(request, Entity, _entity_ids(hits))
        results = [{"query_index": i, "candidates": []} for i in range(len(queries))]
        for hit in hits:
            results[hit.query_index]["candidates"].append(
                {"id": hit.token, "name": hit.name, "identifier": hit.identifier, "score": hit.score}
            )
        return Response({"results": results})


class NotFoundView(ApiView):
    """Any other path under /api/v1/: a 404 problem, not the site's HTML page."""

    authentication_classes = []
    permission_classes = []
    throttle_classes = []
    schema = None  # not an endpoint of the schema

    def initial(self, request, *args, **kwargs):
        raise exceptions.NotFound(_("No such endpoint."))
