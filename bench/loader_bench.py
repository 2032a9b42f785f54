"""The raw loader against a plain server-side COPY of the same rows into the same table shape, in the same run.

The peer is the fastest way PostgreSQL ingests these rows: one ``COPY raw.bench__peer (columns) FROM STDIN`` of
rows already serialised (text format, outside the timing) into an empty table with the raw table's shape and
primary key. The loader starts from Python dicts, as a connector hands them over, and pays for everything:
reading keys and cursors, JSON serialisation, COPY into its temporary table, the merge, one commit per page.
Each trial recreates both tables, settles the server (checkpoint) before each timing and alternates which goes
first; the report gives medians.

    python -m bench.loader_bench [--records 100000] [--trials 5] [--json FILE]
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
import json
import struct
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson
import psycopg

from bench.harness import SOURCE, bench_warehouse, machine, median, settle, timed
from bench.records import contacts
from connectors.core import loader
from connectors.core.loader import COLUMNS, Batch, ensure_raw_table, merge_records
from connectors.core.stream import Record, Stream
from connectors.hubspot import CONTACTS
from purchase_path.warehouse import LOADER, Warehouse

PAGE_SIZES = (200, 1_000, 10_000)
T0 = datetime(2026, 11, 1, tzinfo=UTC)
BATCH = Batch(batch_id="bench.loader", extracted_at=T0, interval_start=T0 - timedelta(days=1), interval_end=T0)
STREAM = Stream(name="loader", primary_key=CONTACTS.primary_key, cursor=CONTACTS.cursor)
PEER = "peer"
PG_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


def copy_text(records: Sequence[Record], batch: Batch) -> bytes:
    """The rows in COPY's text format, all seven columns, as a client that had them ready would send them."""
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
        payload = orjson.dumps(record).decode().replace("\\", "\\\\")
        lines.append(f"{CONTACTS.primary_key(record)}\t{payload}\t{CONTACTS.cursor(record).isoformat()}\t{tail}\n")
    return "".join(lines).encode()


def copy_binary(records: Sequence[Record], batch: Batch) -> bytes:
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
            struct.pack("!h", 7)
            + text(CONTACTS.primary_key(record))
            + struct.pack("!ib", len(payload) + 1, 1)
            + payload
            + timestamp(CONTACTS.cursor(record))
            + tail
        )
    rows.append(struct.pack("!h", -1))
    return b"".join(rows)


def fresh_table(conn: psycopg.Connection, name: str) -> None:
    conn.execute(f"drop table if exists raw.{SOURCE}__{name}")
    ensure_raw_table(conn, SOURCE, name)


def plain_copy(conn: psycopg.Connection, data: bytes, binary: bool) -> None:
    columns = ", ".join(COLUMNS)
    options = " (format binary)" if binary else ""
    with conn.transaction(), conn.cursor().copy(f"copy raw.{SOURCE}__{PEER} ({columns}) from stdin{options}") as copy:
        for start in range(0, len(data), 1 << 20):
            copy.write(data[start : start + (1 << 20)])


def load(conn: psycopg.Connection, records: Sequence[Record], page: int) -> None:
    for start in range(0, len(records), page):
        with conn.transaction():
            merge_records(conn, SOURCE, STREAM, records[start : start + page], BATCH)


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


def run_step(conn: psycopg.Connection, warehouse: Warehouse, step: str, page: int, data: dict[str, object]) -> float:
    """Seconds for one step. Every step but the re-load starts from an empty table."""
    if step.startswith("plain_copy"):
        fresh_table(conn, PEER)
        binary = step == "plain_copy_binary"
        action = functools.partial(plain_copy, conn, data["binary" if binary else "text"], binary=binary)
    else:
        if step != "loader_reload":
            fresh_table(conn, STREAM.name)
        action = functools.partial(load, conn, data["records"], page)
    settle(warehouse)
    if step == "loader_synchronous_commit":
        with synchronous_commit_kept():
            return timed(action)
    return timed(action)


def measure(warehouse: Warehouse, shape: str, records_count: int, trials: int) -> list[dict]:
    records = contacts(records_count, shape)
    data = {"records": records, "text": copy_text(records, BATCH), "binary": copy_binary(records, BATCH)}
    megabytes = sum(len(orjson.dumps(record)) for record in records) / 1e6
    results = []
    with warehouse.connect(LOADER, autocommit=True) as conn:
        parse = median([jsonb_input(conn, records) for _ in range(trials)])
        for page in PAGE_SIZES:
            times: dict[str, list[float]] = {step: [] for step in STEPS}
            for trial in range(trials):
                # Every step once per trial, in an order rotated from the last trial's; the re-load follows the load.
                shift = trial % len(STEPS_ORDER)
                for step in (*STEPS_ORDER[shift:], *STEPS_ORDER[:shift]):
                    times[step].append(run_step(conn, warehouse, step, page, data))
                    if step == "loader":
                        times["loader_reload"].append(run_step(conn, warehouse, "loader_reload", page, data))
                        if count(conn, STREAM.name) != records_count:
                            raise AssertionError("the loader did not land every record exactly once")
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
                    "jsonb_input_per_s": records_count / parse,
                    "ratio_to_best_copy": rates["loader_per_s"] / best_copy,
                }
            )
            print(json.dumps(results[-1]), file=sys.stderr, flush=True)
    return results


STEPS = ("plain_copy_text", "plain_copy_binary", "loader", "loader_reload", "loader_synchronous_commit")
STEPS_ORDER = ("plain_copy_text", "plain_copy_binary", "loader", "loader_synchronous_commit")


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--trials", type=int, default=5)
    parser.add_argument("--shapes", default="portal,sandbox")
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
                f"(re-load {row['loader_reload_per_s']:>8,.0f}/s), plain COPY "
                f"text {row['plain_copy_text_per_s']:>8,.0f}/s binary {row['plain_copy_binary_per_s']:>8,.0f}/s: "
                f"{row['ratio_to_best_copy']:.0%}"
            )


if __name__ == "__main__":
    main()
