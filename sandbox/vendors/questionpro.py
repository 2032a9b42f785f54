"""QuestionPro API v2 emulation: the account's surveys and their responses, over the world's purchases and lost deals.

Two surveys run in the sandbox's account: a post-purchase NPS survey ("How likely are you to recommend us?", 0-10,
plus a free-text reason) that some buyers answer a few days after each purchase, and a lost-deal survey that some
business buyers answer after their opportunity was lost (a multiple-choice reason plus a comment).

Follows QuestionPro's public API v2 reference; references:

- Responses of a survey, ``GET /a/api/v2/surveys/{surveyID}/responses?page=&perPage=`` and one response
  ``GET .../responses/{responseID}`` (the response object: ``responseID``, ``surveyID``, ``surveyName``,
  ``timestamp`` as ``"05 Oct, 2020 02:51:51 PM PDT"``, ``responseStatus``, ``customVariables``, ``responseSet`` of
  questions with ``answerValues``): https://www.questionpro.com/api/get-response.html,
  https://www.questionpro.com/api/create-response.html
- Responses filtered by date, ``POST /a/api/v2/surveys/{surveyID}/responses/filter?page=&perPage=`` with
  ``{"startDate": "2024-01-01T00:00:00", "endDate": "2024-03-31T23:59:00", "timeZone": "GMT-07:00"}``; without
  ``timeZone`` the dates are Pacific time (PST/PDT): https://www.questionpro.com/api/create-response-filter.html
- The user's surveys, ``GET /a/api/v2/users/{userID}/surveys?page=&perPage=``, and one survey
  ``GET /a/api/v2/surveys/{surveyID}``: https://www.questionpro.com/api/get-user-surveys.html
- Authentication: the ``api-key`` request header (every page of the reference).
- Paging: ``page`` (1-based) and ``perPage`` (default 100), a ``pagination`` object with ``perPage``,
  ``totalItems``, ``currentPage``, ``totalPages`` and ``links``: https://www.questionpro.com/api/pagination.html and
  the example of https://www.questionpro.com/api/get-batch-statistics.html
- Errors, ``{"response": {"error": {"docs", "httpStatusCode", "id", "message", "name", "resourceUrl"}}}``: 1010
  (401, "Incorrect API Key."), 1040 (404), 1003 (400, invalid URL parameters), 1001/1002 (400, bad JSON body):
  https://www.questionpro.com/api/error-codes.html
- Rate limits (300 calls per 60 s per key, then 429): https://www.questionpro.com/api/limits.html; the sandbox
  leaves them to the fault layer (``--fault 429``).

Response ids are global and grow with time, as a survey platform assigns them on submission: all responses of the
world, sorted by submission time, numbered from :data:`FIRST_RESPONSE_ID`; so a survey's responses in id order are
also in time order. What is served is a pure function of (world, clock, request): a response exists from its
``timestamp`` on, never changes afterwards, and its score and text are drawn from ``world.rng(buyer, "questionpro")``.
"""

from __future__ import annotations

import math
import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import orjson

from sandbox import credentials
from sandbox import vocabulary as vocab
from sandbox.timefmt import MS_PER_DAY, from_ms
from sandbox.web import Clock, Request, Response, deterministic_uuid
from sandbox.world import Buyer, World

API_PREFIX = "/a/api/v2"
ACCOUNT_TIMEZONE = ZoneInfo("America/Los_Angeles")  # QuestionPro's default (PST/PDT) for dates and timestamps
DEFAULT_PER_PAGE = 100
MAX_PER_PAGE = 1000  # the reference cuts off before naming the maximum; the sandbox refuses more (400, id 1003)
FIRST_RESPONSE_ID = 81_000_001
DOCS_URL = "https://www.questionpro.com/api/error-codes.html"

NPS_SURVEY_ID = int(credentials.QUESTIONPRO_NPS_SURVEY_ID)
LOST_DEAL_SURVEY_ID = int(credentials.QUESTIONPRO_LOST_DEAL_SURVEY_ID)

P_NPS_ANSWER = 0.45  # a buyer answers the survey sent after a purchase
P_LOST_DEAL_ANSWER = 0.40  # a business buyer answers the survey sent after a lost opportunity

