"""The raw loader: COPY a page of records into ``raw.<source>__<stream>``, merged on the natural key.

Rows are COPYed into a transaction-scoped temporary table, then merged into the raw table with one
``insert ... on conflict`` that keeps, per key, the newest version (by the record's own ``source_updated_at``).
A re-load therefore replaces and never duplicates, and an older re-pull never overwrites a newer record.
The caller owns the transaction, so the rows and the stream's bookmark commit together.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import orjson
import psycopg
from psycopg import sql

from connectors.core.stream import Record, Stream

COLUMNS = (
    "natural_key",
    "payload",
    "source_updated_at",
    "extracted_at",
    "batch_id",
    "interval_start",
    "interval_end",
)


def raw_table(source: str, stream: str) -> sql.Identifier:
    return sql.Identifier("raw", f"{source}__{stream}")


@dataclass(frozen=True)
class Batch:
    """What every row of one load shares."""

    batch_id: str
    extracted_at: datetime
    interval_start: datetime | None
    interval_end: datetime


def ensure_raw_table(conn: psycopg.Connection, source: str, stream: str) -> None:
    with conn.transaction():
        conn.execute("select pg_advisory_xact_lock(hashtext(%s))", (f"purchase_path.raw.{source}.{stream}",))
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
                    interval_end       timestamptz
                )
                """
            ).format(table=raw_table(source, stream))
        )


def merge_records(
    conn: psycopg.Connection, source: str, stream: Stream, records: Sequence[Record], batch: Batch
) -> int:
    """COPY ``records`` into the stream's raw table, merged on the natural key. Returns rows written."""
    if not records:
        return 0
    table = raw_table(source, stream.name)
    incoming = sql.Identifier(f"incoming__{source}__{stream.name}")
    columns = sql.SQL(", ").join(map(sql.Identifier, COLUMNS))
    conn.execute(
        sql.SQL("create temporary table if not exists {incoming} (like {table}) on commit delete rows").format(
            incoming=incoming, table=table
        )
    )
    with conn.cursor() as cursor:
        copy_sql = sql.SQL("copy {incoming} ({columns}) from stdin").format(incoming=incoming, columns=columns)
        with cursor.copy(copy_sql) as copy:
            for record in records:
                copy.write_row(
                    (
                        stream.primary_key(record),
                        orjson.dumps(record).decode(),
                        stream.cursor(record),
                        batch.extracted_at,
                        batch.batch_id,
                        batch.interval_start,
                        batch.interval_end,
                    )
                )
        cursor.execute(
            sql.SQL(
                """
                insert into {table} as current ({columns})
                select distinct on (natural_key) {columns}
                from {incoming}
                order by natural_key, source_updated_at desc nulls last
                on conflict (natural_key) do update set
                    payload = excluded.payload,
                    source_updated_at = excluded.source_updated_at,
                    extracted_at = excluded.extracted_at,
                    batch_id = excluded.batch_id,
                    interval_start = excluded.interval_start,
                    interval_end = excluded.interval_end
                where current.source_updated_at is null
                   or excluded.source_updated_at is null
                   or excluded.source_updated_at >= current.source_updated_at
                """
            ).format(table=table, columns=columns, incoming=incoming)
        )
        return cursor.rowcount
