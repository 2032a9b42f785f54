"""Meta Marketing API (Graph API): ad accounts, campaigns and daily campaign insights.

References (Meta for Developers):
- Graph API paging: https://developers.facebook.com/docs/graph-api/results — cursor paging, ``paging.cursors.after``
  sent back as ``after``; the last page has no ``paging.next``.
- Ad account and ``/me/adaccounts``: https://developers.facebook.com/docs/marketing-api/reference/ad-account
  (``currency``, ``timezone_name``: insights dates are the account's local days, money its currency).
- Campaigns: https://developers.facebook.com/docs/marketing-api/reference/ad-campaign-group
- Insights: https://developers.facebook.com/docs/marketing-api/insights and
  https://developers.facebook.com/docs/marketing-api/insights/parameters — ``level=campaign``,
  ``time_increment=1`` (one row per campaign and local day), ``time_range={"since","until"}``, ``fields``,
  ``action_attribution_windows``; data is kept 37 months.
- Errors: https://developers.facebook.com/docs/graph-api/guides/error-handling — every error is
  ``{"error": {"message", "type", "code", "error_subcode", "fbtrace_id"}}``, mostly with HTTP 400.
- Rate limits: https://developers.facebook.com/docs/marketing-api/overview/rate-limiting — a throttled call is an
  HTTP 400 with code 17, 4, 613 or 80000-80014; ``X-Ad-Account-Usage.reset_time_duration`` (seconds) and
  ``X-Business-Use-Case-Usage[...].estimated_time_to_regain_access`` (minutes) say when to come back.

The Graph API signals throttling and bad tokens with HTTP 400, which the connector core would (rightly, for
validation errors) not retry. So a response hook reads the Graph error code and gives the answer the HTTP status
that means the same thing: throttling → 429 with ``Retry-After`` from the usage headers, an invalid or missing
token (190, 102, 104) → 401, a missing permission (10, 200-299) → 403, a transient error → 503. The core's
retry policy and messages then apply unchanged.

Insights restate: purchases are credited to the click's day for up to 7 days (Meta's default attribution
setting: 7-day click, 1-day view), and spend is corrected for a few days. So every run re-pulls a lookback
(default 7 days, ``extra.lookback_days``) before its window and the rows merge on
``<account_id>:<campaign_id>:<date_start>``. The streams have no cursor: a row's identity is its day, and the
bookmark moves only when a whole window is loaded, so a killed run repeats its window (merged, never doubled).

The access token travels in the ``Authorization`` header only. ``paging.next`` links carry it in their query
string, so they are never followed: the ``after`` cursor is sent back instead, and no URL with a token reaches a
log line.

Connection ``meta_ads_default``: ``host`` = API base URL (default https://graph.facebook.com), ``password`` = the
access token (a system user's token with ``ads_read``); ``extra``: ``ad_account_ids`` (list of ids, with or
without ``act_``; absent: every account the token reaches, from ``/me/adaccounts``), ``api_version`` (default
v21.0), ``lookback_days`` (default 7), ``start_date`` (the first day of a full sync; default 36 months back),
and the HTTP policy keys (connectors.core.http).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator, Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import requests

from connectors.core.errors import ConnectorError
from connectors.core.http import HttpPolicy, SourceSession
from connectors.core.paging import CursorPaginator, PageRequest, paged, records_at
from connectors.core.stream import Page, Record, Stream, Window

log = logging.getLogger(__name__)

NAME = "meta_ads"
DEFAULT_BASE_URL = "https://graph.facebook.com"
DEFAULT_API_VERSION = "v21.0"
DEFAULT_LOOKBACK_DAYS = 7
HISTORY_DAYS = 36 * 30  # a full sync starts this far back: inside Meta's 37 months of insights
PAGE_SIZE = 100
# Graph API cursor paging: send ``paging.cursors.after`` back as ``after`` while ``paging.next`` exists (never
# follow ``paging.next`` itself: it carries the access token).
EDGE_PAGING = CursorPaginator(
    ("paging", "cursors", "after"), "after", more_path=("paging", "next"), page_size=PAGE_SIZE
)
ATTRIBUTION_WINDOWS = ("7d_click", "1d_view")  # Meta's default attribution setting, asked for explicitly

ACCOUNT_FIELDS = (
    "id",
    "account_id",
    "name",
    "currency",
    "timezone_name",
    "timezone_offset_hours_utc",
    "account_status",
)
CAMPAIGN_FIELDS = (
    "id",
    "name",
    "account_id",
    "objective",
    "status",
    "effective_status",
    "buying_type",
    "daily_budget",
    "created_time",
    "start_time",
    "updated_time",
)
INSIGHT_FIELDS = (
    "account_id",
    "account_currency",
    "campaign_id",
    "campaign_name",
    "impressions",
    "reach",
    "clicks",
    "spend",
    "actions",
    "action_values",
)
# Graph error codes and what they mean in HTTP terms (see the module docstring).
THROTTLING_CODES = frozenset({4, 17, 32, 613, *range(80000, 80015)})
TOKEN_CODES = frozenset({102, 104, 190})


def insight_key(record: Record) -> str:
    return f"{record['account_id']}:{record['campaign_id']}:{record['date_start']}"


def no_cursor(record: Record) -> None:
    return None


AD_ACCOUNTS = Stream(
    name="ad_accounts",
    primary_key=lambda r: str(r["account_id"]),
    cursor=no_cursor,
    known_fields=frozenset(ACCOUNT_FIELDS),
    required_fields=("id", "account_id"),
)
CAMPAIGNS = Stream(
    name="campaigns",
    primary_key=lambda r: str(r["id"]),
    cursor=no_cursor,
    known_fields=frozenset(CAMPAIGN_FIELDS),
    required_fields=("id", "account_id"),
)


def insights_stream(lookback: timedelta) -> Stream:
    return Stream(
        name="insights_daily",
        primary_key=insight_key,
        cursor=no_cursor,
        lookback=lookback,
        known_fields=frozenset((*INSIGHT_FIELDS, "date_start", "date_stop")),
        required_fields=("account_id", "campaign_id", "date_start"),
    )


class MetaAdsSource:
    """The Meta Ads connector: accounts, their campaigns, and their daily campaign insights."""

    name = NAME
    # The streams as declared (the default lookback); an instance carries its connection's lookback.
    streams: Sequence[Stream] = (AD_ACCOUNTS, CAMPAIGNS, insights_stream(timedelta(days=DEFAULT_LOOKBACK_DAYS)))

    def __init__(
        self,
        session: SourceSession,
        *,
        api_version: str = DEFAULT_API_VERSION,
        account_ids: Sequence[str] | None = None,
        lookback: timedelta = timedelta(days=DEFAULT_LOOKBACK_DAYS),
        start_date: date | None = None,
    ) -> None:
        self.session = session
        self.api_version = api_version
        self.account_ids = list(account_ids) if account_ids else None
        self.start_date = start_date
        self.streams: Sequence[Stream] = (AD_ACCOUNTS, CAMPAIGNS, insights_stream(lookback))
        self._accounts: list[Record] | None = None
        session.session.hooks["response"].append(graph_errors_as_http_statuses)

    @classmethod
    def from_connection(cls, conn, conn_id: str) -> MetaAdsSource:
        if not conn.password:
            raise ConnectorError(
                f"meta_ads: Airflow connection '{conn_id}' has no password; set it to the Marketing API access token."
            )
        extra = conn.extra_dejson or {}
        account_ids = extra.get("ad_account_ids")
        if isinstance(account_ids, str):
            account_ids = [part for part in account_ids.replace(" ", "").split(",") if part]
        if account_ids is not None and not (
            isinstance(account_ids, list) and all(str(a).removeprefix("act_").isdigit() for a in account_ids)
        ):
            raise ConnectorError(
                f"meta_ads: extra.ad_account_ids of Airflow connection '{conn_id}' must be a list of ad account ids "
                "(digits, with or without 'act_'), e.g. [\"1027384950617283\"]."
            )
        try:
            lookback_days = int(extra.get("lookback_days", DEFAULT_LOOKBACK_DAYS))
            start_date = date.fromisoformat(extra["start_date"]) if extra.get("start_date") else None
        except (TypeError, ValueError) as error:
            raise ConnectorError(
                f"meta_ads: extra of Airflow connection '{conn_id}': lookback_days must be a whole number of days and "
                f"start_date a YYYY-MM-DD date ({error})."
            ) from None
        api_version = str(extra.get("api_version") or DEFAULT_API_VERSION)
        if not api_version.startswith("v"):
            api_version = f"v{api_version}"
        policy = HttpPolicy.from_extra(extra, conn_id)
        headers = {"Authorization": f"Bearer {conn.password}"}
        session = SourceSession(NAME, conn.host or DEFAULT_BASE_URL, headers, conn_id=conn_id, policy=policy)
        return cls(
            session,
            api_version=api_version,
            account_ids=[str(a).removeprefix("act_") for a in account_ids] if account_ids else None,
            lookback=timedelta(days=max(0, lookback_days)),
            start_date=start_date,
        )

    def close(self) -> None:
        self.session.close()

    def pages(self, stream: Stream, window: Window) -> Iterator[Page]:
        if stream.name == "ad_accounts":
            yield Page(self.accounts())
        elif stream.name == "campaigns":
            for account in self.accounts():
                path = f"/act_{account['account_id']}/campaigns"
                for records in self._edge(path, {"fields": ",".join(CAMPAIGN_FIELDS)}, stream.name):
                    yield Page(records)
        else:
            for account in self.accounts():
                yield from self._insights(account, window, stream.name)

    def accounts(self) -> list[Record]:
        """The ad accounts to sync (read once per run): the configured ids, or all the token can reach."""
        if self._accounts is None:
            fields = {"fields": ",".join(ACCOUNT_FIELDS)}
            if self.account_ids is None:
                found = [r for records in self._edge("/me/adaccounts", fields, "ad_accounts") for r in records]
            else:
                found = [self._get(f"/act_{a}", fields, "ad_accounts") for a in self.account_ids]
            self._accounts = found
        return self._accounts

    def _insights(self, account: Record, window: Window, stream: str) -> Iterator[Page]:
        zone = _zone(account)
        until = window.end.astimezone(zone).date()
        # Meta keeps 37 months of insights counted back from today, not from the interval asked for.
        kept_since = datetime.now(zone).date() - timedelta(days=HISTORY_DAYS)
        since = window.start.astimezone(zone).date() if window.start is not None else self.start_date or kept_since
        if since < kept_since:
            log.info(
                "%s.%s: Meta keeps insights from %s on, so asking from then, not %s", NAME, stream, kept_since, since
            )
            since = kept_since
        if since > until:
            return
        params = {
            "level": "campaign",
            "time_increment": "1",
            "time_range": json.dumps({"since": since.isoformat(), "until": until.isoformat()}),
            "fields": ",".join(INSIGHT_FIELDS),
            "action_attribution_windows": json.dumps(list(ATTRIBUTION_WINDOWS)),
        }
        log.info("%s.%s: act_%s, %s to %s (%s)", NAME, stream, account.get("account_id"), since, until, zone.key)
        for records in self._edge(f"/act_{account['account_id']}/insights", params, stream):
            yield Page(records)

    def _edge(self, path: str, params: Mapping[str, str], stream: str) -> Iterator[list[Record]]:
        """Page through an edge by its ``after`` cursor while the answer says there is a next page."""
        request = PageRequest("GET", f"/{self.api_version}{path}", params)
        for records, _ in paged(self.session, request, EDGE_PAGING, records_at(("data",)), stream=stream):
            yield records

    def _get(self, path: str, params: Mapping[str, str], stream: str) -> Record:
        answer = self.session.request_json("GET", f"/{self.api_version}{path}", for_stream=stream, params=params)
        if not isinstance(answer, dict) or "id" not in answer:
            raise ConnectorError(f"meta_ads.{stream}: {path} answered without an 'id': {str(answer)[:200]}")
        return answer


def _zone(account: Record) -> ZoneInfo:
    name = account.get("timezone_name") or "UTC"
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConnectorError(f"meta_ads: ad account {account.get('id')} has an unknown time zone {name!r}.") from None


def graph_errors_as_http_statuses(response: requests.Response, *args: Any, **kwargs: Any) -> requests.Response:
    """Give a Graph API error the HTTP status that means the same (a ``requests`` response hook).

    Throttling becomes 429 with ``Retry-After`` (from the usage headers, when they name a wait), token errors 401,
    permission errors 403, transient errors 503; anything else keeps its status (a validation error: not retried).
    """
    if response.status_code < 400:
        return response
    try:
        error = response.json().get("error")
    except (ValueError, AttributeError):
        return response
    if not isinstance(error, dict) or not isinstance(error.get("code"), int):
        return response
    code = error["code"]
    if code in THROTTLING_CODES:
        response.status_code = 429
        wait = _throttle_wait(response.headers)
        if wait is not None:
            response.headers["Retry-After"] = str(wait)
    elif code in TOKEN_CODES or (code == 2500 and "access token" in str(error.get("message", ""))):
        response.status_code = 401
    elif code == 10 or 200 <= code <= 299:
        response.status_code = 403
    elif error.get("is_transient") is True or code in (1, 2):
        response.status_code = 503
    return response


def _throttle_wait(headers: Mapping[str, str]) -> int | None:
    """Whole seconds until the quota is back, from ``X-Ad-Account-Usage`` or ``X-Business-Use-Case-Usage``."""
    waits: list[int] = []
    try:
        account = json.loads(headers.get("x-ad-account-usage") or "{}")
        if isinstance(account, dict) and isinstance(account.get("reset_time_duration"), int | float):
            waits.append(int(account["reset_time_duration"]))
        business = json.loads(headers.get("x-business-use-case-usage") or "{}")
        for entries in business.values() if isinstance(business, dict) else ():
            for entry in entries if isinstance(entries, list) else ():
                minutes = entry.get("estimated_time_to_regain_access") if isinstance(entry, dict) else None
                if isinstance(minutes, int | float) and minutes > 0:
                    waits.append(int(minutes * 60))
    except ValueError:
        return None
    positive = [w for w in waits if w > 0]
    return min(positive) if positive else None
