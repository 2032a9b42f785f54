"""Mailchimp Marketing API v3 emulation: the brand's one audience (list), its members, its sent campaigns and each
campaign's per-recipient email activity (opens, clicks, bounces), under ``/3.0``.

Follows Mailchimp's public reference; references:

- API basics (base URL ``https://<dc>.api.mailchimp.com/3.0``, the data centre being the API key's suffix; HTTP
  Basic auth with any user name and the API key as password, or ``Authorization: Bearer <OAuth token>``;
  ``count`` (default 10, at most 1,000) and ``offset`` paging with ``total_items``; ISO 8601 times):
  https://mailchimp.com/developer/marketing/docs/fundamentals/ and
  https://mailchimp.com/developer/marketing/guides/quick-start/
- Lists/audiences: https://mailchimp.com/developer/marketing/api/lists/get-lists-info/
- List members (``status``, ``since_last_changed``/``before_last_changed``, ``since_timestamp_opt``/
  ``before_timestamp_opt``, ``sort_field`` ``timestamp_opt|timestamp_signup|last_changed``, ``sort_dir``; the member
  ``id`` is the MD5 hash of the lower-cased address, ``unique_email_id`` the ``mc_eid`` of tracked links):
  https://mailchimp.com/developer/marketing/api/list-members/list-members-info/
- Campaigns (``status``, ``since_send_time``/``before_send_time``, ``list_id``, ``sort_field``
  ``create_time|send_time``): https://mailchimp.com/developer/marketing/api/campaigns/list-campaigns/
- Email activity (``emails`` of ``{campaign_id, list_id, list_is_active, email_id, email_address, activity:
  [{action: open|click|bounce, type (bounces), timestamp, url (clicks), ip}]}``, ``since``):
  https://mailchimp.com/developer/marketing/api/email-activity-reports/list-email-activity/
- Errors as problem-detail JSON (``type``, ``title``, ``status``, ``detail``, ``instance``), content type
  ``application/problem+json``; 401 "API Key Missing"/"API Key Invalid", 404 "Resource Not Found", 429 "Too Many
  Requests" past 10 simultaneous connections: https://mailchimp.com/developer/marketing/docs/errors/ and
  https://mailchimp.com/developer/release-notes/added-support-for-401-unauthorized-response-code/

What is served is a pure function of (world, clock, request). A subscriber is a member from ``subscribed_at``; a
campaign is saved three days before its send, scheduled the day before, sent at its send time to every member
subscribed by then (and to a buyer the world says clicked it); activity appears once it happened. Clicks are the
world's email-click touches, at the same second, with the landing URL the web analytics see
(:meth:`sandbox.web_visits.VisitBuilder.landing_url`); every clicker opened first; other recipients open at a rate
of their own, some unsubscribe after a campaign (never before a click the world has), a few soft-bounce. This noise
comes from the buyer's own stream ``world.rng(index, "mailchimp")``, drawn a fixed number of times per calendar
send, so no other vendor's data moves.
"""

from __future__ import annotations

import hashlib
import math
import threading
import time
from base64 import b64decode
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sandbox import credentials
from sandbox.schedule import EmailSend
from sandbox.timefmt import MS_PER_DAY, MS_PER_HOUR, from_ms, parse_instant
from sandbox.web import Clock, Request, Response, deterministic_uuid
from sandbox.web_visits import VisitBuilder, slug
from sandbox.world import Buyer, World

API_PREFIX = "/3.0"
DEFAULT_COUNT = 10
MAX_COUNT = 1000
PROBLEM_CONTENT_TYPE = "application/problem+json; charset=utf-8"
ERROR_DOCS = "https://mailchimp.com/developer/marketing/docs/errors/"
LIST_NAME = "Purchase Path newsletter"
FROM_NAME = "Purchase Path"
FROM_EMAIL = "hello@purchasepath.example"

CREATED_BEFORE_SEND_MS = 3 * MS_PER_DAY  # a campaign is drafted three days before it goes out ...
SCHEDULED_BEFORE_SEND_MS = MS_PER_DAY  # ... and scheduled the day before
P_BOUNCE = 0.01  # a soft bounce of one send (never where the world has a click)
P_UNSUBSCRIBE = 0.015  # per campaign received after the member's last click
P_REOPEN = 0.25
MEAN_OPEN_DELAY_MS = 6 * MS_PER_HOUR
MAX_OPEN_DELAY_MS = 4 * MS_PER_DAY
DRAWS_PER_SEND = 8  # uniforms drawn per calendar send, used or not, so that every draw keeps its meaning


