"""The raw loader: COPY pages of records into ``raw.<source>__<stream>``, merged on the natural key.

Everything happens inside the caller's transaction, so the rows and the stream's bookmark commit together. The
records are one page, or several pages a sync gathered into one commit (``page_ends``; sync.py's
``CommitPolicy``), which end exactly as if merged one page after the other. For one call:

1. Python reads each record's key and cursor once (:func:`read_keys`; a sync passes them in, as it needs them for
   its bookmark too). When a key occurs more than once, each page's newest copy of it competes
   (:func:`newest_per_key`), so the server never sorts to deduplicate.
2. The raw table's merges are locked for the transaction (``pg_advisory_xact_lock``, the lock
   :func:`ensure_raw_table` takes) and the stored cursor of each of the page's keys is read with one index
   lookup. The lock keeps the answer true until commit: a concurrent merge into the same table waits instead of
   writing one of those keys in between. (sync.py already runs one sync per stream at a time.)
3. The merge rule decides per key: a copy replaces the stored one unless both have cursors
   (``source_updated_at``) and the incoming one is older; with several pages, it decides page after page.
   Older copies are dropped; stored rows that are replaced are deleted. A copy whose payload is the stored one's,
   byte for byte (``payload_hash``), is dropped too: the stored row stays as it was, ``extracted_at`` included.
   Connectors re-pull a lookback window (Matomo's last two days, Mailchimp's 14 days of campaign activity), and
   most of what they re-pull has not changed; left alone, it is not re-read by dbt's incremental models, which
   read raw by ``extracted_at`` (at 1,000,000 buyers, 377,991 of a day's 497,915 records, nearly all Mailchimp
   activity).
4. Every row to write goes in with one ``COPY raw.<table> ... (format binary)``: COPY's batched insert, no
   temporary table, no ``insert ... on conflict`` row by row. A first sync, the bulk of all loading, deletes
   nothing.

So a re-load replaces and never duplicates, an older re-pull never overwrites a newer record, and an unchanged
re-pull writes nothing. ``extracted_at`` is therefore when the extract first received the row's content. (Under the
default READ COMMITTED isolation; in a REPEATABLE READ transaction a concurrent merge can make this one fail on
the primary key, never duplicate.) COPY data is built in bulk: orjson for the payload, PostgreSQL's binary COPY
format for the framing (no escaping on our side, no text parsing on the server's), the batch's shared columns
encoded once, written in chunks so that the server works on one while Python builds the next. Why, with numbers:
``bench/loader_bench.py`` and docs/benchmarks.md. In short, PostgreSQL's own jsonb parse is most of the cost of
any load, and the first version's temporary table, row-by-row ``on conflict`` and per-row ``write_row`` together
cost more than the server's whole work.

Two settings apply to the load transaction only (``set_config(..., is_local => true)``):

- ``synchronous_commit = off``: the commit of a load does not wait for its WAL to reach the disk. A crash of the
  *database server* can lose the last fraction of a second of committed pages, but pages commit together
  with the bookmark that covers them, so what is lost is rows and bookmark together: the next run fetches them
  again, with no gap and no double. Nothing else is at risk: the raw tables are a re-fetchable copy of the
  vendor's data, and the next synchronous commit (sync.py's end-of-stream audit) flushes everything before it.
  A killed *client* loses nothing: the server still writes what it acknowledged. It saves a WAL flush per
  commit, which was most of a small page's cost when every page committed on its own.
- ``jit = off``: compiling the lookup's expressions costs more than it saves on commit-sized inputs.

Payloads are the JSON the API returned, with one exception: PostgreSQL's ``jsonb`` (and ``text``) cannot hold the
NUL character (``\\u0000``). It is removed from the record's strings and keys before loading, and the load logs a
warning with the keys of the records it touched: a NUL in vendor data is an artefact, never content, and failing
the whole sync over it would help no one. A NUL in a natural key, and a record that is not JSON at all (a lone
surrogate, a Python object), raise :class:`UnloadableRecord` naming the stream and the key.
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import json
import logging
import struct
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
import psycopg
from psycopg import sql
from psycopg.pq import TransactionStatus

from connectors.core.stream import Record, Stream

log = logging.getLogger(__name__)

COLUMNS = (
    "natural_key",
    "payload",
    "source_updated_at",
    "extracted_at",
    "batch_id",
    "interval_start",
    "interval_end",
    "payload_hash",
)

# Rows per COPY write (50-100 KB): big enough that the per-call overhead vanishes, small enough that the server
# starts on a page while Python builds the rest of it.
CHUNK_ROWS = 100


class UnloadableRecord(ValueError):
    """A record that cannot be stored as JSON (the message names the stream and the record's key)."""


def raw_table(source: str, stream: str) -> sql.Identifier:
    return sql.Identifier("raw", f"{source}__{stream}")


@dataclass(frozen=True)
class Batch:
    """What every row of one load shares."""

    batch_id: str
    extracted_at: datetime
    interval_start: datetime | None
    interval_end: datetime


def _lock_key(source: str, stream: str) -> str:
    """The advisory lock that creating and merging into one raw table take."""
    return f"purchase_path.raw.{source}.{stream}"


def ensure_raw_table(conn: psycopg.Connection, source: str, stream: str) -> None:
    with conn.transaction():
        conn.execute("select pg_advisory_xact_lock(hashtext(%s))", (_lock_key(source, stream),))
        conn.execute(
            sql.SQL(
                """
                create table if not exists {table} (
                    natural_key        text        primary key,
                    payload            jsonb       not null,
                    source_updated_at  timestamptz,
                    extracted_at       timestamptz not null,
                    batch_id           text        not null,
                    interval_start     timestamptz,
                    interval_end       timestamptz,
                    payload_hash       bigint
                )
                """
            ).format(table=raw_table(source, stream))
        )
        _add_payload_hash(conn, source, stream)
        # dbt's incremental staging reads only the rows extracted since its last run (docs/warehouse.md).
        conn.execute(
            sql.SQL("create index if not exists {index} on {table} (extracted_at)").format(
                index=sql.Identifier(f"{source}__{stream}__extracted_at"), table=raw_table(source, stream)
            )
        )


def _add_payload_hash(conn: psycopg.Connection, source: str, stream: str) -> None:
    """Add ``payload_hash`` to a raw table created before it existed. Its rows keep a null hash, so their next
    re-pull is written once more. Looked up first: ``alter table`` would wait for every reader of the table (a
    long dbt build) even when the column is there."""
    present = conn.execute(
        "select 1 from pg_attribute where attrelid = %s::regclass and attname = 'payload_hash' and not attisdropped",
        (raw_table(source, stream).as_string(None),),
    ).fetchone()
    if not present:
        conn.execute(
            sql.SQL("alter table {table} add column payload_hash bigint").format(table=raw_table(source, stream))
        )


def payload_hash(payload: bytes) -> bytes:
    """What identifies a payload's content: a 64-bit BLAKE2b digest of the JSON the loader writes, big-endian, as
    PostgreSQL's binary ``bigint`` has it. Stored as ``payload_hash``; bench/warehouse_bench.py writes it too."""
    return hashlib.blake2b(payload, digest_size=8).digest()


@dataclass(frozen=True)
class _Statements:
    """The SQL of one raw table's merge, composed once per table."""

    lock: str
    stored: str
    delete: str
    copy: str


@functools.cache
def _statements(source: str, stream: str) -> _Statements:
    table = raw_table(source, stream)
    columns = sql.SQL(", ").join(map(sql.Identifier, COLUMNS))

    def text(query: str) -> str:
        return sql.SQL(query).format(table=table, columns=columns).as_string(None)

    return _Statements(
        lock=(
            "select set_config('synchronous_commit', 'off', true), set_config('jit', 'off', true),"
            " pg_advisory_xact_lock(hashtext(%s))"
        ),
        # Keys travel as one JSON array: orjson writes it in one call, where a list parameter is adapted key by
        # key. The cursor comes back in microseconds since 2000-01-01, as binary COPY has it, the hash as bytes.
        stored=text(
            "select natural_key, (extract(epoch from source_updated_at) * 1000000)::bigint - 946684800000000,"
            " int8send(payload_hash) from {table}"
            " where natural_key = any(array(select json_array_elements_text(%s::json)))"
        ),
        delete=text("delete from {table} where natural_key = any(array(select json_array_elements_text(%s::json)))"),
        copy=text("copy {table} ({columns}) from stdin (format binary)"),
    )


@dataclass(frozen=True)
class Keyed:
    """Each record's natural key and cursor, read once: the cursor in microseconds since 2000-01-01 UTC, as
    PostgreSQL's timestamptz has it. A sync reads them once per commit for the merge, its bookmark and its count."""

    keys: list[str]
    micros: list[int | None]

    def newest(self) -> datetime | None:
        """The newest cursor, or None when no record has one."""
        newest = max((moment for moment in self.micros if moment is not None), default=None)
        return None if newest is None else _POSTGRES_EPOCH + newest * _MICROSECOND


def read_keys(source: str, stream: Stream, records: Sequence[Record]) -> Keyed:
    """The records' keys and cursors (:class:`UnloadableRecord` for a key PostgreSQL cannot hold)."""
    keys = [str(stream.primary_key(record)) for record in records]
    _check_keys(source, stream.name, keys)
    return Keyed(keys, [_micros(stream.cursor(record)) for record in records])


def merge_records(
    conn: psycopg.Connection,
    source: str,
    stream: Stream,
    records: Sequence[Record],
    batch: Batch,
    page_ends: Sequence[int] | None = None,
    keyed: Keyed | None = None,
) -> int:
    """COPY ``records`` into the stream's raw table, merged on the natural key. Returns rows written (a record
    left as stored, older or unchanged, is not written).

    Runs in the caller's transaction: on an autocommit connection, open one (``with conn.transaction():``) first.

    ``page_ends``: when ``records`` are several pages gathered into one commit (sync.py does so with small pages),
    where each page ends (ascending offsets into ``records``, the last one ``len(records)``). The table then ends
    exactly as if each page had been merged in turn: within a page its newest copy of a key competes, between
    pages and against the stored row the merge rule decides, page after page. None: ``records`` are one page.
    ``keyed``: the records' keys and cursors when the caller has read them already (:func:`read_keys`).
    """
    if not records:
        return 0
    if conn.autocommit and conn.info.transaction_status != TransactionStatus.INTRANS:
        raise RuntimeError("merge_records must run inside a transaction: wrap it in `with conn.transaction():`")
    if page_ends is not None and (not page_ends or page_ends[-1] != len(records)):
        raise ValueError(f"page_ends must end at len(records) ({len(records)}), not {list(page_ends)[-1:]}")
    statements = _statements(source, stream.name)
    keyed = keyed or read_keys(source, stream, records)
    keys, micros = keyed.keys, keyed.micros
    chains = _chains(keys, micros, page_ends or (len(records),))
    with conn.cursor() as cursor:
        cursor.execute(statements.lock, (_lock_key(source, stream.name),))
        cursor.execute(statements.stored, (_json_array(keys if chains is None else list(chains)),))
        found = cursor.fetchall()
        stored: dict[str, int | None] = {key: moment for key, moment, _ in found}
        page = _winners(keys, micros, chains, stored)
        rows = _RowEncoder(source, stream.name, records, keys, micros)
        if stored:
            page = rows.changed(page, {key: digest for key, _, digest in found})
            replaced = [keys[position] for position in page if keys[position] in stored]
            if replaced:
                cursor.execute(statements.delete, (_json_array(replaced),))
        if page:
            with cursor.copy(statements.copy) as copy:
                for chunk in rows.binary_copy(page, _batch_fields(batch)):
                    copy.write(chunk)
            rows.report_cleaned()
    return len(page)


def _check_keys(source: str, stream: str, keys: list[str]) -> None:
    joined = "".join(keys)
    if "\x00" in joined:
        raise UnloadableRecord(f"{source}.{stream}: a record's key holds a NUL character; fix the stream's key")
    try:
        joined.encode()
    except UnicodeEncodeError:
        raise UnloadableRecord(
            f"{source}.{stream}: a record's key is not valid Unicode; fix the stream's key"
        ) from None


def _json_array(keys: list[str]) -> str:
    return orjson.dumps(keys).decode()


def _replaces(incoming: int | None, stored: int | None) -> bool:
    """The merge rule: a copy replaces the stored one unless both have cursors and the incoming one's is older."""
    return incoming is None or stored is None or incoming >= stored


def _chains(keys: Sequence[str], micros: Sequence[int | None], page_ends: Sequence[int]) -> dict[str, list[int]] | None:
    """Per key, the positions of its copies that compete, page by page: each page's newest copy of the key.
    None when every key is distinct (the common case, and the cheap one: every row competes once)."""
    if len(set(keys)) == len(keys):
        return None
    chains: dict[str, list[int]] = {}
    start = 0
    for end in page_ends:
        for position in newest_per_key(keys[start:end], micros[start:end]):
            chains.setdefault(keys[start + position], []).append(start + position)
        start = end
    return chains


def _winners(
    keys: Sequence[str],
    micros: Sequence[int | None],
    chains: dict[str, list[int]] | None,
    stored: dict[str, int | None],
) -> Sequence[int]:
    """The positions of the rows to write, in page order: per key, the copy left standing when the stored row
    (if any) meets each page's copy in turn under the merge rule. A key whose stored row outlasts them is not
    written."""
    if chains is None:
        if not stored:
            return range(len(keys))
        return [
            position
            for position, key in enumerate(keys)
            if key not in stored or _replaces(micros[position], stored[key])
        ]
    winners = []
    for key, chain in chains.items():
        winner, present, current = None, key in stored, stored.get(key)
        for position in chain:
            if not present or _replaces(micros[position], current):
                winner, present, current = position, True, micros[position]
        if winner is not None:
            winners.append(winner)
    return sorted(winners)


def newest_per_key(keys: Sequence[str], micros: Sequence[int | None]) -> Sequence[int]:
    """The positions of the rows to load: every row when the keys are distinct, else each key's newest copy.

    Within a page the copy with the latest cursor wins; a copy without a cursor counts as older than any copy
    with one; among equals (or all without) the later copy wins. Positions come back in page order.
    """
    if len(set(keys)) == len(keys):
        return range(len(keys))
    newest: dict[str, int] = {}
    for position, (key, moment) in enumerate(zip(keys, micros, strict=True)):
        kept = newest.get(key)
        if kept is None or _newer_in_page(moment, micros[kept]):
            newest[key] = position
    return sorted(newest.values())


def _newer_in_page(later: int | None, earlier: int | None) -> bool:
    if later is None:
        return earlier is None
    return earlier is None or later >= earlier


# -- binary COPY ----------------------------------------------------------------------------------------------
# https://www.postgresql.org/docs/current/sql-copy.html#id-1.9.3.55.9.4: a signature, flags and header extension
# length, then per row a 16-bit field count and per field a 32-bit length (-1 for null) and the value in the
# type's binary form: text as UTF-8, jsonb as a version byte (1) and the JSON text, timestamptz as 64-bit
# microseconds since 2000-01-01 UTC; a 16-bit -1 ends the data.

COPY_HEADER = b"PGCOPY\n\xff\r\n\x00" + struct.pack("!ii", 0, 0)
COPY_TRAILER = struct.pack("!h", -1)
_ROW_START = struct.Struct("!hi").pack  # field count, then the key's length
_LENGTH = struct.Struct("!i").pack
_TIMESTAMP = struct.Struct("!iq").pack  # length 8, microseconds
_NULL = _LENGTH(-1)
_FIELDS = len(COLUMNS)
_HASH_LENGTH = _LENGTH(8)  # payload_hash: a bigint, written as its 8 big-endian bytes
_PAYLOAD_START = struct.Struct("!ib").pack  # length, then jsonb's binary format version (1)
_POSTGRES_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
_NUL_ESCAPE = b"\\u0000"


def _micros(moment: datetime | None) -> int | None:
    """A timestamp as PostgreSQL's timestamptz: microseconds since 2000-01-01 UTC. Naive is taken as UTC."""
    if moment is None:
        return None
    if not isinstance(moment, datetime):
        raise TypeError(f"the loader takes cursors and batch times as datetimes, not {type(moment).__name__}")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    # datetime's own subtraction: a subclass's (pendulum's, as Airflow passes data intervals) returns an interval
    # type that does not divide by a timedelta.
    return datetime.__sub__(moment, _POSTGRES_EPOCH) // _MICROSECOND


def _timestamp_field(moment: datetime | None) -> bytes:
    micros = _micros(moment)
    return _NULL if micros is None else _TIMESTAMP(8, micros)


def _batch_fields(batch: Batch) -> bytes:
    """The four columns after the cursor (extracted_at to interval_end), the same for the whole batch: encoded once."""
    batch_id = batch.batch_id.encode()
    return b"".join(
        (
            _timestamp_field(batch.extracted_at),
            _LENGTH(len(batch_id)),
            batch_id,
            _timestamp_field(batch.interval_start),
            _timestamp_field(batch.interval_end),
        )
    )


class _RowEncoder:
    """Binary COPY data of a raw table's rows, for records of one page chosen by position."""

    def __init__(
        self,
        source: str,
        stream: str,
        records: Sequence[Record],
        keys: Sequence[str],
        micros: Sequence[int | None],
    ) -> None:
        self.source, self.stream = source, stream
        self.records, self.keys, self.micros = records, keys, micros
        self.cleaned: list[str] = []
        self.payloads: dict[int, bytes] = {}  # written already, by changed(): position → payload

    def changed(self, positions: Sequence[int], stored: dict[str, bytes | None]) -> list[int]:
        """``positions`` less the records whose payload hashes as their key's stored row does (``stored``: key →
        its payload_hash, for the keys stored)."""
        kept = []
        compared = [position for position in positions if self.keys[position] in stored]
        self.payloads = dict(zip(compared, self._payloads(compared), strict=True))
        for position in positions:
            payload = self.payloads.get(position)
            if payload is None or payload_hash(payload) != stored[self.keys[position]]:
                kept.append(position)
        return kept

    def binary_copy(self, positions: Sequence[int], batch_fields: bytes) -> Iterator[bytes]:
        """Header, rows in chunks of ``CHUNK_ROWS``, trailer. Each row: key, payload, cursor, the batch's fields,
        the payload's hash."""
        yield COPY_HEADER
        for start in range(0, len(positions), CHUNK_ROWS):
            yield self._chunk(positions[start : start + CHUNK_ROWS], batch_fields)
        yield COPY_TRAILER

    def _chunk(self, positions: Sequence[int], batch_fields: bytes) -> bytes:
        if self.payloads:
            missing = [position for position in positions if position not in self.payloads]
            self.payloads.update(zip(missing, self._payloads(missing), strict=True))
            payloads = [self.payloads[position] for position in positions]
        else:
            payloads = self._payloads(positions)
        keys = [self.keys[position].encode() for position in positions]
        micros = [self.micros[position] for position in positions]
        return _rows(keys, payloads, micros, batch_fields)

    def _payloads(self, positions: Sequence[int]) -> list[bytes]:
        """The JSON written for each record, as a comprehension: in CPython much cheaper than a loop."""
        try:
            payloads = [orjson.dumps(self.records[position]) for position in positions]
        except (orjson.JSONEncodeError, TypeError):
            payloads = [
                _json(self.source, self.stream, self.keys[position], self.records[position]) for position in positions
            ]
        if any(_NUL_ESCAPE in payload for payload in payloads):  # rare: write the records holding a NUL again
            payloads = [
                self._without_nul(position, payload) if _NUL_ESCAPE in payload else payload
                for position, payload in zip(positions, payloads, strict=True)
            ]
        return payloads

    def _without_nul(self, position: int, payload: bytes) -> bytes:
        key = self.keys[position]
        cleaned = _json(self.source, self.stream, key, _strip_nul(self.records[position]))
        if cleaned != payload:  # else the record held the six characters backslash-u0000, not a NUL
            self.cleaned.append(key)
        return cleaned

    def report_cleaned(self) -> None:
        if self.cleaned:
            log.warning(
                "%s.%s: %d record(s) held NUL characters (\\u0000), which PostgreSQL cannot store; they were "
                "loaded without them. Keys: %s%s",
                self.source,
                self.stream,
                len(self.cleaned),
                ", ".join(self.cleaned[:10]),
                ", ..." if len(self.cleaned) > 10 else "",
            )


def _rows(keys: list[bytes], payloads: list[bytes], micros: list[int | None], batch_fields: bytes) -> bytes:
    return b"".join(
        itertools.chain.from_iterable(
            zip(
                [_ROW_START(_FIELDS, len(key)) for key in keys],
                keys,
                [_PAYLOAD_START(len(payload) + 1, 1) for payload in payloads],
                payloads,
                [_NULL if moment is None else _TIMESTAMP(8, moment) for moment in micros],
                itertools.repeat(batch_fields),
                itertools.repeat(_HASH_LENGTH),
                [payload_hash(payload) for payload in payloads],
            )
        )
    )


def _json(source: str, stream: str, key: str, record: Record) -> bytes:
    try:
        return orjson.dumps(record)
    except (orjson.JSONEncodeError, TypeError):
        pass
    # orjson refuses a few things JSON allows (integers past 64 bits, non-string keys); the standard library takes
    # them. What neither can write (a lone surrogate, a Python object) is not JSON.
    try:
        return json.dumps(record, ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode()
    except (TypeError, ValueError) as error:
        raise UnloadableRecord(f"{source}.{stream}: record {key!r} cannot be stored as JSON: {error}") from None


def _strip_nul(value: Any) -> Any:
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, dict):
        return {_strip_nul(name): _strip_nul(item) for name, item in value.items()}
    if isinstance(value, list):
        return [_strip_nul(item) for item in value]
    return value
