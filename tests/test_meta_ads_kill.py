"""A real kill: ``purchase-path extract meta_ads`` is SIGKILLed half-way through its insights, then run again. Raw must
end equal to what the sandbox serves, with no duplicate and no gap.

Insights have no cursor (a row is identified by its day, and days restate), so the bookmark moves only when a whole
window is loaded: the killed run's pages stay (merged on their key), and the next run pulls the window again.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest
import requests

from sandbox.credentials import META_ACCESS_TOKEN, META_AD_ACCOUNT_EUR, META_AD_ACCOUNT_USD
from sandbox.faults import FaultPlan
from sandbox.server import SandboxServer
from sandbox.world import World

CLI = str(Path(sys.executable).with_name("purchase-path"))


@pytest.fixture(scope="module")
def server():
    with SandboxServer(World.generate(seed=11, buyers=400)) as running:
        yield running


def served(server: SandboxServer) -> dict[str, str]:
    found = {}
    for account in (META_AD_ACCOUNT_USD, META_AD_ACCOUNT_EUR):
        answer = requests.get(
            f"{server.base_url}/v21.0/act_{account}/insights",
            params={
                "level": "campaign",
                "time_increment": "1",
                "time_range": json.dumps({"since": "2026-06-01", "until": "2027-01-01"}),
                "fields": "account_id,campaign_id,spend",
                "limit": "500",
                "access_token": META_ACCESS_TOKEN,
            },
            timeout=10,
        ).json()
        found.update({f"{r['account_id']}:{r['campaign_id']}:{r['date_start']}": r["spend"] for r in answer["data"]})
    return found


def audit(warehouse) -> list[tuple]:
    with warehouse.connect(autocommit=True) as conn:
        try:
            return conn.execute("select stream, status, pages from ops.load_audit order by started_at").fetchall()
        except psycopg.errors.UndefinedTable:
            return []


def test_a_sync_killed_half_way_leaves_no_gap_and_no_double_after_a_rerun(server, warehouse, clean_raw):
    command = [CLI, "extract", "meta_ads", "--start", "2026-10-28", "--end", "2026-10-29"]  # the world's last day
    connection = {"conn_type": "http", "host": server.base_url, "password": META_ACCESS_TOKEN}
    env = {**os.environ, "AIRFLOW_CONN_META_ADS_DEFAULT": json.dumps(connection)}

    server.set_faults(FaultPlan.parse(["slow:1,delay=0.3,path=/insights"]))  # every insights page takes 0.3 s
    first = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 60
        while not any(stream == "insights_daily" and pages >= 2 for stream, _, pages in audit(warehouse)):
            assert first.poll() is None, f"the extract ended before it could be killed:\n{first.stdout.read()}"
            assert time.monotonic() < deadline, "the extract never loaded two pages of insights"
            time.sleep(0.05)
        first.send_signal(signal.SIGKILL)
        assert first.wait(timeout=10) == -signal.SIGKILL
    finally:
        first.kill()
        first.stdout.close()
        server.set_faults(None)

    expected = served(server)
    with warehouse.connect(autocommit=True) as conn:
        half = conn.execute("select count(*) from raw.meta_ads__insights_daily").fetchone()[0]
    assert 200 <= half < len(expected)  # killed half-way indeed

    second = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    assert second.returncode == 0, second.stdout + second.stderr
    assert META_ACCESS_TOKEN not in second.stdout + second.stderr

    with warehouse.connect(autocommit=True) as conn:
        rows = conn.execute("select natural_key, payload->>'spend' from raw.meta_ads__insights_daily").fetchall()
    assert len(rows) == len(dict(rows))  # no duplicate ...
    assert dict(rows) == expected  # ... and no gap
    assert [(stream, status) for stream, status, _ in audit(warehouse)] == [
        ("ad_accounts", "succeeded"),
        ("campaigns", "succeeded"),
        ("insights_daily", "abandoned"),  # the killed run's batch, marked by the next sync of the stream
        ("ad_accounts", "succeeded"),
        ("campaigns", "succeeded"),
        ("insights_daily", "succeeded"),
    ]
