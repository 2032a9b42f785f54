"""The raw loader and the sync state: a re-load never duplicates, an older copy never wins, bookmarks only
move forward and commit with their rows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from connectors.core import state
from connectors.core.loader import Batch, ensure_raw_table, merge_records
from connectors.core.stream import Stream
from connectors.core.sync import plan_window

T0 = datetime(2026, 8, 1, tzinfo=UTC)
STREAM = Stream(
    name="things",
    primary_key=lambda r: r["id"],
    cursor=lambda r: datetime.fromisoformat(r["updatedAt"]),
    lookback=timedelta(days=2),
)


def batch(n: int) -> Batch:
    return Batch(batch_id=f"test.{n}", extracted_at=T0, interval_start=T0, interval_end=T0 + timedelta(days=1))


def record(id_: str, version: int) -> dict:
    return {"id": id_, "version": version, "updatedAt": (T0 + timedelta(hours=version)).isoformat()}


def rows(conn) -> dict[str, int]:
    return dict(conn.execute("select natural_key, (payload->>'version')::int from raw.test__things").fetchall())


def test_reload_replaces_and_never_duplicates(warehouse, clean_raw):
    with warehouse.connect("loader", autocommit=True) as conn:
        ensure_raw_table(conn, "test", "things")
        with conn.transaction():
            merge_records(conn, "test", STREAM, [record("a", 1), record("b", 1)], batch(1))
        with conn.transaction():
            # The same page again, a newer "a", and "b" twice within one page.
            merge_records(conn, "test", STREAM, [record("a", 2), record("b", 1), record("b", 3)], batch(2))
        assert rows(conn) == {"a": 2, "b": 3}


def test_an_older_copy_never_overwrites_a_newer_one(warehouse, clean_raw):
    with warehouse.connect("loader", autocommit=True) as conn:
        ensure_raw_table(conn, "test", "things")
        with conn.transaction():
            merge_records(conn, "test", STREAM, [record("a", 5)], batch(1))
        with conn.transaction():
            merge_records(conn, "test", STREAM, [record("a", 4)], batch(2))
        assert rows(conn) == {"a": 5}


def test_rows_and_bookmark_roll_back_together(warehouse, clean_raw):
    with warehouse.connect("loader", autocommit=True) as conn:
        state.ensure_ops_tables(conn)
        ensure_raw_table(conn, "test", "things")
        try:
            with conn.transaction():
                merge_records(conn, "test", STREAM, [record("a", 1)], batch(1))
                state.advance_bookmark(conn, "test", "things", T0)
                raise RuntimeError("killed mid-page")
        except RuntimeError:
            pass
        assert rows(conn) == {}
        assert state.get_bookmark(conn, "test", "things") is None


def test_bookmark_only_moves_forward(warehouse, clean_raw):
    with warehouse.connect("loader", autocommit=True) as conn:
        state.ensure_ops_tables(conn)
        state.advance_bookmark(conn, "test", "things", T0 + timedelta(days=5))
        state.advance_bookmark(conn, "test", "things", T0)
        assert state.get_bookmark(conn, "test", "things") == T0 + timedelta(days=5)


def test_window_plan():
    day = timedelta(days=1)
    # First run: the whole history up to the interval's end.
    assert plan_window(None, T0, T0 + day, STREAM).start is None
    # Daily run: from the bookmark, less the lookback.
    assert plan_window(T0, T0, T0 + day, STREAM).start == T0 - 2 * day
    # Re-running an old date: from that date's own interval, so nothing of it is skipped.
    assert plan_window(T0 + 10 * day, T0, T0 + day, STREAM).start == T0 - 2 * day
    # After missed runs: from the bookmark, so the gap is covered.
    assert plan_window(T0 - 5 * day, T0, T0 + day, STREAM).start == T0 - 7 * day
