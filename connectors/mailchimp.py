"""Mailchimp Marketing API v3: audience members, sent campaigns, and each campaign's per-recipient email activity.

References (Mailchimp developer docs):
- Fundamentals: https://mailchimp.com/developer/marketing/docs/fundamentals/ — base URL
  ``https://<dc>.api.mailchimp.com/3.0`` (``<dc>`` is the API key's suffix, e.g. ``us21``), HTTP Basic auth with
  any user name and the API key as password (OAuth 2 tokens as ``Authorization: Bearer``), ``count`` (at most
  1,000) and ``offset`` paging with ``total_items``.
- List members: https://mailchimp.com/developer/marketing/api/list-members/list-members-info/ —
  ``since_last_changed``/``before_last_changed``, ``sort_field=last_changed``, ``sort_dir=ASC``.
- Campaigns: https://mailchimp.com/developer/marketing/api/campaigns/list-campaigns/ — ``status=sent``,
  ``since_send_time``/``before_send_time``, ``list_id``, ``sort_field=send_time``.
- Email activity: https://mailchimp.com/developer/marketing/api/email-activity-reports/list-email-activity/ —
  ``GET /reports/{campaign_id}/email-activity``, one entry per recipient with its ``activity`` array.
- Errors and limits: https://mailchimp.com/developer/marketing/docs/errors/ — problem-detail JSON (``detail`` is
  the message); at most 10 simultaneous connections (429 past that). A sync makes one request at a time.

Streams:
- ``members``: key ``<list_id>:<member id>``, cursor ``last_changed``; a window asks for
  ``since_last_changed``..``before_last_changed``, oldest first. With several audiences (no ``list_id``
  configured) their pages are merged by ``last_changed``, so the bookmark never passes an unloaded member.
- ``campaigns``: key campaign id, cursor ``send_time``, sent campaigns only. A campaign's ``report_summary`` keeps
  growing after the send, so the stream re-pulls the campaigns sent within the lookback.
- ``email_activity``: key ``<campaign_id>:<email_id>``, one row per recipient holding the whole activity array.
  A recipient's opens and clicks arrive for days after a send, so every run re-pulls the full activity of the
  campaigns sent within the lookback (default 14 days). ``since`` is not used: it would return partial arrays that
  would replace whole ones. The cursor of a record is its campaign's send time (campaigns come oldest first).

Connection ``mailchimp_default``: ``password`` = API key (or OAuth token with extra ``auth: "bearer"``), ``host`` =
API base URL (default ``https://<dc>.api.mailchimp.com`` from the key), extra ``list_id`` (optional: all
audiences), ``lookback_days`` (14), ``page_size`` (1000), plus the HTTP policy keys (connectors.core.http).
"""

from __future__ import annotations

import heapq
import logging
from base64 import b64encode
from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta
from itertools import islice
from typing import Any

from connectors.core.errors import ConnectorError
from connectors.core.http import HttpPolicy, SourceSession
from connectors.core.paging import OffsetPaginator, PageRequest, paged, records_at
from connectors.core.stream import Page, Record, Stream, Window

log = logging.getLogger(__name__)

NAME = "mailchimp"
API = "/3.0"
MAX_PAGE_SIZE = 1000
DEFAULT_LOOKBACK = timedelta(days=14)


def parse_time(value: Any) -> datetime | None:
    """Mailchimp's ISO 8601 times (``2026-07-07T14:00:00+00:00``); empty means none."""
    return datetime.fromisoformat(value) if value else None


