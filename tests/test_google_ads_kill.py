"""A real kill: ``purchase-path extract google_ads`` is SIGKILLed half-way through its click views, then run again.
Raw must end with every click the sandbox serves, once, and the second run must resume from the committed bookmark.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import psycopg
import pytest

from sandbox.faults import FaultPlan
from sandbox.server import SandboxServer
from sandbox.vendors.google_ads import ACCOUNTS
from sandbox.world import World

CLI = str(Path(sys.executable).with_name("purchase-path"))
CLOCK = datetime(2026, 7, 20, tzinfo=UTC)


@pytest.fixture(scope="module")
def server():
    with SandboxServer(World.generate(seed=7, buyers=300), now=CLOCK) as running:
        yield running


def audit(warehouse) -> list[tuple]:
    with warehouse.connect(autocommit=True) as conn:
        try:
            return conn.execute(
                "select stream, status, pages, window_start from ops.load_audit order by started_at"
            ).fetchall()
        except psycopg.errors.UndefinedTable:
            return []


def served_gclids(world: World) -> set[str]:
    found = set()
    for buyer in world.iter_buyers():
        zone = ZoneInfo(ACCOUNTS[0].time_zone if buyer.currency == "USD" else ACCOUNTS[1].time_zone)
        for touch in buyer.touches:
            if touch.gclid and touch.at < CLOCK.timestamp() * 1000:
                assert datetime.fromtimestamp(touch.at / 1000, zone).date() >= CLOCK.date() - timedelta(days=89)
                found.add(touch.gclid)
    return found


def test_a_sync_killed_half_way_resumes_without_a_gap_or_a_double(server, warehouse, clean_raw):
    command = [
        CLI,
        "extract",
        "google_ads",
        "--start",
        str(CLOCK.date() - timedelta(days=1)),
        "--end",
        str(CLOCK.date()),
    ]
    env = {**os.environ, **server.airflow_connections()}

    server.set_faults(FaultPlan.parse(["slow:1,delay=0.1,path=googleAds"]))
    first = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 60
        while not any(stream == "click_views" and pages >= 4 for stream, _, pages, _ in audit(warehouse)):
            assert first.poll() is None, f"the extract ended before it could be killed:\n{first.stdout.read()}"
            assert time.monotonic() < deadline, "the extract never loaded four pages of click views"
            time.sleep(0.02)
        first.send_signal(signal.SIGKILL)
        assert first.wait(timeout=10) == -signal.SIGKILL
    finally:
        first.kill()
        first.stdout.close()
        server.set_faults(None)

    expected = served_gclids(server.world)
    with warehouse.connect(autocommit=True) as conn:
        half = conn.execute("select count(*) from raw.google_ads__click_views").fetchone()[0]
        bookmark = conn.execute("select bookmark from ops.sync_state where stream = 'click_views'").fetchone()[0]
    assert 0 < half < len(expected)  # killed half-way indeed

    second = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    assert second.returncode == 0, second.stdout + second.stderr

    with warehouse.connect(autocommit=True) as conn:
        keys = [k for (k,) in conn.execute("select payload->'clickView'->>'gclid' from raw.google_ads__click_views")]
    assert len(keys) == len(set(keys)) and set(keys) == expected  # no duplicate, no gap
    runs = [(stream, status) for stream, status, _, _ in audit(warehouse) if stream == "click_views"]
    assert runs == [("click_views", "abandoned"), ("click_views", "succeeded")]
    resumed = [
        start for stream, status, _, start in audit(warehouse) if (stream, status) == ("click_views", "succeeded")
    ]
    assert resumed == [bookmark]  # the second run resumed where the killed one had committed, not from zero
