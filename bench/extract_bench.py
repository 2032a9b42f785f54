"""Extract and load per source against the sandbox: a full-history sync into empty raw tables, records/s.

Every source in ``connectors.registry.SOURCES`` that the sandbox serves is synced with
``connectors.registry.extract`` (the CLI's and the DAG's path: HTTP, paging, schema checks, the loader, bookmarks)
against an in-process ``SandboxServer`` over ``World.generate(seed, buyers)``. Records are the rows that land in
the source's raw tables (child streams included), per second of the sync's wall time; world generation is not
timed. The sandbox answers from the same Python process, so it shares the GIL with the connector: these numbers
are a floor for the connector against a real API of the same speed. The time spent inside the loader
(``merge_records``, wrapped with a timer for the run) is reported too, to show where a sync's time goes.

    python -m bench.extract_bench [--buyers 27000] [--trials 3] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from datetime import time as clock_time
from pathlib import Path

from bench.harness import bench_settings, bench_warehouse, machine, median, settle
from purchase_path.airflow_env import airflow_config
from purchase_path.warehouse import Warehouse

SEED = 7


def reset(warehouse: Warehouse, source: str) -> None:
    """Empty raw tables and no bookmark: the next sync is a first, full-history one."""
    with warehouse.connect(autocommit=True) as conn:
        tables = conn.execute(
            "select quote_ident(tablename) from pg_tables where schemaname = 'raw' and tablename like %s",
            (f"{source}\\_\\_%",),
        ).fetchall()
        for (table,) in tables:
            conn.execute(f"drop table raw.{table}")
        if conn.execute("select to_regclass('ops.sync_state')").fetchone()[0]:
            conn.execute("delete from ops.sync_state where source = %s", (source,))


def landed(warehouse: Warehouse, source: str) -> dict[str, int]:
    with warehouse.connect(autocommit=True) as conn:
        tables = conn.execute(
            "select tablename from pg_tables where schemaname = 'raw' and tablename like %s order by 1",
            (f"{source}\\_\\_%",),
        ).fetchall()
        return {
            table.split("__", 1)[1]: conn.execute(f'select count(*) from raw."{table}"').fetchone()[0]
            for (table,) in tables
        }


class LoaderClock:
    """Wraps sync.py's ``merge_records`` to add up the time spent loading."""

    def __init__(self) -> None:
        from connectors.core import sync

        self.sync, self.merge_records, self.seconds = sync, sync.merge_records, 0.0

    def __enter__(self) -> LoaderClock:
        def timed_merge(*args, **kwargs):
            started = time.perf_counter()
            try:
                return self.merge_records(*args, **kwargs)
            finally:
                self.seconds += time.perf_counter() - started

        self.sync.merge_records = timed_merge
        return self

    def __exit__(self, *exc_info) -> None:
        self.sync.merge_records = self.merge_records


def measure(warehouse: Warehouse, buyers: int, trials: int) -> list[dict]:
    from connectors.registry import SOURCES, extract
    from sandbox.server import SandboxServer
    from sandbox.world import World

    started = time.perf_counter()
    world = World.generate(seed=SEED, buyers=buyers)
    generated = time.perf_counter() - started
    results = []
    with SandboxServer(world) as sandbox:
        os.environ.update(sandbox.airflow_connections())
        end = datetime.combine(world.end_date, clock_time(0), tzinfo=UTC)
        for source in SOURCES:
            if f"AIRFLOW_CONN_{source.upper()}_DEFAULT" not in sandbox.airflow_connections():
                continue
            times, loading, rows = [], [], {}
            for _ in range(trials):
                reset(warehouse, source)
                settle(warehouse)
                with LoaderClock() as loader:
                    started = time.perf_counter()
                    streams = extract(source, warehouse, None, end)
                    times.append(time.perf_counter() - started)
                loading.append(loader.seconds / times[-1])
                rows = landed(warehouse, source)
                if not streams:
                    raise RuntimeError(f"{source}: nothing synced; is the sandbox's connection set?")
            total = sum(rows.values())
            results.append(
                {
                    "source": source,
                    "buyers": buyers,
                    "world_generation_s": round(generated, 1),
                    "rows": rows,
                    "records": total,
                    "pages": sum(stream.pages for stream in streams),
                    "trials": trials,
                    "seconds": median(times),
                    "records_per_s": total / median(times),
                    "loader_share": median(loading),
                }
            )
            print(json.dumps(results[-1]), file=sys.stderr, flush=True)
            reset(warehouse, source)
    return results


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--buyers", type=int, default=27_000)
    parser.add_argument("--trials", type=int, default=3)
    parser.add_argument("--json", type=Path, help="write the results to this file as JSON")
    args = parser.parse_args(argv)
    os.environ.update(airflow_config(bench_settings()))  # Airflow's home under the bench's, not ~/airflow
    with bench_warehouse() as warehouse:
        results = {"machine": machine(warehouse), "extract": measure(warehouse, args.buyers, args.trials)}
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    else:
        for row in results["extract"]:
            print(
                f"{row['source']}: {row['records']:,} records ({row['rows']}) in {row['seconds']:.1f} s, "
                f"{row['records_per_s']:,.0f} records/s, {row['loader_share']:.0%} of it in the loader"
            )


if __name__ == "__main__":
    main()
