"""Matomo Reporting API: visit-level web analytics (stream ``visits``) from ``Live.getLastVisitsDetails``.

References (Matomo developer docs):
- Reporting API: https://developer.matomo.org/api-reference/reporting-api — one entry point,
  ``index.php?module=API&method=Module.action&idSite=&period=&date=&format=JSON``; the generic filters
  ``filter_limit`` (default 100, ``-1`` for all), ``filter_offset`` and ``filter_sort_order``.
- Querying it: https://developer.matomo.org/guides/querying-the-reporting-api — ``token_auth`` authenticates the
  request and belongs in a POST body (``Content-Type: application/x-www-form-urlencoded``) so it never lands in
  a web server's access log; Matomo 5 refuses a token sent in the query string of some requests.
- ``Live.getLastVisitsDetails``: https://developer.matomo.org/api-reference/reporting-api#Live — every visit of
  the period with its actions, goals and ecommerce orders; a visit belongs to the period of its *last* action
  (``visit_last_action_time``), most recent first unless ``filter_sort_order=asc``.
- ``SitesManager.getSiteFromId``: https://developer.matomo.org/api-reference/reporting-api#SitesManager — the
  site's ``timezone`` (days are the site's days) and ``ts_created``.
- Errors: ``{"result": "error", "message": ...}``; Matomo 5 answers an invalid token with HTTP 401
  (https://github.com/matomo-org/matomo/pull/19813), older versions with HTTP 200 and the same body, which is
  why an error body is checked whatever the status.

How the stream is pulled: one site day at a time (``period=day&date=YYYY-MM-DD`` in the site's time zone),
oldest visit first (``filter_sort_order=asc``), ``filter_limit``/``filter_offset`` paging. The key is
``idVisit``; the cursor is the visit's last action (``lastActionTimestamp``). A visit still under way when we
read it grows afterwards — more actions, a later last action, maybe on the next day — so every run re-reads the
last ``lookback_days`` (default 2) and the merge on ``idVisit`` keeps the newest version. With no bookmark, the
sync starts at the day of the site's first visit (one probe request), not at the site's creation.

Offset paging cannot tell a page served twice from the next one; the core paging loop (connectors.core.paging)
compares each page's keys with the previous page's and asks again when they are equal: a repeated page costs
a request,
never a gap.

Connection ``matomo_default``: ``host`` = the Matomo instance's URL (``https://<name>.matomo.cloud`` or
self-hosted), ``password`` = a ``token_auth`` with view access, ``extra``: ``site_id`` (required),
``lookback_days`` (default 2), ``page_size`` (default 500), and the HTTP policy keys of connectors.core.http.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from connectors.core.errors import ConnectorError
from connectors.core.extra import whole_number
from connectors.core.http import HttpPolicy, SourceSession
from connectors.core.paging import OffsetPaginator, PageRequest, paged
from connectors.core.stream import Page, Record, Stream, Window

log = logging.getLogger(__name__)

NAME = "matomo"
PATH = "/index.php"
DEFAULT_LOOKBACK_DAYS = 2
DEFAULT_PAGE_SIZE = 500

# A visit's top-level fields, as Matomo's visitor-details plugins build them (Live, CoreHome, Actions, Referrers,
# Goals, Ecommerce, DevicesDetection, UserCountry, CustomDimensions, MarketingCampaignsReporting); anything else
# is reported as schema drift. Custom dimensions beyond the first are site-specific: declare them when used.
VISIT_FIELDS = frozenset(
    [
        "actionDetails",
        "actions",
        "browser",
        "browserCode",
        "browserFamily",
        "browserFamilyDescription",
        "browserName",
        "browserVersion",
        "campaignContent",
        "campaignGroup",
        "campaignId",
        "campaignKeyword",
        "campaignMedium",
        "campaignName",
        "campaignPlacement",
        "campaignSource",
        "city",
        "continent",
        "continentCode",
        "country",
        "countryCode",
        "daysSinceFirstVisit",
        "daysSinceLastEcommerceOrder",
        "daysSinceLastVisit",
        "deviceBrand",
        "deviceModel",
        "deviceType",
        "dimension1",
        "events",
        "fingerprint",
        "firstActionTimestamp",
        "goalConversions",
        "idSite",
        "idVisit",
        "interactions",
        "language",
        "languageCode",
        "lastActionDateTime",
        "lastActionTimestamp",
        "latitude",
        "location",
        "longitude",
        "operatingSystem",
        "operatingSystemCode",
        "operatingSystemName",
        "operatingSystemVersion",
        "referrerKeyword",
        "referrerKeywordPosition",
        "referrerName",
        "referrerSearchEngineUrl",
        "referrerSocialNetworkUrl",
        "referrerType",
        "referrerTypeName",
        "referrerUrl",
        "region",
        "regionCode",
        "resolution",
        "searches",
        "secondsSinceFirstVisit",
        "secondsSinceLastEcommerceOrder",
        "secondsSinceLastVisit",
        "serverDate",
        "serverDatePretty",
        "serverDatePrettyFirstAction",
        "serverTimePretty",
        "serverTimePrettyFirstAction",
        "serverTimestamp",
        "siteCurrency",
        "siteCurrencySymbol",
        "siteName",
        "totalAbandonedCarts",
        "totalAbandonedCartsItems",
        "totalAbandonedCartsRevenue",
        "totalEcommerceConversions",
        "totalEcommerceItems",
        "totalEcommerceRevenue",
        "userId",
        "visitConverted",
        "visitConvertedIcon",
        "visitCount",
        "visitDuration",
        "visitDurationPretty",
        "visitEcommerceStatus",
        "visitEcommerceStatusIcon",
        "visitIp",
        "visitLocalHour",
        "visitLocalTime",
        "visitServerHour",
        "visitorId",
        "visitorType",
        "visitorTypeIcon",
    ]
)


def visit_id(record: Record) -> str:
    return str(int(record["idVisit"]))


def last_action_at(record: Record) -> datetime | None:
    value = record.get("lastActionTimestamp")
    return None if value in (None, "") else datetime.fromtimestamp(int(value), UTC)


def visits_stream(lookback: timedelta) -> Stream:
    return Stream(
        name="visits",
        primary_key=visit_id,
        cursor=last_action_at,
        lookback=lookback,
        known_fields=VISIT_FIELDS,
        required_fields=("idVisit", "lastActionTimestamp"),
    )


class MatomoSource:
    """The Matomo connector: one site's visits, a site day at a time.

    ``streams`` on the class declares the raw tables (with the default lookback); an instance carries its
    connection's lookback.
    """

    name = NAME
    streams: Sequence[Stream] = (visits_stream(timedelta(days=DEFAULT_LOOKBACK_DAYS)),)

    def __init__(
        self,
        session: SourceSession,
        token_auth: str,
        site_id: str,
        *,
        lookback: timedelta = timedelta(days=DEFAULT_LOOKBACK_DAYS),
        page_size: int = DEFAULT_PAGE_SIZE,
    ) -> None:
        self.session = session
        self.token_auth = token_auth
        self.site_id = site_id
        self.page_size = page_size
        self.streams = (visits_stream(lookback),)

    @classmethod
    def from_connection(cls, conn, conn_id: str) -> MatomoSource:
        extra = conn.extra_dejson or {}
        if not conn.password:
            raise ConnectorError(
                f"matomo: Airflow connection '{conn_id}' has no password; set it to a Matomo token_auth with view "
                "access to the site."
            )
        if not conn.host:
            raise ConnectorError(
                f"matomo: Airflow connection '{conn_id}' has no host; set it to the Matomo URL, e.g. "
                "https://example.matomo.cloud."
            )
        site_id = str(extra.get("site_id") or "").strip()
        if not site_id.isdigit():
            raise ConnectorError(
                f"matomo: the extra of Airflow connection '{conn_id}' needs site_id, the numeric id of the site "
                f"(got {extra.get('site_id')!r})."
            )
        lookback_days = whole_number(NAME, extra, conn_id, "lookback_days", DEFAULT_LOOKBACK_DAYS, minimum=0)
        page_size = whole_number(NAME, extra, conn_id, "page_size", DEFAULT_PAGE_SIZE, minimum=1)
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        policy = HttpPolicy.from_extra(extra, conn_id)
        session = SourceSession(NAME, conn.host, headers, conn_id=conn_id, policy=policy)
        return cls(session, conn.password, site_id, lookback=timedelta(days=lookback_days), page_size=page_size)

    def close(self) -> None:
        self.session.close()

    # -- the stream ---------------------------------------------------------------------------------------------

    def pages(self, stream: Stream, window: Window) -> Iterator[Page]:
        zone, created = self._site()
        last_day = (window.end - timedelta(microseconds=1)).astimezone(zone).date()
        if window.start is not None:
            first_day: date | None = window.start.astimezone(zone).date()
        else:
            first_day = self._first_visit_day(zone, created, last_day)
        if first_day is None:
            log.info("matomo.visits: the site has no visits up to %s", last_day)
            return
        day = first_day
        while day <= last_day:
            for records in self._day(stream, day):
                yield Page(records)
            day += timedelta(days=1)

    def _day(self, stream: Stream, day: date) -> Iterator[list[Record]]:
        request = PageRequest(
            "POST",
            PATH,
            params={
                **self._api("Live.getLastVisitsDetails"),
                "period": "day",
                "date": day.isoformat(),
                "filter_sort_order": "asc",
            },
            data=self._token,
        )
        paginator = OffsetPaginator(self.page_size, offset_param="filter_offset", limit_param="filter_limit")
        pages = paged(self.session, request, paginator, self._visits, stream=stream.name, key=stream.primary_key)
        for records, _ in pages:
            if records:
                yield records

    def _first_visit_day(self, zone: tzinfo, created: date, last_day: date) -> date | None:
        """The site day of the oldest visit's last action (one cheap request), or None without visits."""
        if last_day < created:
            return None
        request = PageRequest(
            "POST",
            PATH,
            params={
                **self._api("Live.getLastVisitsDetails"),
                "period": "range",
                "date": f"{created.isoformat()},{last_day.isoformat()}",
                "filter_sort_order": "asc",
                "filter_limit": 1,
                "doNotFetchActions": 1,
            },
        )
        visits = _visits(self._call(request, "visits"))
        if not visits:
            return None
        oldest = last_action_at(visits[0]) if isinstance(visits[0], dict) else None
        return oldest.astimezone(zone).date() if oldest else created

    def _site(self) -> tuple[tzinfo, date]:
        """The site's time zone and creation day, from ``SitesManager.getSiteFromId``."""
        answer = self._call(PageRequest("POST", PATH, params=self._api("SitesManager.getSiteFromId")), "visits")
        if not isinstance(answer, dict) or "timezone" not in answer:
            raise ConnectorError(f"matomo: SitesManager.getSiteFromId answered without a site: {str(answer)[:200]}")
        zone = site_zone(str(answer["timezone"]))
        created = str(answer.get("ts_created") or "")[:10]
        try:
            return zone, date.fromisoformat(created)
        except ValueError:
            return zone, date(2008, 1, 1)  # Matomo's (then Piwik's) first release: no site is older

    # -- requests -----------------------------------------------------------------------------------------------

    def _api(self, method: str) -> dict[str, Any]:
        return {"module": "API", "method": method, "idSite": self.site_id, "format": "JSON"}

    def _call(self, request: PageRequest, stream: str) -> Any:
        """POST one Reporting API call, ``token_auth`` in the form body; a Matomo error body ends the sync."""
        answer = self.session.request_json(
            request.method, request.path, for_stream=stream, params=dict(request.params), data=self._token
        )
        return self._checked(answer, request.params.get("method"))

    @property
    def _token(self) -> dict[str, str]:
        return {"token_auth": self.token_auth}

    def _checked(self, answer: Any, method: object = "Live.getLastVisitsDetails") -> Any:
        if isinstance(answer, dict) and answer.get("result") == "error":
            message = str(answer.get("message") or "")
            if "token" in message.lower() or "access" in message.lower():
                raise ConnectorError(
                    f"matomo: the API refused our credentials ({message}). Fix the password (token_auth) or "
                    f"extra.site_id of Airflow connection '{self.session.conn_id}'."
                )
            raise ConnectorError(f"matomo: {method} failed: {message}")
        return answer

    def _visits(self, answer: Any) -> list[Record]:
        return _visits(self._checked(answer))


def site_zone(name: str) -> tzinfo:
    """A Matomo site time zone: an IANA name, or Matomo's manual offsets ``UTC``, ``UTC+5.5``, ``UTC-3``."""
    if name.startswith("UTC") and name != "UTC":
        try:
            hours = float(name[3:])
        except ValueError:
            pass
        else:
            return timezone(timedelta(hours=hours))
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        raise ConnectorError(f"matomo: the site's time zone {name!r} is not one we know.") from None


def _visits(answer: Any) -> list[Record]:
    if not isinstance(answer, list):
        raise ConnectorError(
            f"matomo: Live.getLastVisitsDetails answered without a list of visits: {str(answer)[:200]}"
        )
    return answer
