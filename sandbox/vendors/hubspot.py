"""HubSpot CRM API emulation: objects v3 (list, read, search) and associations v4 (batch read).

Follows HubSpot's public reference; where the reference is silent, the behaviour observed in public client
code and issue threads, noted inline. References:

- Objects v3 (list ``GET /crm/v3/objects/{objectType}``, read ``GET .../{objectId}``):
  https://developers.hubspot.com/docs/api/crm/contacts and
  https://developers.hubspot.com/docs/api-reference/legacy/overview
- Search (``POST /crm/v3/objects/{objectType}/search``: filterGroups, operators, sorts, default properties,
  limit 200, ``after`` as an integer offset, the 10,000-result cap, the 3,000-character body limit):
  https://developers.hubspot.com/docs/api-reference/latest/crm/search-the-crm
- Batch read (``POST /crm/v3/objects/{objectType}/batch/read`` with ``inputs``, ``properties``,
  ``propertiesWithHistory``, ``idProperty``; with list and read, the v3 reads that return property history (search
  does not), as lists of
  ``{value, timestamp, sourceType, sourceId, updatedByUserId}`` newest first; at most 100 inputs, 50 when history
  is asked for, past which HubSpot answers "The maximum number of inputs supported in a batch request for
  property histories is 50"; ids not found come back as ``errors`` with HTTP 207):
  https://developers.hubspot.com/docs/api-reference/latest/crm/objects/objects/batch/get-objects, the v3
  ``propertiesWithHistory`` entry shape as HubSpot returns it
  (https://github.com/HubSpot/hubspot-api-nodejs/issues/154) and the 50-input limit with history
  (https://github.com/PipedreamHQ/pipedream/pull/8462)
- Associations v4 batch read (``POST /crm/v4/associations/{fromObjectType}/{toObjectType}/batch/read``):
  https://developers.hubspot.com/docs/api-reference/legacy/crm/associations/associate-records/batch/get-associations
  and the association type ids (deal to contact 3, contact to deal 4):
  https://developers.hubspot.com/docs/api-reference/crm-associations-v4/guide
- Authentication (private app token as ``Authorization: Bearer``; 401 ``INVALID_AUTHENTICATION`` body):
  https://developers.hubspot.com/docs/faq/api-error-responses and
  https://community.hubspot.com/t5/APIs-Integrations/Improvements-to-authentication-errors-for-V3-endpoints-in/m-p/325369
- Rate limits (``X-HubSpot-RateLimit-*`` headers, 429 ``RATE_LIMIT`` bodies with ``policyName``):
  https://developers.hubspot.com/docs/api/usage-details and
  https://developers.hubspot.com/changelog/2018-11-06-rate-limit-information-headers-will-be-included-in-http-responses
- Original source values: https://knowledge.hubspot.com/properties/understand-source-properties

The reference does not give the body of the 400 returned when a search pages past 10,000 results; the sandbox
answers with HubSpot's generic validation error (``"There was a problem with the request."``, category
``VALIDATION_ERROR``). Every response body is a pure function of (world, clock, request): ids such as
``correlationId`` are derived from the request, so the same seed and request give the same bytes.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from fnmatch import fnmatchcase
from typing import Any
from urllib.parse import urlencode

import orjson

from sandbox import credentials
from sandbox.timefmt import iso_ms, parse_instant
from sandbox.vendors.hubspot_crm import (
    ALWAYS_RETURNED,
    ASSOCIATION_TYPE_IDS,
    ASSOCIATION_TYPE_NAMES,
    CONTACTS,
    DEALS,
    DEFAULT_PROPERTIES,
    OBJECT_TYPE_IDS,
    PROPERTY_KINDS,
    SEARCHABLE_TEXT,
    CrmObject,
    Kind,
    Portal,
    RecordState,
    object_type,
    served_object,
)
from sandbox.web import Clock, Request, Response, deterministic_uuid
from sandbox.world import World

log = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://api.hubapi.com"

LIST_DEFAULT_LIMIT, LIST_MAX_LIMIT = 10, 100
SEARCH_DEFAULT_LIMIT, SEARCH_MAX_LIMIT = 10, 200
SEARCH_RESULT_CAP = 10_000
SEARCH_MAX_BODY_CHARS = 3_000
SEARCH_MAX_FILTER_GROUPS, SEARCH_MAX_FILTERS_PER_GROUP, SEARCH_MAX_FILTERS = 5, 6, 18
ASSOCIATIONS_MAX_INPUTS = 1_000
BATCH_READ_MAX_INPUTS = 100
BATCH_READ_MAX_INPUTS_WITH_HISTORY = 50
HISTORY_LIMIT_MESSAGE = (
    "The maximum number of inputs supported in a batch request for property histories is 50. "
    "Please reduce the number of items and try again"
)

AUTH_MESSAGE = (
    "Authentication credentials not found. This API supports OAuth 2.0 authentication and you can find more "
    "details at https://developers.hubspot.com/docs/methods/auth/oauth-overview"
)
GENERIC_400_MESSAGE = "There was a problem with the request."

OPERATORS = frozenset(
    {
        "EQ",
        "NEQ",
        "LT",
        "LTE",
        "GT",
        "GTE",
        "BETWEEN",
        "IN",
        "NOT_IN",
        "HAS_PROPERTY",
        "NOT_HAS_PROPERTY",
        "CONTAINS_TOKEN",
        "NOT_CONTAINS_TOKEN",
    }
)


@dataclass(frozen=True, slots=True)
class HubSpotOptions:
    """How the emulated portal behaves. Defaults are HubSpot's (rate limits: a Free/Starter private app)."""

    token: str = credentials.HUBSPOT_TOKEN
    search_result_cap: int = SEARCH_RESULT_CAP
    # Enforcement is off by default (fault injection switches it on); the headers are always sent.
    enforce_rate_limits: bool = False
    per_second: int = 10  # X-HubSpot-RateLimit-Secondly
    per_interval: int = 100  # X-HubSpot-RateLimit-Max, per X-HubSpot-RateLimit-Interval-Milliseconds
    interval_ms: int = 10_000
    daily: int = 250_000


