"""Google Ads API (REST) emulation: ``googleAds:searchStream`` with the GAQL subset of :mod:`sandbox.vendors.gaql`
over the ``customer``, ``campaign`` and ``click_view`` resources, ``customers:listAccessibleCustomers``, and
Google's OAuth 2.0 token endpoint (refresh-token grant), over the world's Google ad clicks.

References (Google's public documentation):

- searchStream: https://developers.google.com/google-ads/api/rest/reference/rest/v21/customers.googleAds/searchStream
  — ``POST /v{version}/customers/{customerId}/googleAds:searchStream`` with ``{"query": "<GAQL>"}``; the answer is a
  JSON array of ``SearchGoogleAdsStreamResponse`` batches (``results``, ``fieldMask``, ``requestId``,
  ``queryResourceConsumption`` on the last), https://developers.google.com/google-ads/api/reference/rpc/v21/SearchGoogleAdsStreamResponse
- REST conventions: https://developers.google.com/google-ads/api/rest/design/json-mappings — fields in
  ``lowerCamelCase``, int64 values as JSON strings; headers ``Authorization: Bearer``, ``developer-token``,
  optional ``login-customer-id``: https://developers.google.com/google-ads/api/rest/auth
- GAQL: https://developers.google.com/google-ads/api/docs/query/grammar and
  https://developers.google.com/google-ads/api/docs/query/date-ranges (a date segment in SELECT needs a finite
  date filter)
- Resources: https://developers.google.com/google-ads/api/fields/v21/customer,
  https://developers.google.com/google-ads/api/fields/v21/campaign,
  https://developers.google.com/google-ads/api/reference/rpc/v21/ClickView (one day per query, at most 90 days back;
  resource name ``customers/{customer_id}/clickViews/{date}~{gclid}``)
- Errors: https://developers.google.com/google-ads/api/docs/best-practices/error-types and the enums
  ``QueryError``, ``ClickViewError`` (``EXPECTED_FILTER_ON_A_SINGLE_DAY``, ``DATE_TOO_OLD``),
  ``AuthenticationError``, ``AuthorizationError`` (``USER_PERMISSION_DENIED``), ``QuotaError``
  (``RESOURCE_TEMPORARILY_EXHAUSTED``): ``{"error": {"code", "message", "status", "details": [{"@type":
  "type.googleapis.com/google.ads.googleads.v21.errors.GoogleAdsFailure", "errors": [{"errorCode": {...},
  "message"}], "requestId"}]}}``; searchStream wraps it in an array, as it streams.
- listAccessibleCustomers: https://developers.google.com/google-ads/api/rest/reference/rest/v21/customers/listAccessibleCustomers
- OAuth 2.0 token endpoint (``grant_type=refresh_token``; errors ``invalid_client`` 401, ``invalid_grant`` 400):
  https://developers.google.com/identity/protocols/oauth2/web-server#offline

What is served (see docs/sources/google_ads.md): two client accounts, USD in ``America/New_York`` and EUR in
``Europe/Berlin``; a buyer's ad clicks (the world's ``paid_search`` and ``display`` touches, which carry a gclid)
go to the account of the buyer's currency. Per campaign and account-local day: clicks are the world's clicks by
the clock; impressions follow from a plausible CTR, cost from a plausible CPC per click; ``metrics.conversions``
are the purchases within the conversion window after a click (credited to the last Google click, on the click's
day) plus a modelled uplift and view-through conversions, so the platform claims more than the world attributes.
A day's conversions and cost (invalid-click credits) change for three days after it ends, then settle. All
noise comes from digests of (seed, buyer or account, what), never from the world's own random streams.
"""

from __future__ import annotations

import base64
import hashlib
import threading
import time
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qsl
from zoneinfo import ZoneInfo

import orjson

from sandbox import credentials
from sandbox import identifiers as ids
from sandbox import vocabulary as vocab
from sandbox.timefmt import MS_PER_DAY, MS_PER_HOUR, to_ms
from sandbox.vendors import gaql
from sandbox.web import Clock, Request, Response
from sandbox.world import World

