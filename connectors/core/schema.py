"""What a page's records hold against what their stream declares: drift is reported, the unloadable quarantined.

A record keeps its whole payload (raw is ``jsonb``), so a field the stream does not know is no loss: it is
recorded once per stream in ``ops.schema_drift`` (first and last batch that carried it, one example value) and
logged once per batch. A record missing a required field (its key, its cursor) cannot be merged or bookmarked:
it goes to ``ops.quarantine`` with the reason, in the same transaction as the page it came in, and the batch goes
on. Both tables are created with the other ``ops`` tables (state.py).
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson
import psycopg

from connectors.core.stream import Record, Stream

log = logging.getLogger(__name__)

EXAMPLE_CHARS = 200


@dataclass(frozen=True)
class Rejected:
    reason: str
    record: Any


@dataclass
class Checked:
    """A page's records, split: those to load, those to quarantine, and unknown fields with an example value."""

    accepted: list[Record] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)
    unknown: dict[str, Any] = field(default_factory=dict)


def check(stream: Stream, records: Iterable[Any]) -> Checked:
    checked = Checked()
    parents = {path.split(".", 1)[0] for path in stream.known_fields or () if "." in path}
    for record in records:
        reason = rejection(stream, record)
        if reason is not None:
            checked.rejected.append(Rejected(reason, record))
            continue
        checked.accepted.append(record)
        if stream.known_fields is not None:
            for path, value in _fields(record, parents):
                if path not in stream.known_fields:
                    checked.unknown.setdefault(path, value)
    return checked


def rejection(stream: Stream, record: Any) -> str | None:
    """Why ``record`` cannot be loaded, or None when it can."""
    if not isinstance(record, dict):
        return f"not a JSON object but {type(record).__name__}"
    for path in stream.required_fields:
        parent, _, name = path.rpartition(".")
        holder = _get(record, parent) if parent else record
        if not isinstance(holder, dict) or name not in holder:
            return f"required field '{path}' is missing"
        if holder[name] is None or holder[name] == "":
            return f"required field '{path}' is null"
    try:
        stream.primary_key(record)
        stream.cursor(record)
    except (KeyError, TypeError, ValueError) as error:
        return f"unreadable key or cursor ({type(error).__name__}: {error})"
    return None


class DriftLog:
    """The unknown fields one batch has already reported: each is logged and recorded once per batch."""

    def __init__(self, source: str, batch_id: str) -> None:
        self.source, self.batch_id = source, batch_id
        self.reported: list[str] = []  # "stream.field", in the order seen

    def report(self, conn: psycopg.Connection, stream: str, unknown: dict[str, Any]) -> None:
        for path, value in unknown.items():
            name = f"{stream}.{path}"
            if name in self.reported:
                continue
            self.reported.append(name)
            conn.execute(
                """
                insert into ops.schema_drift (source, stream, field, first_seen_batch, last_seen_batch, example)
                values (%s, %s, %s, %s, %s, %s)
                on conflict (source, stream, field) do update
                    set last_seen_batch = excluded.last_seen_batch, last_seen_at = now()
                """,
                (self.source, stream, path, self.batch_id, self.batch_id, _example(value)),
            )
            log.warning(
                "%s.%s: new field '%s', not among the stream's declared fields; kept in the raw payload and "
                "recorded in ops.schema_drift (batch %s)",
                self.source,
                stream,
                path,
                self.batch_id,
            )


def quarantine(conn: psycopg.Connection, source: str, stream: str, batch_id: str, rejected: Sequence[Rejected]) -> int:
    """Keep the rejected records in ``ops.quarantine``; returns how many are new to this batch (a page served
    twice quarantines its records once)."""
    if not rejected:
        return 0
    added = 0
    with conn.cursor() as cursor:
        for item in rejected:
            cursor.execute(
                """
                insert into ops.quarantine (source, stream, batch_id, reason, payload) values (%s, %s, %s, %s, %s)
                on conflict (batch_id, stream, md5(payload::text)) do nothing
                """,
                (source, stream, batch_id, item.reason, orjson.dumps(item.record).decode()),
            )
            added += cursor.rowcount
    for reason, count in Counter(item.reason for item in rejected).items():
        log.warning(
            "%s.%s: %d record(s) quarantined: %s (see ops.quarantine, batch %s)",
            source,
            stream,
            count,
            reason,
            batch_id,
        )
    return added


def _fields(record: Record, parents: set[str]) -> Iterable[tuple[str, Any]]:
    for key, value in record.items():
        if key in parents and isinstance(value, dict):
            yield key, value
            for child, child_value in value.items():
                yield f"{key}.{child}", child_value
        else:
            yield key, value


def _get(record: Record, path: str) -> Any:
    value: Any = record
    for part in path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def _example(value: Any) -> str:
    text = orjson.dumps(value).decode()
    return text if len(text) <= EXAMPLE_CHARS else text[: EXAMPLE_CHARS - 1] + "…"
