"""The one sync loop: for each stream, plan the window from its bookmark, fetch pages, commit them with the
bookmark that covers them in one transaction, and audit the batch.

Idempotence comes from three rules: pages merge on the natural key (loader.py), the bookmark only moves forward
and commits with the rows it covers (state.py), and a window starts at the older of the bookmark and the run's
own interval, less the stream's lookback. So a re-run, a run for an old date or a run after a kill all converge
on the same raw tables.

Pages are gathered and committed together (:class:`CommitPolicy`): when the pages gathered hold
``CommitPolicy.records`` records, or when ``CommitPolicy.seconds`` have passed since the last commit as a page
arrives, and at the end of the stream. A commit costs a transaction, a lookup of stored keys and a COPY per raw
table; paid per 200-record page (HubSpot, Matomo) that was a third of the loader's time (docs/benchmarks.md). A
slow API (a page every 0.2 s or slower) still commits every page as it arrives, so a kill loses at most the pages
fetched in the last 0.2 s plus the one being fetched: they were not committed, nor was the bookmark past them, so
the next run fetches them again. If the source fails, the pages fetched before the failure are committed first.

Each page's records are checked against their stream's declared fields as the page arrives (schema.py): unknown
fields are reported, records missing a required field go to ``ops.quarantine`` in the transaction that commits
the page, and the batch goes on; the count is in the result and in ``ops.load_audit.quarantined``.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime

import psycopg

from connectors.core import schema, state
from connectors.core.loader import Batch, ensure_raw_table, merge_records, read_keys
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


@dataclass(frozen=True)
class CommitPolicy:
    """When the pages a sync has gathered are committed: once they hold ``records`` records (the stream's and its
    children's), or when a page arrives ``seconds`` or more after the last commit (or the start), and at the end.

    A commit's fixed cost is 1.5-3.5 ms (a transaction, the stored-key lookup, a COPY, the bookmark and audit rows:
    the loader's rate with pages of 1,000 against pages of 10,000, docs/benchmarks.md). 2,000 records make it
    about a tenth of the load, a tenth of what 200-record pages paid, while a kill or a failure loses little work
    and a sync still commits several times a second. 0.2 s: a page that took that long to fetch is committed as it
    arrives, as before; a slow API gains nothing from waiting.
    """

    records: int = 2_000
    seconds: float = 0.2


class _Gathered:
    """Pages fetched and checked, waiting to be committed together: per raw table, the accepted records and
    where each page ends, the rejected records, the unknown fields."""

    def __init__(self, stream: Stream) -> None:
        self.stream = stream
        self.table_streams = (stream, *stream.children)
        self.clear()

    def clear(self) -> None:
        self.pages = self.records = 0
        self.accepted: dict[str, list[Record]] = {s.name: [] for s in self.table_streams}
        self.page_ends: dict[str, list[int]] = {s.name: [] for s in self.table_streams}
        self.rejected: dict[str, list[schema.Rejected]] = {s.name: [] for s in self.table_streams}
        self.unknown: dict[str, dict] = {s.name: {} for s in self.table_streams}

    def add(self, page: Page) -> None:
        for table_stream in self.table_streams:
            name = table_stream.name
            records = page.records if table_stream is self.stream else page.children.get(name, ())
            checked = schema.check(table_stream, records)
            accepted = self.accepted[name]
            accepted += checked.accepted
            if checked.accepted:
                self.page_ends[name].append(len(accepted))
            self.rejected[name] += checked.rejected
            for path, value in checked.unknown.items():
                self.unknown[name].setdefault(path, value)
            self.records += len(checked.accepted) + len(checked.rejected)
        self.pages += 1


def plan_window(
    bookmark: datetime | None, interval_start: datetime | None, interval_end: datetime, stream: Stream
) -> Window:
    """The window a run asks for. No bookmark: the whole history up to the interval's end."""
    if bookmark is None:
        return Window(start=None, end=interval_end)
    start = min(bookmark, interval_start) if interval_start else bookmark
    return Window(start=start - stream.lookback, end=interval_end)


def sync_source(
    source: Source,
    warehouse: Warehouse,
    interval_start: datetime | None,
    interval_end: datetime,
    policy: CommitPolicy | None = None,
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
                results.append(sync_stream(conn, source, stream, interval_start, interval_end, policy))
        return results


def sync_stream(
    conn: psycopg.Connection,
    source: Source,
    stream: Stream,
    interval_start: datetime | None,
    interval_end: datetime,
    policy: CommitPolicy | None = None,
) -> StreamResult:
    policy = policy or CommitPolicy()
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
    loading = _StreamLoad(conn, source.name, stream, batch)
    try:
        last_commit = time.monotonic()
        for page in _pages_committing_on_failure(source, stream, window, loading):
            loading.gathered.add(page)
            log.debug(
                "%s.%s: page %d fetched (%d records), %d gathered pages wait for the next commit",
                source.name,
                stream.name,
                loading.pages + loading.gathered.pages,
                len(page.records),
                loading.gathered.pages,
            )
            if loading.gathered.records >= policy.records or time.monotonic() - last_commit >= policy.seconds:
                loading.commit()
                last_commit = time.monotonic()
        loading.commit()
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
        "%s.%s: done, %d records in %d pages (%d commits)%s",
        source.name,
        stream.name,
        loading.records,
        loading.pages,
        loading.commits,
        f", {loading.quarantined} quarantined (see ops.quarantine, batch {batch.batch_id})"
        if loading.quarantined
        else "",
    )
    return StreamResult(
        source=source.name,
        stream=stream.name,
        window_start=window.start.isoformat() if window.start else None,
        window_end=window.end.isoformat(),
        pages=loading.pages,
        records=loading.records,
        batch_id=batch.batch_id,
        quarantined=loading.quarantined,
        new_fields=tuple(loading.drift.reported),
    )


def _pages_committing_on_failure(
    source: Source, stream: Stream, window: Window, loading: _StreamLoad
) -> Iterator[Page]:
    """The source's pages; if the source fails, the pages gathered so far are committed before the error goes on
    (what was fetched before a lasting API failure is kept, as when every page committed on its own)."""
    pages = iter(source.pages(stream, window))
    while True:
        try:
            page = next(pages)
        except StopIteration:
            return
        except Exception:
            loading.commit()
            raise
        yield page


class _StreamLoad:
    """One batch's gathered pages and what its commits have counted: pages, records (each key once), quarantined."""

    def __init__(self, conn: psycopg.Connection, source: str, stream: Stream, batch: Batch) -> None:
        self.conn, self.source, self.stream, self.batch = conn, source, stream, batch
        self.gathered = _Gathered(stream)
        self.drift = schema.DriftLog(source, batch.batch_id)
        self.loaded_keys: set[str] = set()  # so that a page served twice, or overlapping pages, count each once
        self.pages = self.quarantined = self.commits = 0

    @property
    def records(self) -> int:
        return len(self.loaded_keys)

    def commit(self) -> None:
        """Merge the gathered pages, quarantine, report drift, move the bookmark and the audit: one transaction."""
        gathered = self.gathered
        if not gathered.pages:
            return
        with self.conn.transaction():
            quarantined = 0
            keyed = read_keys(self.source, self.stream, gathered.accepted[self.stream.name])
            for table_stream in gathered.table_streams:
                name = table_stream.name
                merge_records(
                    self.conn,
                    self.source,
                    table_stream,
                    gathered.accepted[name],
                    self.batch,
                    gathered.page_ends[name],
                    keyed if table_stream is self.stream else None,
                )
                quarantined += schema.quarantine(
                    self.conn, self.source, name, self.batch.batch_id, gathered.rejected[name]
                )
                self.drift.report(self.conn, name, gathered.unknown[name])
            newest = keyed.newest()
            if newest is not None:
                # Pages come oldest first, so everything up to the newest cursor committed here is now loaded.
                state.advance_bookmark(self.conn, self.source, self.stream.name, newest)
            new_keys = set(keyed.keys) - self.loaded_keys
            records = len(self.loaded_keys) + len(new_keys)
            _audit_progress(
                self.conn, self.batch.batch_id, self.pages + gathered.pages, records, self.quarantined + quarantined
            )
        first = self.pages + 1
        self.loaded_keys |= new_keys
        self.pages += gathered.pages
        self.quarantined += quarantined
        self.commits += 1
        gathered.clear()
        log.info(
            "%s.%s: %s committed, %d records so far%s",
            self.source,
            self.stream.name,
            f"page {first}" if first == self.pages else f"pages {first}-{self.pages}",
            self.records,
            f" ({self.quarantined} quarantined)" if self.quarantined else "",
        )


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
