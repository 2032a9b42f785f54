"""Meta Marketing API (Graph API) emulation: the ad accounts a token reaches, their campaigns, and daily campaign
insights over the world's Facebook and Instagram ad clicks.

Follows Meta's public reference; references:

- Graph API versioned paths, nodes, edges and the ``fields`` parameter:
  https://developers.facebook.com/docs/graph-api/overview and https://developers.facebook.com/docs/graph-api/results
  (cursor paging: ``{"data": [...], "paging": {"cursors": {"before", "after"}, "previous", "next"}}``; ``next``
  is absent on the last page; ``limit``, ``after``, ``before``).
- Ad account node (``id`` = ``act_<account_id>``, ``account_id``, ``name``, ``currency``, ``timezone_name``,
  ``timezone_offset_hours_utc``, ``account_status``, ``created_time``) and ``/me/adaccounts``:
  https://developers.facebook.com/docs/marketing-api/reference/ad-account
- Campaigns edge ``/act_<id>/campaigns`` (``id``, ``name``, ``objective``, ``status``, ``effective_status``,
  ``buying_type``, ``created_time``, ``start_time``, ``updated_time``, ``daily_budget`` in minor units):
  https://developers.facebook.com/docs/marketing-api/reference/ad-campaign-group
- Insights ``/act_<id>/insights`` with ``level``, ``time_increment``, ``time_range={"since","until"}``,
  ``fields``, ``action_attribution_windows``; rows with ``date_start``/``date_stop`` in the account's time zone,
  metrics as strings, ``actions``/``action_values`` as ``[{"action_type", "value", "<window>": ...}]``:
  https://developers.facebook.com/docs/marketing-api/insights,
  https://developers.facebook.com/docs/marketing-api/insights/parameters,
  https://developers.facebook.com/docs/marketing-api/reference/ads-insights
- Errors (``{"error": {"message", "type", "code", "error_subcode", "fbtrace_id"}}``, HTTP 400; ``OAuthException``
  190 for an invalid token, 104 / 2500 for a missing one, ``GraphMethodException`` 100 subcode 33 for an object
  the token cannot see): https://developers.facebook.com/docs/graph-api/guides/error-handling
- Rate limiting (Business Use Case limits: ``X-Business-Use-Case-Usage`` with ``call_count``, ``total_cputime``,
  ``total_time``, ``estimated_time_to_regain_access`` in minutes; ``X-Ad-Account-Usage`` with
  ``acc_id_util_pct`` and ``reset_time_duration`` in seconds; a throttled call is an HTTP 400 with code 80000
  (ads_insights) or 80004 (ads_management), subcode 2446079, or code 17 "User request limit reached"):
  https://developers.facebook.com/docs/marketing-api/overview/rate-limiting and
  https://developers.facebook.com/docs/graph-api/overview/rate-limiting

Modelled simply (docs/sources/meta_ads.md): two ad accounts, USD in ``America/Los_Angeles`` and EUR in
``Europe/Dublin``; a buyer's Facebook and Instagram clicks (``Touch.fbclid``) go to the account of the buyer's
currency, to the campaign named on the touch. Impressions, reach and spend follow from the clicks with per
campaign-day rates drawn from digests (no buyer's random stream is touched). The platform's purchases over-claim:
every real purchase within 7 days of a click (credited to the last click, on the click's day) plus view-through
purchases that never happened, drawn from digests. What is served is the state at the sandbox clock: clicks and
purchases only once they happened, so a day's actions keep growing for up to 7 days; its spend carries a
provisional over-delivery charge that is credited back over 3 days (restatement), after which the day is final.
"""

from __future__ import annotations

import base64
import hashlib
import math
import re
import threading
import time
from collections import defaultdict, deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import orjson

from sandbox import credentials
from sandbox import vocabulary as vocab
from sandbox.timefmt import MS_PER_DAY, from_ms, to_ms
from sandbox.web import Clock, Request, Response
from sandbox.world import World

