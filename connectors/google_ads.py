"""Google Ads API (REST): customers, campaigns, daily campaign metrics and click views (gclid), via GAQL queries to
``googleAds:searchStream``.

References (Google's developer documentation):
- searchStream: https://developers.google.com/google-ads/api/rest/reference/rest/v21/customers.googleAds/searchStream
  — ``POST /v{version}/customers/{customerId}/googleAds:searchStream`` with ``{"query": "<GAQL>"}``; the whole answer
  comes at once as a JSON array of batches (``results``, ``fieldMask``, ``requestId``), so there is no paging.
- REST authentication and headers: https://developers.google.com/google-ads/api/rest/auth — ``Authorization: Bearer
  <access token>``, ``developer-token``, and ``login-customer-id`` when a manager account's access is used.
- OAuth 2.0 refresh: https://developers.google.com/identity/protocols/oauth2/web-server#offline — ``POST
  https://oauth2.googleapis.com/token`` with ``grant_type=refresh_token``, ``client_id``, ``client_secret``,
  ``refresh_token``; access tokens last about an hour.
- GAQL and date ranges: https://developers.google.com/google-ads/api/docs/query/overview,
  https://developers.google.com/google-ads/api/docs/query/date-ranges
- click_view: https://developers.google.com/google-ads/api/reference/rpc/v21/ClickView — a query must filter on one
  day and reaches at most 90 days back.
- Rate limits and errors: https://developers.google.com/google-ads/api/docs/best-practices/quotas and
  https://developers.google.com/google-ads/api/docs/best-practices/error-types (``RESOURCE_EXHAUSTED`` is retried
  by the core with backoff; authentication and query errors are not).

Streams:
- ``customers`` (key: customer id) and ``campaigns`` (key ``<customer>:<campaign>``): the whole list every run.
- ``campaign_metrics_daily`` (key ``<customer>:<campaign>:<date>``): by account-local day, in chunks of days, oldest
  first, one query per customer per chunk; each run re-pulls its ``lookback`` (default 7 days, extra
  ``lookback_days``) so restated conversions and invalid-click credits land. No bookmark: from the earliest
  campaign start date.
- ``click_views`` (key gclid): one query per customer per day, as the API requires; only the last 90 days exist.

Each page holds every customer's rows for the same days, so the bookmark (the page's newest day) never passes a
day some customer has not loaded yet.

Connection ``google_ads_default``: ``host`` = API base URL (default https://googleads.googleapis.com),
``password`` = an OAuth access token, or in ``extra``: ``refresh_token``, ``client_id``, ``client_secret`` (and
``token_uri``, default https://oauth2.googleapis.com/token) to get one; ``extra`` also holds ``developer_token``,
``customer_ids`` (a list, or comma-separated; dashes allowed), optional ``login_customer_id``, ``api_version``
(default v21), ``lookback_days`` and the HTTP policy keys (connectors.core.http). Secrets travel in headers and
form bodies only, which the core never logs.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from connectors.core.errors import ConnectorError
from connectors.core.http import HttpPolicy, SourceSession
from connectors.core.stream import Page, Record, Stream, Window

log = logging.getLogger(__name__)

NAME = "google_ads"
DEFAULT_BASE_URL = "https://googleads.googleapis.com"
DEFAULT_TOKEN_URI = "https://oauth2.googleapis.com/token"
DEFAULT_API_VERSION = "v21"
DEFAULT_LOOKBACK_DAYS = 7
METRICS_CHUNK_DAYS = 31  # days per metrics query: small answers, and a bookmark that moves often
CLICK_VIEW_DAYS = 90  # click_view reaches this many days back
TOKEN_REFRESH_MARGIN = 300  # seconds before expiry at which the access token is renewed
BATCH_FIELDS = frozenset({"results", "fieldMask", "requestId", "summaryRow", "queryResourceConsumption"})

CUSTOMER_FIELDS = ("customer.id", "customer.descriptive_name", "customer.currency_code", "customer.time_zone")
CAMPAIGN_FIELDS = (
    "campaign.id",
    "campaign.name",
    "campaign.status",
    "campaign.advertising_channel_type",
    "campaign.start_date",
)
METRIC_FIELDS = (
    "segments.date",
    "metrics.impressions",
    "metrics.clicks",
    "metrics.cost_micros",
    "metrics.conversions",
    "metrics.conversions_value",
)
CLICK_FIELDS = (
    "click_view.gclid",
    "click_view.keyword_info.text",
    "click_view.keyword_info.match_type",
    "segments.date",
    "segments.ad_network_type",
    "ad_group.id",
    "ad_group.name",
)


def _camel(path: str) -> str:
    return ".".join(
        part.split("_")[0] + "".join(w.capitalize() for w in part.split("_")[1:]) for part in path.split(".")
    )


def _known(*selected: str) -> frozenset[str]:
    """The dotted paths a row of these fields holds: each field, its parents, and each resource's resourceName."""
    paths: set[str] = set()
    for name in map(_camel, selected):
        parts = name.split(".")
        paths.update(".".join(parts[:n]) for n in range(1, len(parts) + 1))
        if parts[0] not in ("metrics", "segments"):
            paths.add(f"{parts[0]}.resourceName")
    return frozenset(paths)


