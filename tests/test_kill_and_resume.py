"""A real kill: ``purchase-path extract hubspot`` is SIGKILLed half-way through a sync, then run again. Raw must end
equal to what the sandbox serves (the stage-history child streams included), with no duplicate and no gap, and the
second run must resume from the bookmark the first one committed rather than start over.

The extract runs as a subprocess against the session's warehouse (it inherits ``PURCHASE_PATH_HOME``, or
``WAREHOUSE_URL``, from tests/conftest.py) and a sandbox server of this module, slowed down so the kill lands
between pages.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import psycopg
import pytest
import requests

from sandbox.credentials import HUBSPOT_TOKEN
from sandbox.faults import FaultPlan
from sandbox.server import SandboxServer
from sandbox.world import World

CLI = str(Path(sys.executable).with_name("purchase-path"))


@pytest.fixture(scope="module")
def server():
    with SandboxServer(World.generate(seed=11, buyers=1500)) as running:
        yield running


def served(server: SandboxServer, object_type: str) -> dict[str, str]:
    found: dict[str, str] = {}
    params = {"limit": "100"}
    headers = {"Authorization": f"Bearer {HUBSPOT_TOKEN}"}
    while True:
        url = f"{server.base_url}/crm/v3/objects/{object_type}"
        answer = requests.get(url, params=params, headers=headers, timeout=10).json()
        found.update({r["id"]: r["updatedAt"] for r in answer["results"]})
        params["after"] = answer.get("paging", {}).get("next", {}).get("after")
        if not params["after"]:
            return found


def audit(warehouse) -> list[tuple]:
    with warehouse.connect(autocommit=True) as conn:
        try:
            return conn.execute(
                "select stream, status, pages, window_start from ops.load_audit order by started_at"
            ).fetchall()
        except psycopg.errors.UndefinedTable:
            return []


def test_a_sync_killed_half_way_resumes_without_a_gap_or_a_double(server, warehouse, clean_raw):
    end = server.now.date()
    command = [CLI, "extract", "hubspot", "--start", str(end - timedelta(days=1)), "--end", str(end)]
    connection = {"conn_type": "http", "host": server.base_url, "password": HUBSPOT_TOKEN}
    env = {**os.environ, "AIRFLOW_CONN_HUBSPOT_DEFAULT": json.dumps(connection)}

    server.set_faults(FaultPlan.parse(["slow:1,delay=0.4"]))  # every answer takes 0.4 s
    first = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 60
        while not any(stream == "contacts" and pages >= 2 for stream, _, pages, _ in audit(warehouse)):
            assert first.poll() is None, f"the extract ended before it could be killed:\n{first.stdout.read()}"
            assert time.monotonic() < deadline, "the extract never loaded two pages"
            time.sleep(0.05)
        first.send_signal(signal.SIGKILL)
        assert first.wait(timeout=10) == -signal.SIGKILL
    finally:
        first.kill()
        first.stdout.close()
        server.set_faults(None)

    with warehouse.connect(autocommit=True) as conn:
        half = conn.execute("select count(*) from raw.hubspot__contacts").fetchone()[0]
        bookmark = conn.execute("select bookmark from ops.sync_state where stream = 'contacts'").fetchone()[0]
    contacts, deals = served(server, "contacts"), served(server, "deals")
    assert 400 <= half < len(contacts)  # killed half-way indeed

    second = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    assert second.returncode == 0, second.stdout + second.stderr

    with warehouse.connect(autocommit=True) as conn:
        for stream, expected in (("contacts", contacts), ("deals", deals)):
            rows = conn.execute(f"select natural_key, payload->>'updatedAt' from raw.hubspot__{stream}").fetchall()
            assert len(rows) == len(dict(rows))  # no duplicate ...
            assert dict(rows) == expected  # ... and no gap, each record in its served version
        for history, parent in (("contact_stage_history", "contacts"), ("deal_stage_history", "deals")):
            rows = conn.execute(f"select natural_key, payload->>'updatedAt' from raw.hubspot__{history}").fetchall()
            assert len(rows) == len(dict(rows))  # each object's history once ...
            assert dict(rows) == (contacts if parent == "contacts" else deals)  # ... in the version served
        deals_without_associations = conn.execute(
            "select count(*) from raw.hubspot__deals d"
            " left join raw.hubspot__deal_contacts a using (natural_key) where a.natural_key is null"
        ).fetchone()[0]
        assert deals_without_associations == 0
    runs = audit(warehouse)
    assert [(stream, status) for stream, status, _, _ in runs] == [
        ("contacts", "abandoned"),  # the killed run's batch, marked by the next sync of the stream
        ("contacts", "succeeded"),
        ("deals", "succeeded"),
    ]
    assert runs[1][3] == bookmark  # the second run resumed where the killed one had committed, not from zero