GRAPH_VERSION = "v21.0"
META_SOURCES = ("Facebook", "Instagram")  # the paid_social networks whose ads run on Meta (LinkedIn's do not)
CLICK_WINDOW_MS = 7 * MS_PER_DAY  # the default attribution setting: 7-day click ...
VIEW_WINDOW_MS = MS_PER_DAY  # ... and 1-day view
SPEND_SETTLES_DAYS = 3  # the provisional over-delivery charge is credited back over this many days
VIEW_THROUGH_RATE = 0.0002  # view-through purchases claimed per impression
ATTRIBUTION_WINDOWS = ("1d_click", "7d_click", "1d_view")
PURCHASE_ACTIONS = ("offsite_conversion.fb_pixel_purchase", "purchase")

_VERSIONED = re.compile(r"^/(v\d+\.\d+)(/.*)?$")
_ROUTE = re.compile(r"^/(?:(me/adaccounts)|act_(\d+)(/campaigns|/insights)?)/?$")
_TOO_MANY_CALLS = 80000, 80004  # ads_insights, ads_management
_THROTTLE_SUBCODE = 2446079


@dataclass(frozen=True, slots=True)
class MetaAdAccount:
    account_id: str
    name: str
    currency: str
    timezone_name: str


@dataclass(frozen=True, slots=True)
class MetaAdsOptions:
    access_token: str = credentials.META_ACCESS_TOKEN
    accounts: tuple[MetaAdAccount, ...] = field(
        default_factory=lambda: (
            MetaAdAccount(credentials.META_AD_ACCOUNT_USD, "Purchase Path - US", "USD", "America/Los_Angeles"),
            MetaAdAccount(credentials.META_AD_ACCOUNT_EUR, "Purchase Path - EU", "EUR", "Europe/Dublin"),
        )
    )
    default_limit: int = 25
    max_limit: int = 500
    enforce_rate_limits: bool = False  # off: every call passes, the usage headers still report it
    calls_per_window: int = 60  # per ad account (or per user for /me), within window_seconds
    window_seconds: float = 1.0


ACCOUNT_FIELDS = (
    "id",
    "account_id",
    "name",
    "currency",
    "timezone_name",
    "timezone_offset_hours_utc",
    "account_status",
    "created_time",
)
CAMPAIGN_FIELDS = (
    "id",
    "name",
    "account_id",
    "objective",
    "status",
    "configured_status",
    "effective_status",
    "buying_type",
    "daily_budget",
    "created_time",
    "start_time",
    "updated_time",
)
INSIGHT_FIELDS = (
    "account_id",
    "account_name",
    "account_currency",
    "campaign_id",
    "campaign_name",
    "impressions",
    "reach",
    "clicks",
    "spend",
    "cpc",
    "ctr",
    "actions",
    "action_values",
)
_CAMPAIGN_OBJECTIVES = ("OUTCOME_SALES", "OUTCOME_SALES", "OUTCOME_SALES")


class _GraphError(Exception):
    def __init__(
        self,
        message: str,
        code: int = 100,
        *,
        kind: str = "OAuthException",
        subcode: int | None = None,
        transient: bool | None = None,
        headers: tuple[tuple[str, str], ...] = (),
    ) -> None:
        super().__init__(message)
        self.message, self.code, self.kind, self.subcode, self.transient = message, code, kind, subcode, transient
        self.headers = headers


@dataclass(frozen=True, slots=True)
class _Conversion:
    at: int  # when the purchase happened (or the platform claims it did)
    value: Decimal
    window: str  # "1d_click", "7d_click" (1-7 days after the click) or "1d_view" (claimed view-through)


@dataclass
class _Day:
    """What happened for one campaign on one account-local day: clicks (times) and the purchases credited to it."""

    clicks: list[int] = field(default_factory=list)
    conversions: list[_Conversion] = field(default_factory=list)