GOOGLE_CHANNELS = {"paid_search": "SEARCH", "display": "DISPLAY"}  # world channel -> advertisingChannelType
CLICK_VIEW_DAYS = 90  # click_view reaches this many days back from today
RESTATEMENT_DAYS = 3  # a day's credits and modelled conversions land over this many days after it ends
AVERAGE_MODELLED_VALUE = {"USD": Decimal("160"), "EUR": Decimal("150")}  # value of one modelled conversion
BASE_CPC = {("SEARCH", "USD"): 2.40, ("SEARCH", "EUR"): 2.10, ("DISPLAY", "USD"): 0.55, ("DISPLAY", "EUR"): 0.48}
VIEW_THROUGH_RATE = {"SEARCH": 0.0002, "DISPLAY": 0.0008}  # modelled conversions per impression, once settled

_UNAUTHENTICATED = (
    "Request is missing required authentication credential. Expected OAuth 2 access token, login cookie or other "
    "valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project."
)
_BAD_TOKEN = (
    "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid "
    "authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project."
)
_PERMISSION = (
    "User doesn't have permission to access customer. Note: If you're accessing a client customer, the manager's "
    "customer id must be set in the 'login-customer-id' header. See "
    "https://developers.google.com/google-ads/api/docs/concepts/call-structure#cid"
)
_STATUS = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    429: "RESOURCE_EXHAUSTED",
}
_TOP_MESSAGE = {
    400: "Request contains an invalid argument.",
    401: "Request is missing required authentication credential.",
    403: "The caller does not have permission",
    429: "Resource has been exhausted (e.g. check quota).",
}


@dataclass(frozen=True, slots=True)
class Account:
    customer_id: str
    name: str
    currency: str
    time_zone: str


ACCOUNTS = (
    Account(credentials.GOOGLE_ADS_CUSTOMER_ID_USD, "Purchase Path - US", "USD", "America/New_York"),
    Account(credentials.GOOGLE_ADS_CUSTOMER_ID_EUR, "Purchase Path - EU", "EUR", "Europe/Berlin"),
)


@dataclass(frozen=True, slots=True)
class GoogleAdsOptions:
    access_token: str = credentials.GOOGLE_ADS_ACCESS_TOKEN
    developer_token: str = credentials.GOOGLE_ADS_DEVELOPER_TOKEN
    client_id: str = credentials.GOOGLE_ADS_CLIENT_ID
    client_secret: str = credentials.GOOGLE_ADS_CLIENT_SECRET
    refresh_token: str = credentials.GOOGLE_ADS_REFRESH_TOKEN
    manager_id: str = credentials.GOOGLE_ADS_MANAGER_ID
    batch_size: int = 10_000  # rows per searchStream batch (Google's is 10,000)
    conversion_window_days: int = 3  # the conversion action's click-through window (Google allows 1 to 90)
    requests_per_second: int | None = None  # None: no rate limit enforced; else 429 RESOURCE_EXHAUSTED past it


@dataclass(frozen=True, slots=True)
class Campaign:
    account: Account
    id: str
    name: str
    channel_type: str  # SEARCH or DISPLAY
    start_date: date  # account-local

    def ad_groups(self) -> tuple[tuple[str, str], ...]:
        suffixes = ("Exact", "Broad") if self.channel_type == "SEARCH" else ("In-market", "Custom intent")
        return tuple((str(int(self.id) * 100 + n + 1), f"{self.name} - {suffix}") for n, suffix in enumerate(suffixes))


@dataclass(frozen=True, slots=True)
class Click:
    campaign: Campaign
    day: date  # account-local
    at: int
    gclid: str
    ad_group: tuple[str, str]
    term: str | None
    cost_micros: int


@dataclass(frozen=True, slots=True)
class Conversion:
    reported_at: int  # when the platform counts it (the purchase, plus a processing delay)
    value: Decimal


