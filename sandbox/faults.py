"""Fault injection: the ways real APIs misbehave, switched on per run and replayed exactly.

A :class:`FaultPlan` sits between the HTTP handler and the vendor apps. It sees the :class:`~sandbox.web.Request`
and the :class:`~sandbox.web.Response` the app built, and decides whether the client gets something else; it knows
no vendor. Each fault counts the requests it applies to (1, 2, 3, ...) and fires on a fixed schedule, "every Nth
request" or "requests k..k+2", never on time or chance: the same plan and the same requests give the same faults.

| mode | what the client gets |
| --- | --- |
| ``429`` | 429 with ``Retry-After: <retry_after>`` and HubSpot's ``RATE_LIMIT`` body |
| ``5xx-burst`` | ``burst`` consecutive requests answered 500, 502, 503, 500, ... (502/503 as a gateway's HTML page) |
| ``slow`` | the right answer, after ``delay`` seconds |
| ``drop`` | status, headers (full ``Content-Length``) and the first half of the body, then the connection closes |
| ``truncate`` | the status and the first half of the body, with its length (``length=cut``) or none (``length=none``) |
| ``invalid-json`` | the status with an HTML maintenance page as the body, still labelled JSON |
| ``repeat-page`` | for a request for a later page of a listing, the previous page of that listing again (once) |
| ``drift-new-field`` | the records (the body's first list of objects, or ``records=KEY``) carry a new ``field`` |
| ``drift-null`` | the first record holding ``field`` (a dotted path, default ``id``) has it set to null |

A fault is written ``MODE[:RATE][,key=value...]`` on the command line (``--fault 429:5``,
``--fault 5xx-burst:20,burst=4``, ``--fault drift-null:3,field=updatedAt``); see :meth:`Fault.parse`.
"""

from __future__ import annotations

import threading
from collections import Counter, OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, fields, replace
from typing import Any

import orjson

from sandbox.web import JSON_CONTENT_TYPE, Request, Response, deterministic_uuid

MODES = (
    "429",
    "5xx-burst",
    "slow",
    "drop",
    "truncate",
    "invalid-json",
    "repeat-page",
    "drift-new-field",
    "drift-null",
)
DEFAULT_EVERY = 10
# The request parameters (query or JSON body) that say which page of a listing is asked for, across vendors.
PAGING_PARAMETERS = frozenset({"after", "offset", "cursor", "pageToken", "page_token", "filter_offset", "page"})
REMEMBERED_LISTINGS = 64  # repeat-page keeps the last page of this many listings

MAINTENANCE_PAGE = (
    b"<!DOCTYPE html><html><head><title>Down for maintenance</title></head><body>Back soon.</body></html>"
)
GATEWAY_PAGES = {
    502: b"<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1></body></html>",
    503: b"<html><head><title>503 Service Unavailable</title></head><body><h1>Service Unavailable</h1></body></html>",
}


