"""GA4 Data API: daily traffic by source, medium, campaign and landing page (stream ``traffic_daily``).

References (Google Analytics Data API v1beta):
- runReport: https://developers.google.com/analytics/devguides/reporting/data/v1/rest/v1beta/properties/runReport
  — ``POST /v1beta/properties/{propertyId}:runReport`` with ``dateRanges``, ``dimensions``, ``metrics``,
  ``orderBys``, ``limit`` (default 10,000, at most 250,000) and ``offset``; the answer's ``rowCount`` is the
  report's total number of rows, so paging ends when ``offset`` reaches it.
- The answer: https://developers.google.com/analytics/devguides/reporting/data/v1/rest/v1beta/RunReportResponse —
  ``dimensionHeaders``, ``metricHeaders`` (with ``type``), ``rows[].dimensionValues[].value`` and
  ``rows[].metricValues[].value`` (strings), ``metadata.timeZone`` (the property's reporting time zone, in which
  ``date`` is a day) and ``metadata.currencyCode``. Proto3 JSON: an empty report has no ``rows`` and no ``rowCount``.
- Dimensions and metrics: https://developers.google.com/analytics/devguides/reporting/data/v1/api-schema —
  ``date`` (``YYYYMMDD``), ``sessionSource``, ``sessionMedium``, ``sessionCampaignName``, ``landingPage``;
  ``sessions``, ``engagedSessions``, ``userEngagementDuration`` (seconds), ``keyEvents`` (formerly
  ``conversions``), ``totalRevenue`` (in the property's currency).
- Dates: https://developers.google.com/analytics/devguides/reporting/data/v1/rest/v1beta/DateRange — ``YYYY-MM-DD``
  from 2015-08-14 on, ``NdaysAgo``, ``yesterday``, ``today``.
- Auth and errors: an OAuth 2.0 access token as ``Authorization: Bearer`` (scope ``analytics.readonly``);
  ``{"error": {"code", "message", "status"}}`` with 401 ``UNAUTHENTICATED``, 403 ``PERMISSION_DENIED``, 400
  ``INVALID_ARGUMENT``, 429 ``RESOURCE_EXHAUSTED`` (quota): https://cloud.google.com/apis/design/errors and
  https://developers.google.com/analytics/devguides/reporting/data/v1/quotas.
- Freshness: GA4 processes data for up to a few days (https://support.google.com/analytics/answer/11198161), so
  a day's numbers grow after the fact.

How the stream is pulled: one report over the window's days in the property's time zone, ordered by every
dimension (a total order, so that offset paging is stable), ``offset``/``limit`` paging. A row's key is its
dimension values (as a JSON list: no separator can collide); its cursor is its day. Recent days are restated while
GA4 processes, so every run re-reads the last ``lookback_days`` (default 3) and the merge on the key replaces
each row with its newest numbers. With no bookmark, the report starts at ``start_date`` (default 2015-08-14, the
earliest day the API serves). The property's time zone comes from a one-row probe report before the first page.

The raw record is the row as served plus the report's ``dimensionHeaders`` and ``metricHeaders``: a row's values
are positional, and the headers beside them let staging read them by name.

Offset paging cannot tell a page served twice from the next one; the core paging loop (connectors.core.paging)
compares each page's keys with the previous page's and asks again when they are equal.

Connection ``ga4_default``: ``host`` = the API's base URL (default https://analyticsdata.googleapis.com),
``password`` = an OAuth 2.0 access token, ``extra``: ``property_id`` (required), ``lookback_days`` (default 3),
``page_size`` (default 10,000), ``start_date``, and the HTTP policy keys of connectors.core.http. One connection
reads one property.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import orjson

from connectors.core.errors import ConnectorError
from connectors.core.extra import whole_number
from connectors.core.http import HttpPolicy, SourceSession
from connectors.core.paging import OffsetPaginator, PageRequest, paged
from connectors.core.stream import Page, Record, Stream, Window

log = logging.getLogger(__name__)

NAME = "ga4"
DEFAULT_BASE_URL = "https://analyticsdata.googleapis.com"
DEFAULT_LOOKBACK_DAYS = 3
DEFAULT_PAGE_SIZE = 10_000
MAX_PAGE_SIZE = 250_000
EARLIEST_DAY = date(2015, 8, 14)

DIMENSIONS = ("date", "sessionSource", "sessionMedium", "sessionCampaignName", "landingPage")
METRICS = ("sessions", "engagedSessions", "userEngagementDuration", "keyEvents", "totalRevenue")


def row_key(record: Record) -> str:
    """The row's dimension values as a JSON list, e.g. ``["20260801","google","cpc","brand","/pricing"]``."""
    values = [item["value"] for item in record["dimensionValues"]]
    if not values:
        raise ValueError("a row without dimension values")
    return orjson.dumps(values).decode()


def traffic_daily_stream(lookback: timedelta, cursor: Callable[[Record], datetime | None]) -> Stream:
    return Stream(
        name="traffic_daily",
        primary_key=row_key,
        cursor=cursor,
        lookback=lookback,
        known_fields=frozenset({"dimensionValues", "metricValues", "dimensionHeaders", "metricHeaders"}),
        required_fields=("dimensionValues", "metricValues"),
    )


def report_date(record: Record) -> date:
    return datetime.strptime(record["dimensionValues"][0]["value"], "%Y%m%d").date()


