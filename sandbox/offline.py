"""Offline file drops: the CSV exports real companies put in a landing folder, one file per kind per day.

Badge scanners, the sales dialer and the loyalty system each export a day's records after the day ends:

- ``event_scans_YYYY-MM-DD.csv``: the world's event touches (badge scans): ``event_name``, ``scanned_at``,
  ``email``, ``company``;
- ``calls_YYYY-MM-DD.csv``: sales calls along B2B opportunities' sales steps (a voicemail first, sometimes):
  ``called_at``, ``email``, ``duration_seconds``, ``outcome``;
- ``store_visits_YYYY-MM-DD.csv``: loyalty-card consumers' store visits after their first purchase: ``visited_at``,
  ``store``, ``loyalty_id`` (the loyalty system knows no email).

Times are UTC, ``YYYY-MM-DD HH:MM:SS``; a day's file holds the records of that UTC day. The files look like real
exports: a header row, CRLF line ends, and some messy values (padding white space, upper- or lower-cased names and
ids, emails as the buyer typed them). Everything is a pure function of (world, clock): event scans are the world's
own touches; calls and store visits are new draws from ``world.rng(buyer, "offline")``, so no other vendor's data
moves. A day's files exist once the day has ended by the clock; files are written whole (to a temporary name, then
renamed), as a careful export job does, so a reader never sees half a file.

:func:`offline_connection` gives the Airflow connection ``offline_default`` for a landing folder.
"""

from __future__ import annotations

import csv
import io
import json
import os
import random
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from sandbox.timefmt import MS_PER_DAY, MS_PER_HOUR, from_ms, to_ms
from sandbox.world import Buyer, World

KINDS: tuple[str, ...] = ("event_scans", "calls", "store_visits")
COLUMNS: dict[str, tuple[str, ...]] = {
    "event_scans": ("event_name", "scanned_at", "email", "company"),
    "calls": ("called_at", "email", "duration_seconds", "outcome"),
    "store_visits": ("visited_at", "store", "loyalty_id"),
}
# What the dialer logs as the outcome of the call that moved an opportunity to each sales step.
CALL_OUTCOMES = {
    "appointment": "meeting booked",
    "qualified": "qualified",
    "presentation": "demo scheduled",
    "decision": "decision pending",
    "contract": "contract sent",
    "won": "closed won",
    "lost": "closed lost",
}
P_VOICEMAIL_FIRST = 0.30  # the rep reached voicemail before the call that moved the deal on
STORE_VISIT_GAP_DAYS = 9.0  # mean days between a loyalty member's store visits
STORES = {
    "USD": ("NYC-5th-Ave", "SF-Market-St", "Austin-Congress", "Chicago-Loop"),
    "EUR": ("Berlin-Mitte", "Paris-Marais", "Amsterdam-Centrum"),
}


@dataclass(frozen=True, slots=True)
class Row:
    kind: str
    at: int  # epoch ms, whole seconds
    buyer_index: int
    values: tuple[str, ...]  # in COLUMNS[kind] order, as the export writes them


def buyer_rows(world: World, buyer: Buyer) -> list[Row]:
    """Every offline record of one buyer over the whole world, messy as exported."""
    rng = world.rng(buyer.index, "offline")
    rows: list[Row] = []
    for touch in buyer.touches:
        if touch.kind != "event":
            continue
        event = _messy_case(rng, touch.campaign or "")
        company = _padded(rng, buyer.company or "")
        rows.append(
            Row(
                "event_scans",
                touch.at,
                buyer.index,
                (event, _stamp(touch.at), _padded(rng, buyer.email_typed), company),
            )
        )
    for opportunity in buyer.opportunities:
        for step, at in opportunity.steps:
            voicemail = rng.random() < P_VOICEMAIL_FIRST
            earlier = rng.randint(1, 20) * MS_PER_HOUR
            voicemail_seconds = rng.randint(15, 45)
            duration = max(60, int(rng.lognormvariate(6.4, 0.5)))  # about 10 minutes
            called_at = at - at % 1000
            if voicemail and called_at - earlier >= world.start_ms:
                rows.append(_call(rng, buyer, called_at - earlier, voicemail_seconds, "voicemail"))
            rows.append(_call(rng, buyer, called_at, duration, CALL_OUTCOMES[step]))
    if buyer.loyalty_id is not None and buyer.first_purchase_at is not None:
        stores = STORES["EUR" if buyer.currency == "EUR" else "USD"]
        home = stores[buyer.location % len(stores)]
        day = buyer.first_purchase_at // MS_PER_DAY
        while True:
            day += max(1, round(rng.expovariate(1 / STORE_VISIT_GAP_DAYS)))
            at = day * MS_PER_DAY + rng.randint(9 * 3600, 20 * 3600) * 1000
            store = home if rng.random() < 0.8 else stores[int(rng.random() * len(stores))]
            loyalty_id = _padded(rng, buyer.loyalty_id.lower() if rng.random() < 0.15 else buyer.loyalty_id)
            if at >= world.end_ms:
                break
            rows.append(Row("store_visits", at, buyer.index, (_stamp(at), store, loyalty_id)))
    return rows