class _ApiError(Exception):
    """A request HubSpot would refuse; becomes a HubSpot-shaped error body."""

    def __init__(
        self,
        status: int,
        message: str,
        category: str | None = "VALIDATION_ERROR",
        detail: str = "",
        **extra: Any,
    ) -> None:
        super().__init__(detail or message)
        self.status, self.message, self.category, self.extra = status, message, category, extra


class _RateLimiter:
    """Counts requests per second, per interval and per day; past a limit, refuses them if enforced."""

    def __init__(self, options: HubSpotOptions, monotonic: Callable[[], float] = time.monotonic) -> None:
        self._options = options
        self._monotonic = monotonic
        self._recent: deque[float] = deque()
        self._today = 0
        self._lock = threading.Lock()

    def admit(self) -> tuple[str | None, tuple[tuple[str, str], ...]]:
        """(the policy that refused the request or None, the rate-limit headers to send)."""
        o = self._options
        with self._lock:
            now = self._monotonic()
            while self._recent and now - self._recent[0] >= o.interval_ms / 1000:
                self._recent.popleft()
            in_second = sum(1 for t in self._recent if now - t < 1.0)
            refused = None
            if o.enforce_rate_limits and in_second >= o.per_second:
                refused = "SECONDLY"
            elif o.enforce_rate_limits and len(self._recent) >= o.per_interval:
                refused = "TEN_SECONDLY_ROLLING"
            if refused is None:
                self._recent.append(now)
                self._today += 1
                in_second += 1
            headers = (
                ("X-HubSpot-RateLimit-Daily", str(o.daily)),
                ("X-HubSpot-RateLimit-Daily-Remaining", str(max(0, o.daily - self._today))),
                ("X-HubSpot-RateLimit-Interval-Milliseconds", str(o.interval_ms)),
                ("X-HubSpot-RateLimit-Max", str(o.per_interval)),
                ("X-HubSpot-RateLimit-Remaining", str(max(0, o.per_interval - len(self._recent)))),
                ("X-HubSpot-RateLimit-Secondly", str(o.per_second)),
                ("X-HubSpot-RateLimit-Secondly-Remaining", str(max(0, o.per_second - in_second))),
            )
            return refused, headers


