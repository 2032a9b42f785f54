"""The sync commits small pages together (connectors/core/sync.py, ``CommitPolicy``): fast pages share a
transaction, slow pages still commit one by one, and a crash between commits leaves the old state or the new one,
never a gap or a double. The source here is an in-memory one (the ``Source`` protocol), so that the test decides
how fast pages come and where the sync dies; the warehouse is the real one.

How many transactions wrote the rows is read from PostgreSQL itself: rows written by one transaction share its id
(``xmin``).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from connectors.core import state
from connectors.core.stream import Page, Record, Stream, Window
from connectors.core.sync import CommitPolicy, sync_source

T0 = datetime(2026, 8, 1, tzinfo=UTC)
END = T0 + timedelta(days=30)
CHILD = Stream(name="parts", primary_key=lambda r: r["id"], cursor=lambda r: None, required_fields=("id",))
THINGS = Stream(
    name="things",
    primary_key=lambda r: r["id"],
    cursor=lambda r: datetime.fromisoformat(r["updatedAt"]),
    required_fields=("id", "updatedAt"),
    children=(CHILD,),
)


def thing(n: int) -> Record:
    return {"id": f"t{n:05d}", "updatedAt": (T0 + timedelta(minutes=n)).isoformat()}


class Died(BaseException):
    """Stands for the process dying (a kill): not an error the sync could handle."""


class MemorySource:
    """``pages`` pages of ``size`` things, oldest first, each with one child record; ``delay`` seconds before each
    page; ``fail_at``: the page before which the source raises ``failure``. Pages start after the window's start,
    as an incremental API's would."""

    name = "memo"
    streams = (THINGS,)

    def __init__(self, pages: int, size: int, delay: float = 0.0, fail_at: int | None = None, failure=None):
        self.pages_count, self.size, self.delay = pages, size, delay
        self.fail_at, self.failure = fail_at, failure
        self.windows: list[Window] = []

    def pages(self, stream: Stream, window: Window) -> Iterator[Page]:
        self.windows.append(window)
        for number in range(self.pages_count):
            if number == self.fail_at:
                raise self.failure
            time.sleep(self.delay)
            records = [thing(number * self.size + i) for i in range(self.size)]
            if window.start is not None:
                records = [r for r in records if datetime.fromisoformat(r["updatedAt"]) >= window.start]
            if records:
                yield Page(records, {"parts": [{"id": f"p-{r['id']}"} for r in records]})

    def close(self) -> None:
        pass


def transactions(conn, table: str) -> int:
    return conn.execute(f"select count(distinct xmin::text) from raw.memo__{table}").fetchone()[0]


def count(conn, table: str) -> tuple[int, int]:
    return conn.execute(f"select count(*), count(distinct natural_key) from raw.memo__{table}").fetchone()


def audit(conn) -> list[tuple[str, int, int]]:
    return conn.execute("select status, pages, records from ops.load_audit order by started_at").fetchall()


@pytest.fixture
def conn(warehouse, clean_raw):
    with warehouse.connect("loader", autocommit=True) as conn:
        yield conn


def test_fast_small_pages_share_a_commit(warehouse, conn):
    policy = CommitPolicy(seconds=60)  # the default size, and no commit for age however busy the machine
    [result] = sync_source(MemorySource(pages=60, size=200), warehouse, T0, END, policy)
    assert (result.pages, result.records) == (60, 12_000)
    assert count(conn, "things") == (12_000, 12_000) and count(conn, "parts") == (12_000, 12_000)
    # 2,000 records (200 things and 200 parts a page) per commit: 5 pages each, instead of one.
    assert transactions(conn, "things") == transactions(conn, "parts") == 12
    assert audit(conn) == [("succeeded", 60, 12_000)]


def test_slow_pages_commit_one_by_one(warehouse, conn):
    [result] = sync_source(MemorySource(pages=4, size=10, delay=0.06), warehouse, T0, END, CommitPolicy(seconds=0.05))
    assert result.pages == 4
    assert transactions(conn, "things") == 4


def test_a_batch_that_reaches_its_size_commits_even_when_pages_come_fast(warehouse, conn):
    sync_source(MemorySource(pages=10, size=30), warehouse, T0, END, CommitPolicy(records=120, seconds=60))
    assert transactions(conn, "things") == 5  # 2 pages (60 things + 60 parts) per commit


def test_a_crash_between_commits_leaves_the_last_commit_and_the_next_run_completes(warehouse, conn):
    policy = CommitPolicy(records=2_000, seconds=60)  # a commit every 5 pages of 200 things and 200 parts
    with pytest.raises(Died):
        sync_source(MemorySource(pages=20, size=200, fail_at=13, failure=Died()), warehouse, T0, END, policy)
    # Pages 1-10 committed with the bookmark at their newest thing; 11-13 were fetched and are gone with the process.
    assert count(conn, "things") == (2_000, 2_000) and count(conn, "parts") == (2_000, 2_000)
    assert state.get_bookmark(conn, "memo", "things") == T0 + timedelta(minutes=1_999)
    assert audit(conn) == [("failed", 10, 2_000)]
    again = MemorySource(pages=20, size=200)
    [result] = sync_source(again, warehouse, T0, END, policy)
    assert again.windows[0].start == T0  # resumed from the interval's start (older than the bookmark) ...
    assert count(conn, "things") == (4_000, 4_000) and count(conn, "parts") == (4_000, 4_000)  # ... no gap, no double
    assert result.records == 4_000


def test_a_failing_source_keeps_what_was_fetched_before_the_failure(warehouse, conn):
    policy = CommitPolicy(records=100_000, seconds=60)  # nothing would commit before the end
    with pytest.raises(RuntimeError, match="the API broke"):
        sync_source(MemorySource(20, 100, fail_at=7, failure=RuntimeError("the API broke")), warehouse, T0, END, policy)
    assert count(conn, "things") == (700, 700)
    assert state.get_bookmark(conn, "memo", "things") == T0 + timedelta(minutes=699)
    assert audit(conn) == [("failed", 7, 700)]


def test_quarantine_and_repeated_pages_count_once_per_batch(warehouse, conn):
    class Repeating(MemorySource):
        def pages(self, stream: Stream, window: Window) -> Iterator[Page]:
            for page in super().pages(stream, window):
                yield page
                yield page  # served twice, as the sandbox's repeat-page fault does
            yield Page([{"id": "broken"}, {"id": "broken"}])  # no updatedAt: quarantined, once per batch

    [result] = sync_source(Repeating(pages=3, size=50), warehouse, T0, END, CommitPolicy(seconds=60))
    assert (result.pages, result.records, result.quarantined) == (7, 150, 1)
    assert count(conn, "things") == (150, 150)
    assert transactions(conn, "things") == 1
    quarantined = conn.execute("select count(*) from ops.quarantine where stream = 'things'").fetchone()[0]
    assert quarantined == 1
