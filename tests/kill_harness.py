"""One way to prove a source survives a real kill: SIGKILL ``purchase-path extract <source>`` half-way through a
stream, run the sync again, and check what a user would: raw ends equal to what the vendor serves (no gap), each
key once (no double), the killed batch marked ``abandoned`` in ``ops.load_audit``, and the second run starting
from the bookmark the killed one committed rather than from the beginning.

A source is described once, as a :class:`KillCase` (which stream to kill in, after how many pages, how to slow
the sandbox so the kill lands between pages, and what the vendor serves); :func:`kill_all` does the rest.

Why all sources at once: the CLI's start-up (Python, Airflow's configuration, the connectors) costs seconds, and
the kills only wait on the sandbox's slowed answers; each source writes its own raw tables, bookmarks and audit
rows, and has its own sandbox server (its own clock and faults), so the eight kills run side by side and cost
about one. The runs after the kills go one at a time, in this process, as the next scheduled run would.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cached_property
from pathlib import Path
from typing import Any

import psycopg
import pytest

from connectors.core.sync import plan_window
from connectors.registry import extract, open_source
from sandbox.faults import FaultPlan
from sandbox.server import SandboxServer
from sandbox.world import World

CLI = str(Path(sys.executable).with_name("purchase-path"))
KILL_DEADLINE = 180  # seconds for every extract to reach its kill point, on a busy machine

Served = dict[str, dict[str, str]]  # raw stream → natural key → the version of the record served


@dataclass(frozen=True)
class KillCase:
    """How to kill one source's sync half-way, and what its raw tables must hold after the next run.

    ``loaded`` maps each raw stream to a query of (key, version) over its raw table; ``served`` reads the same
    from the vendor (the sandbox, or the landing folder), without the connector. ``slow`` is the sandbox fault
    that spaces the killed stream's pages out (None: the data alone is slow enough). ``environment`` returns the
    source's Airflow connection variables; by default, the sandbox's connection with ``extra`` merged in.
    ``cursor``: the stream's bookmark moves page by page, so the next run resumes inside the killed window; a
    stream without a cursor moves it only when a window is whole, and the next run asks for the same window.
    ``synced_until``: sync the source completely up to this day first, so that the killed run starts from a
    bookmark (and resuming "from the bookmark" differs from starting over).
    """

    source: str
    stream: str
    pages: int
    served: Callable[[SandboxServer, Path], Served]
    loaded: Mapping[str, str]
    slow: str | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)
    clock: datetime | None = None
    environment: Callable[[SandboxServer, Path], dict[str, str]] | None = None
    cursor: bool = True
    synced_until: datetime | None = None


@dataclass(frozen=True)
class Batch:
    batch_id: str
    status: str
    pages: int
    window_start: datetime | None


@dataclass
class Outcome:
    """One source's kill and re-run, as the tests look at it."""

    case: KillCase
    server: SandboxServer
    folder: Path
    environment: dict[str, str]
    interval: tuple[datetime, datetime]
    rows_at_kill: int = 0
    bookmark_at_kill: datetime | None = None
    killed: Batch | None = None
    output: str = ""  # what the killed extract printed, for a failure's message

    @cached_property
    def served(self) -> Served:
        return self.case.served(self.server, self.folder)


def sandbox_connection(server: SandboxServer, source: str, **extra: Any) -> dict[str, str]:
    """The source's Airflow connection to ``server``, with ``extra`` merged into its extra."""
    fields = server.app(source).airflow_connection(server.base_url)
    connection = {**fields, "extra": {**fields.get("extra", {}), **extra}}
    return {f"AIRFLOW_CONN_{source.upper()}_DEFAULT": json.dumps(connection)}


def drop_raw_and_ops(warehouse) -> None:
    """Start from no raw table and no bookmark (as tests/conftest.py's ``clean_raw``, for a module)."""
    with warehouse.connect(autocommit=True) as conn:
        tables = conn.execute(
            "select schemaname || '.' || tablename from pg_tables where schemaname in ('raw', 'ops')"
        ).fetchall()
        for (table,) in tables:
            conn.execute(f"drop table {table} cascade")


def batches(warehouse, source: str, stream: str) -> list[Batch]:
    """The stream's batches in ``ops.load_audit``, oldest first (none before the first sync made the table)."""
    with warehouse.connect(autocommit=True) as conn:
        try:
            rows = conn.execute(
                "select batch_id, status, pages, window_start from ops.load_audit"
                " where source = %s and stream = %s order by started_at",
                (source, stream),
            ).fetchall()
        except psycopg.errors.UndefinedTable:
            return []
    return [Batch(*row) for row in rows]


def bookmark(warehouse, source: str, stream: str) -> datetime | None:
    with warehouse.connect(autocommit=True) as conn:
        row = conn.execute(
            "select bookmark from ops.sync_state where source = %s and stream = %s", (source, stream)
        ).fetchone()
    return row[0] if row else None