def api_time(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


def member_key(record: Record) -> str:
    return f"{record['list_id']}:{record['id']}"


def activity_key(record: Record) -> str:
    return f"{record['campaign_id']}:{record['email_id']}"


MEMBER_FIELDS = frozenset(
    {
        "id",
        "email_address",
        "unique_email_id",
        "contact_id",
        "full_name",
        "web_id",
        "email_type",
        "status",
        "unsubscribe_reason",
        "consents_to_one_to_one_messaging",
        "merge_fields",
        "interests",
        "stats",
        "ip_signup",
        "timestamp_signup",
        "ip_opt",
        "timestamp_opt",
        "member_rating",
        "last_changed",
        "language",
        "vip",
        "email_client",
        "location",
        "marketing_permissions",
        "last_note",
        "source",
        "tags_count",
        "tags",
        "list_id",
        "_links",
    }
)
CAMPAIGN_FIELDS = frozenset(
    {
        "id",
        "web_id",
        "parent_campaign_id",
        "type",
        "create_time",
        "archive_url",
        "long_archive_url",
        "status",
        "emails_sent",
        "send_time",
        "content_type",
        "needs_block_refresh",
        "resendable",
        "recipients",
        "settings",
        "variate_settings",
        "tracking",
        "rss_opts",
        "ab_split_opts",
        "social_card",
        "report_summary",
        "delivery_status",
        "_links",
    }
)
ACTIVITY_FIELDS = frozenset(
    {"campaign_id", "list_id", "list_is_active", "email_id", "email_address", "activity", "_links"}
)

MEMBERS = Stream(
    name="members",
    primary_key=member_key,
    cursor=lambda r: parse_time(r["last_changed"]),
    known_fields=MEMBER_FIELDS,
    required_fields=("id", "list_id", "last_changed"),
)


def streams(lookback: timedelta, sent_at: dict[str, datetime]) -> tuple[Stream, ...]:
    """The three streams; ``sent_at`` (campaign id → send time, filled while listing campaigns) dates activity."""
    campaigns = Stream(
        name="campaigns",
        primary_key=lambda r: str(r["id"]),
        cursor=lambda r: parse_time(r["send_time"]),
        lookback=lookback,
        known_fields=CAMPAIGN_FIELDS,
        required_fields=("id", "send_time"),
    )
    email_activity = Stream(
        name="email_activity",
        primary_key=activity_key,
        cursor=lambda r: sent_at[r["campaign_id"]],
        lookback=lookback,
        known_fields=ACTIVITY_FIELDS,
        required_fields=("campaign_id", "email_id"),
    )
    return (MEMBERS, campaigns, email_activity)


def base_url_for(api_key: str) -> str:
    """``https://<dc>.api.mailchimp.com`` for a key ending in ``-<dc>``."""
    _, dash, dc = api_key.rpartition("-")
    if not dash or not dc.isalnum():
        raise ConnectorError(
            "mailchimp: the API key of Airflow connection 'mailchimp_default' has no data centre suffix (-us21 ...); "
            "set the connection's host to the API base URL, e.g. https://us21.api.mailchimp.com."
        )
    return f"https://{dc}.api.mailchimp.com"


class MailchimpSource:
    """The Mailchimp connector: declared streams over offset-paged list endpoints."""

    name = NAME
    # The declaration (names, keys, tables); each instance binds its own, whose activity cursor reads its campaigns.
    streams: Sequence[Stream] = streams(DEFAULT_LOOKBACK, {})

    def __init__(
        self,
        session: SourceSession,
        *,
        list_id: str | None = None,
        lookback: timedelta = DEFAULT_LOOKBACK,
        page_size: int = MAX_PAGE_SIZE,
    ) -> None:
        self.session = session
        self.list_id = list_id
        self.page_size = page_size
        self._sent_at: dict[str, datetime] = {}
        self.streams: Sequence[Stream] = streams(lookback, self._sent_at)

    @classmethod
    def from_connection(cls, conn, conn_id: str) -> MailchimpSource:
        if not conn.password:
            raise ConnectorError(
                f"mailchimp: Airflow connection '{conn_id}' has no password; set it to the Mailchimp API key."
            )
        extra = conn.extra_dejson or {}
        bearer = str(extra.get("auth", "basic")).lower() == "bearer"
        if bearer:
            authorization = f"Bearer {conn.password}"
        else:
            authorization = "Basic " + b64encode(f"{conn.login or 'purchase-path'}:{conn.password}".encode()).decode()
        base_url = conn.host or base_url_for(conn.password)
        try:
            lookback = timedelta(days=float(extra.get("lookback_days", DEFAULT_LOOKBACK.days)))
            page_size = int(extra.get("page_size", MAX_PAGE_SIZE))
        except (TypeError, ValueError):
            raise ConnectorError(
                f"mailchimp: lookback_days and page_size in the extra of Airflow connection '{conn_id}' "
                "must be numbers."
            ) from None
        if not 1 <= page_size <= MAX_PAGE_SIZE or lookback < timedelta(0):
            raise ConnectorError(
                f"mailchimp: in the extra of Airflow connection '{conn_id}', page_size must be 1..{MAX_PAGE_SIZE} "
                "and lookback_days not negative."
            )
        policy = HttpPolicy.from_extra(extra, conn_id)
        session = SourceSession(NAME, base_url, {"Authorization": authorization}, conn_id=conn_id, policy=policy)
        return cls(session, list_id=extra.get("list_id") or None, lookback=lookback, page_size=page_size)

    def close(self) -> None:
        self.session.close()

    def pages(self, stream: Stream, window: Window) -> Iterator[Page]:
        if stream.name == "members":
            yield from self._members(window)
        elif stream.name == "campaigns":
            for campaigns in self._campaign_pages(stream.name, window):
                yield Page(campaigns)
        elif stream.name == "email_activity":
            yield from self._email_activity(stream.name, window)
        else:
            raise ValueError(f"mailchimp has no stream {stream.name!r}")

    # -- requests ---------------------------------------------------------------------------------------------

    def _paged(self, stream: str, path: str, key: str, params: dict[str, Any]) -> Iterator[list[Record]]:
        paginator = OffsetPaginator(self.page_size, "offset", "count", total_path=("total_items",))
        request = PageRequest("GET", f"{API}{path}", params)
        for records, _ in paged(self.session, request, paginator, records_at((key,)), stream=stream):
            if records:
                yield records

    def _list_ids(self) -> list[str]:
        if self.list_id:
            return [self.list_id]
        found = [str(r["id"]) for page in self._paged("members", "/lists", "lists", {}) for r in page]
        log.info("mailchimp: no list_id configured; syncing %d audiences", len(found))
        return found

    # -- streams ----------------------------------------------------------------------------------------------

    def _members(self, window: Window) -> Iterator[Page]:
        params = {"sort_field": "last_changed", "sort_dir": "ASC", "before_last_changed": api_time(window.end)}
        if window.start is not None:
            params["since_last_changed"] = api_time(window.start)
        lists = self._list_ids()
        if len(lists) == 1:
            for records in self._paged("members", f"/lists/{lists[0]}/members", "members", params):
                yield Page(records)
            return
        per_list = [self._records(f"/lists/{list_id}/members", params) for list_id in lists]
        merged = heapq.merge(*per_list, key=lambda r: str(r.get("last_changed") or ""))
        while chunk := list(islice(merged, self.page_size)):
            yield Page(chunk)

    def _records(self, path: str, params: dict[str, Any]) -> Iterator[Record]:
        for records in self._paged("members", path, "members", params):
            yield from records

    def _campaign_pages(self, stream: str, window: Window) -> Iterator[list[Record]]:
        params = {"status": "sent", "sort_field": "send_time", "sort_dir": "ASC"}
        params["before_send_time"] = api_time(window.end)
        if window.start is not None:
            params["since_send_time"] = api_time(window.start)
        if self.list_id:
            params["list_id"] = self.list_id
        for campaigns in self._paged(stream, "/campaigns", "campaigns", params):
            for campaign in campaigns:
                sent = _sent_at(campaign)
                if sent is not None:
                    self._sent_at[str(campaign["id"])] = sent
            yield campaigns

    def _email_activity(self, stream: str, window: Window) -> Iterator[Page]:
        listed = [c for page in self._campaign_pages(stream, window) for c in page]
        campaigns = [c for c in listed if _sent_at(c) is not None]
        if len(campaigns) < len(listed):
            log.warning(
                "mailchimp.%s: %d campaigns listed without an id or send time; their activity waits for the next run",
                stream,
                len(listed) - len(campaigns),
            )
        campaigns.sort(key=lambda c: (_sent_at(c), str(c["id"])))
        for campaign in campaigns:
            campaign_id = str(campaign["id"])
            for records in self._paged(stream, f"/reports/{campaign_id}/email-activity", "emails", {}):
                yield Page(records)


def _sent_at(campaign: Record) -> datetime | None:
    try:
        return parse_time(campaign.get("send_time")) if campaign.get("id") else None
    except (TypeError, ValueError):
        return None