@dataclass(frozen=True, slots=True)
class MailchimpOptions:
    api_key: str = credentials.MAILCHIMP_API_KEY
    oauth_token: str = credentials.MAILCHIMP_OAUTH_TOKEN
    list_id: str = credentials.MAILCHIMP_LIST_ID
    max_connections: int = 10  # Mailchimp's limit of simultaneous connections per account; more get 429
    latency: float = 0.0  # seconds each answer takes, so that concurrent clients overlap (tests of the limit)


@dataclass(frozen=True, slots=True)
class Action:
    """One recorded interaction of a recipient with a campaign."""

    kind: str  # "open", "click" or "bounce"
    at: int
    url: str | None = None


@dataclass(frozen=True, slots=True)
class Member:
    index: int
    email: str  # as Mailchimp keeps it: trimmed, the case as typed
    first_name: str
    last_name: str
    mc_eid: str
    subscribed_at: int
    unsubscribed_at: int | None
    source: str
    received: dict[int, tuple[Action, ...]] = field(default_factory=dict)  # send seq → actions, in time order

    @property
    def subscriber_hash(self) -> str:
        return hashlib.md5(self.email.lower().encode()).hexdigest()  # noqa: S324 - Mailchimp's own id scheme

    def last_changed(self, now: int) -> int:
        if self.unsubscribed_at is not None and self.unsubscribed_at <= now:
            return self.unsubscribed_at
        return self.subscribed_at

    def status(self, now: int) -> str:
        return "unsubscribed" if self.last_changed(now) != self.subscribed_at else "subscribed"


class _ApiError(Exception):
    def __init__(self, status: int, title: str, detail: str) -> None:
        super().__init__(detail)
        self.status, self.title, self.detail = status, title, detail


def mailchimp_time(ms: int) -> str:
    """``2026-07-07T14:00:00+00:00``: how Mailchimp writes times."""
    return from_ms(ms).strftime("%Y-%m-%dT%H:%M:%S+00:00")


def members_of(world: World) -> list[Member]:
    """Every buyer who ever subscribed, with the campaigns they received and what they did with them."""
    sends = world.config.email_sends
    builder = VisitBuilder(world.config)
    found = []
    for buyer in world.iter_buyers():
        if buyer.subscribed_at is None or buyer.mc_eid is None:
            continue
        found.append(_member(world, builder, sends, buyer))
    return found


def _member(world: World, builder: VisitBuilder, sends: Sequence[EmailSend], buyer: Buyer) -> Member:
    subscribed = buyer.subscribed_at
    assert subscribed is not None and buyer.mc_eid is not None
    rng = world.rng(buyer.index, "mailchimp")
    open_rate = 0.10 + 0.45 * rng.random()
    draws = {send.seq: [rng.random() for _ in range(DRAWS_PER_SEND)] for send in sends}
    clicks: dict[int, list[Action]] = {}
    for touch in buyer.touches:
        if touch.channel == "email" and touch.email_send is not None:
            url = builder.landing_url(buyer, touch)
            clicks.setdefault(touch.email_send, []).append(Action("click", touch.at, url))
    last_click_send = max(clicks, default=-1)
    unsubscribed_at = None
    received: dict[int, tuple[Action, ...]] = {}
    for send in sends:
        if send.at >= world.end_ms or unsubscribed_at is not None and send.at > unsubscribed_at:
            break
        if send.at <= subscribed and send.seq not in clicks:
            continue
        u = draws[send.seq]
        actions = _actions(send, clicks.get(send.seq, []), open_rate, u, world.end_ms)
        received[send.seq] = tuple(sorted(actions, key=lambda a: (a.at, a.kind)))
        if send.seq > last_click_send and u[6] < P_UNSUBSCRIBE:
            at = _whole_seconds(send.at + MS_PER_HOUR + int(u[7] * 47 * MS_PER_HOUR))
            if at < world.end_ms:
                unsubscribed_at = at
    source = "Hosted Signup Form" if any(m.kind == "subscribe" for t in buyer.touches for m in t.moments) else "Import"
    return Member(
        index=buyer.index,
        email=buyer.email_typed.strip(),
        first_name=buyer.first_name,
        last_name=buyer.last_name,
        mc_eid=buyer.mc_eid,
        subscribed_at=subscribed,
        unsubscribed_at=unsubscribed_at,
        source=source,
        received=received,
    )