class _ApiError(Exception):
    def __init__(self, status: int, message: str, code: tuple[str, str] | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.code = status, message, code


class _Ledger:
    """The world's Google ad clicks and the conversions the platform ties to them, indexed once."""

    def __init__(self, world: World, options: GoogleAdsOptions) -> None:
        self.world = world
        self.zones = {a.customer_id: ZoneInfo(a.time_zone) for a in ACCOUNTS}
        self.campaigns: dict[str, list[Campaign]] = {}
        by_name: dict[tuple[str, str], Campaign] = {}
        for number, account in enumerate(ACCOUNTS):
            start = self.local_day(account, world.start_ms)
            listed = []
            for position, (channel, channel_type) in enumerate(GOOGLE_CHANNELS.items()):
                for n, name in enumerate(vocab.CAMPAIGNS[channel]):
                    campaign_id = str(17_900_000_000 + 1000 * number + 100 * position + n + 1)
                    campaign = Campaign(account, campaign_id, name, channel_type, start)
                    listed.append(campaign)
                    by_name[(account.customer_id, name)] = campaign
            self.campaigns[account.customer_id] = listed
        self.clicks: dict[tuple[str, date], list[Click]] = defaultdict(list)  # (customer, day) -> clicks, by time
        self.conversions: dict[tuple[str, date], list[Conversion]] = defaultdict(list)  # (campaign id, day)
        window = options.conversion_window_days * MS_PER_DAY
        for buyer in world.iter_buyers():
            account = ACCOUNTS[0] if buyer.currency == "USD" else ACCOUNTS[1]
            clicks = []
            for touch in buyer.touches:
                if touch.gclid is None or touch.channel not in GOOGLE_CHANNELS or touch.campaign is None:
                    continue
                campaign = by_name[(account.customer_id, touch.campaign)]
                groups = campaign.ad_groups()
                pick = ids.unit_interval(world.seed, buyer.index, "google_ads/ad_group", touch.seq)
                price = BASE_CPC[(campaign.channel_type, account.currency)]
                factor = 0.5 + ids.unit_interval(world.seed, buyer.index, "google_ads/cpc", touch.seq)
                click = Click(
                    campaign=campaign,
                    day=self.local_day(account, touch.at),
                    at=touch.at,
                    gclid=touch.gclid,
                    ad_group=groups[int(pick * len(groups))],
                    term=touch.term if campaign.channel_type == "SEARCH" else None,
                    cost_micros=round(price * factor * 100) * 10_000,
                )
                clicks.append(click)
                self.clicks[(account.customer_id, click.day)].append(click)
            for purchase in buyer.purchases:
                before = [c for c in clicks if c.at <= purchase.at and purchase.at - c.at <= window]
                if not before:
                    continue
                last = before[-1]
                delay = int(ids.unit_interval(world.seed, buyer.index, "google_ads/conversion", purchase.seq) * 9)
                self.conversions[(last.campaign.id, last.day)].append(
                    Conversion(purchase.at + (delay + 1) * MS_PER_HOUR // 2, purchase.amount)
                )
        for day_clicks in self.clicks.values():
            day_clicks.sort(key=lambda c: (c.at, c.gclid))

    def local_day(self, account: Account, ms: int) -> date:
        return datetime.fromtimestamp(ms / 1000, self.zones[account.customer_id]).date()

    def day_bounds(self, account: Account, day: date) -> tuple[int, int]:
        zone = self.zones[account.customer_id]
        start = datetime(day.year, day.month, day.day, tzinfo=zone)
        following = day + timedelta(days=1)
        return to_ms(start), to_ms(datetime(following.year, following.month, following.day, tzinfo=zone))


class GoogleAdsApi:
    """The Google Ads API of one manager account and its two client accounts, as they stood at the clock."""

    name = "google_ads"

    def __init__(self, world: World, clock: Clock, options: GoogleAdsOptions | None = None) -> None:
        self.world = world
        self.clock = clock
        self.options = options or GoogleAdsOptions()
        self.accounts = {a.customer_id: a for a in ACCOUNTS}
        self._ledger: _Ledger | None = None
        self._lock = threading.Lock()
        self._second = (0, 0)  # (wall-clock second, requests in it), for the optional rate limit

    def airflow_connection(self, base_url: str) -> dict[str, object]:
        options = self.options
        return {
            "conn_type": "http",
            "host": base_url,
            "extra": {
                "developer_token": options.developer_token,
                "customer_ids": [a.customer_id for a in ACCOUNTS],
                "login_customer_id": options.manager_id,
                "client_id": options.client_id,
                "client_secret": options.client_secret,
                "refresh_token": options.refresh_token,
                "token_uri": f"{base_url}/token",
            },
        }

    def endpoints(self) -> list[str]:
        return [
            "POST /v{version}/customers/{customerId}/googleAds:searchStream  (GAQL: customer, campaign, click_view)",
            "GET  /v{version}/customers:listAccessibleCustomers",
            "POST /token  (OAuth 2.0, grant_type=refresh_token)",
        ]

    @property
    def ledger(self) -> _Ledger:
        with self._lock:
            if self._ledger is None:
                self._ledger = _Ledger(self.world, self.options)
            return self._ledger

    # -- entry point --------------------------------------------------------------------------------------------

    def handle(self, request: Request) -> Response | None:
        if request.path == "/token":
            return self._token(request)
        parts = request.path.split("/")
        if len(parts) < 3 or parts[0] != "" or not _is_version(parts[1]) or not parts[2].startswith("customers"):
            return None
        version = parts[1]
        streaming = request.path.endswith(":searchStream")
        try:
            self._authenticate(request)
            self._rate_limit()
            if request.path == f"/{version}/customers:listAccessibleCustomers":
                if request.method != "GET":
                    raise _ApiError(404, f"Method {request.method} is not served for listAccessibleCustomers.")
                names = [f"customers/{a.customer_id}" for a in ACCOUNTS]
                return Response.json(200, {"resourceNames": names})
            customer_id = parts[3] if len(parts) == 5 and parts[2] == "customers" else None
            if customer_id is None or parts[4] != "googleAds:searchStream":
                raise _ApiError(404, f"The sandbox's Google Ads API does not serve {request.path}.")
            if request.method != "POST":
                raise _ApiError(404, f"Method {request.method} is not served for searchStream; use POST.")
            account = self._account(customer_id, request)
            query = _query_text(request.body)
            batches = self._search_stream(account, query, request)
            return Response.json(200, batches)
        except _ApiError as error:
            body = _failure(error, version, request)
            return Response.json(error.status, [body] if streaming else body, _auth_headers(error.status))

    # -- auth ---------------------------------------------------------------------------------------------------

    def _authenticate(self, request: Request) -> None:
        scheme, _, token = (request.header("authorization") or "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise _ApiError(401, _UNAUTHENTICATED)
        if token.strip() != self.options.access_token:
            raise _ApiError(401, _BAD_TOKEN)
        if (request.header("developer-token") or "") != self.options.developer_token:
            raise _ApiError(
                401, "The developer token is not valid.", ("authenticationError", "DEVELOPER_TOKEN_INVALID")
            )

    def _account(self, customer_id: str, request: Request) -> Account:
        if not customer_id.isdigit():
            raise _ApiError(400, "Client customer ID is not a number.", ("authenticationError", "CUSTOMER_NOT_FOUND"))
        login = request.header("login-customer-id")
        if login is not None and login.replace("-", "") not in (self.options.manager_id, customer_id):
            raise _ApiError(403, _PERMISSION, ("authorizationError", "USER_PERMISSION_DENIED"))
        account = self.accounts.get(customer_id)
        if account is None:
            raise _ApiError(403, _PERMISSION, ("authorizationError", "USER_PERMISSION_DENIED"))
        return account

    def _rate_limit(self) -> None:
        limit = self.options.requests_per_second
        if limit is None:
            return
        with self._lock:
            second = int(time.time())
            count = self._second[1] + 1 if self._second[0] == second else 1
            self._second = (second, count)
        if count > limit:
            raise _ApiError(
                429,
                "Too many requests. Retry in 1 seconds.",
                ("quotaError", "RESOURCE_TEMPORARILY_EXHAUSTED"),
            )

    def _token(self, request: Request) -> Response:
        form = dict(parse_qsl(request.body.decode(errors="replace"), keep_blank_values=True))
        if request.method != "POST":
            return Response.json(405, {"error": "invalid_request", "error_description": "Use POST."})
        options = self.options
        if form.get("client_id") != options.client_id or form.get("client_secret") != options.client_secret:
            return Response.json(
                401, {"error": "invalid_client", "error_description": "The OAuth client was not found."}
            )
        if form.get("grant_type") != "refresh_token":
            grant = form.get("grant_type", "")
            return Response.json(
                400, {"error": "unsupported_grant_type", "error_description": f"Invalid grant_type: {grant}"}
            )
        if form.get("refresh_token") != options.refresh_token:
            return Response.json(
                400, {"error": "invalid_grant", "error_description": "Token has been expired or revoked."}
            )
        return Response.json(
            200,
            {
                "access_token": options.access_token,
                "expires_in": 3599,
                "scope": "https://www.googleapis.com/auth/adwords",
                "token_type": "Bearer",
            },
        )

    # -- searchStream -------------------------------------------------------------------------------------------

    def _search_stream(self, account: Account, text: str, request: Request) -> list[dict[str, Any]]:
        try:
            query = gaql.parse(text)
            rows = self._rows(account, query)
        except gaql.QueryError as error:
            raise _ApiError(400, error.message, ("queryError", error.code)) from None
        mask = ",".join(_camel_path(f) for f in _with_resource_names(query))
        request_id = _request_id(request)
        results = [_render(row, query.fields) for row in rows]
        size = self.options.batch_size
        batches: list[dict[str, Any]] = [
            {"results": results[i : i + size], "fieldMask": mask, "requestId": request_id}
            for i in range(0, len(results), size)
        ] or [{"fieldMask": mask, "requestId": request_id}]
        batches[-1]["queryResourceConsumption"] = str(10 + len(results) // 10)
        return batches

    def _rows(self, account: Account, query: gaql.Query) -> list[dict[str, Any]]:
        catalogue = FIELDS.get(query.resource)
        if catalogue is None:
            raise gaql.QueryError(
                "BAD_RESOURCE_TYPE_IN_FROM_CLAUSE", f"Invalid resource in FROM clause: '{query.resource}'."
            )
        named = [*query.fields, *(c.field for c in query.conditions), *(f for f, _ in query.order_by)]
        for name in named:
            if name not in catalogue:
                if any(name in fields for fields in FIELDS.values()):
                    raise gaql.QueryError(
                        "PROHIBITED_FIELD_IN_SELECT_CLAUSE",
                        f"The field '{name}' cannot be selected with the resource in the FROM clause: "
                        f"'{query.resource}'.",
                    )
                raise gaql.QueryError("UNRECOGNIZED_FIELD", f"Unrecognized field in the query: '{name}'.")
        ledger = self.ledger
        today = ledger.local_day(account, self.clock.now_ms)
        dates = query.dates(today)
        if query.resource == "customer":
            rows = [_customer_fields(account)]
        elif query.resource == "campaign":
            rows = self._campaign_rows(account, query, dates, today)
        else:
            rows = self._click_rows(account, dates, today)
        rows = [row for row in rows if all(_matches(row.get(c.field), c, today) for c in query.conditions)]
        for name, descending in reversed(query.order_by):
            rows.sort(key=lambda row, name=name: _sort_key(row.get(name)), reverse=descending)
        return rows[: query.limit] if query.limit else rows

    def _campaign_rows(
        self, account: Account, query: gaql.Query, dates: tuple[date, date] | None, today: date
    ) -> list[dict[str, Any]]:
        campaigns = self.ledger.campaigns[account.customer_id]
        metrics = [f for f in query.fields if f.startswith("metrics.")]
        by_day = "segments.date" in query.fields
        if by_day and (dates is None or dates[0] == date.min or dates[1] == date.max):
            raise gaql.QueryError(
                "EXPECTED_FILTERS_ON_DATE_RANGE",
                "Filters on date/week/month/quarter/year are required when a date segment is selected.",
            )
        if not metrics and not by_day:
            return [{**_customer_fields(account), **_campaign_fields(c)} for c in campaigns]
        rows = []
        for campaign in campaigns:
            daily = [(day, self._day_metrics(campaign, day)) for day in self._served_days(account, dates, today)]
            daily = [(day, values) for day, values in daily if values is not None]
            if by_day:
                groups = [({"segments.date": day.isoformat()}, [values]) for day, values in daily]
            else:
                groups = [({}, [values for _, values in daily])] if daily else []
            for extra, values in groups:
                rows.append(
                    {**_customer_fields(account), **_campaign_fields(campaign), **extra, **_metric_fields(values)}
                )
        return rows

    def _served_days(self, account: Account, dates: tuple[date, date] | None, today: date) -> Iterable[date]:
        ledger = self.ledger
        first = ledger.local_day(account, self.world.start_ms)
        last = min(today, ledger.local_day(account, self.world.end_ms - 1))
        if dates is not None:
            first, last = max(first, dates[0]), min(last, dates[1])
        day = first
        while day <= last:
            yield day
            day += timedelta(days=1)

    def _day_metrics(self, campaign: Campaign, day: date) -> dict[str, Any] | None:
        """One campaign's metrics for one account-local day, as the platform shows them at the clock."""
        ledger, now, seed = self.ledger, self.clock.now_ms, self.world.seed
        account = campaign.account
        start, end = ledger.day_bounds(account, day)
        if start > now:
            return None
        elapsed = min(1.0, (now - start) / (end - start))
        clicks = [c for c in ledger.clicks[(account.customer_id, day)] if c.campaign is campaign and c.at <= now]
        digest = _digest_for(seed, campaign, day)
        search = campaign.channel_type == "SEARCH"
        ctr = (0.03 + 0.04 * digest("ctr")) if search else (0.003 + 0.005 * digest("ctr"))
        impressions = round((len(clicks) + (0.2 + 0.8 * digest("reach")) * elapsed) / ctr)
        if impressions == 0:
            return None
        settled = min(RESTATEMENT_DAYS, max(0, (now - end) // MS_PER_DAY)) / RESTATEMENT_DAYS
        gross = sum(c.cost_micros for c in clicks)
        credit = round(gross * 0.04 * digest("invalid_clicks") * settled / 10_000) * 10_000
        real = [v for v in ledger.conversions[(campaign.id, day)] if v.reported_at <= now]
        uplift = Decimal(str(round(0.25 + 0.35 * digest("modelled"), 4)))
        view_through = Decimal(str(round(impressions * VIEW_THROUGH_RATE[campaign.channel_type] * settled, 6)))
        conversions = len(real) * (1 + uplift) + view_through
        value = sum((v.value for v in real), Decimal(0)) * (1 + uplift)
        value += view_through * AVERAGE_MODELLED_VALUE[account.currency]
        return {
            "impressions": impressions,
            "clicks": len(clicks),
            "cost_micros": gross - credit,
            "conversions": conversions,
            "conversions_value": value,
        }

    def _click_rows(self, account: Account, dates: tuple[date, date] | None, today: date) -> list[dict[str, Any]]:
        if dates is None or dates[0] != dates[1]:
            raise _ApiError(
                400, "Missing filter on a single day.", ("clickViewError", "EXPECTED_FILTER_ON_A_SINGLE_DAY")
            )
        day = dates[0]
        if day < today - timedelta(days=CLICK_VIEW_DAYS):
            raise _ApiError(400, "The requested date is too old.", ("clickViewError", "DATE_TOO_OLD"))
        now = self.clock.now_ms
        rows = []
        for click in self.ledger.clicks[(account.customer_id, day)]:
            if click.at > now:
                break
            campaign = click.campaign
            group_id, group_name = click.ad_group
            customer = account.customer_id
            row = {
                **_customer_fields(account),
                **_campaign_fields(campaign),
                "click_view.resource_name": f"customers/{customer}/clickViews/{day.isoformat()}~{click.gclid}",
                "click_view.gclid": click.gclid,
                "ad_group.resource_name": f"customers/{customer}/adGroups/{group_id}",
                "ad_group.id": int(group_id),
                "ad_group.name": group_name,
                "segments.date": day.isoformat(),
                "segments.ad_network_type": "SEARCH" if campaign.channel_type == "SEARCH" else "CONTENT",
                "metrics.clicks": 1,
            }
            if click.term:
                row["click_view.keyword_info.text"] = click.term
                row["click_view.keyword_info.match_type"] = "EXACT" if group_name.endswith("Exact") else "BROAD"
            rows.append(row)
        return rows


# -- fields -----------------------------------------------------------------------------------------------------------

_CUSTOMER = (
    "customer.resource_name",
    "customer.id",
    "customer.descriptive_name",
    "customer.currency_code",
    "customer.time_zone",
    "customer.manager",
    "customer.test_account",
    "customer.status",
)
_CAMPAIGN = (
    "campaign.resource_name",
    "campaign.id",
    "campaign.name",
    "campaign.status",
    "campaign.advertising_channel_type",
    "campaign.start_date",
)
_METRICS = (
    "metrics.impressions",
    "metrics.clicks",
    "metrics.cost_micros",
    "metrics.conversions",
    "metrics.conversions_value",
    "metrics.ctr",
    "metrics.average_cpc",
)
# Resource -> the fields a query FROM it may name (SELECT, WHERE, ORDER BY).
FIELDS: dict[str, frozenset[str]] = {
    "customer": frozenset(_CUSTOMER),
    "campaign": frozenset((*_CUSTOMER, *_CAMPAIGN, *_METRICS, "segments.date")),
    "click_view": frozenset(
        (
            *_CUSTOMER,
            *_CAMPAIGN,
            "click_view.resource_name",
            "click_view.gclid",
            "click_view.keyword_info.text",
            "click_view.keyword_info.match_type",
            "ad_group.resource_name",
            "ad_group.id",
            "ad_group.name",
            "segments.date",
            "segments.ad_network_type",
            "metrics.clicks",
        )
    ),
}
# int64 fields travel as JSON strings (proto3 JSON mapping).
INT64_FIELDS = frozenset(
    {"customer.id", "campaign.id", "ad_group.id", "metrics.impressions", "metrics.clicks", "metrics.cost_micros"}
)


def _customer_fields(account: Account) -> dict[str, Any]:
    return {
        "customer.resource_name": f"customers/{account.customer_id}",
        "customer.id": int(account.customer_id),
        "customer.descriptive_name": account.name,
        "customer.currency_code": account.currency,
        "customer.time_zone": account.time_zone,
        "customer.manager": False,
        "customer.test_account": False,
        "customer.status": "ENABLED",
    }


def _campaign_fields(campaign: Campaign) -> dict[str, Any]:
    return {
        "campaign.resource_name": f"customers/{campaign.account.customer_id}/campaigns/{campaign.id}",
        "campaign.id": int(campaign.id),
        "campaign.name": campaign.name,
        "campaign.status": "ENABLED",
        "campaign.advertising_channel_type": campaign.channel_type,
        "campaign.start_date": campaign.start_date.isoformat(),
    }


def _metric_fields(days: list[dict[str, Any]]) -> dict[str, Any]:
    impressions = sum(d["impressions"] for d in days)
    clicks = sum(d["clicks"] for d in days)
    cost = sum(d["cost_micros"] for d in days)
    return {
        "metrics.impressions": impressions,
        "metrics.clicks": clicks,
        "metrics.cost_micros": cost,
        "metrics.conversions": float(round(sum((d["conversions"] for d in days), Decimal(0)), 6)),
        "metrics.conversions_value": float(round(sum((d["conversions_value"] for d in days), Decimal(0)), 2)),
        "metrics.ctr": clicks / impressions if impressions else 0.0,
        "metrics.average_cpc": cost / clicks if clicks else 0.0,
    }


def _with_resource_names(query: gaql.Query) -> list[str]:
    """The selected fields, plus the resource name of every resource they name (Google returns those too)."""
    fields = list(query.fields)
    for name in query.fields:
        resource = name.split(".")[0]
        if resource not in ("metrics", "segments") and f"{resource}.resource_name" not in fields:
            fields.append(f"{resource}.resource_name")
    return fields


def _render(row: Mapping[str, Any], selected: tuple[str, ...]) -> dict[str, Any]:
    """A GoogleAdsRow in REST JSON: nested objects, lowerCamelCase names, int64 as strings."""
    out: dict[str, Any] = {}
    names = list(selected)
    for name in selected:
        resource = name.split(".")[0]
        if resource not in ("metrics", "segments") and f"{resource}.resource_name" not in names:
            names.insert(0, f"{resource}.resource_name")
    for name in names:
        if name not in row:
            continue  # a field without a value is left out, as proto3 JSON does
        value = row[name]
        if name in INT64_FIELDS:
            value = str(value)
        target = out
        *parents, leaf = [_camel(part) for part in name.split(".")]
        for parent in parents:
            target = target.setdefault(parent, {})
        target[leaf] = value
    return out


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.capitalize() for part in rest)


def _camel_path(name: str) -> str:
    return ".".join(_camel(part) for part in name.split("."))


def _matches(value: Any, condition: gaql.Condition, today: date) -> bool:
    op, wanted = condition.operator, condition.values
    if op == "DURING":
        first, last = gaql.during(str(wanted[0]), today)
        return value is not None and first.isoformat() <= str(value) <= last.isoformat()
    if value is None:
        return op in ("!=", "NOT IN")
    numeric = isinstance(value, int | float) and not isinstance(value, bool)
    if isinstance(value, bool):
        value = "TRUE" if value else "FALSE"
    given: list[Any] = [str(v) for v in wanted]
    if numeric:
        try:
            given = [float(v) for v in wanted]
        except ValueError:
            raise gaql.QueryError("BAD_NUMBER", f"Invalid number: {wanted[0]}.") from None
    if op == "IN":
        return value in given
    if op == "NOT IN":
        return value not in given
    if op == "BETWEEN":
        return given[0] <= value <= given[1]
    target = given[0]
    return {
        "=": value == target,
        "!=": value != target,
        ">": value > target,
        ">=": value >= target,
        "<": value < target,
        "<=": value <= target,
    }[op]


def _sort_key(value: Any) -> tuple[int, Any]:
    if value is None:
        return (0, "")
    if isinstance(value, int | float):
        return (1, value)
    return (2, str(value))


def _digest_for(seed: int, campaign: Campaign, day: date):
    def digest(what: str) -> float:
        return ids.unit_interval(seed, int(campaign.id), "google_ads", day.isoformat(), what)

    return digest


# -- requests and errors ------------------------------------------------------------------------------------------


def _is_version(part: str) -> bool:
    return len(part) > 1 and part[0] == "v" and part[1:].isdigit()


def _query_text(raw: bytes) -> str:
    try:
        body = orjson.loads(raw) if raw.strip() else {}
    except orjson.JSONDecodeError as error:
        raise _ApiError(400, f"Invalid JSON payload received. {error}") from None
    if not isinstance(body, dict):
        raise _ApiError(400, "Invalid JSON payload received. Expected an object (SearchGoogleAdsStreamRequest).")
    query = body.get("query")
    if not isinstance(query, str) or not query.strip():
        raise _ApiError(400, "The query is empty.", ("queryError", "UNEXPECTED_END_OF_QUERY"))
    return query


def _request_id(request: Request) -> str:
    digest = hashlib.blake2b(request.fingerprint("google_ads/request"), digest_size=16).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def _failure(error: _ApiError, version: str, request: Request) -> dict[str, Any]:
    body: dict[str, Any] = {
        "code": error.status,
        "message": error.message if error.code is None else _TOP_MESSAGE.get(error.status, error.message),
        "status": _STATUS.get(error.status, "UNKNOWN"),
    }
    if error.code is not None:
        kind, value = error.code
        body["details"] = [
            {
                "@type": f"type.googleapis.com/google.ads.googleads.{version}.errors.GoogleAdsFailure",
                "errors": [{"errorCode": {kind: value}, "message": error.message}],
                "requestId": _request_id(request),
            }
        ]
    return {"error": body}


def _auth_headers(status: int) -> tuple[tuple[str, str], ...]:
    if status == 401:
        return (("WWW-Authenticate", 'Bearer realm="https://accounts.google.com/"'),)
    return ()
