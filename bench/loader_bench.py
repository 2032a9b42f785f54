"""The raw loader against a plain server-side COPY of the same rows into the same table shape, in the same run.

The peer is the fastest way PostgreSQL ingests these rows: one ``COPY raw.bench__peer (columns) FROM STDIN`` of
rows already serialised (text or binary format, outside the timing) into an empty table with the raw table's shape
and primary key. The loader starts from Python dicts, as a connector hands them over, and runs as a sync drives it
(``sync_stream`` over an in-memory source serving pages of the given size): the schema check, the pages gathered
and committed by ``CommitPolicy`` (size or age), each commit with its bookmark and audit row, and in each commit
everything ``merge_records`` does (keys and cursors, the stored-key lookup, JSON serialisation, binary COPY). Beside
it, the loader as it was before the sync gathered pages: ``merge_records`` and a commit per page.

Where the time goes, per record shape (``ceilings``): the client's own work alone (keys, cursors and the binary COPY
data, no server), the server's alone (plain binary COPY into the raw table, into the same table without its
indexes, into an unlogged one without them, and PostgreSQL's jsonb input function with nothing else to do), and
the one way to use both cores for one atomic batch (two sessions COPY halves into an unlogged side table, then one
transaction moves the rows into the raw table).

Each trial recreates the tables, settles the server (checkpoint) before each timing and rotates the order of the
steps; the report gives medians.

    python -m bench.loader_bench [--records 100000] [--trials 5] [--shapes portal,sandbox,activity] [--json FILE]
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
import json
import struct
import sys
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson
import psycopg

from bench.harness import SOURCE, bench_warehouse, machine, median, settle, timed
from bench.records import STREAMS, contacts
from connectors.core import loader, state
from connectors.core.loader import COLUMNS, Batch, ensure_raw_table, merge_records, payload_hash
from connectors.core.stream import Page, Record, Stream, Window
from connectors.core.sync import sync_stream
from purchase_path.warehouse import LOADER, Warehouse

PAGE_SIZES = (200, 1_000, 10_000)
T0 = datetime(2026, 11, 1, tzinfo=UTC)
BATCH = Batch(batch_id="bench.loader", extracted_at=T0, interval_start=T0 - timedelta(days=1), interval_end=T0)
PEER = "peer"
PG_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


def copy_text(records: Sequence[Record], batch: Batch, stream: Stream) -> bytes:
    """The rows in COPY's text format, all eight columns, as a client that had them ready would send them."""
    tail = "\t".join(
        (
            batch.extracted_at.isoformat(),
            batch.batch_id,
            batch.interval_start.isoformat(),
            batch.interval_end.isoformat(),
        )
    )
    lines = []
    for record in records:
        payload = orjson.dumps(record)
        digest = int.from_bytes(payload_hash(payload), "big", signed=True)
        text = payload.decode().replace("\\", "\\\\")
        lines.append(f"{stream.primary_key(record)}\t{text}\t{stream.cursor(record).isoformat()}\t{tail}\t{digest}\n")
    return "".join(lines).encode()