class Ga4Source:
    """The GA4 connector: one property's daily traffic report.

    ``streams`` on the class declares the raw table; an instance carries its connection's lookback and reads a
    row's day in the property's time zone.
    """

    name = NAME
    streams: Sequence[Stream] = (
        traffic_daily_stream(
            timedelta(days=DEFAULT_LOOKBACK_DAYS), lambda r: datetime.combine(report_date(r), time(0), tzinfo=UTC)
        ),
    )

    def __init__(
        self,
        session: SourceSession,
        property_id: str,
        *,
        lookback: timedelta = timedelta(days=DEFAULT_LOOKBACK_DAYS),
        page_size: int = DEFAULT_PAGE_SIZE,
        start_date: date = EARLIEST_DAY,
    ) -> None:
        self.session = session
        self.property_id = property_id
        self.page_size = page_size
        self.start_date = start_date
        self.zone: tzinfo | None = None  # the property's, read from the API before the first page
        self.streams = (traffic_daily_stream(lookback, self.report_day),)

    @classmethod
    def from_connection(cls, conn, conn_id: str) -> Ga4Source:
        extra = conn.extra_dejson or {}
        if not conn.password:
            raise ConnectorError(
                f"ga4: Airflow connection '{conn_id}' has no password; set it to an OAuth 2.0 access token with the "
                "analytics.readonly scope."
            )
        property_id = str(extra.get("property_id") or "").strip()
        if not property_id.isdigit():
            raise ConnectorError(
                f"ga4: the extra of Airflow connection '{conn_id}' needs property_id, the numeric GA4 property id "
                f"(got {extra.get('property_id')!r})."
            )
        lookback_days = whole_number(NAME, extra, conn_id, "lookback_days", DEFAULT_LOOKBACK_DAYS, minimum=0)
        page_size = min(whole_number(NAME, extra, conn_id, "page_size", DEFAULT_PAGE_SIZE, minimum=1), MAX_PAGE_SIZE)
        try:
            start_date = max(date.fromisoformat(str(extra.get("start_date") or EARLIEST_DAY)), EARLIEST_DAY)
        except ValueError:
            raise ConnectorError(
                f"ga4: start_date in the extra of Airflow connection '{conn_id}' must be YYYY-MM-DD "
                f"(got {extra.get('start_date')!r})."
            ) from None
        headers = {"Authorization": f"Bearer {conn.password}", "Content-Type": "application/json"}
        policy = HttpPolicy.from_extra(extra, conn_id)
        session = SourceSession(NAME, conn.host or DEFAULT_BASE_URL, headers, conn_id=conn_id, policy=policy)
        return cls(
            session,
            property_id,
            lookback=timedelta(days=lookback_days),
            page_size=page_size,
            start_date=start_date,
        )

    def close(self) -> None:
        self.session.close()

    def report_day(self, record: Record) -> datetime | None:
        """The cursor: the start of the row's day in the property's time zone."""
        return datetime.combine(report_date(record), time(0), tzinfo=self.zone or UTC)

    # -- the stream ---------------------------------------------------------------------------------------------

    def pages(self, stream: Stream, window: Window) -> Iterator[Page]:
        zone = self._property_zone()
        first = max(window.start.astimezone(zone).date(), self.start_date) if window.start else self.start_date
        last = (window.end - timedelta(microseconds=1)).astimezone(zone).date()
        if last < first:
            return
        request = PageRequest("POST", self._path, json=self._report(first, last))
        paginator = OffsetPaginator(
            self.page_size, offset_param="offset", limit_param="limit", total_path=("rowCount",), in_body=True
        )
        for rows, answer in paged(self.session, request, paginator, _rows, stream=stream.name, key=row_key):
            if rows:
                headers = {k: answer.get(k) for k in ("dimensionHeaders", "metricHeaders")}
                yield Page([{**row, **headers} if isinstance(row, dict) else row for row in rows])

    @property
    def _path(self) -> str:
        return f"/v1beta/properties/{self.property_id}:runReport"

    def _report(self, first: date, last: date) -> dict[str, Any]:
        return {
            "dateRanges": [{"startDate": first.isoformat(), "endDate": last.isoformat()}],
            "dimensions": [{"name": name} for name in DIMENSIONS],
            "metrics": [{"name": name} for name in METRICS],
            "orderBys": [{"dimension": {"dimensionName": name}} for name in DIMENSIONS],
            "keepEmptyRows": False,
        }

    def _run(self, body: Mapping[str, Any]) -> dict[str, Any]:
        answer = self.session.request_json("POST", self._path, for_stream="traffic_daily", json=dict(body))
        if not isinstance(answer, dict) or not isinstance(answer.get("rows", []), list):
            raise ConnectorError(f"ga4: runReport answered without a report: {str(answer)[:200]}")
        return answer

    def _property_zone(self) -> tzinfo:
        """The property's reporting time zone, from a one-row report's metadata."""
        if self.zone is None:
            probe = {"dateRanges": [{"startDate": "today", "endDate": "today"}], "metrics": [{"name": "sessions"}]}
            name = (self._run({**probe, "limit": 1}).get("metadata") or {}).get("timeZone")
            try:
                self.zone = ZoneInfo(name or "UTC")
            except (ZoneInfoNotFoundError, ValueError):
                raise ConnectorError(f"ga4: the property's time zone {name!r} is not one we know.") from None
            if not name:
                log.warning("ga4: runReport named no time zone; reading days in UTC")
        return self.zone


def _rows(answer: Any) -> list[Record]:
    if not isinstance(answer, dict) or not isinstance(answer.get("rows", []), list):
        raise ConnectorError(f"ga4: runReport answered without a report: {str(answer)[:200]}")
    return answer.get("rows") or []
