"""Matomo Reporting API emulation: ``Live.getLastVisitsDetails`` (visit-level data), plus ``API.getMatomoVersion``
and ``SitesManager.getSiteFromId``, on ``/index.php?module=API&method=...``.

Follows Matomo's public reference and source; references:

- Reporting API (one entry point, ``module=API&method=Module.method``, ``idSite``, ``period``, ``date``,
  ``format``, ``token_auth`` in the query or, preferably, the POST body; ``filter_limit``/``filter_offset``):
  https://developer.matomo.org/api-reference/reporting-api and
  https://developer.matomo.org/guides/querying-the-reporting-api
- ``Live.getLastVisitsDetails`` (visits, most recent first; ``filter_sort_order``, ``minTimestamp``,
  ``doNotFetchActions``): https://developer.matomo.org/api-reference/reporting-api#Live
- The visit's fields, as Matomo's visitor-details plugins build them (``plugins/Live/VisitorDetails.php``,
  ``plugins/CoreHome/VisitorDetails.php``, ``plugins/Actions/VisitorDetails.php``,
  ``plugins/Referrers/VisitorDetails.php``, ``plugins/Goals/VisitorDetails.php``,
  ``plugins/Ecommerce/VisitorDetails.php``, ``plugins/CustomDimensions/VisitorDetails.php`` in
  https://github.com/matomo-org/matomo) and the MarketingCampaignsReporting plugin's ``campaign*`` fields
  (https://github.com/matomo-org/plugin-MarketingCampaignsReporting/blob/5.x-dev/VisitorDetails.php).
- Page URLs lose ``gclid`` and the campaign name and keyword parameters (``utm_campaign``, ``utm_term``...), as
  Matomo's tracker strips them (``core/Tracker/PageUrl.php``); the site keeps the gclid in visit-scoped custom
  dimension 1 (``dimension1``), as sites that import offline conversions into Google Ads set it up.
- Errors: ``{"result": "error", "message": ...}``; an invalid token gets HTTP 401 and "Unable to authenticate with
  the provided token..." (Matomo 5: https://github.com/matomo-org/matomo/pull/19813), no token the "requires
  'view' access" message.
- The user id and the visitor id (``[Tracker] enable_userid_overwrites_visitorid`` in ``config/global.ini.php``;
  :attr:`MatomoOptions.userid_overwrites_visitorid`): with ``1``, Matomo's shipped default, a visit with a user id
  gets ``visitorId = substr(sha1(userId), 0, 16)`` and the device's earlier anonymous visits keep the cookie's id,
  so "the visits log splits for each ID"; with ``0`` the visit keeps the device's cookie id and carries the
  ``userId`` beside it (https://matomo.org/faq/general/how-are-requests-with-a-user-id-tracked, the setting's
  comment in ``config/global.ini.php`` and ``Request::getVisitorId`` in ``core/Tracker/Request.php``).

Numbers are JSON numbers (Matomo 5 on PHP 8 returns native integers); revenue is a number, whole amounts as
integers ("25.00 => 25"). The site's time zone is UTC and its currency USD. Response bodies are a pure function
of (world, clock, request).
"""

from __future__ import annotations

import bisect
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from sandbox import credentials
from sandbox import identifiers as ids
from sandbox import vocabulary as vocab
from sandbox.timefmt import MS_PER_DAY, from_ms, to_ms
from sandbox.web import Clock, Request, Response
from sandbox.web_visits import (
    Conversion,
    Page,
    VisitDetail,
    VisitRecord,
    WebLog,
    matomo_type_name,
    revenue_usd,
)
from sandbox.world import Buyer, World

DEFAULT_FILTER_LIMIT = 100
MATOMO_VERSION = "5.1.2"
SITE_NAME = "Purchase Path"
SITE_CREATED = "2024-01-15 10:00:00"

