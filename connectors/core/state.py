"""Incremental state and the load audit, kept in the warehouse's ``ops`` schema.

A stream's bookmark is written in the same transaction as the rows it covers (see sync.py), so a crash leaves
either the old bookmark with the old rows or the new bookmark with the new rows: never a gap, never a double.
"""

from __future__ import annotations

from datetime import datetime

import psycopg

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
