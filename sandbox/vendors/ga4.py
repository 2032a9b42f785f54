"""GA4 Data API emulation: ``POST /v1beta/properties/{propertyId}:runReport`` and
``GET /v1beta/properties/{propertyId}/metadata``, over the world's web visits (those GA4 saw and had processed
by the sandbox clock).

Follows Google's public reference; references:

- runReport (request: ``dimensions``, ``metrics``, ``dateRanges``, ``dimensionFilter``, ``metricFilter``,
  ``offset``, ``limit`` (default 10,000, at most 250,000), ``metricAggregations``, ``orderBys``,
  ``keepEmptyRows``, ``returnPropertyQuota``):
  https://developers.google.com/analytics/devguides/reporting/data/v1/rest/v1beta/properties/runReport
- Response (``dimensionHeaders``, ``metricHeaders`` with ``type``, ``rows[].dimensionValues[].value`` and
  ``rows[].metricValues[].value`` as strings, ``totals``/``maximums``/``minimums``, ``rowCount``, ``metadata``
  with ``currencyCode`` and ``timeZone``, ``propertyQuota``, ``kind: "analyticsData#runReport"``; proto3 JSON, so
  empty lists and zero counts are left out): https://developers.google.com/analytics/devguides/reporting/data/v1/rest/v1beta/RunReportResponse
- Dimensions and metrics (``date`` as ``YYYYMMDD`` in the property's time zone, ``sessionSource``,
  ``sessionMedium``, ``sessionCampaignName``, ``sessionDefaultChannelGroup``, ``landingPage``...):
  https://developers.google.com/analytics/devguides/reporting/data/v1/api-schema and the default channel
  group rules: https://support.google.com/analytics/answer/9756891
- Dates (``YYYY-MM-DD``, ``today``, ``yesterday``, ``NdaysAgo``):
  https://developers.google.com/analytics/devguides/reporting/data/v1/rest/v1beta/DateRange
- Errors (``{"error": {"code", "message", "status"}}``; 401 ``UNAUTHENTICATED`` for a missing or bad OAuth token,
  403 ``PERMISSION_DENIED`` for a property the token cannot read, 400 ``INVALID_ARGUMENT``):
  https://cloud.google.com/apis/design/errors and
  https://developers.google.com/analytics/devguides/reporting/data/v1/errors

Modelled simply (documented in docs/sandbox.md): one GA4 session per web visit GA4 saw (about 88% of them); a
direct session takes the traffic source of the same device's previous non-direct session within 90 days (GA4's
last non-direct click); a session shows up in reports only after a processing delay (hours, up to three days),
so the last days' numbers still change. Key events are the site's goals and purchases; revenue is in USD.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import orjson

from sandbox import credentials
from sandbox import vocabulary as vocab
from sandbox.timefmt import from_ms
from sandbox.web import Clock, Request, Response
from sandbox.web_visits import (
    GA4_LAST_NON_DIRECT_LOOKBACK_MS,
    TrafficSource,
    WebLog,
    ga4_processing_delay,
    ga4_sees,
    traffic_source,
)
from sandbox.world import World

PROPERTY_TIME_ZONE = "America/New_York"
DEFAULT_LIMIT, MAX_LIMIT = 10_000, 250_000
MAX_DIMENSIONS, MAX_METRICS, MAX_DATE_RANGES = 9, 10, 4
_KEPT_REPORTS = 8
SCHEMA_URL = "https://developers.google.com/analytics/devguides/reporting/data/v1/api-schema"
_MISSING_CREDENTIALS = (
    "Request is missing required authentication credential. Expected OAuth 2 access token, login cookie or other "
    "valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project."
)
_BAD_CREDENTIALS = (
    "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid "
    "authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project."
)
_NO_PERMISSION = (
    "User does not have sufficient permissions for this property. To learn more about Property ID, see "
    "https://developers.google.com/analytics/devguides/reporting/data/v1/property-id."
)

# apiName -> (uiName, category, description)
DIMENSIONS: dict[str, tuple[str, str, str]] = {
    "date": ("Date", "Time", "The date of the session, formatted as YYYYMMDD."),
    "sessionSource": ("Session source", "Traffic source", "The source that initiated a session."),
    "sessionMedium": ("Session medium", "Traffic source", "The medium that initiated a session."),
    "sessionSourceMedium": ("Session source / medium", "Traffic source", "Session source and medium, combined."),
    "sessionCampaignName": ("Session campaign", "Traffic source", "The marketing campaign of a session."),
    "sessionDefaultChannelGroup": ("Session default channel group", "Traffic source", "The session's channel."),
    "landingPage": ("Landing page", "Page / screen", "The page path of the first page view in a session."),
    "landingPagePlusQueryString": ("Landing page + query string", "Page / screen", "Path and query string."),
    "deviceCategory": ("Device category", "Platform / device", "desktop, mobile or tablet."),
    "country": ("Country", "Geography", "The country the session came from."),
    "city": ("City", "Geography", "The city the session came from."),
    "newVsReturning": ("New / returning", "User", "new for the client's first session, else returning."),
    "dateRange": ("Date range", "General", "The index or name of the request's date range."),
}
# apiName -> (type, uiName, description)
METRICS: dict[str, tuple[str, str, str]] = {
    "sessions": ("TYPE_INTEGER", "Sessions", "The number of sessions."),
    "engagedSessions": ("TYPE_INTEGER", "Engaged sessions", "Sessions over 10 s, with 2+ page views or a key event."),
    "engagementRate": ("TYPE_FLOAT", "Engagement rate", "Engaged sessions divided by sessions."),
    "bounceRate": ("TYPE_FLOAT", "Bounce rate", "Sessions that were not engaged, divided by sessions."),
    "userEngagementDuration": ("TYPE_SECONDS", "User engagement", "Foreground time, in seconds."),
    "averageSessionDuration": ("TYPE_SECONDS", "Average session duration", "Average session length, in seconds."),
    "screenPageViews": ("TYPE_INTEGER", "Views", "Page views."),
    "totalUsers": ("TYPE_INTEGER", "Total users", "Distinct users (clients)."),
    "activeUsers": ("TYPE_INTEGER", "Active users", "Distinct users with an engaged session."),
    "newUsers": ("TYPE_INTEGER", "New users", "Users whose first session this was."),
    "keyEvents": ("TYPE_FLOAT", "Key events", "Key events: the site's goals and purchases."),
    "conversions": ("TYPE_FLOAT", "Conversions", "The former name of key events."),
    "ecommercePurchases": ("TYPE_INTEGER", "Ecommerce purchases", "Purchases completed."),
    "totalRevenue": ("TYPE_CURRENCY", "Total revenue", "Revenue from purchases, in the property's currency."),
    "purchaseRevenue": ("TYPE_CURRENCY", "Purchase revenue", "Revenue from purchases, in the property's currency."),
}
_ADDITIVE = (
    "sessions",
    "engagedSessions",
    "userEngagementDuration",
    "screenPageViews",
    "newUsers",
    "keyEvents",
    "ecommercePurchases",
    "revenueCents",
)
_STATUS = {400: "INVALID_ARGUMENT", 401: "UNAUTHENTICATED", 403: "PERMISSION_DENIED", 404: "NOT_FOUND"}


@dataclass(frozen=True, slots=True)
class Ga4Options:
    access_token: str = credentials.GA4_ACCESS_TOKEN
    property_id: str = credentials.GA4_PROPERTY_ID
    time_zone: str = PROPERTY_TIME_ZONE


@dataclass(frozen=True, slots=True)
class _Session:
    """One session GA4 recorded: its dimension values and additive metrics."""

    day: date  # in the property's time zone
    processed_at: int  # epoch ms from which reports include it
    user: tuple[int, int]  # (buyer index, device): GA4's client id
    dimensions: dict[str, str]
    values: dict[str, int]  # additive metrics


class _ApiError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message


class Ga4Api:
    """The GA4 Data API of one property, over the world's web visits as GA4 had processed them at the clock."""

    name = "ga4"
    path_prefix = "/v1beta/properties/"

    def __init__(
        self, world: World, clock: Clock, options: Ga4Options | None = None, web_log: WebLog | None = None
    ) -> None:
        self.world = world
        self.clock = clock
        self.options = options or Ga4Options()
        self.zone = ZoneInfo(self.options.time_zone)
        self.log = web_log or WebLog(world)
        self._sessions: list[_Session] | None = None
        self._reports: dict[tuple[int, bytes], tuple[list[Any], dict[tuple[str, ...], _Group]]] = {}
        self._lock = threading.Lock()

    def airflow_connection(self, base_url: str) -> dict[str, object]:
        return {
            "conn_type": "http",
            "host": base_url,
            "password": self.options.access_token,
            "extra": {"property_id": self.options.property_id},
        }

    def endpoints(self) -> list[str]:
        return [
            "POST /v1beta/properties/{propertyId}:runReport",
            "GET  /v1beta/properties/{propertyId}/metadata",
        ]

    # -- entry point --------------------------------------------------------------------------------------------

    def handle(self, request: Request) -> Response | None:
        if not request.path.startswith(self.path_prefix):
            return None
        scheme, _, token = (request.header("authorization") or "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return _error(401, _MISSING_CREDENTIALS)
        if token.strip() != self.options.access_token:
            return _error(401, _BAD_CREDENTIALS)
        rest = request.path[len(self.path_prefix) :]
        try:
            if rest.endswith(":runReport"):
                self._check_property(rest.removesuffix(":runReport"))
                if request.method != "POST":
                    raise _ApiError(404, f"Method {request.method} is not allowed for runReport; use POST.")
                return Response.json(200, self._run_report(_json_body(request.body)))
            if rest.endswith("/metadata"):
                self._check_property(rest.removesuffix("/metadata"))
                if request.method != "GET":
                    raise _ApiError(404, f"Method {request.method} is not allowed for getMetadata; use GET.")
                return Response.json(200, self._metadata())
            raise _ApiError(404, f"The sandbox's GA4 Data API does not serve {request.path}.")
        except _ApiError as error:
            return _error(error.status, error.message)

    def _check_property(self, property_id: str) -> None:
        if not property_id.isdigit():
            raise _ApiError(400, f"Invalid property: properties/{property_id}. Property IDs are numbers.")
        if property_id != self.options.property_id:
            raise _ApiError(403, _NO_PERMISSION)

    def _metadata(self) -> dict[str, Any]:
        return {
            "name": f"properties/{self.options.property_id}/metadata",
            "dimensions": [
                {"apiName": name, "uiName": ui, "description": text, "category": category}
                for name, (ui, category, text) in DIMENSIONS.items()
            ],
            "metrics": [
                {"apiName": name, "uiName": ui, "description": text, "type": kind}
                for name, (kind, ui, text) in METRICS.items()
            ],
        }

    # -- runReport -------------------------------------------------------------------------------------------------

    def _run_report(self, body: Mapping[str, Any]) -> dict[str, Any]:
        dimensions = _names(body.get("dimensions"), "dimension", DIMENSIONS)
        metrics = _names(body.get("metrics"), "metric", METRICS)
        if len(dimensions) > MAX_DIMENSIONS or len(metrics) > MAX_METRICS:
            raise _ApiError(400, f"Requests are limited to {MAX_DIMENSIONS} dimensions and {MAX_METRICS} metrics.")
        today = from_ms(self.clock.now_ms).astimezone(self.zone).date()
        ranges = _date_ranges(body.get("dateRanges"), today)
        if len(ranges) > 1 and "dateRange" not in dimensions:
            dimensions.append("dateRange")
        limit = _int64(body.get("limit"), DEFAULT_LIMIT, "limit")
        offset = _int64(body.get("offset"), 0, "offset")
        if limit < 0 or offset < 0:
            raise _ApiError(400, "limit and offset must not be negative.")
        limit = min(limit or DEFAULT_LIMIT, MAX_LIMIT)
        dimension_filter = _compile_filter(body.get("dimensionFilter"), dimension=True)
        metric_filter = _compile_filter(body.get("metricFilter"), dimension=False)

        clock = self.clock.now_ms
        # Paging through a report asks for the same rows again and again: keep the last few reports' rows.
        cache_key = (
            clock,
            orjson.dumps({k: v for k, v in body.items() if k not in ("limit", "offset")}, option=orjson.OPT_SORT_KEYS),
        )
        with self._lock:
            cached = self._reports.get(cache_key)
        if cached is None:
            groups: dict[tuple[str, ...], _Group] = {}
            for session in self._all_sessions():
                if session.processed_at > clock:
                    continue
                for range_name, first, last in ranges:
                    if not first <= session.day <= last:
                        continue
                    values = {**session.dimensions, "dateRange": range_name}
                    if dimension_filter is not None and not dimension_filter(values):
                        continue
                    key = tuple(values[d] for d in dimensions)
                    groups.setdefault(key, _Group()).add(session)
            rows = [(key, group.metrics(metrics)) for key, group in groups.items()]
            if metric_filter is not None:
                rows = [r for r in rows if metric_filter(dict(zip(metrics, r[1], strict=True)))]
            _order(rows, body.get("orderBys"), dimensions, metrics)
            cached = (rows, groups)
            with self._lock:
                if len(self._reports) >= _KEPT_REPORTS:
                    self._reports.pop(next(iter(self._reports)))
                self._reports[cache_key] = cached
        rows, groups = cached

        response: dict[str, Any] = {
            "dimensionHeaders": [{"name": d} for d in dimensions],
            "metricHeaders": [{"name": m, "type": METRICS[m][0]} for m in metrics],
        }
        page = rows[offset : offset + limit]
        if page:
            response["rows"] = [_row(key, values, metrics) for key, values in page]
        aggregations = body.get("metricAggregations") or []
        for aggregation, field, reserved in (
            ("TOTAL", "totals", "RESERVED_TOTAL"),
            ("MAXIMUM", "maximums", "RESERVED_MAX"),
            ("MINIMUM", "minimums", "RESERVED_MIN"),
        ):
            if aggregation in aggregations and rows:
                response[field] = [_aggregate(rows, groups, dimensions, metrics, aggregation, reserved)]
        if rows:
            response["rowCount"] = len(rows)
        response["metadata"] = {"currencyCode": "USD", "timeZone": self.options.time_zone}
        if body.get("returnPropertyQuota"):
            response["propertyQuota"] = _quota()
        response["kind"] = "analyticsData#runReport"
        return response

    def _all_sessions(self) -> list[_Session]:
        with self._lock:
            if self._sessions is None:
                self._sessions = self._build_sessions()
            return self._sessions

    def _build_sessions(self) -> list[_Session]:
        seed = self.world.seed
        by_buyer: dict[int, list] = {}
        for record in self.log.records():
            if ga4_sees(seed, record.buyer_index, record.touch_seq):
                by_buyer.setdefault(record.buyer_index, []).append(record)
        sessions = []
        for index, records in sorted(by_buyer.items()):
            buyer = self.log.buyer(index)
            records.sort(key=lambda r: r.first_at)
            last_non_direct: dict[int, tuple[int, TrafficSource]] = {}
            seen_devices: set[int] = set()
            locations = vocab.LOCATIONS_EUR if buyer.currency == "EUR" else vocab.LOCATIONS_USD
            location = locations[buyer.location]
            for record in records:
                touch = buyer.touches[record.touch_seq]
                device = touch.device or 0
                source = traffic_source(touch)
                if source.is_direct:
                    previous = last_non_direct.get(device)
                    if previous is not None and record.first_at - previous[0] <= GA4_LAST_NON_DIRECT_LOOKBACK_MS:
                        source = previous[1]
                else:
                    last_non_direct[device] = (record.first_at, source)
                landing = self.log.builder.landing_url(buyer, touch)
                day = from_ms(record.first_at).astimezone(self.zone).date()
                engaged = record.engagement_s >= 10 or record.pageviews >= 2 or record.key_events > 0
                sessions.append(
                    _Session(
                        day=day,
                        processed_at=record.last_at + ga4_processing_delay(seed, index, record.touch_seq),
                        user=(index, device),
                        dimensions={
                            "date": f"{day:%Y%m%d}",
                            "sessionSource": source.ga4_source,
                            "sessionMedium": source.ga4_medium,
                            "sessionSourceMedium": f"{source.ga4_source} / {source.ga4_medium}",
                            "sessionCampaignName": source.ga4_campaign,
                            "sessionDefaultChannelGroup": source.ga4_channel_group,
                            "landingPage": touch.landing_page,
                            "landingPagePlusQueryString": landing.removeprefix(vocab.SITE_URL),
                            "deviceCategory": vocab.DEVICE_PROFILES[buyer.devices[device].kind][0][1],
                            "country": location[2],
                            "city": location[6],
                            "newVsReturning": "returning" if device in seen_devices else "new",
                        },
                        values={
                            "sessions": 1,
                            "engagedSessions": int(engaged),
                            "userEngagementDuration": record.engagement_s,
                            "screenPageViews": record.pageviews,
                            "newUsers": int(device not in seen_devices),
                            "keyEvents": record.key_events,
                            "ecommercePurchases": record.orders,
                            "revenueCents": record.revenue_cents,
                        },
                    )
                )
                seen_devices.add(device)
        return sessions


class _Group:
    """The sessions behind one report row."""

    __slots__ = ("active", "sums", "users")

    def __init__(self) -> None:
        self.sums = dict.fromkeys(_ADDITIVE, 0)
        self.users: set[tuple[int, int]] = set()
        self.active: set[tuple[int, int]] = set()

    def add(self, session: _Session) -> None:
        for name, value in session.values.items():
            self.sums[name] += value
        self.users.add(session.user)
        if session.values["engagedSessions"]:
            self.active.add(session.user)

    def metrics(self, names: Sequence[str]) -> list[float | int | Decimal]:
        sums = self.sums
        sessions = sums["sessions"]
        found: list[float | int | Decimal] = []
        for name in names:
            if name in ("totalRevenue", "purchaseRevenue"):
                found.append(Decimal(sums["revenueCents"]) / 100)
            elif name == "conversions":
                found.append(sums["keyEvents"])
            elif name == "engagementRate":
                found.append(sums["engagedSessions"] / sessions if sessions else 0.0)
            elif name == "bounceRate":
                found.append(1 - sums["engagedSessions"] / sessions if sessions else 0.0)
            elif name == "averageSessionDuration":
                found.append(sums["userEngagementDuration"] / sessions if sessions else 0.0)
            elif name == "totalUsers":
                found.append(len(self.users))
            elif name == "activeUsers":
                found.append(len(self.active))
            else:
                found.append(sums[name])
        return found


# -- request parsing ------------------------------------------------------------------------------------------------


def _error(status: int, message: str) -> Response:
    body = {"error": {"code": status, "message": message, "status": _STATUS.get(status, "UNKNOWN")}}
    headers: tuple[tuple[str, str], ...] = ()
    if status == 401:
        headers = (("WWW-Authenticate", 'Bearer realm="https://accounts.google.com/"'),)
    return Response.json(status, body, headers)


def _json_body(raw: bytes) -> dict[str, Any]:
    if not raw.strip():
        return {}
    try:
        parsed = orjson.loads(raw)
    except orjson.JSONDecodeError as error:
        raise _ApiError(400, f"Invalid JSON payload received. {error}") from error
    if not isinstance(parsed, dict):
        raise _ApiError(400, "Invalid JSON payload received. Expected an object (RunReportRequest).")
    return parsed


def _names(raw: object, kind: str, known: Mapping[str, object]) -> list[str]:
    if raw is None:
        return []
    if not isinstance(raw, list) or not all(
        isinstance(item, dict) and isinstance(item.get("name"), str) for item in raw
    ):
        raise _ApiError(400, f"Invalid JSON payload received. Each {kind} must be an object with a name.")
    names = [item["name"] for item in raw]
    for name in names:
        if name not in known:
            raise _ApiError(
                400,
                f"Field {name} is not a valid {kind}. For a list of valid dimensions and metrics, see {SCHEMA_URL} ",
            )
    if len(set(names)) != len(names):
        raise _ApiError(400, f"Duplicate {kind} names are not allowed.")
    return names


def _int64(value: object, default: int, name: str) -> int:
    if value is None or value == "":
        return default
    try:
        return int(str(value))
    except ValueError as error:
        raise _ApiError(400, f"Invalid value at '{name}' (TYPE_INT64), \"{value}\"") from error


_DAYS_AGO = re.compile(r"(\d+)daysAgo")


def _day(text: object, today: date, field: str) -> date:
    if not isinstance(text, str) or not text:
        raise _ApiError(400, f"A date range must have a {field}.")
    if text == "today":
        return today
    if text == "yesterday":
        return today - timedelta(days=1)
    match = _DAYS_AGO.fullmatch(text)
    if match:
        return today - timedelta(days=int(match.group(1)))
    try:
        return date.fromisoformat(text)
    except ValueError as error:
        raise _ApiError(400, f"Invalid {field} {text!r}: use YYYY-MM-DD, NdaysAgo, yesterday, or today.") from error


def _date_ranges(raw: object, today: date) -> list[tuple[str, date, date]]:
    if not raw:
        raise _ApiError(400, "Must specify at least one date range (dateRanges).")
    if not isinstance(raw, list) or len(raw) > MAX_DATE_RANGES:
        raise _ApiError(400, f"dateRanges must be a list of at most {MAX_DATE_RANGES} date ranges.")
    ranges = []
    for position, item in enumerate(raw):
        if not isinstance(item, dict):
            raise _ApiError(400, "Each date range must be an object with startDate and endDate.")
        first = _day(item.get("startDate"), today, "startDate")
        last = _day(item.get("endDate"), today, "endDate")
        if last < first:
            raise _ApiError(400, f"The startDate {first} must not be after the endDate {last}.")
        ranges.append((str(item.get("name") or f"date_range_{position}"), first, last))
    return ranges


def _compile_filter(raw: object, *, dimension: bool) -> Callable[[Mapping[str, Any]], bool] | None:
    """A FilterExpression (andGroup, orGroup, notExpression, filter) as a predicate over a row's values."""
    if not raw:
        return None
    if not isinstance(raw, dict):
        raise _ApiError(400, "A filter expression must be an object.")
    if "andGroup" in raw or "orGroup" in raw:
        group = raw.get("andGroup") or raw.get("orGroup") or {}
        parts = [_compile_filter(e, dimension=dimension) for e in group.get("expressions") or []]
        predicates = [p for p in parts if p is not None]
        combine = all if "andGroup" in raw else any
        return lambda values: combine(p(values) for p in predicates)
    if "notExpression" in raw:
        inner = _compile_filter(raw["notExpression"], dimension=dimension)
        return (lambda values: not inner(values)) if inner is not None else None
    spec = raw.get("filter")
    if not isinstance(spec, dict) or not isinstance(spec.get("fieldName"), str):
        raise _ApiError(400, "A filter needs a fieldName.")
    field = spec["fieldName"]
    known = DIMENSIONS if dimension else METRICS
    if field not in known:
        kind = "dimension" if dimension else "metric"
        raise _ApiError(
            400, f"Field {field} is not a valid {kind}. For a list of valid dimensions and metrics, see {SCHEMA_URL} "
        )
    if "stringFilter" in spec:
        string = spec["stringFilter"]
        match_type = string.get("matchType", "EXACT")
        case = bool(string.get("caseSensitive"))
        wanted = str(string.get("value", ""))

        def string_match(values: Mapping[str, Any]) -> bool:
            value = str(values.get(field, ""))
            a, b = (value, wanted) if case else (value.lower(), wanted.lower())
            if match_type == "EXACT":
                return a == b
            if match_type == "BEGINS_WITH":
                return a.startswith(b)
            if match_type == "ENDS_WITH":
                return a.endswith(b)
            if match_type == "CONTAINS":
                return b in a
            flags = 0 if case else re.IGNORECASE
            if match_type == "FULL_REGEXP":
                return re.fullmatch(wanted, value, flags) is not None
            if match_type == "PARTIAL_REGEXP":
                return re.search(wanted, value, flags) is not None
            raise _ApiError(400, f"Unknown stringFilter matchType {match_type}.")

        return string_match
    if "inListFilter" in spec:
        listed = spec["inListFilter"]
        case = bool(listed.get("caseSensitive"))
        options = {str(v) if case else str(v).lower() for v in listed.get("values") or []}
        return lambda values: (str(values.get(field, "")) if case else str(values.get(field, "")).lower()) in options
    if "numericFilter" in spec or "betweenFilter" in spec:
        if "numericFilter" in spec:
            numeric = spec["numericFilter"]
            operation, operand = numeric.get("operation", "EQUAL"), _numeric(numeric.get("value"))
            compare = {
                "EQUAL": lambda x: x == operand,
                "LESS_THAN": lambda x: x < operand,
                "LESS_THAN_OR_EQUAL": lambda x: x <= operand,
                "GREATER_THAN": lambda x: x > operand,
                "GREATER_THAN_OR_EQUAL": lambda x: x >= operand,
            }.get(operation)
            if compare is None:
                raise _ApiError(400, f"Unknown numericFilter operation {operation}.")
        else:
            between = spec["betweenFilter"]
            low, high = _numeric(between.get("fromValue")), _numeric(between.get("toValue"))

            def compare(x: float) -> bool:
                return low <= x <= high

        return lambda values: compare(float(values.get(field, 0)))
    raise _ApiError(400, "A filter needs a stringFilter, inListFilter, numericFilter or betweenFilter.")


def _numeric(value: object) -> float:
    if isinstance(value, dict):
        raw = value.get("int64Value", value.get("doubleValue"))
        try:
            return float(raw)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            pass
    raise _ApiError(400, 'A numeric value must be {"int64Value": ...} or {"doubleValue": ...}.')


def _order(
    rows: list[tuple[tuple[str, ...], list[Any]]], order_bys: object, dimensions: list[str], metrics: list[str]
) -> None:
    """Sort rows in place: the request's orderBys, else the first metric descending; ties by dimension values."""
    rows.sort(key=lambda r: r[0])
    rules = order_bys if isinstance(order_bys, list) and order_bys else None
    if rules is None:
        if metrics:
            rows.sort(key=lambda r: float(r[1][0]), reverse=True)
        return
    for rule in reversed(rules):
        if not isinstance(rule, dict):
            raise _ApiError(400, "Each orderBy must be an object.")
        descending = bool(rule.get("desc"))
        if "metric" in rule:
            name = (rule["metric"] or {}).get("metricName")
            if name not in metrics:
                raise _ApiError(400, f"orderBys metric {name} must be one of the request's metrics.")
            position = metrics.index(name)
            rows.sort(key=lambda r, p=position: float(r[1][p]), reverse=descending)
        elif "dimension" in rule:
            spec = rule["dimension"] or {}
            name = spec.get("dimensionName")
            if name not in dimensions:
                raise _ApiError(400, f"orderBys dimension {name} must be one of the request's dimensions.")
            position = dimensions.index(name)
            order_type = spec.get("orderType", "ALPHANUMERIC")
            if order_type == "NUMERIC":
                key = lambda r, p=position: float(r[0][p]) if _is_number(r[0][p]) else float("inf")  # noqa: E731
            elif order_type == "CASE_INSENSITIVE_ALPHANUMERIC":
                key = lambda r, p=position: r[0][p].lower()  # noqa: E731
            else:
                key = lambda r, p=position: r[0][p]  # noqa: E731
            rows.sort(key=key, reverse=descending)
        else:
            raise _ApiError(400, "An orderBy needs a metric or a dimension.")


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _text(value: float | int | Decimal, kind: str) -> str:
    """A metric value as GA4 writes it: a string; whole numbers without a decimal point."""
    del kind  # every type is written the same way; kept for readability at the call site
    if isinstance(value, Decimal):
        return format(value.normalize(), "f") if value else "0"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value)


