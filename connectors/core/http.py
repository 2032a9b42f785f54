"""One HTTP session per source: timeouts, bounded retries with backoff, and errors a user can act on.

Retries are urllib3's ``Retry``: exponential backoff with jitter on 429, 5xx and connection errors, honouring
``Retry-After``, bounded in attempts and in the longest single wait. Auth and validation errors (other 4xx) are
never retried: they end in one ``ConnectorError`` that names the connection to fix. Secrets travel in headers
only, and no message here prints a header.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import orjson
import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from connectors.core.errors import ConnectorError

log = logging.getLogger(__name__)

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


@dataclass(frozen=True)
class HttpPolicy:
    """Timeouts and retry bounds; the defaults suit every vendor API we call."""

    connect_timeout: float = 10.0
    read_timeout: float = 60.0
    attempts: int = 6
    backoff_factor: float = 0.5
    backoff_max: float = 30.0
    backoff_jitter: float = 0.5

    def retry(self) -> Retry:
        return Retry(
            total=self.attempts - 1,
            backoff_factor=self.backoff_factor,
            backoff_max=self.backoff_max,
            backoff_jitter=self.backoff_jitter,
            status_forcelist=RETRY_STATUSES,
            # The read APIs we call include POST searches; they change nothing, so they are safe to repeat.
            allowed_methods=None,
            respect_retry_after_header=True,
            raise_on_status=False,
        )


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
        adapter = HTTPAdapter(max_retries=self.policy.retry())
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)

    def request_json(self, method: str, path: str, **kwargs: Any) -> Any:
        """Send one request and return the decoded JSON body, or raise a ``ConnectorError`` that says what to fix."""
        url = f"{self.base_url}{path}"
        timeout = (self.policy.connect_timeout, self.policy.read_timeout)
        try:
            response = self.session.request(method, url, timeout=timeout, **kwargs)
        except requests.RequestException as error:
            raise ConnectorError(
                f"{self.source}: no usable answer from {method} {path} after {self.policy.attempts} attempts "
                f"({type(error).__name__}). Check the host of Airflow connection '{self.conn_id}' "
                f"({self.base_url}) and the network."
            ) from None
        if response.status_code in (401, 403):
            raise ConnectorError(
                f"{self.source}: the API refused our credentials (HTTP {response.status_code}: "
                f"{vendor_message(response)}). Fix the credentials of Airflow connection '{self.conn_id}'."
            )
        if response.status_code >= 400:
            raise ConnectorError(
                f"{self.source}: {method} {path} failed with HTTP {response.status_code}"
                f"{' after retries' if response.status_code in RETRY_STATUSES else ''}: {vendor_message(response)}"
            )
        try:
            return orjson.loads(response.content)
        except orjson.JSONDecodeError:
            raise ConnectorError(
                f"{self.source}: {method} {path} answered HTTP {response.status_code} with a body that is not "
                f"valid JSON ({len(response.content)} bytes, starting {response.content[:60]!r})."
            ) from None

    def close(self) -> None:
        self.session.close()

    def __enter__(self) -> SourceSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def vendor_message(response: requests.Response) -> str:
    """The vendor's own error message from a JSON error body, else the start of the body."""
    try:
        body = orjson.loads(response.content)
    except orjson.JSONDecodeError:
        return response.text[:200].strip() or response.reason
    if isinstance(body, dict):
        for key in ("message", "detail", "error_description", "error"):
            value = body.get(key)
            if isinstance(value, str):
                return value
            if isinstance(value, dict) and isinstance(value.get("message"), str):
                return value["message"]
    return response.text[:200].strip()
