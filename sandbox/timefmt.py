"""Instants as integer epoch milliseconds (UTC), and the text forms the vendor APIs use.

The world keeps every instant as an ``int`` of milliseconds since the Unix epoch: exact, cheap to compare and
to sort, and free of time-zone mistakes. Conversion to text happens only at the edge (an API response, a CSV
cell).
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MS_PER_DAY = 86_400_000
MS_PER_HOUR = 3_600_000

_DIGITS = re.compile(r"-?\d+")


def to_ms(moment: datetime | date) -> int:
    """Epoch milliseconds of a datetime (naive means UTC) or of a date's midnight UTC."""
    if not isinstance(moment, datetime):
        moment = datetime(moment.year, moment.month, moment.day, tzinfo=UTC)
    elif moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return (moment - EPOCH) // timedelta(milliseconds=1)


def from_ms(ms: int) -> datetime:
    return EPOCH + timedelta(milliseconds=ms)


def iso_ms(ms: int) -> str:
    """``2026-07-01T09:30:00.123Z``: ISO 8601 UTC with milliseconds, as HubSpot writes datetimes."""
    moment = from_ms(ms)
    return f"{moment:%Y-%m-%dT%H:%M:%S}.{moment.microsecond // 1000:03d}Z"


def parse_instant(text: str) -> int:
    """Epoch milliseconds from either an epoch-milliseconds string or ISO 8601 (date, or date-time).

    A date-time without an offset is taken as UTC. Raises ``ValueError`` on anything else.
    """
    text = text.strip()
    if _DIGITS.fullmatch(text):
        return int(text)
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    return to_ms(datetime.fromisoformat(text))