# Matomo's campaign name and keyword parameters (stripped from page URLs, with gclid), lower-case.
_STRIPPED_PARAMETERS = frozenset(
    {
        "gclid",
        "fb_xd_fragment",
        "fb_comment_id",
        "phpsessid",
        "jsessionid",
        "sessionid",
        "aspsessionid",
        "doing_wp_cron",
        "pk_campaign",
        "pk_cpn",
        "mtm_campaign",
        "mtm_cpn",
        "matomo_campaign",
        "utm_campaign",
        "pk_keyword",
        "pk_kwd",
        "mtm_keyword",
        "mtm_kwd",
        "matomo_kwd",
        "utm_term",
    }
)
_LANGUAGES = {"en": "English", "de": "German", "fr": "French", "nl": "Dutch", "pt": "Portuguese", "es": "Spanish"}
_NO_VIEW_ACCESS = "You can't access this resource as it requires 'view' access for the website id = {site}."
_BAD_TOKEN_POST = "Unable to authenticate with the provided token. It is either invalid or expired."
_BAD_TOKEN_GET = (
    "Unable to authenticate with the provided token. It is either invalid, expired or is required to be sent as a "
    "POST parameter."
)


@dataclass(frozen=True, slots=True)
class MatomoOptions:
    token_auth: str = credentials.MATOMO_TOKEN_AUTH
    site_id: int = int(credentials.MATOMO_SITE_ID)
    # Matomo's ``enable_userid_overwrites_visitorid``. False (0) is what docs/sources/matomo.md recommends: a
    # logged-in visit keeps the device's visitor id, so the user id joins the device's earlier anonymous visits.
    # True emulates Matomo's shipped default, which gives a logged-in visit a visitor id of its own.
    userid_overwrites_visitorid: bool = False


class _ApiError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message


def matomo_page_url(url: str) -> str:
    """A page URL as Matomo stores it: without gclid, session ids, and campaign name/keyword parameters."""
    parts = urlsplit(url)
    kept = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k.lower() not in _STRIPPED_PARAMETERS]
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(kept), parts.fragment))


