"""Extract and load per source and stream against the sandbox: a full-history sync into empty raw tables, records/s.

Every source in ``connectors.registry.SOURCES`` is synced with ``connectors.registry.extract`` (the CLI's and the
DAG's path: HTTP or files, paging, schema checks, the loader, bookmarks) over ``World.generate(seed, buyers)``:

- the HTTP sources against an in-process ``SandboxServer`` (``sandbox/vendors``, each emulating its vendor's
  documented API);
- ``offline`` over a landing folder holding the world's CSV drops, written beforehand by ``sandbox.offline``
  (``write_drops``, for every day of the world), as the badge scanners, the dialer and the loyalty system would.

Records are the rows that land in the source's raw tables (a stream's child streams included), per second of wall
time. For each stream the time of its ``sync_stream`` is taken, and the time spent inside the loader
(``merge_records``): both are wrapped with a timer for the run, the only instrumentation; the source's time also
covers opening it (a token exchange, a discovery call). World generation and writing the drops are not timed. The
sandbox answers from the same Python process, so it shares the GIL (and, on a small machine, the cores) with the
connector: these numbers are a floor for the connector against a real API of the same speed.

Every trial starts from empty raw tables and no bookmark, quarantine or drift record of the source, with a
checkpoint first; the medians of the trials are reported (per stream and per source, each on its own).

    python -m bench.extract_bench [--buyers 10000] [--trials 3] [--sources hubspot,offline] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime
from datetime import time as clock_time
from pathlib import Path

from bench.harness import LoadSampler, bench_settings, bench_warehouse, machine, median, settle
from purchase_path.airflow_env import airflow_config
from purchase_path.warehouse import Warehouse

SEED = 7


def reset(warehouse: Warehouse, source: str) -> None:
    """Empty raw tables and no bookmark or other record of past syncs: the next sync is a first, full one."""
    with warehouse.connect(autocommit=True) as conn:
        tables = conn.execute(
            "select quote_ident(tablename) from pg_tables where schemaname = 'raw' and tablename like %s",
            (f"{source}\\_\\_%",),
        ).fetchall()
        for (table,) in tables:
            conn.execute(f"drop table raw.{table}")
        for ops_table in ("sync_state", "quarantine", "schema_drift"):  # offline skips files it quarantined before
            if conn.execute("select to_regclass(%s)", (f"ops.{ops_table}",)).fetchone()[0]:
                conn.execute(f"delete from ops.{ops_table} where source = %s", (source,))


def landed(warehouse: Warehouse, source: str) -> dict[str, int]:
    """Rows in each of the source's raw tables, by stream name."""
    with warehouse.connect(autocommit=True) as conn:
        tables = conn.execute(
            "select tablename from pg_tables where schemaname = 'raw' and tablename like %s order by 1",
            (f"{source}\\_\\_%",),
        ).fetchall()
        return {
            table.split("__", 1)[1]: conn.execute(f'select count(*) from raw."{table}"').fetchone()[0]
            for (table,) in tables
        }


class StreamClocks:
    """Wraps sync.py's ``sync_stream`` and ``merge_records`` to time each stream and the loader's part of it.

    A child stream's loads count towards the stream whose pages carry them (the one being synced).
    """

    def __init__(self) -> None:
        from connectors.core import sync

        self.sync = sync
        self.sync_stream, self.merge_records = sync.sync_stream, sync.merge_records
        self.seconds: dict[str, float] = defaultdict(float)
        self.loading: dict[str, float] = defaultdict(float)
        self.current: str | None = None

    def __enter__(self) -> StreamClocks:
        def timed_sync_stream(conn, source, stream, *args, **kwargs):
            self.current, started = stream.name, time.perf_counter()
            try:
                return self.sync_stream(conn, source, stream, *args, **kwargs)
            finally:
                self.seconds[stream.name] += time.perf_counter() - started
                self.current = None

        def timed_merge_records(*args, **kwargs):
            started = time.perf_counter()
            try:
                return self.merge_records(*args, **kwargs)
            finally:
                self.loading[self.current or "?"] += time.perf_counter() - started

        self.sync.sync_stream, self.sync.merge_records = timed_sync_stream, timed_merge_records
        return self

    def __exit__(self, *exc_info) -> None:
        self.sync.sync_stream, self.sync.merge_records = self.sync_stream, self.merge_records


def sync_once(warehouse: Warehouse, source: str, end: datetime) -> dict:
    """One full-history sync of ``source`` from nothing: its time, and each stream's time, pages and loader time."""
    from connectors.registry import extract

    reset(warehouse, source)
    settle(warehouse)
    with StreamClocks() as clocks:
        started = time.perf_counter()
        results = extract(source, warehouse, None, end)
        seconds = time.perf_counter() - started
    if not results:
        raise RuntimeError(f"{source}: nothing synced; is its connection set?")
    return {
        "seconds": seconds,
        "loader_seconds": sum(clocks.loading.values()),
        "streams": {
            r.stream: {
                "pages": r.pages,
                "seconds": clocks.seconds[r.stream],
                "loader_seconds": clocks.loading[r.stream],
            }
            for r in results
        },
    }


