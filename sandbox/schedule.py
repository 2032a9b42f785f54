"""The brand's calendar: when its emails go out and when its events take place.

Both are world-level facts (a function of the seed and the world's dates, not of any buyer): every subscriber
receives the same campaigns, and every attendee meets the brand on the event's day. Buyers' email and event
touches are drawn against this calendar, so the email tool and the event lead lists (emulated later) can serve
campaigns and attendee lists that agree with the buyers' touches.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

from sandbox import vocabulary as vocab
from sandbox.timefmt import MS_PER_DAY, MS_PER_HOUR, to_ms


@dataclass(frozen=True, slots=True)
class EmailSend:
    """One email campaign sent to every subscriber at ``at``."""

    seq: int
    at: int
    name: str
    kind: str  # "newsletter" or "webinar"
    campaign_id: str  # 10 lower-case hex characters, like Mailchimp's campaign ids (the mc_cid URL parameter)


@dataclass(frozen=True, slots=True)
class Event:
    """An offline event (trade show, meetup) where the brand scans attendees' badges."""

    seq: int
    name: str
    starts_at: int
    ends_at: int


def _hex(seed: int, *parts: object, length: int) -> str:
    text = "/".join(str(p) for p in (seed, *parts))
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()[:length]


@lru_cache(maxsize=32)
def email_sends(seed: int, start: date, days: int) -> tuple[EmailSend, ...]:
    """A newsletter every Tuesday at 14:00 UTC and a webinar invite on the first Thursday of each month (15:00)."""
    end = start + timedelta(days=days)
    planned: list[tuple[date, int, str]] = []
    day = start
    while day < end:
        if day.weekday() == 1:
            planned.append((day, 14, "newsletter"))
        if day.weekday() == 3 and day.day <= 7:
            planned.append((day, 15, "webinar"))
        day += timedelta(days=1)
    sends = []
    for seq, (when, hour, kind) in enumerate(sorted(planned)):
        name = f"Newsletter {when:%b} {when.day}" if kind == "newsletter" else f"Webinar invite {when:%B %Y}"
        sends.append(
            EmailSend(seq, to_ms(when) + hour * MS_PER_HOUR, name, kind, _hex(seed, "campaign", seq, length=10))
        )
    return tuple(sends)


@lru_cache(maxsize=32)
def events(seed: int, start: date, days: int) -> tuple[Event, ...]:
    """The brand's events, spread evenly over the world, each one day from 09:00 to 17:00 UTC."""
    del seed  # the calendar is the same for every seed; kept in the signature so that it may vary later
    names = vocab.OFFLINE_EVENTS
    found = []
    for seq, name in enumerate(names):
        day_offset = int((seq + 0.5) * days / len(names))
        starts = to_ms(start) + day_offset * MS_PER_DAY + 9 * MS_PER_HOUR
        found.append(Event(seq, name, starts, starts + 8 * MS_PER_HOUR))
    return tuple(found)
