"""One HTTP session per source: timeouts, one bounded retry loop, and errors a user can act on.

A request is tried as a whole: send it, read the body, decode the JSON. Each step can fail in a way that a later
try fixes (429, 5xx, a refused or reset connection, a timeout, a connection dropped mid-body, a truncated or
garbled body), and urllib3's ``Retry`` only sees the first. So one tenacity loop wraps all three steps:
exponential backoff with jitter, ``Retry-After`` honoured, bounded in attempts and by a deadline (no wait is
started that would end past it). Auth and validation errors (other 4xx) are never retried: they end at once in
one ``ConnectorError`` that names the Airflow connection to fix. Secrets travel in headers only, and no message
or log line here prints a header, a query string or a request body.

The policy's defaults suit every vendor API we call; a connection's ``extra`` may override them (``attempts``,
``deadline``, ``connect_timeout``, ``read_timeout``, ``backoff``, ``backoff_max``, all in seconds but attempts).
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import orjson
import requests
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception_type,
    stop_after_attempt,
    stop_before_delay,
    wait_exponential_jitter,
)

from connectors.core.errors import ConnectorError

log = logging.getLogger(__name__)

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
BROKEN_BODY = (requests.exceptions.ChunkedEncodingError, requests.exceptions.ContentDecodingError)
BAD_URL = (requests.exceptions.InvalidURL, requests.exceptions.MissingSchema, requests.exceptions.InvalidSchema)
TRY_LATER = "The API is failing on its side; run again later (the sync resumes from its bookmark, nothing is lost)."
HTML_TITLE = re.compile(rb"<title>\s*(.*?)\s*</title>", re.IGNORECASE | re.DOTALL)


@dataclass(frozen=True)
class HttpPolicy:
    """Timeouts and retry bounds for one request (all its attempts and the waits between them)."""

    connect_timeout: float = 10.0
    read_timeout: float = 60.0
    attempts: int = 6
    deadline: float = 300.0
    backoff: float = 0.5  # the first wait; doubles per attempt, plus up to as much again of jitter
    backoff_max: float = 30.0

    def __post_init__(self) -> None:
        if self.attempts < 1:
            raise ValueError("attempts must be at least 1")
        if min(self.connect_timeout, self.read_timeout, self.deadline) <= 0 or min(self.backoff, self.backoff_max) < 0:
            raise ValueError("timeouts and the deadline must be positive, backoffs not negative")

    @classmethod
    def from_extra(cls, extra: Mapping[str, Any], conn_id: str) -> HttpPolicy:
        """The defaults, overridden by the policy keys present in a connection's ``extra``."""
        try:
            given = {
                f.name: (int if f.name == "attempts" else float)(extra[f.name]) for f in fields(cls) if f.name in extra
            }
            return cls(**given)
        except (TypeError, ValueError) as error:
            raise ConnectorError(
                f"the retry settings in the extra of Airflow connection '{conn_id}' are not usable: {error}. "
                f"Keys: {', '.join(f.name for f in fields(cls))} (numbers)."
            ) from None


class Retryable(Exception):
    """An attempt failed in a way a later attempt may not: why, what to check if it lasts, and the server's wait."""

    def __init__(self, reason: str, hint: str, retry_after: float | None = None, *, rate_limited: bool = False) -> None:
        super().__init__(reason)
        self.reason, self.hint, self.retry_after, self.rate_limited = reason, hint, retry_after, rate_limited