@dataclass(frozen=True)
class Fault:
    """One kind of misbehaviour and when it happens.

    The fault counts the requests it applies to (those whose path contains ``path``; for ``repeat-page`` only
    requests for a later page, for the drift modes only answers with records). It fires on request ``first``
    (default: ``every``), then every ``every`` requests, at most ``times`` times (None: no limit); each firing
    hits ``burst`` consecutive requests (default 3 for ``5xx-burst``, else 1).
    """

    mode: str
    every: int = DEFAULT_EVERY
    first: int | None = None
    times: int | None = None
    burst: int | None = None
    delay: float = 2.0  # slow: seconds before the answer
    retry_after: int = 1  # 429: the Retry-After header, whole seconds
    field: str | None = None  # drift-new-field: the new field (default "sandbox_new_field"); drift-null: dotted path
    records: str | None = None  # drift-*: the body's key holding the records (default: the first list of objects)
    length: str = "cut"  # truncate: "cut" (Content-Length of the cut body) or "none" (no Content-Length)
    path: str = ""  # only requests whose path contains this

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise ValueError(f"unknown fault mode {self.mode!r}; modes: {', '.join(MODES)}")
        if self.every < 1 or (self.first is not None and self.first < 1) or (self.burst is not None and self.burst < 1):
            raise ValueError("every, first and burst count requests from 1")
        if self.length not in ("cut", "none"):
            raise ValueError("length is 'cut' or 'none'")

    @classmethod
    def parse(cls, text: str) -> Fault:
        """``MODE[:RATE][,key=value...]``: RATE is N (every Nth request) or a fraction (0.25 = every 4th)."""
        head, *options = [part.strip() for part in text.split(",")]
        mode, _, rate = head.partition(":")
        settings: dict[str, Any] = {}
        if rate:
            settings["every"] = _every(rate)
        types = {f.name: f.type for f in fields(cls)}
        for option in options:
            key, sep, value = option.partition("=")
            key = key.strip().replace("-", "_")
            if not sep or key not in types or key == "mode":
                raise ValueError(f"{option!r} is not key=value with a key among {', '.join(list(types)[1:])}")
            settings[key] = _typed(value.strip(), str(types[key]))
        return cls(mode.strip(), **settings)

    def __str__(self) -> str:
        defaults = Fault(self.mode)
        options = [
            f"{f.name}={getattr(self, f.name)}"
            for f in fields(self)
            if f.name not in ("mode", "every") and getattr(self, f.name) != getattr(defaults, f.name)
        ]
        return ",".join([f"{self.mode}:{self.every}", *options])

    @property
    def size(self) -> int:
        return self.burst or (3 if self.mode == "5xx-burst" else 1)

    def position(self, n: int) -> int | None:
        """Where the ``n``-th request this fault applies to falls within a firing (0 = its first), or None."""
        offset = n - (self.first or self.every)
        if offset < 0:
            return None
        firing = offset // self.every
        if self.times is not None:
            firing = min(firing, self.times - 1)
        position = offset - firing * self.every
        return position if position < self.size else None


@dataclass(frozen=True)
class Delivery:
    """How the handler sends an answer: after ``delay`` seconds; only ``send`` bytes of the body, then closing
    (a drop); without a Content-Length, then closing (``content_length=False``)."""

    response: Response
    delay: float = 0.0
    send: int | None = None
    content_length: bool = True

    @property
    def closes(self) -> bool:
        return self.send is not None or not self.content_length


class FaultPlan:
    """The faults of one run, with their counters. An empty plan passes every answer through untouched."""

    def __init__(self, faults: Iterable[Fault] = ()) -> None:
        self.faults = tuple(faults)
        self.fired: Counter[str] = Counter()  # mode → requests it hit, for tests and the log
        self._seen = [0] * len(self.faults)
        self._pages: OrderedDict[tuple, Response | None] = OrderedDict()
        self._lock = threading.Lock()

    @classmethod
    def parse(cls, specs: Iterable[str]) -> FaultPlan:
        return cls(Fault.parse(spec) for spec in specs)

    def __bool__(self) -> bool:
        return bool(self.faults)

    def __str__(self) -> str:
        return " ".join(map(str, self.faults)) or "none"

    def deliver(self, request: Request, serve: Callable[[Request], Response]) -> Delivery:
        """Serve ``request`` and decide what the client gets instead, if anything."""
        response = serve(request)
        if not self.faults:
            return Delivery(response)
        with self._lock:
            listing, later_page = _listing(request)
            previous = self._pages.get(listing)
            chosen: tuple[Fault, int] | None = None
            for index, fault in enumerate(self.faults):
                if fault.path not in request.path or not _applies(fault, response, previous, later_page):
                    continue
                self._seen[index] += 1
                position = fault.position(self._seen[index])
                if chosen is None and position is not None:
                    chosen = (fault, position)
            if chosen is not None:
                self.fired[chosen[0].mode] += 1
            if 200 <= response.status < 300 and any(f.mode == "repeat-page" for f in self.faults):
                # Right after a repeat the listing has no previous page: the same page is never repeated twice.
                repeated = chosen is not None and chosen[0].mode == "repeat-page"
                self._pages[listing] = None if repeated else response
                self._pages.move_to_end(listing)
                while len(self._pages) > REMEMBERED_LISTINGS:
                    self._pages.popitem(last=False)
        if chosen is None:
            return Delivery(response)
        return _misbehave(*chosen, request, response, previous)


