"""The raw loader's merge beyond the basics (tests/test_loader.py): pages of every mix of new, newer, older and
repeated keys end as the merge rule says, large pages, text that COPY would trip on, NUL characters, and the
errors a caller can cause."""

from __future__ import annotations

import itertools
import logging
import random
from datetime import UTC, datetime, timedelta

import orjson
import pytest

from connectors.core.loader import Batch, UnloadableRecord, ensure_raw_table, merge_records, newest_per_key
from connectors.core.stream import Record, Stream

T0 = datetime(2026, 8, 1, tzinfo=UTC)
STREAM = Stream(
    name="things",
    primary_key=lambda r: r["id"],
    cursor=lambda r: datetime.fromisoformat(r["updatedAt"]) if r.get("updatedAt") else None,
)


def batch(n: int) -> Batch:
    return Batch(batch_id=f"test.{n}", extracted_at=T0, interval_start=None, interval_end=T0 + timedelta(days=1))


def record(id_: str, version: int | None, **extra) -> Record:
    updated = None if version is None else (T0 + timedelta(minutes=version)).isoformat()
    return {"id": id_, "version": version, "updatedAt": updated, **extra}


def stored(conn) -> dict[str, Record]:
    return dict(conn.execute("select natural_key, payload from raw.test__things").fetchall())


def load(conn, records, n: int = 1) -> int:
    with conn.transaction():
        return merge_records(conn, "test", STREAM, records, batch(n))


@pytest.fixture
def conn(warehouse, clean_raw):
    with warehouse.connect("loader", autocommit=True) as conn:
        ensure_raw_table(conn, "test", "things")
        yield conn


def page_newest(page: list[Record]) -> dict[str, Record]:
    """Within a page, per key: the copy with the latest cursor, one without counting as the oldest, the later
    of equals. Written once more as plainly as possible, to check the loader against."""
    newest: dict[str, Record] = {}
    for incoming in page:
        kept = newest.get(incoming["id"])
        rank = (incoming["version"] is not None, incoming["version"] or 0)
        if kept is None or rank >= (kept["version"] is not None, kept["version"] or 0):
            newest[incoming["id"]] = incoming
    return newest


def replaces(incoming: Record, current: Record | None) -> bool:
    """The table's merge rule: replace unless both have cursors and the incoming one is older."""
    if current is None or incoming["version"] is None or current["version"] is None:
        return True
    return incoming["version"] >= current["version"]


def test_random_pages_end_as_the_merge_rule_says(conn):
    """Pages mixing new keys, newer and older copies of stored keys, unchanged re-pulls of stored records, keys
    repeated within the page and records without a cursor: the table ends exactly as the rules say, and a row
    re-pulled unchanged keeps the batch that first wrote it."""
    rng = random.Random(11)
    expected: dict[str, Record] = {}
    written_by: dict[str, str] = {}
    for page_number in range(30):
        page = []
        for _ in range(rng.choice((1, 7, 60, 250))):
            key = f"k{rng.randrange(400)}"
            if key in expected and rng.random() < 0.3:
                page.append(dict(expected[key]))  # re-pulled as stored
                continue
            version = None if rng.random() < 0.05 else rng.randrange(50)
            page.append(record(key, version, page=page_number, nonce=rng.random()))
        written = load(conn, page, page_number)
        changed = 0
        for key, incoming in page_newest(page).items():
            if replaces(incoming, expected.get(key)) and incoming != expected.get(key):
                expected[key] = incoming
                written_by[key] = f"test.{page_number}"
                changed += 1
        assert stored(conn) == expected
        assert written == changed
    assert dict(conn.execute("select natural_key, batch_id from raw.test__things").fetchall()) == written_by
    assert conn.execute("select count(*) = count(distinct natural_key) from raw.test__things").fetchone()[0]


def test_pages_merged_in_one_commit_end_as_if_merged_one_by_one(conn):
    """A sync gathers small pages and merges them together (``page_ends``): the table must end exactly as the
    page-by-page merge says, including the cases where the rule is not transitive (a copy without a cursor
    replaces a stored row that a later, older copy then cannot)."""
    rng = random.Random(5)
    expected: dict[str, Record] = {}
    pages_merged = 0
    for batch_number in range(12):
        batch_pages = []
        for _ in range(rng.choice((1, 2, 5, 9))):
            page = []
            for _ in range(rng.choice((1, 4, 30, 120))):
                version = None if rng.random() < 0.1 else rng.randrange(20)
                page.append(record(f"k{rng.randrange(150)}", version, page=pages_merged, nonce=rng.random()))
            batch_pages.append(page)
            pages_merged += 1
            for key, incoming in page_newest(page).items():
                if replaces(incoming, expected.get(key)):
                    expected[key] = incoming
        records = [r for page in batch_pages for r in page]
        ends = list(itertools.accumulate(len(page) for page in batch_pages))
        with conn.transaction():
            merge_records(conn, "test", STREAM, records, batch(batch_number), page_ends=ends)
        assert stored(conn) == expected