_RATE_LIMIT_MESSAGES = {
    "SECONDLY": "You have reached your secondly limit.",
    "TEN_SECONDLY_ROLLING": "You have reached your ten_secondly_rolling limit.",
}


@dataclass(frozen=True, slots=True)
class _Filter:
    property_name: str
    operator: str
    kind: Kind
    value: Any = None
    high_value: Any = None
    values: tuple[Any, ...] = ()

    def matches(self, values: dict[str, object]) -> bool:
        actual: Any = values.get(self.property_name)
        op = self.operator
        if op == "HAS_PROPERTY":
            return actual not in (None, "")
        if op == "NOT_HAS_PROPERTY":
            return actual in (None, "")
        if op == "NEQ":
            return actual != self.value
        if op == "NOT_IN":
            return actual not in self.values
        if op == "NOT_CONTAINS_TOKEN":
            return actual is None or not _contains_token(str(actual), self.value)
        if actual is None:
            return False
        if op == "EQ":
            return actual == self.value
        if op == "IN":
            return actual in self.values
        if op == "CONTAINS_TOKEN":
            return _contains_token(str(actual), self.value)
        try:
            if op == "LT":
                return actual < self.value
            if op == "LTE":
                return actual <= self.value
            if op == "GT":
                return actual > self.value
            if op == "GTE":
                return actual >= self.value
            return self.value <= actual <= self.high_value  # BETWEEN
        except TypeError:
            return False


def _contains_token(text: str, pattern: str) -> bool:
    """HubSpot's token match: the pattern (``*`` a wildcard) matches the whole value or one of its words."""
    text = text.casefold()
    return fnmatchcase(text, pattern) or any(fnmatchcase(token, pattern) for token in text.split())


