"""QuestionPro API v2: the responses of the configured surveys (post-purchase NPS, lost-deal feedback, ...).

References (QuestionPro API v2 docs):
- Responses filtered by date: https://www.questionpro.com/api/create-response-filter.html —
  ``POST /a/api/v2/surveys/{surveyID}/responses/filter?page=&perPage=`` with ``{"startDate", "endDate",
  "timeZone"}`` (``YYYY-MM-DDTHH:MM:SS``; without ``timeZone`` the dates are Pacific time, so we always send one).
- The response object (``responseID``, ``timestamp`` as ``"05 Oct, 2020 02:51:51 PM PDT"``, ``responseStatus``,
  ``customVariables``, ``responseSet`` with ``answerValues``): https://www.questionpro.com/api/get-response.html
- Authentication: the ``api-key`` header; paging: ``page`` (1-based) and ``perPage`` with a ``pagination`` object
  (``totalItems``): https://www.questionpro.com/api/pagination.html
- Errors (``{"response": {"error": {"id": 1010, "message": "Incorrect API Key.", ...}}}``, 401):
  https://www.questionpro.com/api/error-codes.html; rate limits (300 calls per minute per key, then 429):
  https://www.questionpro.com/api/limits.html — the core retries 429 and 5xx with backoff.

One stream, ``responses``, keyed by ``responseID`` (global across surveys), incremental on the response's own
``timestamp``: each run asks every survey for the responses submitted in its window (the filter endpoint is the
only one that takes dates). Responses are final once submitted, so there is no lookback. The surveys are paged
side by side and merged in timestamp order, so every page the core loads is newer than the one before and the
bookmark it commits per page never passes a response that has not been loaded (a kill half-way loses nothing).

Connection ``questionpro_default``: ``host`` = API base URL (default https://api.questionpro.com; other data
centres have their own host), ``password`` = the API key, ``extra.survey_ids`` = the surveys to sync (a list or a
comma-separated string; ``GET /a/api/v2/users/{userID}/surveys`` lists them), ``extra.per_page`` (default 100);
``extra`` may also tune the HTTP policy.
"""

from __future__ import annotations

import heapq
import itertools
import re
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from connectors.core.errors import ConnectorError
from connectors.core.http import HttpPolicy, SourceSession
from connectors.core.paging import OffsetPaginator, PageRequest, paged, records_at
from connectors.core.stream import Page, Record, Stream, Window

NAME = "questionpro"
DEFAULT_BASE_URL = "https://api.questionpro.com"
PER_PAGE = 100  # QuestionPro's default page size
MAX_PER_PAGE = 1000
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)  # the filter's start when syncing the whole history

# The abbreviations QuestionPro writes after a timestamp, as UTC offsets in hours.
ZONE_OFFSETS = {
    "UTC": 0,
    "GMT": 0,
    "PST": -8,
    "PDT": -7,
    "MST": -7,
    "MDT": -6,
    "CST": -6,
    "CDT": -5,
    "EST": -5,
    "EDT": -4,
    "BST": 1,
    "CET": 1,
    "CEST": 2,
    "IST": 5.5,
}
_TIMESTAMP = re.compile(r"^(\d{1,2} [A-Za-z]{3}, \d{4} \d{1,2}:\d{2}:\d{2} [AP]M) ([A-Z]{2,5})$")

# The response object's fields (get-response reference).
RESPONSE_FIELDS = frozenset(
    {
        "responseID",
        "surveyID",
        "surveyName",
        "emailAddress",
        "ipAddress",
        "timestamp",
        "location",
        "duplicate",
        "timeTaken",
        "responseStatus",
        "externalReference",
        "customVariables",
        "language",
        "currentInset",
        "operatingSystem",
        "osDeviceType",
        "browser",
        "responseSet",
    }
)