def _actions(send: EmailSend, clicks: list[Action], open_rate: float, u: list[float], end: int) -> list[Action]:
    """A recipient's actions on one send: the world's clicks, each after an open; else maybe opens or a bounce."""
    if clicks:
        first = min(c.at for c in clicks)
        opened = _whole_seconds(first - int(u[0] * min(first - send.at, 30 * 60_000)))
        return [Action("open", max(send.at, opened)), *clicks]
    if u[1] < P_BOUNCE:
        return [Action("bounce", _whole_seconds(send.at + 60_000 + int(u[2] * 540_000)))]
    if u[3] >= open_rate:
        return []
    opened = send.at + _delay(u[4])
    actions = [Action("open", opened)]
    if u[5] < P_REOPEN:
        actions.append(Action("open", opened + _delay(u[5] / P_REOPEN)))
    return [a for a in actions if a.at < end]


def _delay(u: float) -> int:
    return _whole_seconds(min(int(-math.log(1 - u) * MEAN_OPEN_DELAY_MS), MAX_OPEN_DELAY_MS)) + 1000


def _whole_seconds(ms: int) -> int:
    return ms - ms % 1000


def _ip(*parts: object) -> str:
    digest = hashlib.blake2b("/".join(map(str, parts)).encode(), digest_size=2).digest()
    return f"198.51.{digest[0] % 100 + 100}.{digest[1] % 254 + 1}"