def _dig(record: Record, path: str) -> Any:
    value: Any = record
    for part in path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def _day_cursor(record: Record) -> datetime | None:
    value = _dig(record, "segments.date")
    return datetime.fromisoformat(value).replace(tzinfo=UTC) if value else None


CUSTOMERS = Stream(
    name="customers",
    primary_key=lambda r: str(_dig(r, "customer.id")),
    cursor=lambda r: None,
    known_fields=_known(*CUSTOMER_FIELDS),
    required_fields=("customer.id",),
)
CAMPAIGNS = Stream(
    name="campaigns",
    primary_key=lambda r: f"{_dig(r, 'customer.id')}:{_dig(r, 'campaign.id')}",
    cursor=lambda r: None,
    known_fields=_known("customer.id", "customer.currency_code", *CAMPAIGN_FIELDS),
    required_fields=("customer.id", "campaign.id"),
)


def _metrics_stream(lookback: timedelta) -> Stream:
    return Stream(
        name="campaign_metrics_daily",
        primary_key=lambda r: f"{_dig(r, 'customer.id')}:{_dig(r, 'campaign.id')}:{_dig(r, 'segments.date')}",
        cursor=_day_cursor,
        lookback=lookback,
        known_fields=_known(*CUSTOMER_FIELDS, "campaign.id", "campaign.name", *METRIC_FIELDS),
        required_fields=("customer.id", "campaign.id", "segments.date"),
    )


CLICK_VIEWS = Stream(
    name="click_views",
    primary_key=lambda r: str(_dig(r, "clickView.gclid")),
    cursor=_day_cursor,
    known_fields=_known("customer.id", "customer.time_zone", "campaign.id", "campaign.name", *CLICK_FIELDS),
    required_fields=("clickView.gclid", "segments.date", "customer.id"),
)


