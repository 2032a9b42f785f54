"""Incremental state, the load audit, schema drift and quarantine, kept in the warehouse's ``ops`` schema.

A stream's bookmark is written in the same transaction as the rows it covers (see sync.py), so a crash leaves
either the old bookmark with the old rows or the new bookmark with the new rows: never a gap, never a double.
One sync of a stream runs at a time (a session advisory lock, released by PostgreSQL when a killed process's
connection goes); the next sync marks batches a killed run left ``running`` as ``abandoned``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import datetime

import psycopg

log = logging.getLogger(__name__)

OPS_DDL = """
create table if not exists ops.sync_state (
    source      text        not null,
    stream      text        not null,
    bookmark    timestamptz not null,
    updated_at  timestamptz not null default now(),
    primary key (source, stream)
);
create table if not exists ops.load_audit (
    batch_id        text        primary key,
    source          text        not null,
    stream          text        not null,
    interval_start  timestamptz,
    interval_end    timestamptz not null,
    window_start    timestamptz,
    window_end      timestamptz not null,
    started_at      timestamptz not null,
    finished_at     timestamptz,
    pages           integer     not null default 0,
    records         bigint      not null default 0,
    status          text        not null default 'running'
);
alter table ops.load_audit add column if not exists quarantined bigint not null default 0;
create table if not exists ops.schema_drift (
    source            text        not null,
    stream            text        not null,
    field             text        not null,
    first_seen_batch  text        not null,
    first_seen_at     timestamptz not null default now(),
    last_seen_batch   text        not null,
    last_seen_at      timestamptz not null default now(),
    example           text,
    primary key (source, stream, field)
);
create table if not exists ops.quarantine (
    quarantine_id   bigint      generated always as identity primary key,
    source          text        not null,
    stream          text        not null,
    batch_id        text        not null,
    reason          text        not null,
    payload         jsonb       not null,
    quarantined_at  timestamptz not null default now()
);
create unique index if not exists quarantine_once_per_batch on ops.quarantine (batch_id, stream, md5(payload::text));
"""


def ensure_ops_tables(conn: psycopg.Connection) -> None:
    with conn.transaction():
        conn.execute("select pg_advisory_xact_lock(hashtext('purchase_path.ops_ddl'))")
        conn.execute(OPS_DDL)


def get_bookmark(conn: psycopg.Connection, source: str, stream: str) -> datetime | None:
    row = conn.execute(
        "select bookmark from ops.sync_state where source = %s and stream = %s", (source, stream)
    ).fetchone()
    return row[0] if row else None


def advance_bookmark(conn: psycopg.Connection, source: str, stream: str, bookmark: datetime) -> None:
    """Move the bookmark forward to ``bookmark``; never backwards (re-running an old date keeps the newest)."""
    conn.execute(
        """
        insert into ops.sync_state (source, stream, bookmark) values (%s, %s, %s)
        on conflict (source, stream) do update
            set bookmark = greatest(ops.sync_state.bookmark, excluded.bookmark), updated_at = now()
        """,
        (source, stream, bookmark),
    )


@contextmanager
def exclusive_stream(conn: psycopg.Connection, source: str, stream: str) -> Iterator[None]:
    """Hold the stream for one sync; a second sync of the same stream waits until the first ends (or dies)."""
    key = f"purchase_path.sync.{source}.{stream}"
    if not conn.execute("select pg_try_advisory_lock(hashtext(%s))", (key,)).fetchone()[0]:
        log.info("%s.%s: another sync of this stream is running; waiting for it to end", source, stream)
        conn.execute("select pg_advisory_lock(hashtext(%s))", (key,))
    try:
        abandoned = conn.execute(
            """
            update ops.load_audit set status = 'abandoned'
            where source = %s and stream = %s and status = 'running'
            """,
            (source, stream),
        ).rowcount
        if abandoned:
            log.info("%s.%s: %d earlier batch(es) had stopped half-way; marked abandoned", source, stream, abandoned)
        yield
    finally:
        with suppress(psycopg.Error):  # if the connection is gone, the lock went with it
            conn.execute("select pg_advisory_unlock(hashtext(%s))", (key,))
