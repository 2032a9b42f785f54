"""What every benchmark shares: a warehouse to measure in, a clean start for each timing, medians, the machine.

The warehouse is the embedded PostgreSQL under ``$PURCHASE_PATH_BENCH_HOME`` (default ``<project>/.data/bench``),
apart from the developer's own, or ``WAREHOUSE_URL``'s when that is set. Benchmarks only create and drop tables
whose names start with ``bench``. An embedded server this process started is stopped at the end.
"""

from __future__ import annotations

import os
import platform
import statistics
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import psycopg

from purchase_path import warehouse as wh
from purchase_path.settings import PROJECT_ROOT, Settings

SOURCE = "bench"  # raw tables of the benchmarks are raw.bench__<name>


def bench_settings() -> Settings:
    home = os.environ.get("PURCHASE_PATH_BENCH_HOME") or str(PROJECT_ROOT / ".data" / "bench")
    env = {"PURCHASE_PATH_HOME": home}
    if os.environ.get("WAREHOUSE_URL"):
        env["WAREHOUSE_URL"] = os.environ["WAREHOUSE_URL"]
    return Settings.from_env(env)


@contextmanager
def bench_warehouse() -> Iterator[wh.Warehouse]:
    settings = bench_settings()
    embedded = not settings.warehouse_url
    was_running = embedded and (settings.embedded_pgdata / "postmaster.pid").exists()
    warehouse = wh.ready(settings)
    try:
        yield warehouse
    finally:
        with warehouse.connect(autocommit=True) as conn:
            for (table,) in conn.execute(
                "select quote_ident(schemaname) || '.' || quote_ident(tablename) from pg_tables "
                "where tablename like 'bench%%' or schemaname like 'bench%%'"
            ).fetchall():
                conn.execute(f"drop table {table} cascade")
            for (schema,) in conn.execute(
                "select quote_ident(nspname) from pg_namespace where nspname like 'bench%%'"
            ).fetchall():
                conn.execute(f"drop schema {schema} cascade")
        if embedded and not was_running:
            wh.stop_embedded(settings.embedded_pgdata)


def settle(warehouse: wh.Warehouse) -> None:
    """Start a timing from the same place every time: dirty buffers written out, no checkpoint pending.

    A load writes hundreds of MB of WAL; without this, whichever timing a checkpoint lands in pays for the one
    before it. Needs a superuser (the embedded warehouse's user is one); elsewhere it is skipped.
    """
    with warehouse.connect(autocommit=True) as conn, suppress(psycopg.errors.InsufficientPrivilege):
        conn.execute("checkpoint")


def timed(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def median(values: list[float]) -> float:
    return statistics.median(values)


def machine(warehouse: wh.Warehouse | None = None) -> dict[str, str]:
    """The machine and the server the numbers were measured on."""
    cpu = platform.processor() or platform.machine()
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        names = [line.split(":", 1)[1].strip() for line in cpuinfo.read_text().splitlines() if "model name" in line]
        cpu = names[0] if names else cpu
    memory = ""
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        kib = int(meminfo.read_text().split("MemTotal:")[1].split()[0])
        memory = f"{kib / 1024 / 1024:.0f} GiB"
    info = {
        "cpu": f"{cpu}, {os.cpu_count()} cores",
        # Other work on the machine takes cores from the client and the server: say how busy it was.
        "load_average": " ".join(f"{value:.1f}" for value in os.getloadavg()),
        "memory": memory,
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
    }
    if warehouse is not None:
        with warehouse.connect(autocommit=True) as conn:
            version = conn.execute("show server_version").fetchone()[0]
            settings = {
                name: conn.execute(f"show {name}").fetchone()[0]
                for name in ("shared_buffers", "max_wal_size", "synchronous_commit", "fsync")
            }
        embedded = "embedded (pgserver)" if "host=/" in warehouse.url or "%2F" in warehouse.url else "WAREHOUSE_URL"
        info["postgresql"] = f"{version}, {embedded}, " + ", ".join(f"{k}={v}" for k, v in settings.items())
    return info


class LoadSampler:
    """The machine's 1-minute load average, sampled every ``every`` seconds while a benchmark runs.

    The machine is shared: a number means little without how busy it was while it was taken, not only at the start.
    """

    def __init__(self, every: float = 15.0) -> None:
        self.every, self.samples = every, [os.getloadavg()[0]]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, name="load-sampler", daemon=True)

    def _sample(self) -> None:
        while not self._stop.wait(self.every):
            self.samples.append(os.getloadavg()[0])

    def __enter__(self) -> LoadSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._stop.set()
        self._thread.join()
        self.samples.append(os.getloadavg()[0])

    def summary(self) -> dict[str, float]:
        return {
            "min": min(self.samples),
            "median": statistics.median(self.samples),
            "max": max(self.samples),
            "samples": len(self.samples),
        }