class GoogleAdsSource:
    """The Google Ads connector: declared streams plus the GAQL queries that serve them."""

    name = NAME
    # The declaration (raw tables); an instance carries its connection's lookback for the metrics stream.
    streams: Sequence[Stream] = (
        CUSTOMERS,
        CAMPAIGNS,
        _metrics_stream(timedelta(days=DEFAULT_LOOKBACK_DAYS)),
        CLICK_VIEWS,
    )

    def __init__(
        self,
        session: SourceSession,
        customer_ids: Sequence[str],
        *,
        api_version: str = DEFAULT_API_VERSION,
        lookback: timedelta = timedelta(days=DEFAULT_LOOKBACK_DAYS),
        token_session: SourceSession | None = None,
        oauth_form: dict[str, str] | None = None,
        conn_id: str = "google_ads_default",
    ) -> None:
        self.session = session
        self.customer_ids = tuple(customer_ids)
        self.api_version = api_version
        self.streams: Sequence[Stream] = (CUSTOMERS, CAMPAIGNS, _metrics_stream(lookback), CLICK_VIEWS)
        self.conn_id = conn_id
        self._token_session = token_session
        self._oauth_form = oauth_form
        self._token_expires = 0.0
        self._zones: dict[str, ZoneInfo] = {}
        self._first_day: date | None = None
        self._unknown_batch_fields: set[str] = set()

    @classmethod
    def from_connection(cls, conn, conn_id: str) -> GoogleAdsSource:
        extra = conn.extra_dejson or {}
        developer_token = extra.get("developer_token")
        if not developer_token:
            raise ConnectorError(
                f"google_ads: Airflow connection '{conn_id}' has no developer_token in its extra; set it to the "
                "developer token of your Google Ads API access (API Center of the manager account)."
            )
        customer_ids = _customer_ids(extra.get("customer_ids"), conn_id)
        policy = HttpPolicy.from_extra(extra, conn_id)
        headers = {"developer-token": str(developer_token), "Content-Type": "application/json"}
        if extra.get("login_customer_id"):
            headers["login-customer-id"] = str(extra["login_customer_id"]).replace("-", "")
        token_session = oauth_form = None
        if conn.password:
            headers["Authorization"] = f"Bearer {conn.password}"
        elif all(extra.get(key) for key in ("refresh_token", "client_id", "client_secret")):
            oauth_form = {
                "grant_type": "refresh_token",
                "client_id": str(extra["client_id"]),
                "client_secret": str(extra["client_secret"]),
                "refresh_token": str(extra["refresh_token"]),
            }
            token_uri = str(extra.get("token_uri") or DEFAULT_TOKEN_URI)
            token_session = SourceSession(NAME, token_uri, {}, conn_id=conn_id, policy=policy)
        else:
            raise ConnectorError(
                f"google_ads: Airflow connection '{conn_id}' has no credentials; set its password to an OAuth access "
                "token, or put refresh_token, client_id and client_secret in its extra."
            )
        try:
            lookback = timedelta(days=float(extra.get("lookback_days", DEFAULT_LOOKBACK_DAYS)))
        except (TypeError, ValueError):
            raise ConnectorError(
                f"google_ads: lookback_days in the extra of Airflow connection '{conn_id}' is not a number of days."
            ) from None
        session = SourceSession(NAME, conn.host or DEFAULT_BASE_URL, headers, conn_id=conn_id, policy=policy)
        return cls(
            session,
            customer_ids,
            api_version=str(extra.get("api_version") or DEFAULT_API_VERSION),
            lookback=lookback,
            token_session=token_session,
            oauth_form=oauth_form,
            conn_id=conn_id,
        )

    def close(self) -> None:
        self.session.close()
        if self._token_session is not None:
            self._token_session.close()

    # -- streams --------------------------------------------------------------------------------------------

    def pages(self, stream: Stream, window: Window) -> Iterator[Page]:
        if stream.name == "customers":
            yield Page([row for cid in self.customer_ids for row in self._search(cid, _customers_query(), stream)])
        elif stream.name == "campaigns":
            yield Page(self._campaigns(stream.name))
        elif stream.name == "campaign_metrics_daily":
            yield from self._metric_pages(stream, window)
        elif stream.name == "click_views":
            yield from self._click_pages(stream, window)

    def _campaigns(self, stream: str) -> list[Record]:
        fields = ", ".join(("customer.id", "customer.currency_code", *CAMPAIGN_FIELDS))
        query = f"SELECT {fields} FROM campaign ORDER BY campaign.id"
        return [row for cid in self.customer_ids for row in self._search(cid, query, stream)]

    def _metric_pages(self, stream: Stream, window: Window) -> Iterator[Page]:
        first, last = self._days(window, stream.name)
        fields = ", ".join((*CUSTOMER_FIELDS, "campaign.id", "campaign.name", *METRIC_FIELDS))
        while first <= last:
            chunk_end = min(last, first + timedelta(days=METRICS_CHUNK_DAYS - 1))
            query = (
                f"SELECT {fields} FROM campaign WHERE segments.date BETWEEN '{first}' AND '{chunk_end}' "
                "ORDER BY segments.date, campaign.id"
            )
            yield Page([row for cid in self.customer_ids for row in self._search(cid, query, stream.name)])
            first = chunk_end + timedelta(days=1)

    def _click_pages(self, stream: Stream, window: Window) -> Iterator[Page]:
        first, last = self._days(window, stream.name)
        oldest = last - timedelta(days=CLICK_VIEW_DAYS - 1)
        if first < oldest:
            log.info(
                "google_ads.click_views: the API keeps %d days of clicks; days before %s are skipped",
                CLICK_VIEW_DAYS,
                oldest,
            )
            first = oldest
        fields = ", ".join(("customer.id", "customer.time_zone", "campaign.id", "campaign.name", *CLICK_FIELDS))
        day = first
        while day <= last:
            query = f"SELECT {fields} FROM click_view WHERE segments.date = '{day}'"
            yield Page([row for cid in self.customer_ids for row in self._search(cid, query, stream.name)])
            day += timedelta(days=1)

    def _days(self, window: Window, stream: str) -> tuple[date, date]:
        """The account-local days a window touches in any account: a day early (time zones), to the window's end."""
        last = max((window.end - timedelta(milliseconds=1)).astimezone(zone).date() for zone in self._time_zones())
        if window.start is not None:
            return (window.start - timedelta(days=1)).date(), last
        return self._earliest_start(stream), last

    def _time_zones(self) -> list[ZoneInfo]:
        if not self._zones:
            for row in self._search_all(_customers_query(), "customers"):
                name = _dig(row, "customer.timeZone") or "UTC"
                try:
                    self._zones[str(_dig(row, "customer.id"))] = ZoneInfo(name)
                except ZoneInfoNotFoundError:
                    self._zones[str(_dig(row, "customer.id"))] = ZoneInfo("UTC")
        return list(self._zones.values()) or [ZoneInfo("UTC")]

    def _earliest_start(self, stream: str) -> date:
        """The whole history starts at the earliest campaign start date of any account."""
        if self._first_day is None:
            starts = [_dig(r, "campaign.startDate") for r in self._campaigns(stream)]
            days = [date.fromisoformat(s[:10]) for s in starts if s]
            self._first_day = min(days) if days else datetime.now(UTC).date() - timedelta(days=CLICK_VIEW_DAYS)
        return self._first_day

    # -- requests -------------------------------------------------------------------------------------------

    def _search_all(self, query: str, stream: str) -> list[Record]:
        return [row for cid in self.customer_ids for row in self._search(cid, query, stream)]

    def _search(self, customer_id: str, query: str, stream: str) -> list[Record]:
        self._ensure_token()
        answer = self.session.request_json(
            "POST",
            f"/{self.api_version}/customers/{customer_id}/googleAds:searchStream",
            for_stream=stream,
            json={"query": query},
        )
        return self._rows(answer, customer_id, stream)

    def _rows(self, answer: Any, customer_id: str, stream: str) -> list[Record]:
        if not isinstance(answer, list):
            raise ConnectorError(
                f"google_ads.{stream}: searchStream for customer {customer_id} answered something other than a "
                f"JSON array of batches: {str(answer)[:200]}"
            )
        rows: list[Record] = []
        for batch in answer:
            if not isinstance(batch, dict):
                raise ConnectorError(f"google_ads.{stream}: a searchStream batch is not an object: {str(batch)[:200]}")
            if "error" in batch:
                error = batch["error"] if isinstance(batch["error"], dict) else {}
                raise ConnectorError(
                    f"google_ads.{stream}: searchStream for customer {customer_id} failed mid-stream: "
                    f"{error.get('message') or batch['error']}"
                )
            unknown = set(batch) - BATCH_FIELDS - self._unknown_batch_fields
            for name in sorted(unknown):
                log.warning("google_ads.%s: searchStream batches carry a field we do not know: %r", stream, name)
            self._unknown_batch_fields |= unknown
            results = batch.get("results", [])
            if not isinstance(results, list):
                raise ConnectorError(
                    f"google_ads.{stream}: a searchStream batch for customer {customer_id} has 'results' = "
                    f"{str(results)[:60]}, not a list; nothing of this request was loaded. Run again later."
                )
            rows.extend(results)
        return rows

    def _ensure_token(self) -> None:
        """Get (or renew, near its expiry) the access token when the connection gives a refresh token."""
        if self._token_session is None or time.monotonic() < self._token_expires - TOKEN_REFRESH_MARGIN:
            return
        assert self._oauth_form is not None
        try:
            answer = self._token_session.request_json("POST", "", for_stream="oauth", data=self._oauth_form)
        except ConnectorError as error:
            raise ConnectorError(
                f"google_ads: the OAuth token endpoint refused to renew the access token ({_reason(error)}). Fix "
                f"refresh_token, client_id and client_secret in the extra of Airflow connection '{self.conn_id}'."
            ) from None
        token = answer.get("access_token") if isinstance(answer, dict) else None
        if not isinstance(token, str) or not token:
            raise ConnectorError("google_ads: the OAuth token endpoint answered without an access_token.")
        self.session.session.headers["Authorization"] = f"Bearer {token}"
        self._token_expires = time.monotonic() + float(answer.get("expires_in") or 3600)


def _customers_query() -> str:
    return f"SELECT {', '.join(CUSTOMER_FIELDS)} FROM customer"


def _customer_ids(raw: Any, conn_id: str) -> list[str]:
    values = raw.split(",") if isinstance(raw, str) else raw if isinstance(raw, list) else []
    ids = [str(v).strip().replace("-", "") for v in values if str(v).strip()]
    if not ids or not all(i.isdigit() for i in ids):
        raise ConnectorError(
            f"google_ads: customer_ids in the extra of Airflow connection '{conn_id}' must list the Google Ads "
            f'customer ids to read (e.g. ["1234567890"]); got {raw!r}.'
        )
    return ids


def _reason(error: ConnectorError) -> str:
    text = str(error)
    return text.split(": ", 1)[1] if ": " in text else text