class MailchimpApi:
    """The Mailchimp Marketing API of one account with one audience, as it stood at the sandbox clock."""

    name = "mailchimp"

    def __init__(self, world: World, clock: Clock, options: MailchimpOptions | None = None) -> None:
        self.world = world
        self.clock = clock
        self.options = options or MailchimpOptions()
        self._members: list[Member] | None = None
        self._lock = threading.Lock()
        self._in_flight = 0
        self._sends = {send.campaign_id: send for send in world.config.email_sends if send.at < world.end_ms}

    def airflow_connection(self, base_url: str) -> dict[str, object]:
        return {
            "conn_type": "http",
            "host": base_url,
            "password": self.options.api_key,
            "extra": {"list_id": self.options.list_id},
        }

    def endpoints(self) -> list[str]:
        return [
            "GET  /3.0/ping",
            "GET  /3.0/lists[/{list_id}]?count=&offset=",
            "GET  /3.0/lists/{list_id}/members?count=&offset=&status=&since_last_changed=&before_last_changed="
            "&sort_field=&sort_dir=",
            "GET  /3.0/campaigns[/{campaign_id}]?count=&offset=&status=&list_id=&since_send_time=&before_send_time=",
            "GET  /3.0/reports/{campaign_id}/email-activity?count=&offset=&since=",
        ]

    @property
    def members(self) -> list[Member]:
        with self._lock:
            if self._members is None:
                self._members = members_of(self.world)
            return self._members

    # -- entry point --------------------------------------------------------------------------------------------

    def handle(self, request: Request) -> Response | None:
        if request.path != API_PREFIX and not request.path.startswith(API_PREFIX + "/"):
            return None
        with self._lock:
            self._in_flight += 1
            crowded = self._in_flight > self.options.max_connections
        try:
            if self.options.latency:
                time.sleep(self.options.latency)
            self._authenticate(request)
            if crowded:
                raise _ApiError(
                    429,
                    "Too Many Requests",
                    f"You have exceeded the limit of {self.options.max_connections} simultaneous connections.",
                )
            if request.method != "GET":
                raise _ApiError(
                    405,
                    "Method Not Allowed",
                    "The requested method and resource are not compatible. See the Allow header for this "
                    "resource's available methods.",
                )
            return Response.json(200, self._route(request))
        except _ApiError as error:
            return _problem(request, error)
        finally:
            with self._lock:
                self._in_flight -= 1

    def _authenticate(self, request: Request) -> None:
        given = request.header("authorization") or ""
        scheme, _, value = given.partition(" ")
        if scheme.lower() == "basic":
            try:
                _, _, key = b64decode(value.strip(), validate=True).decode().partition(":")
            except (ValueError, UnicodeDecodeError):
                key = ""
            if key == self.options.api_key:
                return
        elif scheme.lower() in ("bearer", "oauth") and value.strip() == self.options.oauth_token:
            return
        if not given.strip():
            raise _ApiError(401, "API Key Missing", "Your request did not include an API key.")
        raise _ApiError(
            401, "API Key Invalid", "Your API key may be invalid, or you've attempted to access the wrong datacenter."
        )

    def _route(self, request: Request) -> Any:
        parts = [p for p in request.path[len(API_PREFIX) :].split("/") if p]
        now = self.clock.now_ms
        match parts:
            case [] | ["ping"]:
                return {"health_status": "Everything's Chimpy!"}
            case ["lists"]:
                return self._page(request, "lists", [self._list(now)], {"constraints": self._constraints()})
            case ["lists", list_id]:
                self._check_list(list_id)
                return self._list(now)
            case ["lists", list_id, "members"]:
                self._check_list(list_id)
                return self._page(request, "members", self._members_served(request, now), {"list_id": list_id})
            case ["campaigns"]:
                return self._page(request, "campaigns", self._campaigns_served(request, now), {})
            case ["campaigns", campaign_id]:
                return self._campaign(self._send(campaign_id, now), now)
            case ["reports", campaign_id, "email-activity"]:
                send = self._send(campaign_id, now)
                emails = self._activity_served(request, send, now)
                return self._page(request, "emails", emails, {"campaign_id": campaign_id})
        raise _ApiError(404, "Resource Not Found", "The requested resource could not be found.")

    # -- paging ---------------------------------------------------------------------------------------------------

    def _page(self, request: Request, key: str, records: Sequence[Any], extra: dict[str, Any]) -> dict[str, Any]:
        count = _int_param(request, "count", DEFAULT_COUNT)
        offset = _int_param(request, "offset", 0)
        if not 1 <= count <= MAX_COUNT:
            raise _ApiError(
                400,
                "Invalid Resource",
                f"The value of 'count' must be between 1 and {MAX_COUNT}, got {count}.",
            )
        window = records[offset : offset + count]
        built = [item() if callable(item) else item for item in window]
        links = [{"rel": "self", "href": f"{request.base_url}{request.path}", "method": "GET"}]
        # The records come first: like Mailchimp's, the answer's first list of objects is its records.
        return {key: built, **extra, "total_items": len(records), "_links": links}

    # -- lists ----------------------------------------------------------------------------------------------------

    def _check_list(self, list_id: str) -> None:
        if list_id != self.options.list_id:
            raise _ApiError(404, "Resource Not Found", "The requested resource could not be found.")

    def _constraints(self) -> dict[str, Any]:
        return {"may_create": True, "max_instances": 1, "current_total_instances": 1}

    def _list(self, now: int) -> dict[str, Any]:
        members = [m for m in self.members if m.subscribed_at <= now]
        unsubscribed = [m for m in members if m.status(now) == "unsubscribed"]
        sent = [s for s in self._sends.values() if s.at <= now]
        return {
            "id": self.options.list_id,
            "web_id": 100001,
            "name": LIST_NAME,
            "contact": {"company": FROM_NAME, "address1": "1 Example Street", "city": "Springfield", "country": "US"},
            "permission_reminder": "You signed up for the Purchase Path newsletter on our website or at an event.",
            "campaign_defaults": {"from_name": FROM_NAME, "from_email": FROM_EMAIL, "subject": "", "language": "en"},
            "date_created": mailchimp_time(self.world.start_ms - 180 * MS_PER_DAY),
            "list_rating": 3,
            "email_type_option": False,
            "visibility": "pub",
            "double_optin": False,
            "stats": {
                "member_count": len(members) - len(unsubscribed),
                "unsubscribe_count": len(unsubscribed),
                "cleaned_count": 0,
                "campaign_count": len(sent),
                "campaign_last_sent": mailchimp_time(max(s.at for s in sent)) if sent else "",
                "last_sub_date": mailchimp_time(max(m.subscribed_at for m in members)) if members else "",
                "last_unsub_date": (
                    mailchimp_time(max(m.last_changed(now) for m in unsubscribed)) if unsubscribed else ""
                ),
            },
        }

    # -- members --------------------------------------------------------------------------------------------------

    def _members_served(self, request: Request, now: int) -> list[Callable[[], dict[str, Any]]]:
        status = request.query_value("status")
        since_changed, before_changed = (
            _time_param(request, "since_last_changed"),
            _time_param(request, "before_last_changed"),
        )
        since_opt, before_opt = (
            _time_param(request, "since_timestamp_opt"),
            _time_param(request, "before_timestamp_opt"),
        )
        found = []
        for member in self.members:
            if member.subscribed_at > now:
                continue
            changed = member.last_changed(now)
            if status and member.status(now) != status:
                continue
            if since_changed is not None and changed < since_changed:
                continue
            if before_changed is not None and changed >= before_changed:
                continue
            if since_opt is not None and member.subscribed_at < since_opt:
                continue
            if before_opt is not None and member.subscribed_at >= before_opt:
                continue
            found.append(member)
        sort_field = request.query_value("sort_field")
        if sort_field not in (None, "", "timestamp_opt", "timestamp_signup", "last_changed"):
            raise _ApiError(400, "Invalid Resource", f"'{sort_field}' is not a valid value for sort_field.")
        if sort_field == "last_changed":
            found.sort(key=lambda m: (m.last_changed(now), m.index))
        elif sort_field in ("timestamp_opt", "timestamp_signup"):
            found.sort(key=lambda m: (m.subscribed_at, m.index))
        if (request.query_value("sort_dir") or "").upper() == "DESC":
            found.reverse()
        return [lambda m=m: self._member(m, now) for m in found]

    def _member(self, member: Member, now: int) -> dict[str, Any]:
        status = member.status(now)
        record: dict[str, Any] = {
            "id": member.subscriber_hash,
            "email_address": member.email,
            "unique_email_id": member.mc_eid,
            "web_id": 10_000_000 + member.index,
            "email_type": "html",
            "status": status,
            "full_name": f"{member.first_name} {member.last_name}",
            "merge_fields": {"FNAME": member.first_name, "LNAME": member.last_name},
            "ip_signup": _ip(self.world.seed, member.index, "signup") if member.source != "Import" else "",
            "timestamp_signup": mailchimp_time(member.subscribed_at) if member.source != "Import" else "",
            "ip_opt": _ip(self.world.seed, member.index, "opt"),
            "timestamp_opt": mailchimp_time(member.subscribed_at),
            "member_rating": 2,
            "last_changed": mailchimp_time(member.last_changed(now)),
            "language": "en",
            "vip": False,
            "email_client": "",
            "source": member.source,
            "tags_count": 0,
            "tags": [],
            "list_id": self.options.list_id,
        }
        if status == "unsubscribed":
            record["unsubscribe_reason"] = "N/A (Unsubscribed from campaign)"
        return record

    # -- campaigns ------------------------------------------------------------------------------------------------

    def _send(self, campaign_id: str, now: int) -> EmailSend:
        send = self._sends.get(campaign_id)
        if send is None or send.at - CREATED_BEFORE_SEND_MS > now:
            raise _ApiError(404, "Resource Not Found", "The requested resource could not be found.")
        return send

    def _campaigns_served(self, request: Request, now: int) -> list[Callable[[], dict[str, Any]]]:
        status = request.query_value("status")
        list_id = request.query_value("list_id")
        since, before = _time_param(request, "since_send_time"), _time_param(request, "before_send_time")
        found = []
        for send in sorted(self._sends.values(), key=lambda s: s.at):
            if send.at - CREATED_BEFORE_SEND_MS > now:
                continue
            if status and _campaign_status(send, now) != status:
                continue
            if list_id and list_id != self.options.list_id:
                continue
            if since is not None and (send.at > now or send.at < since):
                continue
            if before is not None and (send.at > now or send.at >= before):
                continue
            found.append(send)
        if (request.query_value("sort_dir") or "").upper() == "DESC":
            found.reverse()
        return [lambda s=s: self._campaign(s, now) for s in found]

    def _campaign(self, send: EmailSend, now: int) -> dict[str, Any]:
        status = _campaign_status(send, now)
        recipients = self._recipients(send) if status == "sent" else []
        record: dict[str, Any] = {
            "id": send.campaign_id,
            "web_id": 2_000_000 + send.seq,
            "type": "regular",
            "create_time": mailchimp_time(send.at - CREATED_BEFORE_SEND_MS),
            "archive_url": f"https://mailchi.mp/purchasepath/{slug(send.name)}",
            "status": status,
            "emails_sent": len(recipients),
            "send_time": mailchimp_time(send.at) if status != "save" else "",
            "content_type": "template",
            "recipients": {
                "list_id": self.options.list_id,
                "list_is_active": True,
                "list_name": LIST_NAME,
                "segment_text": "",
                "recipient_count": len(recipients),
            },
            "settings": {
                "subject_line": send.name,
                "title": send.name,
                "from_name": FROM_NAME,
                "reply_to": FROM_EMAIL,
                "to_name": "*|FNAME|*",
            },
            "tracking": {
                "opens": True,
                "html_clicks": True,
                "text_clicks": False,
                "goal_tracking": False,
                "ecomm360": True,
                "google_analytics": slug(send.name),
            },
        }
        if status == "sent":
            record["report_summary"] = self._report_summary(send, recipients, now)
        return record

    def _recipients(self, send: EmailSend) -> list[Member]:
        return [m for m in self.members if send.seq in m.received]

    def _report_summary(self, send: EmailSend, recipients: list[Member], now: int) -> dict[str, Any]:
        actions = [[a for a in m.received[send.seq] if a.at <= now] for m in recipients]
        opens = [sum(a.kind == "open" for a in acts) for acts in actions]
        clicks = [sum(a.kind == "click" for a in acts) for acts in actions]
        delivered = sum(1 for acts in actions if not any(a.kind == "bounce" for a in acts)) or 1
        return {
            "opens": sum(opens),
            "unique_opens": sum(1 for n in opens if n),
            "open_rate": round(sum(1 for n in opens if n) / delivered, 6),
            "clicks": sum(clicks),
            "subscriber_clicks": sum(1 for n in clicks if n),
            "click_rate": round(sum(1 for n in clicks if n) / delivered, 6),
        }

    # -- email activity -------------------------------------------------------------------------------------------

    def _activity_served(self, request: Request, send: EmailSend, now: int) -> list[Callable[[], dict[str, Any]]]:
        if _campaign_status(send, now) != "sent":
            return []
        since = _time_param(request, "since")
        found = []
        for member in self._recipients(send):
            actions = [a for a in member.received[send.seq] if a.at <= now and (since is None or a.at >= since)]
            if since is not None and not actions:
                continue
            found.append(lambda m=member, acts=actions: self._recipient(send, m, acts))
        return found

    def _recipient(self, send: EmailSend, member: Member, actions: list[Action]) -> dict[str, Any]:
        activity = []
        for action in actions:
            item: dict[str, Any] = {"action": action.kind}
            if action.kind == "bounce":
                item["type"] = "soft"
            item["timestamp"] = mailchimp_time(action.at)
            if action.url is not None:
                item["url"] = action.url
            if action.kind != "bounce":
                item["ip"] = _ip(self.world.seed, member.index, send.seq, action.kind, action.at)
            activity.append(item)
        return {
            "campaign_id": send.campaign_id,
            "list_id": self.options.list_id,
            "list_is_active": True,
            "email_id": member.subscriber_hash,
            "email_address": member.email,
            "activity": activity,
        }