class MetaAdsApi:
    """The Graph API of one Meta user who manages the brand's ad accounts."""

    name = "meta_ads"

    def __init__(self, world: World, clock: Clock, options: MetaAdsOptions | None = None) -> None:
        self.world = world
        self.clock = clock
        self.options = options or MetaAdsOptions()
        self.accounts = {account.account_id: account for account in self.options.accounts}
        self.zones = {account.account_id: ZoneInfo(account.timezone_name) for account in self.options.accounts}
        self._days: dict[tuple[str, int, date], _Day] | None = None
        self._lock = threading.Lock()
        self._calls: dict[str, deque[float]] = defaultdict(deque)

    def airflow_connection(self, base_url: str) -> dict[str, object]:
        return {
            "conn_type": "http",
            "host": base_url,
            "password": self.options.access_token,
            "extra": {"ad_account_ids": list(self.accounts), "api_version": GRAPH_VERSION},
        }

    def endpoints(self) -> list[str]:
        return [
            "GET  /{version}/me/adaccounts?fields=&limit=&after=",
            "GET  /{version}/act_{account_id}?fields=",
            "GET  /{version}/act_{account_id}/campaigns?fields=&limit=&after=",
            "GET  /{version}/act_{account_id}/insights?level=&time_increment=1&time_range=&fields="
            "&action_attribution_windows=&limit=&after=",
        ]

    # -- entry point --------------------------------------------------------------------------------------------

    def handle(self, request: Request) -> Response | None:
        versioned = _VERSIONED.match(request.path)
        if versioned is None:
            return None
        version, rest = versioned.group(1), versioned.group(2) or "/"
        route = _ROUTE.match(rest)
        if route is None and not rest.startswith(("/me", "/act_")):
            return None  # another Graph-style API (none yet); leave it to its app
        headers: tuple[tuple[str, str], ...] = (("facebook-api-version", version),)
        try:
            self._authenticate(request, is_me=rest.startswith("/me"))
            if route is None:
                raise _GraphError(f"Unknown path components: {rest}", 2500)
            if request.method != "GET":
                node = rest.strip("/")
                raise _GraphError(
                    f"Unsupported {request.method.lower()} request. Object with ID '{node}' does not exist, cannot "
                    "be loaded due to missing permissions, or does not support this operation.",
                    100,
                    kind="GraphMethodException",
                    subcode=33,
                )
            if route.group(1):
                headers += self._admit("me", "app")
                accounts = [{"id": account_id} for account_id in self.accounts]
                return _json(self._list(request, accounts, ACCOUNT_FIELDS, "AdAccount", self._account), headers)
            account_id, edge = route.group(2), route.group(3)
            if account_id not in self.accounts:
                raise _GraphError(
                    f"Unsupported get request. Object with ID 'act_{account_id}' does not exist, cannot be loaded due "
                    "to missing permissions, or does not support this operation. Please read the Graph API "
                    "documentation at https://developers.facebook.com/docs/graph-api",
                    100,
                    kind="GraphMethodException",
                    subcode=33,
                )
            headers += self._admit(account_id, "ads_insights" if edge == "/insights" else "ads_management")
            if edge is None:
                fields = _fields(request, ACCOUNT_FIELDS, ("id", "account_id"), "AdAccount")
                return _json(self._account(account_id, fields), headers)
            if edge == "/campaigns":
                campaigns = [{"id": _campaign_id(account_id, c)} for c in range(len(_campaign_names()))]
                return _json(self._list(request, campaigns, CAMPAIGN_FIELDS, "Campaign", self._campaign), headers)
            return _json(self._insights(request, account_id), headers)
        except _GraphError as error:
            return _error(request, error, headers + error.headers)

    # -- auth and rate limits -----------------------------------------------------------------------------------

    def _authenticate(self, request: Request, *, is_me: bool) -> None:
        token = request.query_value("access_token")
        if token is None:
            scheme, _, value = (request.header("authorization") or "").partition(" ")
            token = value.strip() if scheme.lower() in ("bearer", "oauth") else None
        if not token:
            if is_me:
                raise _GraphError(
                    "An active access token must be used to query information about the current user.", 2500
                )
            raise _GraphError("An access token is required to request this resource.", 104)
        if token != self.options.access_token:
            message = "Invalid OAuth access token - Cannot parse access token"
            challenge = f'OAuth "Facebook Platform" "invalid_token" "{message}"'
            raise _GraphError(message, 190, headers=(("WWW-Authenticate", challenge),))

    def _admit(self, key: str, use_case: str) -> tuple[tuple[str, str], ...]:
        """Count the call against its ad account's (or the user's) quota; throttle it when enforcement is on."""
        o = self.options
        with self._lock:
            now = time.monotonic()
            calls = self._calls[key]
            while calls and calls[0] <= now - o.window_seconds:
                calls.popleft()
            throttled = o.enforce_rate_limits and len(calls) >= o.calls_per_window
            wait = (calls[0] + o.window_seconds - now) if throttled else 0.0
            if not throttled:
                calls.append(now)
            used = min(100, round(100 * len(calls) / o.calls_per_window)) if not throttled else 100
        regain_minutes = math.ceil(wait / 60) if throttled else 0
        if key == "me":
            headers = (
                ("x-app-usage", _compact({"call_count": used, "total_cputime": used // 2, "total_time": used // 2})),
            )
        else:
            usage = {
                "type": use_case,
                "call_count": used,
                "total_cputime": used // 2,
                "total_time": used // 2,
                "estimated_time_to_regain_access": regain_minutes,
                "ads_api_access_tier": "standard_access",
            }
            headers = (
                ("x-business-use-case-usage", _compact({key: [usage]})),
                (
                    "x-ad-account-usage",
                    _compact(
                        {
                            "acc_id_util_pct": used,
                            "reset_time_duration": math.ceil(wait),
                            "ads_api_access_tier": "standard_access",
                        }
                    ),
                ),
            )
        if not throttled:
            return headers
        if key == "me":
            raise _GraphError(
                "(#17) User request limit reached", 17, subcode=_THROTTLE_SUBCODE, transient=True, headers=headers
            )
        code = _TOO_MANY_CALLS[0] if use_case == "ads_insights" else _TOO_MANY_CALLS[1]
        raise _GraphError(
            f"(#{code}) There have been too many calls from this ad-account. Wait a bit and try again. For more "
            "info, please refer to https://developers.facebook.com/docs/graph-api/overview/rate-limiting.",
            code,
            subcode=_THROTTLE_SUBCODE,
            transient=True,
            headers=headers,
        )

    # -- nodes and edges ----------------------------------------------------------------------------------------

    def _list(self, request: Request, items: list[dict], known: Sequence[str], node: str, expand) -> dict[str, Any]:
        """A paged edge of ids, each expanded to the fields asked for (default: ``id``)."""
        fields = _fields(request, known, ("id",), node)
        page = _page(request, items, self.options, self.options.access_token)
        page["data"] = [expand(item["id"], fields) for item in page["data"]]
        return page

    def _account(self, account_id: str, fields: Sequence[str]) -> dict[str, Any]:
        account = self.accounts[account_id]
        zone = self.zones[account_id]
        now = from_ms(self.clock.now_ms).astimezone(zone)
        created = self._local_start(account_id, self.world.start_date - timedelta(days=400)) + 9 * 3_600_000
        values = {
            "id": f"act_{account_id}",
            "account_id": account_id,
            "name": account.name,
            "currency": account.currency,
            "timezone_name": account.timezone_name,
            "timezone_offset_hours_utc": (now.utcoffset() or timedelta(0)) / timedelta(hours=1),
            "account_status": 1,
            "created_time": _graph_time(created, zone),
        }
        return {name: values[name] for name in fields}

    def _campaign(self, campaign_id: str, fields: Sequence[str]) -> dict[str, Any]:
        account_id, index = _parse_campaign_id(campaign_id, self.accounts)
        zone = self.zones[account_id]
        created = self._local_start(account_id, self.world.start_date - timedelta(days=14 - index)) + 10 * 3_600_000
        budget = 5000 + 2500 * index if self.accounts[account_id].currency == "USD" else 4000 + 2000 * index
        values = {
            "id": campaign_id,
            "name": _campaign_names()[index],
            "account_id": account_id,
            "objective": _CAMPAIGN_OBJECTIVES[index % len(_CAMPAIGN_OBJECTIVES)],
            "status": "ACTIVE",
            "configured_status": "ACTIVE",
            "effective_status": "ACTIVE",
            "buying_type": "AUCTION",
            "daily_budget": str(budget),
            "created_time": _graph_time(created, zone),
            "start_time": _graph_time(self._local_start(account_id, self.world.start_date - timedelta(days=1)), zone),
            "updated_time": _graph_time(created, zone),
        }
        return {name: values[name] for name in fields}

    # -- insights -------------------------------------------------------------------------------------------------

    def _insights(self, request: Request, account_id: str) -> dict[str, Any]:
        level = request.query_value("level") or "account"
        if level not in ("account", "campaign"):
            raise _GraphError(f"(#100) level: the sandbox serves level=account and level=campaign, not {level!r}")
        increment = request.query_value("time_increment") or "all_days"
        if increment not in ("1", "all_days"):
            raise _GraphError("(#100) time_increment: the sandbox serves 1 (daily) and all_days")
        fields = [f for f in _fields(request, INSIGHT_FIELDS, ("impressions", "spend"), "AdsInsights")]
        if level == "account":
            fields = [f for f in fields if not f.startswith("campaign_")]
        windows = _windows(request.query_value("action_attribution_windows"))
        today = from_ms(self.clock.now_ms).astimezone(self.zones[account_id]).date()
        since, until = _time_range(request.query_value("time_range"), today)
        rows = self._daily_rows(account_id, since, min(until, today))
        if level == "account":
            rows = _merge(rows, lambda r: (r["day"],))
        if increment == "all_days":
            rows = _merge(rows, lambda r: (r.get("campaign"),))
            for row in rows:
                row["first"], row["last"] = since, until
        served = [self._insight_row(account_id, row, fields, windows) for row in rows]
        return _page(request, served, self.options, self.options.access_token)

    def _daily_rows(self, account_id: str, since: date, until: date) -> list[dict[str, Any]]:
        """One row per campaign and day with delivery, in (day, campaign) order, as of the clock."""
        clock = self.clock.now_ms
        days = self._index()
        rows = []
        day = max(since, from_ms(self.world.start_ms).astimezone(self.zones[account_id]).date())
        last_day = min(until, from_ms(self.world.end_ms - 1).astimezone(self.zones[account_id]).date())
        while day <= last_day:
            start, end = self._local_start(account_id, day), self._local_start(account_id, day + timedelta(days=1))
            for index in range(len(_campaign_names())):
                row = self._campaign_day(account_id, index, day, start, end, days.get((account_id, index, day)), clock)
                if row is not None:
                    rows.append(row)
            day += timedelta(days=1)
        return rows

    def _campaign_day(
        self, account_id: str, index: int, day: date, start: int, end: int, happened: _Day | None, clock: int
    ) -> dict[str, Any] | None:
        live_from, live_to = max(start, self.world.start_ms), min(end, self.world.end_ms)
        covered = max(0, min(clock, live_to) - live_from) / MS_PER_DAY  # the part of the day delivered by the clock
        if covered <= 0:
            return None
        rates = _Rates(self.world.seed, account_id, index, day)
        happened = happened or _Day()
        clicks = sum(1 for at in happened.clicks if at <= clock)
        impressions = round(clicks / rates.ctr + rates.baseline_impressions * covered)
        if impressions == 0:
            return None
        reach = max(clicks, round(impressions / rates.frequency))
        spend = Decimal(clicks) * rates.cpc + Decimal(impressions) * rates.cpm / 1000
        age_days = (clock - end) // MS_PER_DAY if clock >= end else -1
        if age_days < SPEND_SETTLES_DAYS:  # the provisional over-delivery charge, credited back day by day
            spend += spend * rates.over_delivery * (SPEND_SETTLES_DAYS - max(0, age_days)) / SPEND_SETTLES_DAYS
        full_impressions = len(happened.clicks) / rates.ctr + rates.baseline_impressions * (
            (live_to - live_from) / MS_PER_DAY
        )
        claimed = happened.conversions + _view_through(rates, start, full_impressions, self.accounts[account_id])
        return {
            "day": day,
            "first": day,
            "last": day,
            "campaign": index,
            "impressions": impressions,
            "reach": reach,
            "clicks": clicks,
            "landing_page_views": clicks - round(clicks * rates.landing_drop),
            "spend": spend,
            "conversions": [c for c in claimed if c.at <= clock],
        }

    def _insight_row(
        self, account_id: str, row: Mapping[str, Any], fields: Sequence[str], windows: Sequence[str]
    ) -> dict[str, Any]:
        account = self.accounts[account_id]
        index = row.get("campaign")
        spend = _money(row["spend"])
        clicks, impressions = row["clicks"], row["impressions"]
        values: dict[str, Any] = {
            "account_id": account_id,
            "account_name": account.name,
            "account_currency": account.currency,
            "campaign_id": _campaign_id(account_id, index) if index is not None else None,
            "campaign_name": _campaign_names()[index] if index is not None else None,
            "impressions": str(impressions),
            "reach": str(row["reach"]),
            "clicks": str(clicks),
            "spend": _number(spend),
            "cpc": _number((spend / clicks).quantize(Decimal("0.000001"))) if clicks else None,
            "ctr": _number((Decimal(100 * clicks) / impressions).quantize(Decimal("0.000001"))),
            "actions": _actions(row, windows, lambda c: Decimal(1)),
            "action_values": _actions(row, windows, lambda c: c.value, values_only=True),
        }
        served = {name: values[name] for name in fields if values[name] is not None}
        served["date_start"] = row["first"].isoformat()
        served["date_stop"] = row["last"].isoformat()
        return served

    # -- the world's clicks, indexed once -------------------------------------------------------------------------

    def _index(self) -> dict[tuple[str, int, date], _Day]:
        with self._lock:
            if self._days is None:
                self._days = self._build_index()
            return self._days

    def _build_index(self) -> dict[tuple[str, int, date], _Day]:
        by_currency = {account.currency: account.account_id for account in self.options.accounts}
        names = _campaign_names()
        days: dict[tuple[str, int, date], _Day] = defaultdict(_Day)
        for buyer in self.world.iter_buyers():
            account_id = by_currency.get(buyer.currency)
            if account_id is None:
                continue
            zone = self.zones[account_id]
            clicks = [t for t in buyer.touches if meta_click(t)]
            for touch in clicks:
                day = from_ms(touch.at).astimezone(zone).date()
                days[(account_id, names.index(touch.campaign), day)].clicks.append(touch.at)
            for purchase in buyer.purchases:
                before = [t for t in clicks if t.at < purchase.at <= t.at + CLICK_WINDOW_MS]
                if not before:
                    continue
                last = before[-1]  # the last click before the purchase gets the credit, on the click's day
                day = from_ms(last.at).astimezone(zone).date()
                window = "1d_click" if purchase.at - last.at <= MS_PER_DAY else "7d_click"
                days[(account_id, names.index(last.campaign), day)].conversions.append(
                    _Conversion(purchase.at, purchase.amount, window)
                )
        return dict(days)

    def _local_start(self, account_id: str, day: date) -> int:
        return to_ms(datetime(day.year, day.month, day.day, tzinfo=self.zones[account_id]))


def meta_click(touch: Any) -> bool:
    """A click on a Meta ad: paid social on Facebook or Instagram (it carries an fbclid)."""
    return touch.channel == "paid_social" and touch.source in META_SOURCES


def _campaign_names() -> tuple[str, ...]:
    return vocab.CAMPAIGNS["paid_social"]


def _campaign_id(account_id: str, index: int) -> str:
    """Meta campaign ids are 18-digit numbers; ours encode the account's position and the campaign's."""
    return str(120_210_000_000_000_000 + int(account_id) % 1_000_000 * 100 + index + 1)


def _parse_campaign_id(campaign_id: str, accounts: Mapping[str, MetaAdAccount]) -> tuple[str, int]:
    for account_id in accounts:
        for index in range(len(_campaign_names())):
            if _campaign_id(account_id, index) == campaign_id:
                return account_id, index
    raise _GraphError(f"Unsupported get request. Object with ID '{campaign_id}' does not exist", 100, subcode=33)


class _Rates:
    """A campaign-day's delivery rates, drawn from digests of (seed, account, campaign, day)."""

    def __init__(self, seed: int, account_id: str, index: int, day: date) -> None:
        self.key = f"{seed}/meta_ads/{account_id}/{index}/{day.isoformat()}"
        self.ctr = 0.008 + 0.010 * self.unit("ctr")  # 0.8% .. 1.8% of impressions are clicked
        self.frequency = 1.05 + 0.35 * self.unit("frequency")
        self.baseline_impressions = 120 + 260 * self.unit("baseline")  # impressions a day beyond the clickers'
        self.cpc = Decimal(str(round(0.55 + 0.95 * self.unit("cpc"), 2)))
        self.cpm = Decimal(str(round(2.0 + 4.0 * self.unit("cpm"), 2)))
        self.over_delivery = Decimal(str(round(0.01 + 0.03 * self.unit("over_delivery"), 4)))
        self.landing_drop = 0.05 + 0.2 * self.unit("landing")

    def unit(self, aspect: str) -> float:
        """A number in [0, 1), the same for the same campaign-day and aspect."""
        digest = hashlib.blake2b(f"{self.key}/{aspect}".encode(), digest_size=8).digest()
        return int.from_bytes(digest, "big") / 2**64


def _view_through(rates: _Rates, day_start: int, impressions: float, account: MetaAdAccount) -> list[_Conversion]:
    """Purchases Meta claims for people who saw an ad and did not click: none of them really happened."""
    count = math.floor(impressions * VIEW_THROUGH_RATE + rates.unit("view_through"))
    claimed = []
    for k in range(count):
        seen = day_start + int(rates.unit(f"view/{k}/seen") * MS_PER_DAY)
        at = seen + int(rates.unit(f"view/{k}/delay") * VIEW_WINDOW_MS)
        low, high = (60, 450) if account.currency == "USD" else (50, 400)
        value = Decimal(str(round(low + (high - low) * rates.unit(f"view/{k}/value"), 2)))
        claimed.append(_Conversion(at, value, "1d_view"))
    return claimed


def _actions(
    row: Mapping[str, Any], windows: Sequence[str], amount, *, values_only: bool = False
) -> list[dict[str, str]] | None:
    """``actions`` (counts) or ``action_values`` (money) as Meta lists them: non-zero ones only, in type order."""
    conversions: list[_Conversion] = row["conversions"]
    found: list[dict[str, str]] = []
    if not values_only:
        for action_type, count in (("landing_page_view", row["landing_page_views"]), ("link_click", row["clicks"])):
            if count:
                entry = {"action_type": action_type, "value": str(count)}
                entry.update({w: str(count) for w in windows if w.endswith("_click")})
                found.append(entry)
    total = sum((amount(c) for c in conversions), Decimal(0))
    if conversions:
        for action_type in PURCHASE_ACTIONS:
            entry = {"action_type": action_type, "value": _number(total)}
            for window in windows:
                credited = [c for c in conversions if _counts_in(c.window, window)]
                if credited:
                    entry[window] = _number(sum((amount(c) for c in credited), Decimal(0)))
            found.append(entry)
    found.sort(key=lambda e: e["action_type"])
    return found or None


def _counts_in(conversion_window: str, asked: str) -> bool:
    if asked == "1d_view":
        return conversion_window == "1d_view"
    if asked == "1d_click":
        return conversion_window == "1d_click"
    return conversion_window in ("1d_click", "7d_click")  # 7d_click


def _merge(rows: list[dict[str, Any]], key) -> list[dict[str, Any]]:
    """Sum rows that share ``key`` (account level: over campaigns; all_days: over days). Reach is summed too,
    an over-count that the sandbox accepts (Meta de-duplicates people)."""
    merged: dict[tuple, dict[str, Any]] = {}
    for row in rows:
        k = key(row)
        if k not in merged:
            merged[k] = {**row, "conversions": list(row["conversions"])}
            if len(k) == 1 and isinstance(k[0], date):
                merged[k]["campaign"] = None
            continue
        target = merged[k]
        for name in ("impressions", "reach", "clicks", "landing_page_views", "spend"):
            target[name] += row[name]
        target["conversions"] += row["conversions"]
    return list(merged.values())


# -- request parsing ----------------------------------------------------------------------------------------------


def _fields(request: Request, known: Sequence[str], default: Sequence[str], node: str) -> list[str]:
    raw = request.query_value("fields")
    if raw is None or not raw.strip():
        return list(default)
    fields = [name.strip() for name in raw.split(",") if name.strip()]
    for name in fields:
        if name not in known:
            if node == "AdsInsights":
                raise _GraphError(
                    f"(#100) {name} is not valid for fields param. please check "
                    "https://developers.facebook.com/docs/marketing-api/reference/ads-insights/ for all valid values"
                )
            raise _GraphError(f"(#100) Tried accessing nonexisting field ({name}) on node type ({node})")
    return list(dict.fromkeys(fields))


def _windows(raw: str | None) -> list[str]:
    if not raw:
        return []
    try:
        windows = orjson.loads(raw) if raw.strip().startswith("[") else raw.split(",")
    except orjson.JSONDecodeError:
        raise _GraphError("(#100) param action_attribution_windows must be an array.") from None
    for window in windows:
        if window not in ATTRIBUTION_WINDOWS:
            raise _GraphError(
                f"(#100) action_attribution_windows[0] must be one of the following values: "
                f"{', '.join(ATTRIBUTION_WINDOWS)} (the sandbox's subset); got {window!r}"
            )
    return list(windows)


def _time_range(raw: str | None, today: date) -> tuple[date, date]:
    """``time_range={"since": "YYYY-MM-DD", "until": "YYYY-MM-DD"}``; absent: the last 30 days, today excluded."""
    if raw is None:
        return today - timedelta(days=30), today - timedelta(days=1)
    try:
        parsed = orjson.loads(raw)
        since, until = date.fromisoformat(parsed["since"]), date.fromisoformat(parsed["until"])
    except (orjson.JSONDecodeError, KeyError, TypeError, ValueError):
        raise _GraphError(
            "(#100) param time_range must be a JSON object with since and until dates (YYYY-MM-DD)"
        ) from None
    if since > until:
        raise _GraphError("(#100) Please provide a valid time_range: since must not be after until")
    if since < today - timedelta(days=37 * 30):
        raise _GraphError(
            "(#3018) The start date of the time range cannot be beyond 37 months from the current date", 3018
        )
    return since, until


def _page(request: Request, items: list[dict], options: MetaAdsOptions, token: str) -> dict[str, Any]:
    """Cursor paging as the Graph API does it: ``after``/``before`` cursors, ``next``/``previous`` links."""
    try:
        limit = int(request.query_value("limit") or options.default_limit)
    except ValueError:
        raise _GraphError("(#100) param limit must be a number") from None
    limit = max(1, min(limit, options.max_limit))
    after, before = request.query_value("after"), request.query_value("before")
    if after:
        start = _position(after) + 1
        stop = start + limit
    elif before:
        stop = _position(before)
        start = max(0, stop - limit)
    else:
        start, stop = 0, limit
    data = items[start:stop]
    answer: dict[str, Any] = {"data": data}
    if not data:
        return answer
    last = start + len(data) - 1
    paging: dict[str, Any] = {"cursors": {"before": _cursor(start), "after": _cursor(last)}}
    query = [(k, v) for k, v in request.query if k not in ("after", "before", "access_token")]
    link = f"{request.base_url}{request.path}?"
    if start > 0:
        paging["previous"] = link + urlencode([*query, ("access_token", token), ("before", _cursor(start))])
    if last + 1 < len(items):
        paging["next"] = link + urlencode([*query, ("access_token", token), ("after", _cursor(last))])
    answer["paging"] = paging
    return answer


def _cursor(position: int) -> str:
    """Meta's cursors look like ``MAZDZD``: base64 with each ``=`` written ``ZD``. Ours encode a position."""
    return base64.b64encode(str(position).encode()).decode().replace("=", "ZD")


def _position(cursor: str) -> int:
    try:
        return int(base64.b64decode(cursor.replace("ZD", "=")).decode())
    except (ValueError, UnicodeDecodeError):
        raise _GraphError("(#100) Invalid cursor", 100) from None


# -- formatting -----------------------------------------------------------------------------------------------------


def _graph_time(ms: int, zone: ZoneInfo) -> str:
    """``2026-06-17T10:00:00-0700``: the Graph API's datetimes, in the account's time zone."""
    return from_ms(ms).astimezone(zone).strftime("%Y-%m-%dT%H:%M:%S%z")


def _money(amount: Decimal) -> Decimal:
    return amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _number(amount: Decimal) -> str:
    """Meta writes decimals without trailing zeros (``"5339.5"``, ``"12"``)."""
    text = format(amount.normalize(), "f")
    return text


def _compact(payload: Any) -> str:
    return orjson.dumps(payload).decode()


def _json(payload: Any, headers: tuple[tuple[str, str], ...]) -> Response:
    return Response.json(200, payload, headers)


def _error(request: Request, error: _GraphError, headers: tuple[tuple[str, str], ...]) -> Response:
    trace = base64.b64encode(request.fingerprint("meta_ads")[:8], altchars=b"-_").decode().rstrip("=")
    body: dict[str, Any] = {"message": error.message, "type": error.kind, "code": error.code}
    if error.subcode is not None:
        body["error_subcode"] = error.subcode
    if error.transient is not None:
        body["is_transient"] = error.transient
    body["fbtrace_id"] = trace
    return Response.json(400, {"error": body}, headers)