def test_a_cursorless_copy_between_pages_decides_as_it_would_page_by_page(conn):
    """Stored 5, then a page with "a" without a cursor (it replaces 5), then a page with "a" at 3 (it replaces the
    cursorless copy): 3, as two separate commits would leave it; folding the pages first would keep 5."""
    load(conn, [record("a", 5)])
    with conn.transaction():
        merge_records(conn, "test", STREAM, [record("a", None), record("a", 3)], batch(2), page_ends=[1, 2])
    assert stored(conn)["a"]["version"] == 3
    # The same two copies in one page: the copy with a cursor is the newer one within a page.
    load(conn, [record("b", 5)])
    with conn.transaction():
        merge_records(conn, "test", STREAM, [record("b", None), record("b", 3)], batch(3))
    assert stored(conn)["b"]["version"] == 5


def test_page_ends_must_cover_the_records(conn):
    with pytest.raises(ValueError, match="page_ends must end at len"), conn.transaction():
        merge_records(conn, "test", STREAM, [record("a", 1), record("b", 1)], batch(1), page_ends=[1])


def test_rows_written_counts_new_and_replaced_not_older(conn):
    assert load(conn, [record("a", 5), record("b", 5)]) == 2
    assert load(conn, [record("a", 4), record("b", 6), record("c", 1)]) == 2  # "a" is older: kept as it was
    assert {key: r["version"] for key, r in stored(conn).items()} == {"a": 5, "b": 6, "c": 1}


def test_an_unchanged_re_pull_is_left_as_stored(conn):
    """Connectors re-pull a lookback window; what did not change keeps its row, extract time included, so dbt's
    incremental models (which read raw by extracted_at) do not read it again."""
    load(conn, [record("a", 1, text="same"), record("b", 1, text="before")], 1)
    later = Batch(batch_id="test.2", extracted_at=T0 + timedelta(days=1), interval_start=None, interval_end=T0)
    with conn.transaction():
        written = merge_records(
            conn, "test", STREAM, [record("a", 1, text="same"), record("b", 1, text="after")], later
        )
    assert written == 1
    rows = conn.execute("select natural_key, batch_id, extracted_at from raw.test__things order by 1").fetchall()
    assert rows == [("a", "test.1", T0), ("b", "test.2", T0 + timedelta(days=1))]
    assert stored(conn)["b"]["text"] == "after"


def test_a_re_pull_compares_the_payload_as_loaded(conn):
    """A record whose NUL characters were removed on its first load is unchanged when re-pulled with them."""
    load(conn, [record("a", 1, text="nul\x00here")], 1)
    assert load(conn, [record("a", 1, text="nul\x00here")], 2) == 0
    assert load(conn, [record("a", 1, text="nulhere")], 3) == 0  # what was stored: the same payload
    assert conn.execute("select batch_id from raw.test__things").fetchone()[0] == "test.1"


def test_a_raw_table_from_before_payload_hash_gets_the_column(conn):
    """Raw tables created by an earlier version have no payload_hash: ensure_raw_table adds it, and their rows
    (no hash) are written once more on their next re-pull, then left alone."""
    conn.execute("drop table raw.test__things")
    conn.execute(
        "create table raw.test__things (natural_key text primary key, payload jsonb not null,"
        " source_updated_at timestamptz, extracted_at timestamptz not null, batch_id text not null,"
        " interval_start timestamptz, interval_end timestamptz)"
    )
    conn.execute(
        "insert into raw.test__things (natural_key, payload, extracted_at, batch_id)"
        """ values ('a', '{"id": "a", "version": null, "updatedAt": null}', now(), 'old')"""
    )
    ensure_raw_table(conn, "test", "things")
    ensure_raw_table(conn, "test", "things")  # a second time finds the column
    assert load(conn, [record("a", None)], 1) == 1
    assert load(conn, [record("a", None)], 2) == 0
    assert conn.execute("select batch_id, payload_hash is not null from raw.test__things").fetchone() == (
        "test.1",
        True,
    )


def test_within_a_page_the_newest_copy_wins_and_ties_go_to_the_later_one():
    keys = ["a", "a", "a", "b", "c", "c", "d", "d", "e", "e"]
    micros = [5, 9, 7, None, 3, 3, 4, None, None, None]
    assert list(newest_per_key(keys, micros)) == [1, 3, 5, 6, 9]
    assert list(newest_per_key(["a", "b"], [1, 2])) == [0, 1]


def test_a_record_without_a_cursor_replaces_and_is_replaced(conn):
    load(conn, [record("a", 5)])
    load(conn, [record("a", None, note="no cursor")])
    assert stored(conn)["a"]["note"] == "no cursor"
    load(conn, [record("a", 1)])
    assert stored(conn)["a"]["version"] == 1