class SourceSession:
    """A ``requests.Session`` bound to one source's base URL and credentials."""

    def __init__(
        self,
        source: str,
        base_url: str,
        headers: dict[str, str],
        *,
        conn_id: str,
        policy: HttpPolicy | None = None,
    ) -> None:
        self.source = source
        self.base_url = base_url.rstrip("/")
        self.conn_id = conn_id
        self.policy = policy or HttpPolicy()
        self.session = requests.Session()
        self.session.headers.update({"Accept": "application/json", "User-Agent": "purchase-path", **headers})

    def request_json(self, method: str, path: str, *, for_stream: str | None = None, **kwargs: Any) -> Any:
        """Send one request and return its decoded JSON body, retrying what a retry can fix; else raise a
        ``ConnectorError`` that says what to fix. ``for_stream`` names the stream in log lines."""
        label = f"{self.source}.{for_stream}" if for_stream else self.source
        policy = self.policy
        started = time.monotonic()
        tries = 0

        def attempt() -> Any:
            nonlocal tries
            tries += 1
            left = policy.deadline - (time.monotonic() - started)
            return self._attempt(
                method, path, (policy.connect_timeout, max(0.01, min(policy.read_timeout, left))), kwargs
            )

        backoff = wait_exponential_jitter(initial=policy.backoff, max=policy.backoff_max, jitter=policy.backoff)

        def wait(state: RetryCallState) -> float:
            failure = state.outcome.exception() if state.outcome else None
            if isinstance(failure, Retryable) and failure.retry_after is not None:
                return failure.retry_after
            return backoff(state)

        def before_sleep(state: RetryCallState) -> None:
            failure = state.outcome.exception() if state.outcome else None
            seconds = state.upcoming_sleep
            if isinstance(failure, Retryable) and failure.rate_limited:
                source_of_wait = "Retry-After" if failure.retry_after is not None else "backoff"
                log.info("%s: rate-limited, waiting %.1f s (%s)", label, seconds, source_of_wait)
            else:
                log.warning(
                    "%s: %s from %s %s; retrying in %.1f s (attempt %d of %d)",
                    label,
                    failure,
                    method,
                    path,
                    seconds,
                    state.attempt_number + 1,
                    policy.attempts,
                )

        retrying = Retrying(
            retry=retry_if_exception_type(Retryable),
            stop=stop_after_attempt(policy.attempts) | stop_before_delay(policy.deadline),
            wait=wait,
            before_sleep=before_sleep,
            reraise=True,
        )
        try:
            return retrying(attempt)
        except Retryable as failure:
            raise ConnectorError(
                f"{label}: no usable answer from {method} {path} after {tries} attempt{'s' * (tries != 1)} in "
                f"{time.monotonic() - started:.1f} s (the budget: {policy.attempts} attempts within "
                f"{policy.deadline:g} s); the last: {failure.reason}. {failure.hint}"
            ) from None

    def _attempt(self, method: str, path: str, timeout: tuple[float, float], kwargs: dict[str, Any]) -> Any:
        try:
            response = self.session.request(method, f"{self.base_url}{path}", timeout=timeout, **kwargs)
        except BAD_URL:
            raise ConnectorError(
                f"{self.source}: the host of Airflow connection '{self.conn_id}' ({self.base_url}) is not a usable "
                "URL; set it to the API's base URL, e.g. https://api.example.com."
            ) from None
        except requests.exceptions.SSLError:
            raise ConnectorError(
                f"{self.source}: TLS with {self.base_url} failed; check the host of Airflow connection "
                f"'{self.conn_id}' and the system's CA certificates."
            ) from None
        except requests.exceptions.Timeout as error:
            raise Retryable(
                f"no answer within the timeout ({type(error).__name__})",
                f"If the API is just slow, raise read_timeout in the extra of Airflow connection '{self.conn_id}'.",
            ) from None
        except BROKEN_BODY as error:
            raise Retryable(f"the connection broke mid-body ({type(error).__name__})", TRY_LATER) from None
        except requests.exceptions.ConnectionError as error:
            raise Retryable(
                f"no connection ({type(error).__name__})",
                f"Check the host of Airflow connection '{self.conn_id}' ({self.base_url}) and the network.",
            ) from None
        status = response.status_code
        if status in RETRY_STATUSES:
            retry_after = parse_retry_after(response.headers.get("Retry-After"))
            if status == 429:
                after = f", Retry-After {retry_after:g} s" if retry_after is not None else ""
                raise Retryable(
                    f"rate-limited (HTTP 429{after}: {vendor_message(response)})",
                    "The API kept refusing for its rate limit (another client may share the quota); run again "
                    f"later, or raise attempts and deadline in the extra of Airflow connection '{self.conn_id}'.",
                    retry_after,
                    rate_limited=True,
                )
            raise Retryable(f"HTTP {status} ({vendor_message(response)})", TRY_LATER, retry_after)
        if status in (401, 403):
            raise ConnectorError(
                f"{self.source}: the API refused our credentials (HTTP {status}: {vendor_message(response)}). "
                f"Fix the credentials of Airflow connection '{self.conn_id}'."
            )
        if status >= 400:
            raise ConnectorError(
                f"{self.source}: {method} {path} failed with HTTP {status} (not retried): {vendor_message(response)}"
            )
        try:
            return orjson.loads(response.content)
        except orjson.JSONDecodeError:
            raise Retryable(
                f"HTTP {status} with a body that is not valid JSON ({len(response.content)} bytes, "
                f"starting {response.content[:60]!r})",
                TRY_LATER,
            ) from None

    def close(self) -> None:
        self.session.close()

    def __enter__(self) -> SourceSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def parse_retry_after(value: str | None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or an HTTP date), None if absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return max(0.0, (moment - datetime.now(UTC)).total_seconds())


def vendor_message(response: requests.Response) -> str:
    """The vendor's own error message from a JSON error body, else the start of the body."""
    try:
        body = orjson.loads(response.content)
    except orjson.JSONDecodeError:
        title = HTML_TITLE.search(response.content[:2000])  # a gateway's or maintenance HTML page
        if title:
            return f"an HTML page titled {title.group(1).decode(errors='replace')!r}"
        return response.text[:200].strip() or response.reason
    if isinstance(body, dict):
        for key in ("message", "detail", "error_description", "error"):
            value = body.get(key)
            if isinstance(value, str):
                return value
            if isinstance(value, dict) and isinstance(value.get("message"), str):
                return value["message"]
    return response.text[:200].strip()