# (promoter 9-10, passive 7-8, detractor 0-6) shares by what the buyer went on to do.
NPS_MIX = {
    "advocate": (0.80, 0.15, 0.05),  # recommended the brand (Buyer.advocated_at)
    "bought_again": (0.35, 0.45, 0.20),  # bought again after this purchase
    "did_not_buy_again": (0.12, 0.30, 0.58),
}
NPS_REASONS = {
    "promoter": ("Great product and even better support", "Easy to set up", "Saved us a lot of time", "Love it"),
    "passive": ("Does the job", "Good, but pricey", "Delivery took a while", "Some features are missing"),
    "detractor": ("Too expensive for what it does", "Support was slow", "Hard to use", "Not what I expected"),
}
LOST_REASONS = ("Price", "Chose a competitor", "No budget", "Timing", "Missing features")
LOST_WEIGHTS = (0.32, 0.28, 0.15, 0.15, 0.10)
LOST_COMMENTS = ("", "", "Maybe next year.", "The other vendor integrates with our ERP.", "Too many seats needed.")


@dataclass(frozen=True, slots=True)
class QuestionProOptions:
    api_key: str = credentials.QUESTIONPRO_API_KEY
    user_id: int = int(credentials.QUESTIONPRO_USER_ID)


@dataclass(frozen=True, slots=True)
class Question:
    question_id: int
    code: str
    text: str
    description: str
    choices: tuple[str, ...]  # multiple choice: the answer texts; () for free text


@dataclass(frozen=True, slots=True)
class Survey:
    survey_id: int
    name: str
    questions: tuple[Question, ...]
    created: str  # QuestionPro's date text


SURVEYS: dict[int, Survey] = {
    NPS_SURVEY_ID: Survey(
        NPS_SURVEY_ID,
        "Post-purchase NPS",
        (
            Question(
                120_000_001,
                "Q1",
                "How likely are you to recommend us to a friend or colleague?",
                "{detractor:Not at all likely,promoter:Extremely likely}",
                tuple(str(score) for score in range(11)),
            ),
            Question(120_000_002, "Q2", "What is the main reason for your score?", "", ()),
        ),
        "02 Jan, 2026 09:00:00 AM PST",
    ),
    LOST_DEAL_SURVEY_ID: Survey(
        LOST_DEAL_SURVEY_ID,
        "Lost deal feedback",
        (
            Question(120_000_011, "Q1", "What was the main reason you decided not to go ahead?", "", LOST_REASONS),
            Question(120_000_012, "Q2", "Anything else you would like to tell us?", "", ()),
        ),
        "02 Jan, 2026 09:05:00 AM PST",
    ),
}


@dataclass(frozen=True, slots=True)
class SurveyResponse:
    """One completed response: who, when, to which survey, and the answers (choice index or text per question)."""

    survey_id: int
    buyer_index: int
    at: int  # submitted, epoch ms (whole seconds)
    time_taken: int  # seconds
    answers: tuple[int | str, ...]  # per question of the survey: the choice index, or the text
    custom: tuple[str | None, ...]  # custom1..custom5
    response_id: int = 0


def nps_category(score: int) -> str:
    return "promoter" if score >= 9 else "passive" if score >= 7 else "detractor"