def _call(rng: random.Random, buyer: Buyer, at: int, seconds: int, outcome: str) -> Row:
    outcome = outcome.title() if rng.random() < 0.2 else outcome
    return Row("calls", at, buyer.index, (_stamp(at), _padded(rng, buyer.email_typed), str(seconds), outcome))


def _stamp(ms: int) -> str:
    return f"{from_ms(ms):%Y-%m-%d %H:%M:%S}"


def _padded(rng: random.Random, value: str) -> str:
    """Some exported cells carry stray spaces around the value."""
    return f" {value} " if value and rng.random() < 0.08 else value


def _messy_case(rng: random.Random, value: str) -> str:
    roll = rng.random()
    return value.upper() if roll < 0.08 else value.lower() if roll < 0.16 else value


def rows_by_day(world: World, until_ms: int) -> dict[tuple[str, date], list[Row]]:
    """The rows of every day that ended by ``until_ms``, per (kind, day), in time order."""
    last_day_end = min(until_ms - until_ms % MS_PER_DAY, world.end_ms)
    found: dict[tuple[str, date], list[Row]] = defaultdict(list)
    for buyer in world.iter_buyers():
        for row in buyer_rows(world, buyer):
            if row.at < last_day_end:
                found[(row.kind, from_ms(row.at).date())].append(row)
    for rows in found.values():
        rows.sort(key=lambda r: (r.at, r.buyer_index, r.values))
    return found


def days_until(world: World, until_ms: int) -> Iterator[date]:
    """The world's days that had ended by ``until_ms``."""
    day = world.start_date
    while to_ms(day + timedelta(days=1)) <= min(until_ms, world.end_ms):
        yield day
        day += timedelta(days=1)


def file_name(kind: str, day: date) -> str:
    return f"{kind}_{day.isoformat()}.csv"


def render(kind: str, rows: list[Row]) -> bytes:
    """One export file: the header row, then the rows, CRLF line ends, as spreadsheet tools write them."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS[kind])
    writer.writerows(row.values for row in rows)
    return out.getvalue().encode()


def write_drops(world: World, until: datetime | date, out_dir: str | Path) -> list[Path]:
    """Write one file per kind per day that had ended by ``until`` into ``out_dir``; return the paths.

    Writing again gives the same bytes, so a re-drop of an unchanged day is recognisable by its checksum.
    """
    until_ms = to_ms(until)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    by_day = rows_by_day(world, until_ms)
    written = []
    for day in days_until(world, until_ms):
        for kind in KINDS:
            path = out / file_name(kind, day)
            temporary = path.with_name(f".{path.name}.part")
            temporary.write_bytes(render(kind, by_day.get((kind, day), [])))
            os.replace(temporary, path)
            written.append(path)
    return written


def offline_connection(landing_dir: str | Path) -> dict[str, object]:
    """The Airflow connection ``offline_default`` (JSON fields) for a landing folder."""
    return {"conn_type": "fs", "extra": {"landing_dir": str(Path(landing_dir).resolve())}}


def offline_environment(landing_dir: str | Path) -> dict[str, str]:
    """``AIRFLOW_CONN_OFFLINE_DEFAULT`` for a landing folder, as the CLI and the tests set it."""
    return {"AIRFLOW_CONN_OFFLINE_DEFAULT": json.dumps(offline_connection(landing_dir))}