def test_a_large_page_mixing_new_and_stored_keys(conn):
    load(conn, [record(f"k{i}", 1) for i in range(0, 30_000, 2)])
    page = [record(f"k{i}", 2) for i in range(30_000)]
    assert load(conn, page, 2) == 30_000
    rows = conn.execute(
        "select count(*), count(distinct natural_key), min((payload->>'version')::int), "
        "count(*) filter (where batch_id = 'test.2') from raw.test__things"
    ).fetchone()
    assert rows == (30_000, 30_000, 2, 30_000)


def test_text_that_copy_formats_trip_on_loads_exactly(conn):
    tricky = [
        record("tab\there", 1, text="line\nbreak\ttab\r\\back\\slash \\N \\.", quote='"q"'),
        record("back\\slash", 1, text="\\u0041 stays six characters"),
        record("ключ-🔑", 1, text="Zoë, Ødegaard, 東京, עברית, e\u0301, 𝔘𝔫𝔦𝔠𝔬𝔡𝔢, \u2028"),
        record("big", 1, count=2**70, ratio=0.1, nested={"list": [1, None, True, {"deep": ["x"]}]}),
        record("\\N", 1, text="a key that reads as COPY's null marker"),
    ]
    load(conn, tricky)
    assert stored(conn) == {r["id"]: r for r in tricky}
    again = [{**r, "version": 2, "updatedAt": (T0 + timedelta(minutes=2)).isoformat()} for r in tricky]
    load(conn, again, 2)  # every key found again and replaced
    assert stored(conn) == {r["id"]: r for r in again}


def test_nul_characters_are_removed_and_reported(conn, caplog):
    with caplog.at_level(logging.WARNING, logger="connectors.core.loader"):
        load(conn, [record("a", 1, text="nul\x00here", **{"key\x00": ["x\x00"]}), record("b", 1, text="\\u0000")])
    rows = stored(conn)
    assert rows["a"]["text"] == "nulhere"
    assert rows["a"]["key"] == ["x"]
    assert rows["b"]["text"] == "\\u0000"  # the six characters, not a NUL: kept as they are
    assert "1 record(s) held NUL characters" in caplog.text
    assert "Keys: a" in caplog.text


def test_a_key_postgresql_cannot_hold_is_a_clear_error_and_loads_nothing(conn):
    with pytest.raises(UnloadableRecord, match=r"test\.things: a record's key holds a NUL"):
        load(conn, [record("fine", 1), record("bad\x00key", 1)])
    with pytest.raises(UnloadableRecord, match=r"test\.things: a record's key is not valid Unicode"):
        load(conn, [record("fine", 1), record("bad\ud800key", 1)])
    assert stored(conn) == {}


def test_a_record_that_is_not_json_is_a_clear_error(conn):
    with pytest.raises(UnloadableRecord, match=r"test\.things: record 'odd' cannot be stored as JSON"):
        load(conn, [record("odd", 1, value=object())])
    with pytest.raises(UnloadableRecord, match="record 'surrogate'"):
        load(conn, [record("surrogate", 1, value="\ud800")])
    assert stored(conn) == {}


def test_a_naive_cursor_is_taken_as_utc(conn):
    naive = Stream(name="things", primary_key=lambda r: r["id"], cursor=lambda r: datetime(2026, 8, 1, 12))
    with conn.transaction():
        merge_records(conn, "test", naive, [{"id": "a"}], batch(1))
    assert conn.execute("select source_updated_at from raw.test__things").fetchone()[0] == datetime(
        2026, 8, 1, 12, tzinfo=UTC
    )


def test_airflows_pendulum_datetimes_load_as_timestamps(conn):
    """Airflow hands data intervals over as pendulum DateTimes."""
    import pendulum

    start = pendulum.datetime(2026, 8, 1, 2, 30, tz="Europe/Berlin")
    interval = Batch(batch_id="test.p", extracted_at=pendulum.now("UTC"), interval_start=start, interval_end=start)
    with conn.transaction():
        merge_records(conn, "test", STREAM, [record("a", 1)], interval)
    assert conn.execute("select interval_start from raw.test__things").fetchone()[0] == datetime(
        2026, 8, 1, 0, 30, tzinfo=UTC
    )


def test_batch_columns_are_stored_with_every_row(conn):
    load(conn, [record("a", 1)], 7)
    row = conn.execute(
        "select source_updated_at, extracted_at, batch_id, interval_start, interval_end from raw.test__things"
    ).fetchone()
    assert row == (T0 + timedelta(minutes=1), T0, "test.7", None, T0 + timedelta(days=1))


def test_outside_a_transaction_is_refused(conn):
    with pytest.raises(RuntimeError, match="inside a transaction"):
        merge_records(conn, "test", STREAM, [record("a", 1)], batch(1))


def test_payload_is_the_record_as_json(conn):
    payload = record("a", 1, properties={"email": "ANA@example.com ", "firstname": None})
    load(conn, [payload])
    loaded = conn.execute("select payload::text from raw.test__things").fetchone()[0]
    assert orjson.loads(loaded) == payload
