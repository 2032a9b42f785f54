"""The small HTTP vocabulary shared by the server and the vendor emulations.

A vendor module sees a :class:`Request` and returns a :class:`Response` (or ``None`` for "not mine"); it never
touches sockets. That keeps each vendor a plain, testable function of (world, clock, request).
"""

from __future__ import annotations

import hashlib
import threading
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

import orjson

from sandbox.timefmt import to_ms

JSON_CONTENT_TYPE = "application/json;charset=utf-8"


@dataclass(frozen=True, slots=True)
class Request:
    method: str
    path: str  # without the query string, percent-decoded
    query: tuple[tuple[str, str], ...]  # in order, repeated keys kept
    headers: Mapping[str, str]  # keys lower-cased
    body: bytes = b""
    base_url: str = ""  # scheme and authority the client used, for absolute links back to the server

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())

    def query_values(self, name: str) -> list[str]:
        return [value for key, value in self.query if key == name]

    def query_value(self, name: str) -> str | None:
        values = self.query_values(name)
        return values[-1] if values else None

    def fingerprint(self, salt: str) -> bytes:
        """A digest of everything that makes this request what it is, for deterministic ids."""
        digest = hashlib.blake2b(digest_size=16)
        for part in (salt, self.method, self.path, repr(self.query), self.body):
            digest.update(part.encode() if isinstance(part, str) else part)
            digest.update(b"\x00")
        return digest.digest()


@dataclass(frozen=True, slots=True)
class Response:
    status: int
    body: bytes
    headers: tuple[tuple[str, str], ...] = field(default_factory=tuple)
    content_type: str = JSON_CONTENT_TYPE

    @classmethod
    def json(cls, status: int, payload: Any, headers: tuple[tuple[str, str], ...] = ()) -> Response:
        return cls(status=status, body=orjson.dumps(payload), headers=headers)

    def with_headers(self, extra: tuple[tuple[str, str], ...]) -> Response:
        return Response(self.status, self.body, self.headers + extra, self.content_type)


class VendorApp(Protocol):
    """One emulated vendor API. ``handle`` returns ``None`` for a request that is not addressed to it."""

    name: str

    def handle(self, request: Request) -> Response | None: ...

    def airflow_connection(self, base_url: str) -> dict[str, Any]:
        """The Airflow connection (as JSON fields) a connector uses to reach this API at ``base_url``."""
        ...

    def endpoints(self) -> list[str]:
        """The served endpoints, for people: method and path template."""
        ...


def deterministic_uuid(fingerprint: bytes) -> str:
    """A version-4-shaped UUID derived from bytes: the same request always gets the same id."""
    return str(uuid.UUID(bytes=fingerprint[:16], version=4))


class Clock:
    """The sandbox's "now", in epoch milliseconds: requests see the world as it was at this instant."""

    def __init__(self, now_ms: int) -> None:
        self._now_ms = now_ms
        self._lock = threading.Lock()

    @property
    def now_ms(self) -> int:
        with self._lock:
            return self._now_ms

    def set(self, moment: datetime | int) -> None:
        with self._lock:
            self._now_ms = moment if isinstance(moment, int) else to_ms(moment)