def parse_timestamp(text: str) -> datetime:
    """``07 Aug, 2026 12:44:26 PM PDT`` → an aware UTC datetime; ValueError for anything else."""
    match = _TIMESTAMP.match(text.strip())
    if match is None or match.group(2) not in ZONE_OFFSETS:
        raise ValueError(f"unreadable QuestionPro timestamp {text!r}")
    local = datetime.strptime(match.group(1), "%d %b, %Y %I:%M:%S %p")
    zone = timezone(timedelta(hours=ZONE_OFFSETS[match.group(2)]))
    return local.replace(tzinfo=zone).astimezone(UTC)


def submitted_at(record: Record) -> datetime | None:
    value = record.get("timestamp")
    return parse_timestamp(value) if value else None


RESPONSES = Stream(
    name="responses",
    primary_key=lambda r: str(r["responseID"]),
    cursor=submitted_at,
    known_fields=RESPONSE_FIELDS,
    required_fields=("responseID", "timestamp"),
)


class QuestionProSource:
    """The QuestionPro connector: the responses of the configured surveys, merged in time order."""

    name = NAME
    streams: Sequence[Stream] = (RESPONSES,)

    def __init__(self, session: SourceSession, survey_ids: Sequence[str], per_page: int = PER_PAGE) -> None:
        self.session = session
        self.survey_ids = tuple(survey_ids)
        self.per_page = per_page

    @classmethod
    def from_connection(cls, conn, conn_id: str) -> QuestionProSource:
        if not conn.password:
            raise ConnectorError(f"questionpro: Airflow connection '{conn_id}' has no password; set it to the API key.")
        extra = conn.extra_dejson or {}
        survey_ids = _survey_ids(extra.get("survey_ids"))
        if not survey_ids:
            raise ConnectorError(
                f"questionpro: Airflow connection '{conn_id}' names no surveys; set extra survey_ids to the ids of "
                "the surveys to sync (a list or '123,456'; GET /a/api/v2/users/{userID}/surveys lists them)."
            )
        per_page = str(extra.get("per_page", PER_PAGE))
        if not per_page.isdigit() or not 1 <= int(per_page) <= MAX_PER_PAGE:
            raise ConnectorError(
                f"questionpro: extra per_page of Airflow connection '{conn_id}' must be a whole number from 1 to "
                f"{MAX_PER_PAGE}, not {per_page!r}."
            )
        policy = HttpPolicy.from_extra(extra, conn_id)
        headers = {"api-key": conn.password}
        session = SourceSession(NAME, conn.host or DEFAULT_BASE_URL, headers, conn_id=conn_id, policy=policy)
        return cls(session, survey_ids, int(per_page))

    def close(self) -> None:
        self.session.close()

    def pages(self, stream: Stream, window: Window) -> Iterator[Page]:
        merged = heapq.merge(*(self._responses(survey_id, window) for survey_id in self.survey_ids), key=_order)
        while chunk := list(itertools.islice(merged, self.per_page)):
            yield Page(chunk)

    def _responses(self, survey_id: str, window: Window) -> Iterator[Record]:
        last_second = (window.end - timedelta(microseconds=1)).astimezone(UTC)
        body = {
            "startDate": _filter_date(window.start or EARLIEST),
            "endDate": _filter_date(last_second),
            "timeZone": "GMT+00:00",
        }
        request = PageRequest("POST", f"/a/api/v2/surveys/{survey_id}/responses/filter", json=body)
        paginator = OffsetPaginator(
            self.per_page,
            offset_param="page",
            limit_param="perPage",
            by_page=True,
            total_path=("pagination", "totalItems"),
        )
        for records, _answer in paged(self.session, request, paginator, records_at(("response",)), stream="responses"):
            yield from records


def _order(record: Any) -> datetime:
    """Merge order: the response's time; a record without a readable one first (the core quarantines it)."""
    try:
        return submitted_at(record) or EARLIEST
    except (AttributeError, TypeError, ValueError):
        return EARLIEST


def _filter_date(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")


def _survey_ids(value: Any) -> list[str]:
    if isinstance(value, str):
        value = value.split(",")
    if not isinstance(value, list | tuple):
        return []
    return [str(item).strip() for item in value if str(item).strip()]