def loaded(warehouse, case: KillCase) -> Served:
    """What raw holds: raw stream → key → version (JSON values as sorted JSON text, like ``served``)."""
    found: Served = {}
    with warehouse.connect(autocommit=True) as conn:
        for stream, query in case.loaded.items():
            rows = conn.execute(query).fetchall()
            found[stream] = {
                str(key): value if isinstance(value, str) else json.dumps(value, sort_keys=True) for key, value in rows
            }
    return found


def duplicates(warehouse, case: KillCase) -> dict[str, int]:
    """Per raw table of the source: rows beyond one per natural key (all zero when nothing is doubled)."""
    with warehouse.connect(autocommit=True) as conn:
        return {
            stream: conn.execute(
                f"select count(*) - count(distinct natural_key) from raw.{case.source}__{stream}"
            ).fetchone()[0]
            for stream in case.loaded
        }


def resume_window_start(outcome: Outcome) -> datetime | None:
    """Where a run resuming from the bookmark the kill left must start its window (the stream's lookback
    included, as the connection configures it)."""
    with pytest.MonkeyPatch.context() as patch:
        for name, value in outcome.environment.items():
            patch.setenv(name, value)
        source = open_source(outcome.case.source)
    assert source is not None
    try:
        stream = next(s for s in source.streams if s.name == outcome.case.stream)
    finally:
        source.close()
    start, end = outcome.interval
    return plan_window(outcome.bookmark_at_kill, start, end, stream).start


def kill_all(cases: list[KillCase], warehouse, world: World, folder: Path) -> dict[str, Outcome]:
    """Kill every case's extract half-way (all at once), then run each source again. Returns each outcome."""
    drop_raw_and_ops(warehouse)
    outcomes: dict[str, Outcome] = {}
    running: dict[str, subprocess.Popen] = {}
    try:
        for case in cases:
            outcome = _prepare(case, world, folder / case.source)
            outcomes[case.source] = outcome
            if case.synced_until:
                _run(outcome, warehouse, case.synced_until - timedelta(days=1), case.synced_until)
            if case.slow:
                outcome.server.set_faults(FaultPlan.parse([case.slow]))
            start, end = outcome.interval
            command = [CLI, "extract", case.source, "--start", f"{start:%Y-%m-%d}", "--end", f"{end:%Y-%m-%d}"]
            env = {**os.environ, **outcome.environment}
            running[case.source] = subprocess.Popen(
                command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
            )
        _kill_each_at_its_point(outcomes, running, warehouse)
    finally:
        for process in running.values():
            process.kill()
            process.wait(timeout=10)
            process.stdout.close()
        for outcome in outcomes.values():
            outcome.server.set_faults(None)
    for outcome in outcomes.values():
        _run_again(outcome, warehouse)
    return outcomes


def stop_servers(outcomes: Mapping[str, Outcome]) -> None:
    for outcome in outcomes.values():
        outcome.server.stop()


def _prepare(case: KillCase, world: World, folder: Path) -> Outcome:
    folder.mkdir(parents=True, exist_ok=True)
    server = SandboxServer(world, now=case.clock).start()
    environment = (
        case.environment(server, folder) if case.environment else sandbox_connection(server, case.source, **case.extra)
    )
    end = server.now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return Outcome(case, server, folder, environment, (end - timedelta(days=1), end))


def _kill_each_at_its_point(outcomes: dict[str, Outcome], running: dict[str, subprocess.Popen], warehouse) -> None:
    """SIGKILL each extract as soon as its stream has committed ``pages`` pages, and note what it left."""
    deadline = time.monotonic() + KILL_DEADLINE
    waiting = dict(running)
    while waiting:
        for name, process in list(waiting.items()):
            case = outcomes[name].case
            current = [b for b in batches(warehouse, name, case.stream) if b.status == "running"]
            if current and current[-1].pages >= case.pages:
                process.send_signal(signal.SIGKILL)
                assert process.wait(timeout=10) == -signal.SIGKILL
                _note_the_kill(outcomes[name], process, warehouse)
                del waiting[name]
            elif process.poll() is not None:
                raise AssertionError(f"{name}: the extract ended before it could be killed:\n{process.stdout.read()}")
        assert time.monotonic() < deadline, f"never reached the kill point: {', '.join(waiting)}"
        time.sleep(0.02)


def _note_the_kill(outcome: Outcome, process: subprocess.Popen, warehouse) -> None:
    case = outcome.case
    outcome.output = process.stdout.read()
    outcome.killed = batches(warehouse, case.source, case.stream)[-1]
    outcome.bookmark_at_kill = bookmark(warehouse, case.source, case.stream)
    with warehouse.connect(autocommit=True) as conn:
        outcome.rows_at_kill = conn.execute(f"select count(*) from raw.{case.source}__{case.stream}").fetchone()[0]
    outcome.server.set_faults(None)


def _run_again(outcome: Outcome, warehouse) -> None:
    """The next run after the kill: the same interval, in this process."""
    _run(outcome, warehouse, *outcome.interval)


def _run(outcome: Outcome, warehouse, start: datetime, end: datetime) -> None:
    with pytest.MonkeyPatch.context() as patch:
        for name, value in outcome.environment.items():
            patch.setenv(name, value)
        extract(outcome.case.source, warehouse, start, end)