class MatomoApi:
    """The Matomo Reporting API of one site, over the world's web visits as they stood at the sandbox clock."""

    name = "matomo"

    def __init__(
        self, world: World, clock: Clock, options: MatomoOptions | None = None, web_log: WebLog | None = None
    ) -> None:
        self.world = world
        self.clock = clock
        self.options = options or MatomoOptions()
        self.log = web_log or WebLog(world)
        self._max_visit_ms: int | None = None
        self._last_ats: list[int] | None = None

    def airflow_connection(self, base_url: str) -> dict[str, object]:
        return {
            "conn_type": "http",
            "host": base_url,
            "password": self.options.token_auth,
            "extra": {"site_id": str(self.options.site_id)},
        }

    def endpoints(self) -> list[str]:
        return [
            "GET|POST /index.php?module=API&method=Live.getLastVisitsDetails&idSite=1&period=&date=&format=JSON",
            "GET|POST /index.php?module=API&method={API.getMatomoVersion|SitesManager.getSiteFromId}",
        ]

    # -- entry point --------------------------------------------------------------------------------------------

    def handle(self, request: Request) -> Response | None:
        if request.path not in ("/index.php", "/"):
            return None
        query = dict(request.query)
        body = _form_body(request)
        params = {**body, **query}  # PHP's request vars: the query string wins over the POST body
        if request.path == "/" and params.get("module") != "API":
            return None
        try:
            return Response.json(200, self._answer(params, token_in_body="token_auth" in body))
        except _ApiError as error:
            return Response.json(error.status, {"result": "error", "message": error.message})

    def _answer(self, params: Mapping[str, str], *, token_in_body: bool) -> Any:
        if params.get("module") != "API":
            raise _ApiError(400, "The sandbox's Matomo serves the Reporting API only (module=API).")
        if (params.get("format") or "xml").lower() != "json":
            raise _ApiError(400, "The sandbox's Matomo answers format=JSON only (Matomo's own default is XML).")
        method = params.get("method") or ""
        token = params.get("token_auth")
        site = params.get("idSite")
        if not token or token == "anonymous":
            target = f"website id = {site}" if site else "at least one website"
            raise _ApiError(401, f"You can't access this resource as it requires 'view' access for the {target}.")
        if token != self.options.token_auth:
            raise _ApiError(401, _BAD_TOKEN_POST if token_in_body else _BAD_TOKEN_GET)
        module, _, action = method.partition(".")
        if method == "API.getMatomoVersion":
            return {"value": MATOMO_VERSION}
        if method == "SitesManager.getSiteFromId":
            self._site_id(params)
            return self._site()
        if method == "Live.getLastVisitsDetails":
            return self._last_visits(params)
        if module in ("API", "Live", "SitesManager") and action:
            raise _ApiError(
                400,
                f"The method '{action}' does not exist or is not available in the module "
                f"'\\Piwik\\Plugins\\{module}\\API'.",
            )
        if not method:
            raise _ApiError(400, "Please specify a value for 'method'.")
        raise _ApiError(
            400,
            f"The plugin {module} is not enabled. You can activate the plugin on Settings > Plugins page in Matomo.",
        )

    def _site_id(self, params: Mapping[str, str]) -> int:
        raw = params.get("idSite")
        if raw is None or raw == "":
            raise _ApiError(400, "Please specify a value for 'idSite'.")
        try:
            site = int(raw)
        except ValueError as error:
            raise _ApiError(400, f"The parameter 'idSite' must be an integer, got '{raw}'.") from error
        if site != self.options.site_id:
            raise _ApiError(401, _NO_VIEW_ACCESS.format(site=site))
        return site

    def _site(self) -> dict[str, Any]:
        return {
            "idsite": self.options.site_id,
            "name": SITE_NAME,
            "main_url": vocab.SITE_URL,
            "ts_created": SITE_CREATED,
            "ecommerce": 1,
            "sitesearch": 1,
            "timezone": "UTC",
            "currency": "USD",
            "exclude_unknown_urls": 0,
            "excluded_ips": "",
            "excluded_parameters": "",
            "excluded_user_agents": "",
            "excluded_referrers": "",
            "group": "",
            "type": "website",
            "keep_url_fragment": 0,
            "creator_login": "admin",
            "timezone_name": "UTC",
            "currency_name": "US Dollar",
        }

    # -- Live.getLastVisitsDetails --------------------------------------------------------------------------------

    def _last_visits(self, params: Mapping[str, str]) -> list[dict[str, Any]]:
        self._site_id(params)
        if params.get("segment"):
            raise _ApiError(400, "The sandbox's Matomo does not support segments.")
        clock = self.clock.now_ms
        window = _window(params.get("period"), params.get("date"), from_ms(clock).date())
        limit = _int(params.get("filter_limit"), DEFAULT_FILTER_LIMIT, "filter_limit")
        offset = max(0, _int(params.get("filter_offset"), 0, "filter_offset"))
        min_timestamp = _int(params.get("minTimestamp"), 0, "minTimestamp") if params.get("minTimestamp") else None
        ascending = (params.get("filter_sort_order") or "desc").lower() == "asc"
        fetch_actions = (params.get("doNotFetchActions") or "0").lower() in ("0", "false", "")

        low, high = window if window is not None else (0, clock + 1)
        if min_timestamp is not None:
            low = max(low, min_timestamp * 1000 + 1000)  # visit_last_action_time > minTimestamp (whole seconds)
        visible = self._visible(clock, low, high)
        visible.sort(key=lambda v: (v[0], v[1].id_visit), reverse=not ascending)
        page = visible[offset:] if limit < 0 else visible[offset : offset + limit]
        visits = [self._visit(record, detail, clock, fetch_actions) for _, record, detail in page]
        return [_shown(v, params) for v in visits]

    def _visible(self, clock: int, low: int, high: int) -> list[tuple[int, VisitRecord, VisitDetail | None]]:
        """(visible last action, record, truncated detail or None) of visits whose last action by the clock is in
        [low, high)."""
        records = self.log.records()
        if self._last_ats is None:
            self._last_ats = [r.last_at for r in records]
            self._max_visit_ms = max((r.last_at - r.first_at for r in records), default=0)
        last_ats = self._last_ats
        assert self._max_visit_ms is not None
        found: list[tuple[int, VisitRecord, VisitDetail | None]] = []
        finished_high = min(high, clock + 1)
        for position in range(bisect.bisect_left(last_ats, low), bisect.bisect_left(last_ats, finished_high)):
            record = records[position]
            found.append((record.last_at, record, None))
        # Visits under way at the clock show the actions they had so far.
        start = bisect.bisect_right(last_ats, clock)
        stop = bisect.bisect_right(last_ats, clock + self._max_visit_ms)
        for record in records[start:stop]:
            if record.first_at > clock:
                continue
            detail = _truncated(self.log.detail(record), clock)
            if low <= detail.last_at < high:
                found.append((detail.last_at, record, detail))
        return found

    def _visit(self, record: VisitRecord, detail: VisitDetail | None, clock: int, with_actions: bool) -> dict[str, Any]:
        buyer = self.log.buyer(record.buyer_index)
        touch = buyer.touches[record.touch_seq]
        detail = detail or self.log.detail(record)
        source = detail.source
        device = buyer.devices[touch.device or 0]
        (device_type, _category, os_name, os_code, os_version, browser, browser_code, browser_version, resolution) = (
            vocab.DEVICE_PROFILES[device.kind][device.profile]
        )
        locations = vocab.LOCATIONS_EUR if buyer.currency == "EUR" else vocab.LOCATIONS_USD
        continent, continent_code, country, country_code, region, region_code, city, lat, lon, lang = locations[
            buyer.location
        ]
        overwrites = self.options.userid_overwrites_visitorid
        visitor_id = buyer.visitor_id(touch, overwrites) or device.visitor_id
        history = _visitor_history(buyer, visitor_id, touch.at, clock, overwrites)
        first_at, last_at = detail.first_at, detail.last_at
        first, last = from_ms(first_at), from_ms(last_at)
        orders = [c for c in detail.conversions if c.kind == "order"]
        goals = [c for c in detail.conversions if c.kind == "goal"]
        lifetime_orders = _visitor_orders(buyer, visitor_id, clock, overwrites)
        actions = _action_details(buyer, detail, self.world.seed) if with_actions else []
        visit: dict[str, Any] = {
            "idSite": self.options.site_id,
            "idVisit": record.id_visit,
            "visitIp": f"{(buyer.index * 7) % 200 + 11}.{(buyer.index * 13) % 250}.0.0",
            "visitorId": visitor_id,
            "fingerprint": hashlib.sha1(f"{device.visitor_id}/config".encode()).hexdigest()[:16],  # noqa: S324
            "actionDetails": actions,
            "goalConversions": len(goals),
            "siteCurrency": "USD",
            "siteCurrencySymbol": "$",
            "serverDate": f"{last:%Y-%m-%d}",
            "visitServerHour": str(last.hour),
            "lastActionTimestamp": last_at // 1000,
            "lastActionDateTime": f"{last:%Y-%m-%d %H:%M:%S}",
            "siteName": SITE_NAME,
            "serverTimestamp": last_at // 1000,
            "firstActionTimestamp": first_at // 1000,
            "serverTimePretty": f"{last:%H:%M:%S}",
            "serverDatePretty": _pretty_date(last),
            "serverDatePrettyFirstAction": _pretty_date(first),
            "serverTimePrettyFirstAction": f"{first:%H:%M:%S}",
            "userId": buyer.user_id if touch.logged_in else None,
            "visitorType": history.visitor_type,
            "visitorTypeIcon": None if history.visitor_type == "new" else "plugins/Live/images/returningVisitor.png",
            "visitConverted": 1 if detail.conversions else 0,
            "visitConvertedIcon": "plugins/Morpheus/images/goal.svg" if detail.conversions else None,
            "visitCount": history.visit_count,
            "visitEcommerceStatus": "ordered" if orders else "none",
            "visitEcommerceStatusIcon": "plugins/Morpheus/images/ecommerceOrder.svg" if orders else None,
            "daysSinceFirstVisit": history.seconds_since_first // 86400,
            "secondsSinceFirstVisit": history.seconds_since_first,
            "daysSinceLastEcommerceOrder": (history.seconds_since_order or 0) // 86400,
            "secondsSinceLastEcommerceOrder": history.seconds_since_order,
            "visitDuration": (last_at - first_at) // 1000,
            "visitDurationPretty": _pretty_duration((last_at - first_at) // 1000),
            "searches": 0,
            "actions": len(detail.pages),
            "interactions": len(detail.pages),
            "referrerType": source.matomo_type,
            "referrerTypeName": matomo_type_name(source.matomo_type),
            "referrerName": source.matomo_name,
            "referrerKeyword": source.matomo_keyword,
            "referrerKeywordPosition": None,
            "referrerUrl": source.referrer_url,
            "referrerSearchEngineUrl": _search_engine_url(source.matomo_type, touch.source),
            "referrerSocialNetworkUrl": source.referrer_url if source.matomo_type == "social" else None,
            "languageCode": lang,
            "language": _LANGUAGES.get(lang[:2], "Unknown"),
            "deviceType": device_type,
            "deviceBrand": "Apple" if os_code in ("MAC", "IOS") else "Unknown",
            "deviceModel": "Generic Desktop" if device_type == "Desktop" else "",
            "operatingSystem": f"{os_name} {os_version}",
            "operatingSystemName": os_name,
            "operatingSystemCode": os_code,
            "operatingSystemVersion": os_version,
            "browserFamily": "Blink" if "Chrome" in browser or "Edge" in browser else "WebKit",
            "browserFamilyDescription": "Chrome (Blink)"
            if "Chrome" in browser or "Edge" in browser
            else "Safari (WebKit)",
            "browser": f"{browser} {browser_version}",
            "browserName": browser,
            "browserCode": browser_code,
            "browserVersion": browser_version,
            "events": 0,
            "continent": continent,
            "continentCode": continent_code,
            "country": country,
            "countryCode": country_code,
            "region": region,
            "regionCode": region_code,
            "city": city,
            "location": f"{city}, {region}, {country}",
            "latitude": f"{lat:.6f}",
            "longitude": f"{lon:.6f}",
            "visitLocalTime": f"{first:%H:%M:%S}",
            "visitLocalHour": str(first.hour),
            "daysSinceLastVisit": history.seconds_since_last // 86400,
            "secondsSinceLastVisit": history.seconds_since_last,
            "resolution": resolution,
            "dimension1": touch.gclid,
            "campaignId": "",
            "campaignContent": "",
            "campaignKeyword": source.matomo_keyword.lower() if source.matomo_type == "campaign" else "",
            "campaignMedium": source.ga4_medium if source.matomo_type == "campaign" else "",
            "campaignName": source.matomo_name if source.matomo_type == "campaign" else "",
            "campaignSource": source.ga4_source if source.matomo_type == "campaign" else "",
            "campaignGroup": "",
            "campaignPlacement": "",
            "totalEcommerceRevenue": _number(sum((r for r, _ in lifetime_orders), Decimal(0))),
            "totalEcommerceConversions": len(lifetime_orders),
            "totalEcommerceItems": sum(items for _, items in lifetime_orders),
            "totalAbandonedCartsRevenue": 0,
            "totalAbandonedCarts": 0,
            "totalAbandonedCartsItems": 0,
        }
        return visit


# -- helpers ----------------------------------------------------------------------------------------------------


def _form_body(request: Request) -> dict[str, str]:
    if request.method != "POST" or not request.body:
        return {}
    content_type = (request.header("content-type") or "").lower()
    if content_type and "x-www-form-urlencoded" not in content_type:
        return {}
    try:
        return dict(parse_qsl(request.body.decode(), keep_blank_values=True))
    except UnicodeDecodeError:
        return {}


def _int(value: str | None, default: int, name: str) -> int:
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError as error:
        raise _ApiError(400, f"The parameter '{name}' must be an integer, got '{value}'.") from error


def _parse_day(text: str, today: date) -> date:
    text = text.strip()
    if text == "today":
        return today
    if text == "yesterday":
        return today - timedelta(days=1)
    try:
        return date.fromisoformat(text)
    except ValueError as error:
        raise _ApiError(400, f"Date format must be: YYYY-MM-DD, or 'today' or 'yesterday', got '{text}'.") from error


def _window(period: str | None, when: str | None, today: date) -> tuple[int, int] | None:
    """[start, end) in epoch ms (site time zone UTC) for Matomo's period and date parameters, or None for all."""
    if not period and not when:
        return None
    if not period:
        raise _ApiError(400, "Please specify a value for 'period'.")
    if not when:
        raise _ApiError(400, "Please specify a value for 'date'.")
    period = period.lower()
    if period not in ("day", "week", "month", "year", "range"):
        raise _ApiError(
            400,
            f"The period '{period}' is not supported. Try any of the following instead: day, week, month, year, range",
        )
    if "," in when:
        first_text, last_text = when.split(",", 1)
        first, last = _parse_day(first_text, today), _parse_day(last_text, today)
    elif when.startswith(("last", "previous")) and when.removeprefix("last").removeprefix("previous").isdigit():
        count = int(when.removeprefix("last").removeprefix("previous"))
        last = today if when.startswith("last") else today - timedelta(days=1)
        if period not in ("day", "range"):
            raise _ApiError(400, "The sandbox's Matomo takes lastN/previousN with period=day or range only.")
        first = last - timedelta(days=count - 1)
    elif period == "range":
        raise _ApiError(400, f"The date '{when}' is not a correct date range")
    else:
        day = _parse_day(when, today)
        if period == "day":
            first = last = day
        elif period == "week":
            first = day - timedelta(days=day.weekday())
            last = first + timedelta(days=6)
        elif period == "month":
            first = day.replace(day=1)
            last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
        else:
            first, last = date(day.year, 1, 1), date(day.year, 12, 31)
    if last < first:
        raise _ApiError(400, f"The date '{when}' is not a correct date range")
    return to_ms(first), to_ms(last) + MS_PER_DAY


def _truncated(detail: VisitDetail, clock: int) -> VisitDetail:
    """The visit as it stood at the clock: only the actions that had happened."""
    pages = tuple(p for p in detail.pages if p.at <= clock)
    conversions = tuple(c for c in detail.conversions if c.at <= clock)
    if pages and pages[-1] is not detail.pages[-1]:
        last = pages[-1]
        pages = (*pages[:-1], Page(last.path, last.title, last.at, 0))
    return VisitDetail(
        detail.buyer_index, detail.touch_seq, detail.id_visit, pages, conversions, detail.landing_url, detail.source
    )


@dataclass(frozen=True, slots=True)
class _History:
    visit_count: int
    visitor_type: str
    seconds_since_first: int
    seconds_since_last: int
    seconds_since_order: int | None


def _visitor_history(buyer: Buyer, visitor_id: str, at: int, clock: int, overwrites: bool) -> _History:
    """What Matomo knows of this visitor (cookie or user id) before this visit."""
    earlier = [
        t
        for t in buyer.touches
        if t.is_web and t.at < at and t.at <= clock and buyer.visitor_id(t, overwrites) == visitor_id
    ]
    orders_before = [m.at for t in earlier for m in t.moments if m.kind == "order" and m.at < at]
    if not earlier:
        return _History(1, "new", 0, 0, None)
    return _History(
        visit_count=len(earlier) + 1,
        visitor_type="returningCustomer" if orders_before else "returning",
        seconds_since_first=(at - earlier[0].at) // 1000,
        seconds_since_last=(at - earlier[-1].at) // 1000,
        seconds_since_order=(at - orders_before[-1]) // 1000 if orders_before else None,
    )


def _visitor_orders(buyer: Buyer, visitor_id: str, clock: int, overwrites: bool) -> list[tuple[Decimal, int]]:
    """(revenue, items) of every order this visitor had placed by the clock (Matomo's lifetime totals)."""
    purchases = {p.seq: p for p in buyer.purchases}
    found = []
    for touch in buyer.touches:
        if not touch.is_web or buyer.visitor_id(touch, overwrites) != visitor_id:
            continue
        for moment in touch.moments:
            if moment.kind == "order" and moment.at <= clock and moment.purchase_seq in purchases:
                found.append((revenue_usd(purchases[moment.purchase_seq]), 1))
    return found


def _action_details(buyer: Buyer, detail: VisitDetail, seed: int) -> list[dict[str, Any]]:
    actions: list[dict[str, Any]] = []
    page_ids: dict[str, int] = {}
    pageview_ids: dict[str, str] = {}
    purchases = {p.seq: p for p in buyer.purchases}
    conversions = list(detail.conversions)
    for position, page in enumerate(detail.pages, start=1):
        url = matomo_page_url(detail.landing_url) if position == 1 else f"{vocab.SITE_URL}{page.path}"
        page_id = detail.id_visit * 64 + position
        pageview = _pageview_id(seed, detail.id_visit, position)
        page_ids[page.path], pageview_ids[page.path] = page_id, pageview
        actions.append(
            {
                "type": "action",
                "url": url,
                "pageTitle": page.title,
                "pageIdAction": _action_id(page.path),
                "idpageview": pageview,
                "serverTimePretty": _pretty_datetime(page.at),
                "pageId": page_id,
                "timeSpent": page.dwell_s if position < len(detail.pages) else 0,
                "timeSpentPretty": _pretty_duration(page.dwell_s if position < len(detail.pages) else 0),
                "pageviewPosition": position,
                "title": page.title,
                "subtitle": url,
                "icon": "",
                "iconSVG": "plugins/Morpheus/images/action.svg",
                "timestamp": page.at // 1000,
            }
        )
        following = detail.pages[position].at if position < len(detail.pages) else None
        while conversions and (following is None or conversions[0].at < following):
            actions.append(_conversion_action(seed, buyer, conversions.pop(0), page_id, pageview, purchases))
    return actions


def _conversion_action(
    seed: int, buyer: Buyer, conversion: Conversion, page_id: int, pageview: str, purchases: Mapping[int, Any]
) -> dict[str, Any]:
    url = f"{vocab.SITE_URL}{conversion.path}"
    if conversion.kind == "goal":
        return {
            "type": "goal",
            "goalName": conversion.goal_name,
            "goalId": conversion.goal_id,
            "revenue": 0,
            "goalPageId": page_id,
            "serverTimePretty": _pretty_datetime(conversion.at),
            "url": url,
            "icon": "plugins/Morpheus/images/goal.png",
            "iconSVG": "plugins/Morpheus/images/goal.svg",
            "title": "Goal conversion",
            "subtitle": conversion.goal_name,
            "timestamp": conversion.at // 1000,
        }
    assert conversion.purchase_seq is not None
    purchase = purchases[conversion.purchase_seq]
    revenue = revenue_usd(purchase)
    order_id = ids.order_id(seed, buyer.index, conversion.purchase_seq)
    sku, name, category = vocab.SHOP_ITEMS[int(ids.unit_interval(seed, buyer.index, "item", purchase.seq) * 3)]
    return {
        "type": "ecommerceOrder",
        "orderId": order_id,
        "revenue": _number(revenue),
        "revenueSubTotal": _number(revenue),
        "revenueTax": 0,
        "revenueShipping": 0,
        "revenueDiscount": 0,
        "items": 1,
        "serverTimePretty": _pretty_datetime(conversion.at),
        "idpageview": pageview,
        "itemDetails": [
            {
                "itemSKU": sku,
                "itemName": name,
                "itemCategory": category,
                "price": _number(revenue),
                "quantity": 1,
                "categories": [category],
            }
        ],
        "icon": "plugins/Morpheus/images/ecommerceOrder.png",
        "iconSVG": "plugins/Morpheus/images/ecommerceOrder.svg",
        "title": f"Ordered ({order_id})",
        "subtitle": f"Revenue: ${revenue} - 1 items: {name})",
        "timestamp": conversion.at // 1000,
    }


def _shown(visit: dict[str, Any], params: Mapping[str, str]) -> dict[str, Any]:
    show = [c for c in (params.get("showColumns") or "").split(",") if c]
    hide = {c for c in (params.get("hideColumns") or "").split(",") if c}
    if show:
        return {k: v for k, v in visit.items() if k in show}
    return {k: v for k, v in visit.items() if k not in hide} if hide else visit


def _number(amount: Decimal) -> int | float:
    """Matomo writes whole revenue as an integer ("25.00 => 25") and the rest as a decimal number."""
    return int(amount) if amount == amount.to_integral_value() else float(amount)


def _action_id(path: str) -> int:
    return int.from_bytes(hashlib.blake2b(path.encode(), digest_size=3).digest(), "big") % 900_000 + 100


def _pageview_id(seed: int, id_visit: int, position: int) -> str:
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
    digest = hashlib.blake2b(f"{seed}/pv/{id_visit}/{position}".encode(), digest_size=6).digest()
    return "".join(alphabet[b % len(alphabet)] for b in digest)


def _search_engine_url(referrer_type: str, engine: str | None) -> str | None:
    if referrer_type != "search" or engine is None:
        return None
    return vocab.SEARCH_ENGINE_REFERRERS[engine][0].split("/search")[0].rstrip("/")


def _pretty_date(moment: datetime) -> str:
    return f"{moment:%A}, {moment:%B} {moment.day}, {moment:%Y}"


def _pretty_datetime(ms: int) -> str:
    moment = from_ms(ms).astimezone(UTC)
    return f"{moment:%b} {moment.day}, {moment:%Y} {moment:%H:%M:%S}"


def _pretty_duration(seconds: int) -> str:
    minutes, secs = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    if hours:
        return f"{hours} hours {minutes} min"
    if minutes:
        return f"{minutes} min {secs}s"
    return f"{secs}s"


__all__ = ["MatomoApi", "MatomoOptions", "matomo_page_url"]