class HubSpotApi:
    """The HubSpot API of one sandbox portal, over the world as it stood at the sandbox clock."""

    name = "hubspot"
    path_prefix = "/crm/"

    def __init__(
        self,
        world: World,
        clock: Clock,
        options: HubSpotOptions | None = None,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.world = world
        self.clock = clock
        self.options = options or HubSpotOptions()
        self.portal = Portal(world)
        self._limiter = _RateLimiter(self.options, monotonic)
        self._routes: list[tuple[Callable[[Request, list[str]], Response], str, Sequence[str]]] = [
            (self._search, "POST", ("crm", "v3", "objects", "*", "search")),
            (self._list, "GET", ("crm", "v3", "objects", "*")),
            (self._read, "GET", ("crm", "v3", "objects", "*", "*")),
            (self._batch_read, "POST", ("crm", "v3", "objects", "*", "batch", "read")),
            (self._batch_read_associations, "POST", ("crm", "v4", "associations", "*", "*", "batch", "read")),
        ]

    def airflow_connection(self, base_url: str) -> dict[str, object]:
        return {"conn_type": "http", "host": base_url, "password": self.options.token}

    def endpoints(self) -> list[str]:
        return [
            "GET  /crm/v3/objects/{contacts|deals}   (propertiesWithHistory: 50 a page)",
            "GET  /crm/v3/objects/{contacts|deals}/{id}",
            "POST /crm/v3/objects/{contacts|deals}/search",
            "POST /crm/v3/objects/{contacts|deals}/batch/read   (propertiesWithHistory)",
            "POST /crm/v4/associations/{deals|contacts}/{contacts|deals}/batch/read",
        ]

    # -- entry point ----------------------------------------------------------------------------------------

    def handle(self, request: Request) -> Response | None:
        if not request.path.startswith(self.path_prefix):
            return None
        correlation_id = deterministic_uuid(request.fingerprint(f"hubspot/{self.world.seed}"))
        correlation_header = (("X-HubSpot-Correlation-Id", correlation_id),)
        if not self._authenticated(request):
            response = _error_response(401, AUTH_MESSAGE, "INVALID_AUTHENTICATION", correlation_id)
            return response.with_headers(correlation_header)
        refused, rate_headers = self._limiter.admit()
        if refused is not None:
            body = {
                "status": "error",
                "message": _RATE_LIMIT_MESSAGES[refused],
                "errorType": "RATE_LIMIT",
                "correlationId": correlation_id,
                "policyName": refused,
            }
            return Response.json(429, body, rate_headers + correlation_header)
        try:
            response = self._route(request)
        except _ApiError as error:
            if str(error) != error.message:
                log.debug("hubspot %s %s refused: %s", request.method, request.path, error)
            response = _error_response(error.status, error.message, error.category, correlation_id, **error.extra)
        return response.with_headers(rate_headers + correlation_header)

    def _authenticated(self, request: Request) -> bool:
        scheme, _, token = (request.header("authorization") or "").partition(" ")
        return scheme.lower() == "bearer" and token.strip() == self.options.token

    def _route(self, request: Request) -> Response:
        parts = request.path.strip("/").split("/")
        allowed = []
        for handler, method, pattern in self._routes:
            if len(parts) == len(pattern) and all(p in ("*", part) for p, part in zip(pattern, parts, strict=True)):
                if request.method == method:
                    return handler(request, parts)
                allowed.append(method)
        if allowed:
            raise _ApiError(405, f"HTTP {request.method} is not supported by this URL", None)
        raise _ApiError(404, "Resource not found", "OBJECT_NOT_FOUND")

    # -- objects ---------------------------------------------------------------------------------------------

    def _list(self, request: Request, parts: list[str]) -> Response:
        kind = _object_type_or_error(parts[3])
        with_history = self._history_names(kind, _comma_values(request.query_values("propertiesWithHistory")))
        # With property history a page holds at most 50 records, as for the batch read.
        cap = BATCH_READ_MAX_INPUTS_WITH_HISTORY if with_history else LIST_MAX_LIMIT
        limit = min(_int_param(request.query_value("limit"), LIST_DEFAULT_LIMIT, "limit"), cap)
        if limit < 1:
            raise _ApiError(400, GENERIC_400_MESSAGE, detail="limit must be >= 1")
        after = _int_param(request.query_value("after"), 0, "after")
        names = self._property_names(kind, _comma_values(request.query_values("properties")))
        associations = _association_types(_comma_values(request.query_values("associations")))
        if (request.query_value("archived") or "false").lower() == "true":
            return Response.json(200, {"results": []})  # the sandbox never archives records
        clock = self.clock.now_ms
        view = self.portal.view(kind, clock)
        start = _first_at_or_after(view, after)
        page = view[start : start + limit]
        body: dict[str, Any] = {
            "results": [self._served(kind, o, s, names, associations, clock, with_history) for o, s in page],
        }
        if start + limit < len(view):
            next_after = view[start + limit][0].id
            query = [(k, v) for k, v in request.query if k != "after"] + [("after", next_after)]
            link = f"{request.base_url or DEFAULT_BASE_URL}{request.path}?{urlencode(query)}"
            body["paging"] = {"next": {"after": next_after, "link": link}}
        return Response.json(200, body)

    def _read(self, request: Request, parts: list[str]) -> Response:
        kind = _object_type_or_error(parts[3])
        found = self.portal.get(kind, parts[4], self.clock.now_ms)
        if found is None:
            raise _ApiError(
                404,
                "Object not found.  objectId are usually numeric.",
                "OBJECT_NOT_FOUND",
                context={"id": [parts[4]]},
            )
        names = self._property_names(kind, _comma_values(request.query_values("properties")))
        associations = _association_types(_comma_values(request.query_values("associations")))
        with_history = self._history_names(kind, _comma_values(request.query_values("propertiesWithHistory")))
        return Response.json(200, self._served(kind, *found, names, associations, self.clock.now_ms, with_history))

    def _served(
        self,
        kind: str,
        crm_object: CrmObject,
        state: RecordState,
        names: Sequence[str],
        associations: Sequence[str],
        clock: int,
        with_history: Sequence[str] = (),
    ) -> dict[str, Any]:
        served = served_object(crm_object, state, names)
        if with_history:
            served["propertiesWithHistory"] = {name: crm_object.history(name, clock) for name in with_history}
        linked = {}
        for to_type in associations:
            ids = self.portal.associated(kind, crm_object.id, to_type, clock)
            if ids:
                type_name = ASSOCIATION_TYPE_NAMES[(kind, to_type)]
                linked[to_type] = {"results": [{"id": i, "type": type_name} for i in ids]}
        if linked:
            served["associations"] = linked
        return served

    def _history_names(self, kind: str, requested: Sequence[str]) -> list[str]:
        """The known properties named in ``propertiesWithHistory``, sorted; unknown names are ignored."""
        return sorted({name for name in requested if name in PROPERTY_KINDS[kind]})

    def _property_names(self, kind: str, requested: Sequence[str]) -> list[str]:
        """The defaults if nothing is named, else the named known properties and the always-returned ones."""
        if not requested:
            return list(DEFAULT_PROPERTIES[kind])
        known = PROPERTY_KINDS[kind]
        return [name for name in requested if name in known] + list(ALWAYS_RETURNED[kind])

    # -- search ----------------------------------------------------------------------------------------------

    def _search(self, request: Request, parts: list[str]) -> Response:
        kind = _object_type_or_error(parts[3])
        if len(request.body) > SEARCH_MAX_BODY_CHARS:
            raise _ApiError(400, GENERIC_400_MESSAGE, detail=f"body longer than {SEARCH_MAX_BODY_CHARS} chars")
        body = _json_object(request.body)
        limit = _int_param(body.get("limit"), SEARCH_DEFAULT_LIMIT, "limit")
        if not 1 <= limit <= SEARCH_MAX_LIMIT:
            raise _ApiError(400, GENERIC_400_MESSAGE, detail=f"limit {limit} outside 1..{SEARCH_MAX_LIMIT}")
        after = _int_param(body.get("after"), 0, "after")
        cap = self.options.search_result_cap
        if after < 0:
            raise _ApiError(400, GENERIC_400_MESSAGE, detail=f"after {after} is negative")
        if after >= cap:
            raise _ApiError(400, GENERIC_400_MESSAGE, detail=f"after {after} pages past the {cap}-result cap")
        groups = _filter_groups(kind, body)
        query = body.get("query")
        sort_name, descending = _sort_rule(kind, body.get("sorts"))
        names = self._property_names(kind, _string_list(body.get("properties"), "properties"))

        matches = [
            (o, s)
            for o, s in self.portal.view(kind, self.clock.now_ms)
            if (not groups or any(all(f.matches(s.values) for f in group) for group in groups))
            and (not query or _text_matches(kind, s, str(query)))
        ]
        _sort(matches, sort_name, descending)
        end = min(after + limit, len(matches), cap)
        response: dict[str, Any] = {
            "total": len(matches),
            "results": [served_object(o, s, names) for o, s in matches[after:end]],
        }
        if end < len(matches):
            # At the cap HubSpot still hands out the cursor; using it gets the 400.
            response["paging"] = {"next": {"after": str(end)}}
        return Response.json(200, response)

    # -- batch read ------------------------------------------------------------------------------------------

    def _batch_read(self, request: Request, parts: list[str]) -> Response:
        """Records by id, with ``propertiesWithHistory``: how to get the history of chosen records (search has none)."""
        kind = _object_type_or_error(parts[3])
        body = _json_object(request.body)
        inputs = body.get("inputs")
        if not isinstance(inputs, list) or not inputs or not all(isinstance(i, dict) and "id" in i for i in inputs):
            raise _ApiError(400, GENERIC_400_MESSAGE, detail='expected {"inputs": [{"id": "..."}, ...]}')
        with_history = _string_list(body.get("propertiesWithHistory"), "propertiesWithHistory")
        if with_history and len(inputs) > BATCH_READ_MAX_INPUTS_WITH_HISTORY:
            raise _ApiError(400, HISTORY_LIMIT_MESSAGE)
        if len(inputs) > BATCH_READ_MAX_INPUTS:
            raise _ApiError(400, GENERIC_400_MESSAGE, detail=f"more than {BATCH_READ_MAX_INPUTS} inputs")
        if body.get("idProperty") not in (None, "", "hs_object_id"):
            raise _ApiError(400, GENERIC_400_MESSAGE, detail="idProperty: only record ids are emulated")
        names = self._property_names(kind, _string_list(body.get("properties"), "properties"))
        history_names = self._history_names(kind, with_history)
        clock = self.clock.now_ms
        results, missing = [], []
        for object_id in dict.fromkeys(str(i["id"]) for i in inputs):  # a repeated id is read once
            found = self.portal.get(kind, object_id, clock)
            if found is None:
                missing.append(object_id)
                continue
            results.append(self._served(kind, *found, names, (), clock, history_names))
        answer: dict[str, Any] = {"status": "COMPLETE", "results": results}
        if missing:
            answer["numErrors"] = 1
            answer["errors"] = [
                {
                    "status": "error",
                    "category": "OBJECT_NOT_FOUND",
                    "message": (
                        f"Could not get some {kind[:-1].upper()} objects, they may be deleted or not exist. "
                        "Check that ids are valid."
                    ),
                    "context": {"ids": missing},
                }
            ]
        answer["startedAt"] = answer["completedAt"] = iso_ms(clock)
        return Response.json(207 if missing else 200, answer)

    # -- associations ----------------------------------------------------------------------------------------

    def _batch_read_associations(self, request: Request, parts: list[str]) -> Response:
        from_type = _object_type_or_error(parts[3])
        to_type = _object_type_or_error(parts[4])
        inputs = _json_object(request.body).get("inputs")
        if not isinstance(inputs, list) or not all(isinstance(i, dict) and "id" in i for i in inputs):
            raise _ApiError(400, GENERIC_400_MESSAGE, detail='expected {"inputs": [{"id": "..."}]}')
        if len(inputs) > ASSOCIATIONS_MAX_INPUTS:
            raise _ApiError(400, GENERIC_400_MESSAGE, detail=f"more than {ASSOCIATIONS_MAX_INPUTS} inputs")
        clock = self.clock.now_ms
        type_id = ASSOCIATION_TYPE_IDS.get((from_type, to_type))
        results, errors = [], []
        for item in inputs:
            from_id = str(item["id"])
            to_ids = self.portal.associated(from_type, from_id, to_type, clock) if type_id is not None else []
            if to_ids:
                association = [{"category": "HUBSPOT_DEFINED", "typeId": type_id, "label": None}]
                results.append(
                    {
                        "from": {"id": from_id},
                        "to": [{"toObjectId": int(i), "associationTypes": association} for i in to_ids],
                    }
                )
            else:
                errors.append(
                    {
                        "status": "error",
                        "category": "OBJECT_NOT_FOUND",
                        "message": f"No {to_type[:-1]} is associated with {from_type[:-1]} {from_id}.",
                        "context": {
                            "fromObjectId": [from_id],
                            "fromObjectType": [OBJECT_TYPE_IDS[from_type]],
                            "toObjectType": [OBJECT_TYPE_IDS[to_type]],
                        },
                    }
                )
        body: dict[str, Any] = {"status": "COMPLETE", "results": results}
        if errors:
            body["numErrors"] = len(errors)
            body["errors"] = errors
        body["startedAt"] = body["completedAt"] = iso_ms(clock)
        return Response.json(207 if errors else 200, body)


# -- request parsing helpers --------------------------------------------------------------------------------


def _error_response(status: int, message: str, category: str | None, correlation_id: str, **extra: Any) -> Response:
    body: dict[str, Any] = {"status": "error", "message": message, "correlationId": correlation_id}
    body.update(extra)
    if category is not None:
        body["category"] = category
    return Response.json(status, body)


def _object_type_or_error(name: str) -> str:
    kind = object_type(name)
    if kind is None:
        raise _ApiError(400, f"Unable to infer object type from: {name}", None)
    return kind


def _association_types(names: Sequence[str]) -> list[str]:
    kinds = []
    for name in names:
        kind = _object_type_or_error(name)
        if kind not in kinds:
            kinds.append(kind)
    return kinds


def _json_object(raw: bytes) -> dict[str, Any]:
    if not raw.strip():
        return {}
    try:
        parsed = orjson.loads(raw)
    except orjson.JSONDecodeError as error:
        raise _ApiError(400, f"Invalid input JSON: {error}") from error
    if not isinstance(parsed, dict):
        raise _ApiError(400, "Invalid input JSON: expected an object")
    return parsed


def _int_param(value: object, default: int, name: str) -> int:
    if value is None or value == "":
        return default
    try:
        return int(str(value))
    except ValueError as error:
        raise _ApiError(400, GENERIC_400_MESSAGE, detail=f"{name} must be an integer, got {value!r}") from error


def _comma_values(values: Sequence[str]) -> list[str]:
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


def _string_list(value: object, name: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _ApiError(400, GENERIC_400_MESSAGE, detail=f"{name} must be a list of strings")
    return value


def _first_at_or_after(view: Sequence[tuple[CrmObject, RecordState]], after: int) -> int:
    low, high = 0, len(view)
    while low < high:
        middle = (low + high) // 2
        if view[middle][0].id_num < after:
            low = middle + 1
        else:
            high = middle
    return low


def _filter_groups(kind: str, body: dict[str, Any]) -> list[list[_Filter]]:
    raw_groups = body.get("filterGroups") or []
    if body.get("filters"):  # a bare "filters" list is one more group
        raw_groups = [*raw_groups, {"filters": body["filters"]}]
    if not isinstance(raw_groups, list) or not all(isinstance(g, dict) for g in raw_groups):
        raise _ApiError(400, GENERIC_400_MESSAGE, detail="filterGroups must be a list of objects")
    groups = [g.get("filters") or [] for g in raw_groups]
    if (
        len(groups) > SEARCH_MAX_FILTER_GROUPS
        or any(len(g) > SEARCH_MAX_FILTERS_PER_GROUP for g in groups)
        or sum(len(g) for g in groups) > SEARCH_MAX_FILTERS
    ):
        raise _ApiError(
            400,
            GENERIC_400_MESSAGE,
            detail=(
                f"at most {SEARCH_MAX_FILTER_GROUPS} filterGroups of {SEARCH_MAX_FILTERS_PER_GROUP} filters, "
                f"{SEARCH_MAX_FILTERS} filters in all"
            ),
        )
    return [[_compile_filter(kind, f) for f in group] for group in groups]


def _compile_filter(kind: str, raw: object) -> _Filter:
    if not isinstance(raw, dict):
        raise _ApiError(400, GENERIC_400_MESSAGE, detail="a filter must be an object")
    name, operator = raw.get("propertyName"), str(raw.get("operator", "EQ")).upper()
    property_kind = PROPERTY_KINDS[kind].get(str(name))
    if property_kind is None:
        raise _ApiError(400, GENERIC_400_MESSAGE, detail=f"unknown {kind} property {name!r}")
    if operator not in OPERATORS:
        raise _ApiError(400, GENERIC_400_MESSAGE, detail=f"unknown operator {operator!r}")
    assert isinstance(name, str)

    def value_of(key: str) -> Any:
        if key not in raw:
            raise _ApiError(400, GENERIC_400_MESSAGE, detail=f"{operator} on {name} needs {key!r}")
        return _filter_value(property_kind, raw[key], name)

    if operator in ("HAS_PROPERTY", "NOT_HAS_PROPERTY"):
        return _Filter(name, operator, property_kind)
    if operator in ("CONTAINS_TOKEN", "NOT_CONTAINS_TOKEN"):
        return _Filter(name, operator, property_kind, value=str(raw.get("value", "")).casefold())
    if operator in ("IN", "NOT_IN"):
        values = raw.get("values")
        if not isinstance(values, list):
            raise _ApiError(400, GENERIC_400_MESSAGE, detail=f"{operator} on {name} needs a 'values' list")
        # For string properties HubSpot wants the listed values lower-case; it does not fold them itself.
        parsed = tuple(
            str(v) if property_kind is Kind.STRING else _filter_value(property_kind, v, name) for v in values
        )
        return _Filter(name, operator, property_kind, values=parsed)
    if operator == "BETWEEN":
        return _Filter(name, operator, property_kind, value=value_of("value"), high_value=value_of("highValue"))
    return _Filter(name, operator, property_kind, value=value_of("value"))


def _filter_value(kind: Kind, value: object, name: str) -> object:
    text = str(value)
    try:
        if kind is Kind.DATETIME:
            return parse_instant(text)
        if kind is Kind.NUMBER:
            return Decimal(text)
    except (ValueError, InvalidOperation) as error:
        raise _ApiError(400, GENERIC_400_MESSAGE, detail=f"{name}: cannot read {value!r} as {kind.value}") from error
    return text.casefold() if kind is Kind.STRING else text


def _sort_rule(kind: str, sorts: object) -> tuple[str, bool]:
    """(property, descending) of the one sort rule HubSpot applies; default: creation order, oldest first."""
    if not sorts:
        return "createdate", False
    if not isinstance(sorts, list):
        raise _ApiError(400, GENERIC_400_MESSAGE, detail="sorts must be a list")
    rule = sorts[0]
    if isinstance(rule, str):  # the short form: "createdate" or "-createdate"
        name, descending = rule.removeprefix("-"), rule.startswith("-")
    elif isinstance(rule, dict):
        name = str(rule.get("propertyName"))
        descending = str(rule.get("direction", "ASCENDING")).upper() == "DESCENDING"
    else:
        raise _ApiError(400, GENERIC_400_MESSAGE, detail="a sort must be an object or a string")
    if name not in PROPERTY_KINDS[kind]:
        raise _ApiError(400, GENERIC_400_MESSAGE, detail=f"cannot sort by unknown property {name!r}")
    return name, descending


def _sort(matches: list[tuple[CrmObject, RecordState]], name: str, descending: bool) -> None:
    """Sort in place by one property, records without a value last, ties in id order."""
    matches.sort(key=lambda m: m[0].id_num)
    with_value = [m for m in matches if m[1].values.get(name) is not None]
    without = [m for m in matches if m[1].values.get(name) is None]
    with_value.sort(key=lambda m: m[1].values[name], reverse=descending)  # type: ignore[arg-type,return-value]
    matches[:] = with_value + without  # sorting is stable, also reversed: ties stay in id order


def _text_matches(kind: str, state: RecordState, query: str) -> bool:
    needle = query.casefold()
    return any(needle in str(state.values.get(name) or "").casefold() for name in SEARCHABLE_TEXT[kind])


__all__ = ["CONTACTS", "DEALS", "DEFAULT_BASE_URL", "HubSpotApi", "HubSpotOptions"]