def buyer_responses(world: World, buyer: Buyer) -> list[SurveyResponse]:
    """The survey responses buyer ``buyer`` submits in the whole world (ids not yet assigned)."""
    rng = world.rng(buyer.index, "questionpro")
    found: list[SurveyResponse] = []
    for purchase in buyer.purchases:
        answers = rng.random() < P_NPS_ANSWER
        delay = rng.randint(MS_PER_DAY // 2 // 1000, 6 * MS_PER_DAY // 1000) * 1000
        roll, pick, taken = rng.random(), rng.random(), rng.randint(25, 240)
        at = purchase.at - purchase.at % 1000 + delay
        if not answers or at >= world.end_ms:
            continue
        if buyer.advocated_at is not None:
            mix = NPS_MIX["advocate"]
        elif any(later.at > purchase.at for later in buyer.purchases):
            mix = NPS_MIX["bought_again"]
        else:
            mix = NPS_MIX["did_not_buy_again"]
        if roll < mix[0]:
            score = 9 + int(pick * 2)
        elif roll < mix[0] + mix[1]:
            score = 7 + int(pick * 2)
        else:
            score = int(pick * 7)
        reasons = NPS_REASONS[nps_category(score)]
        reason = reasons[int(rng.random() * len(reasons))]
        kind = "deal" if purchase.kind == "deal" else "order"
        custom = (kind, str(purchase.seq + 1), None, None, None)
        found.append(SurveyResponse(NPS_SURVEY_ID, buyer.index, at, taken, (score, reason), custom))
    for opportunity in buyer.opportunities:
        if opportunity.outcome != "lost" or opportunity.closed_at is None:
            continue
        answers = rng.random() < P_LOST_DEAL_ANSWER
        delay = rng.randint(MS_PER_DAY // 1000, 5 * MS_PER_DAY // 1000) * 1000
        roll, comment, taken = rng.random(), rng.random(), rng.randint(20, 180)
        at = opportunity.closed_at - opportunity.closed_at % 1000 + delay
        if not answers or at >= world.end_ms:
            continue
        reason = next(i for i, limit in enumerate(_cumulative(LOST_WEIGHTS)) if roll < limit)
        text = LOST_COMMENTS[int(comment * len(LOST_COMMENTS))]
        custom = ("opportunity", str(opportunity.seq + 1), None, None, None)
        found.append(SurveyResponse(LOST_DEAL_SURVEY_ID, buyer.index, at, taken, (reason, text), custom))
    return found


def _cumulative(weights: tuple[float, ...]) -> list[float]:
    total, limits = 0.0, []
    for weight in weights:
        total += weight
        limits.append(total)
    limits[-1] = math.inf
    return limits


def questionpro_timestamp(ms: int) -> str:
    """``05 Oct, 2020 02:51:51 PM PDT``: the account's local time with its zone abbreviation, as QuestionPro
    writes timestamps."""
    local = from_ms(ms).astimezone(ACCOUNT_TIMEZONE)
    return f"{local:%d %b, %Y %I:%M:%S %p} {local.tzname()}"


class _ApiError(Exception):
    def __init__(self, status: int, error_id: int, name: str, message: str) -> None:
        super().__init__(message)
        self.status, self.error_id, self.name, self.message = status, error_id, name, message


_NOT_FOUND = (404, 1040, "NOT_FOUND", "Resource Not Found. The resource that you're trying to access doesn't exist")
_BAD_PARAMETERS = (400, 1003, "BAD_REQUEST", "Invalid URL parameters")
_BAD_JSON = (400, 1001, "BAD_REQUEST", "The body provided was not a proper JSON string")
_BAD_SCHEMA = (400, 1002, "BAD_REQUEST", "Invalid schema in the body provided.")

_RESPONSES = re.compile(r"^/a/api/v2/surveys/(\d+)/responses(?:/(filter|\d+))?/?$")
_SURVEY = re.compile(r"^/a/api/v2/surveys/(\d+)/?$")
_USER_SURVEYS = re.compile(r"^/a/api/v2/users/(\d+)/surveys/?$")
_FILTER_ZONE = re.compile(r"^(?:GMT|UTC)([+-])(\d{1,2}):?(\d{2})$")


class QuestionProApi:
    """The QuestionPro API v2 of one account, over the world's responses as they stood at the sandbox clock."""

    name = "questionpro"

    def __init__(self, world: World, clock: Clock, options: QuestionProOptions | None = None) -> None:
        self.world = world
        self.clock = clock
        self.options = options or QuestionProOptions()
        self._responses: dict[int, list[SurveyResponse]] | None = None
        self._lock = threading.Lock()

    def airflow_connection(self, base_url: str) -> dict[str, object]:
        return {
            "conn_type": "http",
            "host": base_url,
            "password": self.options.api_key,
            "extra": {"survey_ids": [str(survey_id) for survey_id in SURVEYS]},
        }

    def endpoints(self) -> list[str]:
        return [
            "GET  /a/api/v2/users/{userID}/surveys?page=&perPage=",
            "GET  /a/api/v2/surveys/{surveyID}",
            "GET  /a/api/v2/surveys/{surveyID}/responses?page=&perPage=",
            "POST /a/api/v2/surveys/{surveyID}/responses/filter?page=&perPage=  {startDate, endDate, timeZone}",
            "GET  /a/api/v2/surveys/{surveyID}/responses/{responseID}",
        ]

    # -- what exists ---------------------------------------------------------------------------------------------

    def responses(self, survey_id: int) -> list[SurveyResponse]:
        """Every response of the survey in the whole world, in id (= time) order; filter by the clock to serve."""
        with self._lock:
            if self._responses is None:
                drawn = [r for buyer in self.world.iter_buyers() for r in buyer_responses(self.world, buyer)]
                drawn.sort(key=lambda r: (r.at, r.survey_id, r.buyer_index))
                numbered = [
                    SurveyResponse(
                        r.survey_id, r.buyer_index, r.at, r.time_taken, r.answers, r.custom, FIRST_RESPONSE_ID + n
                    )
                    for n, r in enumerate(drawn)
                ]
                self._responses = {sid: [r for r in numbered if r.survey_id == sid] for sid in SURVEYS}
            return self._responses.get(survey_id, [])

    def served(self, survey_id: int) -> list[SurveyResponse]:
        """The survey's responses submitted by the clock."""
        now = self.clock.now_ms
        return [r for r in self.responses(survey_id) if r.at <= now]

    # -- entry point ---------------------------------------------------------------------------------------------

    def handle(self, request: Request) -> Response | None:
        if not request.path.startswith(API_PREFIX + "/"):
            return None
        try:
            if request.header("api-key") != self.options.api_key:
                raise _ApiError(401, 1010, "UNAUTHORIZED", "Incorrect API Key.")
            return Response.json(200, self._answer(request))
        except _ApiError as error:
            body = {
                "response": {
                    "error": {
                        "docs": DOCS_URL,
                        "httpStatusCode": error.status,
                        "id": error.error_id,
                        "message": error.message,
                        "name": error.name,
                        "resourceUrl": _resource_url(request),
                    }
                }
            }
            return Response.json(error.status, body)

    def _answer(self, request: Request) -> dict[str, Any]:
        path = request.path
        if match := _USER_SURVEYS.match(path):
            self._method(request, "GET")
            if int(match.group(1)) != self.options.user_id:
                raise _ApiError(403, 1013, "FORBIDDEN", "The user does not have permission to access the resource")
            surveys = [self._survey(survey) for survey in SURVEYS.values()]
            return self._page(request, surveys)
        if match := _SURVEY.match(path):
            self._method(request, "GET")
            return {"response": self._survey(self._known(match.group(1))), "requestID": _request_id(request)}
        if match := _RESPONSES.match(path):
            survey = self._known(match.group(1))
            which = match.group(2)
            if which is None:
                self._method(request, "GET")
                return self._page(request, [self._record(survey, r) for r in self.served(survey.survey_id)])
            if which == "filter":
                self._method(request, "POST")
                low, high = _filter_window(request.body)
                chosen = [r for r in self.served(survey.survey_id) if low <= r.at <= high]
                return self._page(request, [self._record(survey, r) for r in chosen])
            self._method(request, "GET")
            found = [r for r in self.served(survey.survey_id) if r.response_id == int(which)]
            if not found:
                raise _ApiError(*_NOT_FOUND)
            return {"response": self._record(survey, found[0]), "requestID": _request_id(request)}
        raise _ApiError(*_NOT_FOUND)

    @staticmethod
    def _method(request: Request, expected: str) -> None:
        if request.method != expected:
            raise _ApiError(405, 1003, "METHOD_NOT_ALLOWED", f"Request method '{request.method}' not supported")

    @staticmethod
    def _known(survey_id: str) -> Survey:
        survey = SURVEYS.get(int(survey_id))
        if survey is None:
            raise _ApiError(*_NOT_FOUND)
        return survey

    def _page(self, request: Request, items: list[dict[str, Any]]) -> dict[str, Any]:
        page, per_page = _paging(request)
        total_pages = max(1, math.ceil(len(items) / per_page))
        chosen = items[(page - 1) * per_page : page * per_page]

        def link(number: int) -> str:
            query = [(k, v) for k, v in request.query if k not in ("page", "perPage")]
            query += [("page", str(number)), ("perPage", str(per_page))]
            return f"{request.base_url}{request.path}?{urlencode(query)}"

        links = {"self": link(page), "first": link(1), "last": link(total_pages)}
        if page > 1:
            links["prev"] = link(page - 1)
        if page < total_pages:
            links["next"] = link(page + 1)
        pagination = {
            "perPage": per_page,
            "totalItems": len(items),
            "currentPage": page,
            "totalPages": total_pages,
            "links": links,
        }
        return {"response": chosen, "pagination": pagination, "requestID": _request_id(request)}

    def _survey(self, survey: Survey) -> dict[str, Any]:
        served = self.served(survey.survey_id)
        last = questionpro_timestamp(served[-1].at) if served else ""
        return {
            "surveyID": survey.survey_id,
            "ownerID": self.options.user_id,
            "folderID": 7_000_001,
            "name": survey.name,
            "url": f"https://www.questionpro.com/t/SBX{survey.survey_id}",
            "status": "Active",
            "creationDate": survey.created,
            "modifiedDate": survey.created,
            "completedResponses": len(served),
            "lastResponseReceived": last,
        }

    def _record(self, survey: Survey, response: SurveyResponse) -> dict[str, Any]:
        buyer = self.world.buyer(response.buyer_index)
        locations = vocab.LOCATIONS_EUR if buyer.currency == "EUR" else vocab.LOCATIONS_USD
        place = locations[buyer.location % len(locations)]
        device = buyer.devices[0] if buyer.devices else None
        profile = vocab.DEVICE_PROFILES[device.kind][device.profile] if device else None
        response_set = []
        for question, answer in zip(survey.questions, response.answers, strict=True):
            if question.choices:
                answer_text = question.choices[int(answer)]
                value = {"scale": answer_text if survey.survey_id == NPS_SURVEY_ID else "", "text": ""}
                answer_id = question.question_id * 100 + int(answer)
            else:
                answer_text, value, answer_id = "", {"scale": "", "text": str(answer)}, question.question_id * 100
            response_set.append(
                {
                    "questionID": question.question_id,
                    "questionDescription": question.description,
                    "questionCode": question.code,
                    "questionText": question.text,
                    "imageUrl": None,
                    "answerValues": [
                        {
                            "answerID": answer_id,
                            "answerText": answer_text,
                            "value": {
                                "scale": value["scale"],
                                "other": "",
                                "dynamicExplodeText": "",
                                "text": value["text"],
                                "result": "",
                                "fileLink": "",
                                "weight": 0.0,
                            },
                        }
                    ],
                }
            )
        return {
            "responseID": response.response_id,
            "surveyID": survey.survey_id,
            "surveyName": survey.name,
            "emailAddress": buyer.email_typed,
            "ipAddress": f"198.51.100.{response.buyer_index % 254 + 1}",
            "timestamp": questionpro_timestamp(response.at),
            "location": {
                "country": place[2],
                "region": place[4],
                "latitude": place[7],
                "longitude": place[8],
                "radius": 0.0,
                "countryCode": place[3].upper(),
            },
            "duplicate": False,
            "timeTaken": response.time_taken,
            "responseStatus": "Completed",
            "externalReference": "",
            "customVariables": {f"custom{n + 1}": value for n, value in enumerate(response.custom)},
            "language": "English",
            "currentInset": "",
            "operatingSystem": profile[2].upper() if profile else "",
            "osDeviceType": "COMPUTER" if device is None or device.kind == "desktop" else device.kind.upper(),
            "browser": profile[5].upper().replace(" ", "_") if profile else "",
            "responseSet": response_set,
        }


def _paging(request: Request) -> tuple[int, int]:
    try:
        page = int(request.query_value("page") or 1)
        per_page = int(request.query_value("perPage") or DEFAULT_PER_PAGE)
    except ValueError:
        raise _ApiError(*_BAD_PARAMETERS) from None
    if page < 1 or not 1 <= per_page <= MAX_PER_PAGE:
        raise _ApiError(*_BAD_PARAMETERS)
    return page, per_page


def _filter_window(body: bytes) -> tuple[int, int]:
    """The filter's [startDate, endDate] as epoch ms (both inclusive, to the second), in the body's time zone."""
    try:
        payload = orjson.loads(body or b"{}")
    except orjson.JSONDecodeError:
        raise _ApiError(*_BAD_JSON) from None
    if not isinstance(payload, Mapping):
        raise _ApiError(*_BAD_SCHEMA)
    zone = _zone(payload.get("timeZone"))
    try:
        low = _local_ms(payload.get("startDate"), zone, default=-(2**62))
        high = _local_ms(payload.get("endDate"), zone, default=2**62)
    except (TypeError, ValueError):
        raise _ApiError(*_BAD_SCHEMA) from None
    return low, high + 999  # the end is inclusive to its second


def _zone(value: Any) -> tzinfo:
    if value in (None, ""):
        return ACCOUNT_TIMEZONE
    if not isinstance(value, str):
        raise _ApiError(*_BAD_SCHEMA)
    if value.upper() in ("GMT", "UTC"):
        return UTC
    match = _FILTER_ZONE.match(value.strip().upper())
    if match is None:
        raise _ApiError(*_BAD_SCHEMA)
    sign = 1 if match.group(1) == "+" else -1
    return timezone(sign * timedelta(hours=int(match.group(2)), minutes=int(match.group(3))))


def _local_ms(value: Any, zone: tzinfo, *, default: int) -> int:
    if value in (None, ""):
        return default
    moment = datetime.strptime(value, "%Y-%m-%dT%H:%M:%S").replace(tzinfo=zone)
    return int(moment.timestamp()) * 1000


def _request_id(request: Request) -> str:
    return deterministic_uuid(request.fingerprint("questionpro"))


def _resource_url(request: Request) -> str:
    query = f"?{urlencode(request.query)}" if request.query else ""
    return f"{request.base_url}{request.path}{query}"