def _campaign_status(send: EmailSend, now: int) -> str:
    if send.at <= now:
        return "sent"
    return "schedule" if send.at - SCHEDULED_BEFORE_SEND_MS <= now else "save"


def _int_param(request: Request, name: str, default: int) -> int:
    value = request.query_value(name)
    if value in (None, ""):
        return default
    try:
        return int(value)
    except ValueError:
        raise _ApiError(400, "Invalid Resource", f"The value of '{name}' must be an integer, got '{value}'.") from None


def _time_param(request: Request, name: str) -> int | None:
    value = request.query_value(name)
    if value in (None, ""):
        return None
    try:
        return parse_instant(value.replace(" ", "+"))  # an unencoded "+00:00" arrives as " 00:00"
    except ValueError:
        raise _ApiError(
            400, "Invalid Resource", f"The value of '{name}' must be an ISO 8601 time, got '{value}'."
        ) from None


def _problem(request: Request, error: _ApiError) -> Response:
    body = {
        "type": ERROR_DOCS,
        "title": error.title,
        "status": error.status,
        "detail": error.detail,
        "instance": deterministic_uuid(request.fingerprint(f"mailchimp/{error.status}")),
    }
    response = Response.json(error.status, body)
    return Response(response.status, response.body, response.headers, content_type=PROBLEM_CONTENT_TYPE)