def _row(key: tuple[str, ...], values: list[Any], metrics: list[str]) -> dict[str, Any]:
    return {
        "dimensionValues": [{"value": v} for v in key],
        "metricValues": [{"value": _text(v, METRICS[m][0])} for v, m in zip(values, metrics, strict=True)],
    }


def _aggregate(
    rows: list[tuple[tuple[str, ...], list[Any]]],
    groups: Mapping[tuple[str, ...], _Group],
    dimensions: list[str],
    metrics: list[str],
    aggregation: str,
    reserved: str,
) -> dict[str, Any]:
    if aggregation == "TOTAL":
        total = _Group()
        for key, _ in rows:
            group = groups[key]
            for name, value in group.sums.items():
                total.sums[name] += value
            total.users |= group.users
            total.active |= group.active
        values = total.metrics(metrics)
    else:
        pick = max if aggregation == "MAXIMUM" else min
        values = [pick(r[1][i] for r in rows) for i in range(len(metrics))]
    return _row(tuple(reserved for _ in dimensions), values, metrics)


def _quota() -> dict[str, Any]:
    def status(consumed: int, remaining: int) -> dict[str, int]:
        return {"consumed": consumed, "remaining": remaining}

    return {
        "tokensPerDay": status(1, 199_999),
        "tokensPerHour": status(1, 39_999),
        "concurrentRequests": status(0, 10),
        "serverErrorsPerProjectPerHour": status(0, 10),
        "potentiallyThresholdedRequestsPerHour": status(0, 120),
        "tokensPerProjectPerHour": status(1, 13_999),
    }


def day_of(ms: int, time_zone: str = PROPERTY_TIME_ZONE) -> date:
    """The property-local date of an instant (for callers comparing GA4 days with UTC ones)."""
    return datetime.fromtimestamp(ms / 1000, ZoneInfo(time_zone)).date()


__all__ = ["PROPERTY_TIME_ZONE", "Ga4Api", "Ga4Options", "day_of"]