def _applies(fault: Fault, response: Response, previous: Response | None, later_page: bool) -> bool:
    if fault.mode == "repeat-page":
        return later_page and previous is not None
    if fault.mode in ("drift-new-field", "drift-null"):
        found = _records(response, fault.records)
        if fault.mode == "drift-null":
            return found is not None and any(_get(r, fault.field or "id") is not None for r in found[1])
        return bool(found and found[1])
    return True


def _misbehave(
    fault: Fault, position: int, request: Request, response: Response, previous: Response | None
) -> Delivery:
    half = len(response.body) // 2
    if fault.mode == "429":
        body = {
            "status": "error",
            "message": "You have reached your secondly limit.",
            "errorType": "RATE_LIMIT",
            "correlationId": deterministic_uuid(request.fingerprint("fault/429")),
            "policyName": "SECONDLY",
        }
        return Delivery(Response.json(429, body, (("Retry-After", str(fault.retry_after)),)))
    if fault.mode == "5xx-burst":
        status = (500, 502, 503)[position % 3]
        if status == 500:
            body = {"status": "error", "message": "internal error", "category": "INTERNAL_ERROR"}
            return Delivery(Response.json(500, body))
        return Delivery(Response(status, GATEWAY_PAGES[status], content_type="text/html"))
    if fault.mode == "slow":
        return Delivery(response, delay=fault.delay)
    if fault.mode == "drop":
        return Delivery(response, send=half)
    if fault.mode == "truncate":
        cut = replace(response, body=response.body[:half])
        return Delivery(cut, content_length=fault.length == "cut")
    if fault.mode == "invalid-json":
        return Delivery(replace(response, body=MAINTENANCE_PAGE))
    if fault.mode == "repeat-page":
        assert previous is not None
        return Delivery(previous)
    found = _records(response, fault.records)
    assert found is not None
    body, records = found
    if fault.mode == "drift-new-field":
        for record in records:
            record[fault.field or "sandbox_new_field"] = "added by fault injection"
    else:
        path = fault.field or "id"
        _null(next(r for r in records if _get(r, path) is not None), path)
    return Delivery(replace(response, body=orjson.dumps(body), content_type=JSON_CONTENT_TYPE))


def _listing(request: Request) -> tuple[tuple, bool]:
    """(the request without its paging parameters, whether it asks for a later page than the first)."""
    query = tuple((k, v) for k, v in request.query if k not in PAGING_PARAMETERS)
    pages = [v for k, v in request.query if k in PAGING_PARAMETERS]
    body: Any = request.body
    try:
        decoded = orjson.loads(request.body) if request.body else None
    except orjson.JSONDecodeError:
        decoded = None
    if isinstance(decoded, dict):
        pages += [str(decoded[k]) for k in PAGING_PARAMETERS if decoded.get(k) is not None]
        body = orjson.dumps(
            {k: v for k, v in decoded.items() if k not in PAGING_PARAMETERS}, option=orjson.OPT_SORT_KEYS
        )
    return (request.method, request.path, query, body), any(p not in ("", "0") for p in pages)


def _records(response: Response, key: str | None) -> tuple[Any, list[dict]] | None:
    """(the decoded body, its list of records), for a successful JSON answer that has one."""
    if not 200 <= response.status < 300:
        return None
    try:
        body = orjson.loads(response.body)
    except orjson.JSONDecodeError:
        return None
    if isinstance(body, list):
        candidates = [body]
    elif isinstance(body, dict):
        candidates = [body.get(key)] if key else list(body.values())
    else:
        return None
    for value in candidates:
        if isinstance(value, list) and value and all(isinstance(item, dict) for item in value):
            return body, value
    return None


def _get(record: dict, path: str) -> Any:
    value: Any = record
    for part in path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def _null(record: dict, path: str) -> None:
    *parents, last = path.split(".")
    for part in parents:
        record = record[part]
    record[last] = None


def _every(rate: str) -> int:
    number = float(rate)
    if number <= 0 or (number > 1 and not number.is_integer()):
        raise ValueError(f"rate {rate!r} is neither a whole number of requests nor a fraction in (0, 1]")
    return int(number) if number >= 1 else round(1 / number)


def _typed(value: str, kind: str) -> Any:
    if "int" in kind:
        return int(value)
    if "float" in kind:
        return float(value)
    return value