def summarise(source: str, trials: list[dict], rows: dict[str, int]) -> dict:
    """Medians over the trials, per source and per stream (a stream's records: its table and its children's)."""
    from connectors.registry import SOURCES

    children = {stream.name: [child.name for child in stream.children] for stream in SOURCES[source].streams}
    seconds = median([t["seconds"] for t in trials])
    records = sum(rows.values())
    streams = []
    for name in trials[0]["streams"]:
        stream_seconds = median([t["streams"][name]["seconds"] for t in trials])
        stream_records = rows.get(name, 0) + sum(rows.get(child, 0) for child in children.get(name, []))
        streams.append(
            {
                "stream": name,
                "children": children.get(name, []),
                "records": stream_records,
                "pages": trials[-1]["streams"][name]["pages"],
                "seconds": stream_seconds,
                "records_per_s": stream_records / stream_seconds if stream_seconds else None,
                "loader_share": median(
                    [t["streams"][name]["loader_seconds"] / t["streams"][name]["seconds"] for t in trials]
                ),
            }
        )
    return {
        "source": source,
        "rows": rows,
        "records": records,
        "pages": sum(s["pages"] for s in streams),
        "trials": len(trials),
        "seconds": seconds,
        "records_per_s": records / seconds,
        "loader_share": median([t["loader_seconds"] / t["seconds"] for t in trials]),
        "streams": streams,
    }


def measure(warehouse: Warehouse, buyers: int, trials: int, only: Sequence[str] = ()) -> dict:
    from connectors.registry import SOURCES
    from sandbox.offline import offline_environment, write_drops
    from sandbox.server import SandboxServer
    from sandbox.world import World

    started = time.perf_counter()
    world = World.generate(seed=SEED, buyers=buyers)
    generated = time.perf_counter() - started
    end = datetime.combine(world.end_date, clock_time(0), tzinfo=UTC)
    results: dict = {"buyers": buyers, "seed": SEED, "world_generation_s": round(generated, 1), "trials": trials}
    with tempfile.TemporaryDirectory(prefix="bench-landing-") as landing, SandboxServer(world) as sandbox:
        started = time.perf_counter()
        drops = write_drops(world, end, landing)
        results["offline_drops"] = {
            "files": len(drops),
            "mib": round(sum(path.stat().st_size for path in drops) / 2**20, 1),
            "seconds": round(time.perf_counter() - started, 1),
        }
        connections = {**sandbox.airflow_connections(), **offline_environment(landing)}
        os.environ.update(connections)
        results["sources"], results["not_measured"] = [], {}
        for source in SOURCES:
            if only and source not in only:
                continue
            if f"AIRFLOW_CONN_{source.upper()}_DEFAULT" not in connections:
                results["not_measured"][source] = "neither the sandbox nor a landing folder provides it"
                continue
            runs = [sync_once(warehouse, source, end) for _ in range(trials)]
            results["sources"].append(summarise(source, runs, landed(warehouse, source)))
            print(json.dumps(results["sources"][-1]), file=sys.stderr, flush=True)
            reset(warehouse, source)
    return results


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--buyers", type=int, default=10_000)
    parser.add_argument("--trials", type=int, default=3)
    parser.add_argument("--sources", default="", help="comma-separated sources to measure (default: all)")
    parser.add_argument("--json", type=Path, help="write the results to this file as JSON")
    args = parser.parse_args(argv)
    settings = bench_settings()
    os.environ.update(airflow_config(settings))  # Airflow's home under the bench's, not ~/airflow
    # The offline connector looks up what it loaded before in the warehouse it resolves from the environment.
    os.environ["PURCHASE_PATH_HOME"] = str(settings.home)
    only = [name for name in args.sources.split(",") if name]
    with bench_warehouse() as warehouse, LoadSampler() as load:
        results = {"machine": machine(warehouse), "extract": measure(warehouse, args.buyers, args.trials, only)}
    results["load_1min"] = load.summary()
    results["load_average_at_end"] = " ".join(f"{value:.1f}" for value in os.getloadavg())
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
        return
    for row in results["extract"]["sources"]:
        print(
            f"{row['source']}: {row['records']:,} records in {row['pages']:,} pages, {row['seconds']:.1f} s, "
            f"{row['records_per_s']:,.0f} records/s, {row['loader_share']:.0%} in the loader"
        )
        for stream in row["streams"]:
            print(
                f"  {stream['stream']}: {stream['records']:,} records in {stream['pages']:,} pages, "
                f"{stream['seconds']:.1f} s, {stream['records_per_s'] or 0:,.0f} records/s, "
                f"{stream['loader_share']:.0%} in the loader"
            )


if __name__ == "__main__":
    main()
