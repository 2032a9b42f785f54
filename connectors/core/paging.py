"""Paginators: how a source asks for the next page. The request loop is written once, in :func:`paged`.

A paginator is a small object with one job: given the request that fetched a page and the decoded answer, say
which request fetches the next page, or ``None`` when there is none. Connectors pick one per endpoint instead of
writing their own loops:

- :class:`OffsetPaginator`: ``offset``/``count`` style (Mailchimp ``offset``+``count``, Matomo
  ``filter_offset``+``filter_limit``, GA4 ``offset``+``limit`` in the JSON body, QuestionPro ``page``+``perPage``
  with ``by_page=True``).
- :class:`CursorPaginator`: an opaque cursor or page token read from the answer and sent back as a parameter
  (HubSpot ``paging.next.after``, Meta ``paging.cursors.after`` while ``paging.next`` exists, Google Ads
  ``nextPageToken``).
- :class:`SinglePage`: endpoints that answer everything at once (Google Ads ``searchStream``).

Next-page *links* (Meta's ``paging.next``) carry the access token in their query string, so we never follow them
verbatim: the cursor they encode is sent back instead, and no secret reaches a log line.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from connectors.core.errors import ConnectorError
from connectors.core.http import SourceSession
from connectors.core.stream import Record

log = logging.getLogger(__name__)

ASKS_AGAIN = 2  # a page served again is asked for again at most this many times running

Path = tuple[str, ...]


@dataclass(frozen=True)
class PageRequest:
    """One request for a page: method, path (relative to the source's base URL), query, and a JSON or form body."""

    method: str
    path: str
    params: Mapping[str, Any] = field(default_factory=dict)
    json: Mapping[str, Any] | None = None
    data: Mapping[str, Any] | None = None  # a form body (e.g. Matomo's token_auth); never logged

    def with_params(self, **values: Any) -> PageRequest:
        return replace(self, params={**self.params, **values})

    def with_json(self, **values: Any) -> PageRequest:
        return replace(self, json={**(self.json or {}), **values})


class Paginator(Protocol):
    def first(self, request: PageRequest) -> PageRequest:
        """The request for the first page (adds the page size and start position)."""
        ...

    def next(self, request: PageRequest, answer: Any, records: Sequence[Record]) -> PageRequest | None:
        """The request for the page after ``answer`` (which held ``records``), or None at the end."""
        ...


def dig(answer: Any, path: Path) -> Any:
    """``answer[path[0]][path[1]]...``, or None where a step is missing or not an object."""
    for key in path:
        if not isinstance(answer, Mapping):
            return None
        answer = answer.get(key)
    return answer


@dataclass(frozen=True)
class OffsetPaginator:
    """Pages by position: ``offset_param`` advances by the records received, ``limit_param`` = ``page_size``.

    The end is a short page, or, when ``total_path`` names the total the API reports, reaching that total.
    ``by_page``: the position counts pages (1-based), not records. ``in_body``: both go in the JSON body.
    """

    page_size: int
    offset_param: str = "offset"
    limit_param: str = "count"
    total_path: Path | None = None
    by_page: bool = False
    in_body: bool = False

    def first(self, request: PageRequest) -> PageRequest:
        return self._at(request, 1 if self.by_page else 0)

    def next(self, request: PageRequest, answer: Any, records: Sequence[Record]) -> PageRequest | None:
        position = (request.json if self.in_body else request.params)[self.offset_param]
        position = int(position)
        if len(records) < self.page_size:
            return None
        if self.by_page:
            following, seen = position + 1, position * self.page_size
        else:
            following = seen = position + len(records)
        total = dig(answer, self.total_path) if self.total_path else None
        if total is not None and seen >= int(total):
            return None
        return self._at(request, following)

    def _at(self, request: PageRequest, position: int) -> PageRequest:
        values = {self.offset_param: position, self.limit_param: self.page_size}
        return request.with_json(**values) if self.in_body else request.with_params(**values)


@dataclass(frozen=True)
class CursorPaginator:
    """Pages by an opaque cursor: read at ``cursor_path`` in the answer, sent back as ``cursor_param``.

    ``more_path``: the answer says there is a next page only when this is present (Meta's ``paging.next``),
    whatever the cursor says. ``page_size``/``limit_param``: the page size to ask for, if the API takes one.
    """

    cursor_path: Path
    cursor_param: str
    more_path: Path | None = None
    page_size: int | None = None
    limit_param: str = "limit"
    in_body: bool = False

    def first(self, request: PageRequest) -> PageRequest:
        if self.page_size is None:
            return request
        return self._with(request, {self.limit_param: self.page_size})

    def next(self, request: PageRequest, answer: Any, records: Sequence[Record]) -> PageRequest | None:
        if self.more_path is not None and not dig(answer, self.more_path):
            return None
        cursor = dig(answer, self.cursor_path)
        if cursor in (None, ""):
            return None
        return self._with(request, {self.cursor_param: cursor})

    def _with(self, request: PageRequest, values: dict[str, Any]) -> PageRequest:
        return request.with_json(**values) if self.in_body else request.with_params(**values)


class SinglePage:
    """The whole answer comes at once."""

    def first(self, request: PageRequest) -> PageRequest:
        return request

    def next(self, request: PageRequest, answer: Any, records: Sequence[Record]) -> PageRequest | None:
        return None


def records_at(path: Path) -> Callable[[Any], list[Record]]:
    """A reader of the record list at ``path`` of an answer; a missing or non-list value is a clear error."""

    def read(answer: Any) -> list[Record]:
        found = dig(answer, path) if path else answer
        if not isinstance(found, list):
            where = ".".join(path) or "the top level"
            raise ConnectorError(f"the answer holds no list of records at {where!r}: {str(answer)[:200]}")
        return found

    return read


def paged(
    session: SourceSession,
    request: PageRequest,
    paginator: Paginator,
    records: Callable[[Any], list[Record]],
    *,
    stream: str,
    key: Callable[[Record], Any] | None = None,
) -> Iterator[tuple[list[Record], Any]]:
    """Yield ``(records, answer)`` page by page, following ``paginator`` until it says there is no next page.

    Empty pages are yielded too when the API sends them, so a caller can still read the answer's metadata.
    A page that repeats the page before it (a stale cache or a load balancer serving the previous answer again;
    compared by ``key`` when given, else whole records) is asked for again instead of being taken as this
    position's records, which would leave a gap behind offset paging. The same page served
    :data:`ASKS_AGAIN` + 1 times running, or a cursor that keeps pointing back at the request just made, means
    the API would loop: that is an error.
    """
    identity = (lambda page: [_key_or_none(key, record) for record in page]) if key else (lambda page: page)
    current: PageRequest | None = paginator.first(request)
    previous: list[Any] | None = None
    asked_again = 0
    while current is not None:
        kwargs: dict[str, Any] = {"params": dict(current.params)}
        if current.json is not None:
            kwargs["json"] = dict(current.json)
        if current.data is not None:
            kwargs["data"] = dict(current.data)
        answer = session.request_json(current.method, current.path, for_stream=stream, **kwargs)
        page = records(answer)
        seen = identity(page)
        if page and seen == previous:
            asked_again += 1
            if asked_again > ASKS_AGAIN:
                raise ConnectorError(
                    f"{session.source}.{stream}: {current.path} served the same page {asked_again} times running; "
                    "paging would never end."
                )
            log.warning("%s.%s: %s served the previous page again; asking again", session.source, stream, current.path)
            continue
        yield page, answer
        following = paginator.next(current, answer, page)
        if following is not None and following == current:
            asked_again += 1
            if asked_again > ASKS_AGAIN:
                raise ConnectorError(
                    f"{session.source}.{stream}: {current.path} keeps linking to the same page; paging would never end."
                )
        else:
            asked_again = 0
        previous, current = seen, following


def _key_or_none(key: Callable[[Record], Any], record: Record) -> Any:
    try:
        return key(record)
    except (KeyError, TypeError, ValueError):  # a malformed record: the stream's checks quarantine it later
        return None