def copy_binary(records: Sequence[Record], batch: Batch, stream: Stream) -> bytes:
    """The same rows in COPY's binary format (written here independently of the loader's encoder)."""

    def timestamp(moment: datetime) -> bytes:
        return struct.pack("!iq", 8, (moment - PG_EPOCH) // timedelta(microseconds=1))

    def text(value: str) -> bytes:
        data = value.encode()
        return struct.pack("!i", len(data)) + data

    tail = timestamp(batch.extracted_at) + text(batch.batch_id)
    tail += timestamp(batch.interval_start) + timestamp(batch.interval_end)
    rows = [b"PGCOPY\n\xff\r\n\x00" + struct.pack("!ii", 0, 0)]
    for record in records:
        payload = orjson.dumps(record)
        rows.append(
            struct.pack("!h", 8)
            + text(stream.primary_key(record))
            + struct.pack("!ib", len(payload) + 1, 1)
            + payload
            + timestamp(stream.cursor(record))
            + tail
            + struct.pack("!i", 8)
            + payload_hash(payload)
        )
    rows.append(struct.pack("!h", -1))
    return b"".join(rows)


def fresh_table(conn: psycopg.Connection, name: str) -> None:
    conn.execute(f"drop table if exists raw.{SOURCE}__{name}")
    ensure_raw_table(conn, SOURCE, name)


def plain_copy(conn: psycopg.Connection, data: bytes, binary: bool, table: str = f"raw.{SOURCE}__{PEER}") -> None:
    columns = ", ".join(COLUMNS)
    options = " (format binary)" if binary else ""
    with conn.transaction(), conn.cursor().copy(f"copy {table} ({columns}) from stdin{options}") as copy:
        for start in range(0, len(data), 1 << 20):
            copy.write(data[start : start + (1 << 20)])


class PagedSource:
    """The records in pages of ``page``, as a connector's ``Source`` serves them (the window is not looked at)."""

    name = SOURCE

    def __init__(self, stream: Stream, records: Sequence[Record], page: int) -> None:
        self.streams, self.records, self.page = (stream,), records, page

    def pages(self, stream: Stream, window: Window) -> Iterator[Page]:
        for start in range(0, len(self.records), self.page):
            yield Page(self.records[start : start + self.page])

    def close(self) -> None:
        pass


def sync(conn: psycopg.Connection, stream: Stream, records: Sequence[Record], page: int) -> None:
    """The loader as a sync drives it: pages gathered and committed with their bookmark (sync.py)."""
    conn.execute("delete from ops.sync_state where source = %s", (SOURCE,))
    sync_stream(conn, PagedSource(stream, records, page), stream, BATCH.interval_start, BATCH.interval_end)


def load_page_by_page(conn: psycopg.Connection, stream: Stream, records: Sequence[Record], page: int) -> None:
    """The loader as a sync drove it before it gathered pages: a commit per page."""
    for start in range(0, len(records), page):
        with conn.transaction():
            merge_records(conn, SOURCE, stream, records[start : start + page], BATCH)


@contextmanager
def synchronous_commit_kept() -> Iterator[None]:
    """The loader as it would be without ``synchronous_commit = off`` (an ablation; patches a private helper)."""
    compose = loader._statements

    def with_synchronous_commit(source: str, stream: str) -> loader._Statements:
        statements = compose(source, stream)
        return dataclasses.replace(
            statements, lock=statements.lock.replace("'synchronous_commit', 'off'", "'jit', 'off'")
        )

    loader._statements = with_synchronous_commit
    try:
        yield
    finally:
        loader._statements = compose


def count(conn: psycopg.Connection, name: str) -> int:
    return conn.execute(f"select count(*) from raw.{SOURCE}__{name}").fetchone()[0]


def jsonb_input(conn: psycopg.Connection, records: Sequence[Record]) -> float:
    """Seconds PostgreSQL takes to turn the records' JSON text into jsonb, with nothing else to do: the ceiling of
    any load of them into a jsonb column by one server process."""
    with conn.transaction():
        conn.execute("create temporary table bench_json (payload text) on commit drop")
        with conn.cursor().copy("copy bench_json (payload) from stdin") as copy:
            for record in records:
                copy.write_row((orjson.dumps(record).decode(),))
        conn.execute("select count(payload) from bench_json").fetchone()  # read once: the timing is the parse
        return timed(lambda: conn.execute("select count(payload::jsonb) from bench_json").fetchone())


def client_only(stream: Stream, records: Sequence[Record]) -> None:
    """What the loader's Python does for a batch without a server: keys, cursors, the binary COPY data."""
    keys = [str(stream.primary_key(record)) for record in records]
    micros = [loader._micros(stream.cursor(record)) for record in records]
    encoder = loader._RowEncoder(SOURCE, stream.name, records, keys, micros)
    for _ in encoder.binary_copy(range(len(records)), loader._batch_fields(BATCH)):
        pass


def side_table(conn: psycopg.Connection, name: str, logged: bool, key: bool) -> str:
    table = f"raw.{SOURCE}__{name}"
    conn.execute(f"drop table if exists {table}")
    conn.execute(
        f"create {'' if logged else 'unlogged '}table {table} (natural_key text{' primary key' if key else ''}, "
        "payload jsonb not null, source_updated_at timestamptz, extracted_at timestamptz not null, "
        "batch_id text not null, interval_start timestamptz, interval_end timestamptz, payload_hash bigint)"
    )
    return table


def parallel_then_move(warehouse: Warehouse, conn: psycopg.Connection, halves: tuple[bytes, bytes]) -> float:
    """Two sessions COPY one half each into an unlogged side table at once; then one transaction moves every row
    into the raw table (the batch's one atomic commit). Seconds for both phases."""
    side = side_table(conn, "side", logged=False, key=False)
    fresh_table(conn, PEER)
    settle(warehouse)
    with warehouse.connect(LOADER, autocommit=True) as other:
        helper = threading.Thread(target=plain_copy, args=(other, halves[1], True, side))

        def both() -> None:
            helper.start()
            plain_copy(conn, halves[0], True, side)
            helper.join()
            with conn.transaction():
                conn.execute(f"insert into raw.{SOURCE}__{PEER} select * from {side}")

        return timed(both)


def ceilings(
    warehouse: Warehouse, conn: psycopg.Connection, stream: Stream, records: Sequence[Record], data: dict, trials: int
) -> dict[str, float]:
    """Records/s of each part alone (see the module's docstring), medians of ``trials``."""
    n = len(records)
    half = n // 2
    halves = (copy_binary(records[:half], BATCH, stream), copy_binary(records[half:], BATCH, stream))
    times: dict[str, list[float]] = {}
    for _ in range(trials):
        times.setdefault("client_only", []).append(timed(lambda: client_only(stream, records)))
        times.setdefault("jsonb_input", []).append(jsonb_input(conn, records))
        for name, logged in (("copy_binary_no_key", True), ("copy_binary_unlogged_no_key", False)):
            table = side_table(conn, "side", logged=logged, key=False)
            settle(warehouse)
            times.setdefault(name, []).append(timed(lambda t=table: plain_copy(conn, data["binary"], True, t)))
        times.setdefault("parallel_side_then_move", []).append(parallel_then_move(warehouse, conn, halves))
        conn.execute(f"drop table if exists raw.{SOURCE}__side")
    return {f"{name}_per_s": n / median(seconds) for name, seconds in times.items()}


def run_step(
    conn: psycopg.Connection, warehouse: Warehouse, step: str, stream: Stream, page: int, data: dict[str, object]
) -> float:
    """Seconds for one step. Every step but the re-load starts from an empty table."""
    if step.startswith("plain_copy"):
        fresh_table(conn, PEER)
        binary = step == "plain_copy_binary"
        action = functools.partial(plain_copy, conn, data["binary" if binary else "text"], binary=binary)
    else:
        if step != "loader_reload":
            fresh_table(conn, stream.name)
        load = load_page_by_page if step == "loader_page_commits" else sync
        action = functools.partial(load, conn, stream, data["records"], page)
    settle(warehouse)
    if step == "loader_synchronous_commit":
        with synchronous_commit_kept():
            return timed(action)
    return timed(action)


def measure(warehouse: Warehouse, shape: str, records_count: int, trials: int) -> list[dict]:
    records = contacts(records_count, shape)
    stream = STREAMS[shape]
    data = {
        "records": records,
        "text": copy_text(records, BATCH, stream),
        "binary": copy_binary(records, BATCH, stream),
    }
    megabytes = sum(len(orjson.dumps(record)) for record in records) / 1e6
    results = []
    with warehouse.connect(LOADER, autocommit=True) as conn:
        state.ensure_ops_tables(conn)
        parts = ceilings(warehouse, conn, stream, records, data, trials)
        print(json.dumps({"shape": shape, **parts}), file=sys.stderr, flush=True)
        for page in PAGE_SIZES:
            times: dict[str, list[float]] = {step: [] for step in STEPS}
            for trial in range(trials):
                # Every step once per trial, in an order rotated from the last trial's; the re-load follows the load.
                shift = trial % len(STEPS_ORDER)
                for step in (*STEPS_ORDER[shift:], *STEPS_ORDER[:shift]):
                    times[step].append(run_step(conn, warehouse, step, stream, page, data))
                    if step == "loader":
                        times["loader_reload"].append(run_step(conn, warehouse, "loader_reload", stream, page, data))
                    if step.startswith("loader") and count(conn, stream.name) != records_count:
                        raise AssertionError(f"{step} did not land every record exactly once")
                if count(conn, PEER) != records_count:
                    raise AssertionError("plain COPY did not land every record")
            rates = {f"{step}_per_s": records_count / median(seconds) for step, seconds in times.items()}
            best_copy = max(rates["plain_copy_text_per_s"], rates["plain_copy_binary_per_s"])
            results.append(
                {
                    "shape": shape,
                    "records": records_count,
                    "json_mb": round(megabytes, 1),
                    "page": page,
                    "trials": trials,
                    **rates,
                    **parts,
                    "ratio_to_best_copy": rates["loader_per_s"] / best_copy,
                }
            )
            print(json.dumps(results[-1]), file=sys.stderr, flush=True)
        conn.execute("delete from ops.sync_state where source = %s", (SOURCE,))
        conn.execute("delete from ops.load_audit where source = %s", (SOURCE,))
    return results


STEPS = (
    "plain_copy_text",
    "plain_copy_binary",
    "loader",
    "loader_reload",
    "loader_page_commits",
    "loader_synchronous_commit",
)
STEPS_ORDER = ("plain_copy_text", "plain_copy_binary", "loader", "loader_page_commits", "loader_synchronous_commit")


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--trials", type=int, default=5)
    parser.add_argument("--shapes", default="portal,sandbox,activity")
    parser.add_argument("--json", type=Path, help="write the results to this file as JSON")
    args = parser.parse_args(argv)
    with bench_warehouse() as warehouse:
        results = {"machine": machine(warehouse), "loader": []}
        for shape in args.shapes.split(","):
            results["loader"] += measure(warehouse, shape, args.records, args.trials)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    else:
        for row in results["loader"]:
            print(
                f"{row['shape']:8} page {row['page']:>6}: loader {row['loader_per_s']:>8,.0f}/s "
                f"(re-load {row['loader_reload_per_s']:>8,.0f}/s, a commit per page "
                f"{row['loader_page_commits_per_s']:>8,.0f}/s), plain COPY "
                f"text {row['plain_copy_text_per_s']:>8,.0f}/s binary {row['plain_copy_binary_per_s']:>8,.0f}/s: "
                f"{row['ratio_to_best_copy']:.0%}"
            )


if __name__ == "__main__":
    main()
