"""The one sync loop: for each stream, plan the window from its bookmark, fetch pages, load each page and move
the bookmark in one transaction, and audit the batch.

Idempotence comes from three rules: pages merge on the natural key (loader.py), the bookmark only moves forward
and commits with the rows it covers (state.py), and a window starts at the older of the bookmark and the run's
own interval, less the stream's lookback. So a re-run, a run for an old date or a run after a kill all converge
on the same raw tables.

Each page's records are checked against their stream's declared fields first (schema.py): unknown fields are
reported, records missing a required field go to ``ops.quarantine`` in the page's own transaction, and the batch
goes on; the count is in the result and in ``ops.load_audit.quarantined``.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime

import psycopg

from connectors.core import schema, state
from connectors.core.loader import Batch, ensure_raw_table, merge_records
from connectors.core.stream import Page, ReadsWarehouse, Record, Source, Stream, Window
from purchase_path.warehouse import LOADER, Warehouse

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class StreamResult:
    source: str
    stream: str
    window_start: str | None
    window_end: str
    pages: int
    records: int
    batch_id: str
    quarantined: int = 0
    new_fields: tuple[str, ...] = field(default_factory=tuple)  # "stream.field" of unknown fields seen

    def as_dict(self) -> dict:
        return asdict(self)


def plan_window(
    bookmark: datetime | None, interval_start: datetime | None, interval_end: datetime, stream: Stream
) -> Window:
    """The window a run asks for. No bookmark: the whole history up to the interval's end."""
    if bookmark is None:
        return Window(start=None, end=interval_end)
    start = min(bookmark, interval_start) if interval_start else bookmark
    return Window(start=start - stream.lookback, end=interval_end)


def sync_source(
    source: Source, warehouse: Warehouse, interval_start: datetime | None, interval_end: datetime
) -> list[StreamResult]:
    """Extract every stream of ``source`` for the data interval and load it into raw. Returns what was loaded."""
    if isinstance(source, ReadsWarehouse):
        source.use_warehouse(warehouse)
    with warehouse.connect(LOADER, autocommit=True) as conn:
        state.ensure_ops_tables(conn)
        for stream in source.streams:
            for table_stream in (stream, *stream.children):
                ensure_raw_table(conn, source.name, table_stream.name)
        results = []
        for stream in source.streams:
            with state.exclusive_stream(conn, source.name, stream.name):
                results.append(sync_stream(conn, source, stream, interval_start, interval_end))
        return results


def sync_stream(
    conn: psycopg.Connection,
    source: Source,
    stream: Stream,
    interval_start: datetime | None,
    interval_end: datetime,
) -> StreamResult:
    bookmark = state.get_bookmark(conn, source.name, stream.name)
    window = plan_window(bookmark, interval_start, interval_end, stream)
    batch = Batch(
        batch_id=f"{source.name}.{stream.name}.{uuid.uuid4().hex[:12]}",
        extracted_at=datetime.now(UTC),
        interval_start=interval_start,
        interval_end=interval_end,
    )
    log.info(
        "%s.%s: extracting %s to %s (bookmark %s)",
        source.name,
        stream.name,
        window.start.isoformat() if window.start else "the beginning",
        window.end.isoformat(),
        bookmark.isoformat() if bookmark else "none",
    )
    _audit_start(conn, source.name, stream.name, batch, window)
    drift = schema.DriftLog(source.name, batch.batch_id)
    loaded_keys: set[str] = set()  # so that a page served twice, or overlapping pages, count each record once
    pages = records = quarantined = 0
    try:
        for page in source.pages(stream, window):
            with conn.transaction():
                accepted, rejected = _load_page(conn, source.name, stream, page, batch, drift)
                loaded_keys.update(map(stream.primary_key, accepted))
                records, quarantined, pages = len(loaded_keys), quarantined + rejected, pages + 1
                _audit_progress(conn, batch.batch_id, pages, records, quarantined)
            log.info(
                "%s.%s: page %d loaded, %d records so far%s",
                source.name,
                stream.name,
                pages,
                records,
                f" ({quarantined} quarantined)" if quarantined else "",
            )
    except BaseException:
        conn.execute(
            "update ops.load_audit set status = 'failed', finished_at = now() where batch_id = %s",
            (batch.batch_id,),
        )
        raise
    with conn.transaction():
        state.advance_bookmark(conn, source.name, stream.name, window.end)
        conn.execute(
            "update ops.load_audit set status = 'succeeded', finished_at = now() where batch_id = %s",
            (batch.batch_id,),
        )
    log.info(
        "%s.%s: done, %d records in %d pages%s",
        source.name,
        stream.name,
        records,
        pages,
        f", {quarantined} quarantined (see ops.quarantine, batch {batch.batch_id})" if quarantined else "",
    )
    return StreamResult(
        source=source.name,
        stream=stream.name,
        window_start=window.start.isoformat() if window.start else None,
        window_end=window.end.isoformat(),
        pages=pages,
        records=records,
        batch_id=batch.batch_id,
        quarantined=quarantined,
        new_fields=tuple(drift.reported),
    )


def _load_page(
    conn: psycopg.Connection, source: str, stream: Stream, page: Page, batch: Batch, drift: schema.DriftLog
) -> tuple[list[Record], int]:
    """Check, quarantine and merge one page and its children's records, and move the bookmark over them.
    Returns (the stream's records loaded, how many records of the stream and its children were quarantined)."""
    loaded: list[Record] = []
    quarantined = 0
    for table_stream in (stream, *stream.children):
        records = page.records if table_stream is stream else page.children.get(table_stream.name, ())
        checked = schema.check(table_stream, records)
        merge_records(conn, source, table_stream, checked.accepted, batch)
        quarantined += schema.quarantine(conn, source, table_stream.name, batch.batch_id, checked.rejected)
        drift.report(conn, table_stream.name, checked.unknown)
        if table_stream is stream:
            loaded = checked.accepted
            cursors = [c for c in map(stream.cursor, checked.accepted) if c is not None]
            if cursors:
                # Pages come oldest first, so everything up to this page's newest cursor is now loaded.
                state.advance_bookmark(conn, source, stream.name, max(cursors))
    return loaded, quarantined


def _audit_start(conn: psycopg.Connection, source: str, stream: str, batch: Batch, window: Window) -> None:
    conn.execute(
        """
        insert into ops.load_audit
            (batch_id, source, stream, interval_start, interval_end, window_start, window_end, started_at)
        values (%s, %s, %s, %s, %s, %s, %s, %s)
        """,
        (
            batch.batch_id,
            source,
            stream,
            batch.interval_start,
            batch.interval_end,
            window.start,
            window.end,
            batch.extracted_at,
        ),
    )


def _audit_progress(conn: psycopg.Connection, batch_id: str, pages: int, records: int, quarantined: int) -> None:
    conn.execute(
        "update ops.load_audit set pages = %s, records = %s, quarantined = %s where batch_id = %s",
        (pages, records, quarantined, batch_id),
    )
