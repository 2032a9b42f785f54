"""Every sandbox fault mode against the Google Ads connector: the sync survives it (raw ends equal to a clean sync)
or ends in the one clear error the vendor's behaviour calls for.

searchStream answers at once (no pages), so ``repeat-page`` cannot happen to it and is not tested here. The drift
modes see the answer's batches as its records: a new field on a batch is reported in the log; a batch whose
``results`` turn null ends the sync with a clear message (proto3 JSON never sends null for a list).
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

import pytest

from connectors.core.errors import ConnectorError
from connectors.registry import extract
from sandbox.faults import FaultPlan
from sandbox.server import SandboxServer
from sandbox.world import World

CLOCK = datetime(2026, 7, 20, tzinfo=UTC)
FAST = {"attempts": 4, "deadline": 20, "backoff": 0.001, "backoff_max": 0.01, "connect_timeout": 2, "read_timeout": 2}
TABLES = ("customers", "campaigns", "campaign_metrics_daily", "click_views")


def drop_raw(warehouse) -> None:
    with warehouse.connect(autocommit=True) as conn:
        tables = conn.execute(
            "select schemaname || '.' || tablename from pg_tables where schemaname in ('raw', 'ops')"
        ).fetchall()
        for (table,) in tables:
            conn.execute(f"drop table {table} cascade")


def loaded(warehouse) -> dict[str, dict[str, str]]:
    found = {}
    with warehouse.connect(autocommit=True) as conn:
        for table in TABLES:
            rows = conn.execute(f"select natural_key, payload::text from raw.google_ads__{table}").fetchall()
            found[table] = dict(rows)
    return found


@pytest.fixture(scope="module")
def faulty():
    with SandboxServer(World.generate(seed=7, buyers=300), now=CLOCK) as server:
        yield server


@pytest.fixture
def sync(faulty, warehouse, monkeypatch):
    def run(*faults: str, **policy: float):
        drop_raw(warehouse)
        connection = json.loads(faulty.airflow_connections()["AIRFLOW_CONN_GOOGLE_ADS_DEFAULT"])
        connection["extra"].update({**FAST, **policy})
        monkeypatch.setenv("AIRFLOW_CONN_GOOGLE_ADS_DEFAULT", json.dumps(connection))
        faulty.set_faults(FaultPlan.parse(faults))
        extract("google_ads", warehouse, None, CLOCK)
        return faulty.faults.fired

    yield run
    faulty.set_faults(None)


@pytest.fixture(scope="module")
def clean(faulty, warehouse):
    """What a sync without faults loads."""
    import os

    old = os.environ.get("AIRFLOW_CONN_GOOGLE_ADS_DEFAULT")
    os.environ["AIRFLOW_CONN_GOOGLE_ADS_DEFAULT"] = faulty.airflow_connections()["AIRFLOW_CONN_GOOGLE_ADS_DEFAULT"]
    try:
        drop_raw(warehouse)
        extract("google_ads", warehouse, None, CLOCK)
        found = loaded(warehouse)
    finally:
        if old is None:
            del os.environ["AIRFLOW_CONN_GOOGLE_ADS_DEFAULT"]
        else:
            os.environ["AIRFLOW_CONN_GOOGLE_ADS_DEFAULT"] = old
    assert len(found["click_views"]) > 30 and len(found["campaign_metrics_daily"]) > 100
    return found


@pytest.mark.parametrize(
    ("fault", "policy"),
    [
        ("429:3,times=3", {}),
        ("5xx-burst:7,burst=2", {}),
        ("slow:5,delay=0.3", {"read_timeout": 0.1}),
        ("drop:4", {}),
        ("truncate:4", {}),
        ("truncate:4,length=none", {}),
        ("invalid-json:4", {}),
    ],
)
def test_passing_faults_are_survived_and_nothing_differs(sync, clean, warehouse, fault, policy):
    fired = sync(fault, **policy)
    assert sum(fired.values()) > 0  # the fault really happened
    assert loaded(warehouse) == clean


def test_a_new_field_on_the_batches_is_reported_and_the_data_loads_whole(sync, clean, warehouse, caplog):
    with caplog.at_level(logging.WARNING, logger="connectors.google_ads"):
        sync("drift-new-field:1")
    assert loaded(warehouse) == clean
    assert any("sandbox_new_field" in r.getMessage() for r in caplog.records)


def test_results_turning_null_end_in_a_clear_error(sync):
    with pytest.raises(ConnectorError, match="has 'results' = None, not a list"):
        sync("drift-null:1,field=results")


@pytest.mark.parametrize(
    ("fault", "policy", "message"),
    [
        ("5xx-burst:1,burst=1000", {}, r"after 4 attempts .* HTTP 50\d"),
        ("429:1", {}, r"rate-limited \(HTTP 429"),
        ("slow:1,delay=0.3", {"read_timeout": 0.1}, "raise read_timeout"),
    ],
)
def test_lasting_faults_end_in_one_clear_error(sync, fault, policy, message):
    with pytest.raises(ConnectorError, match=message):
        sync(fault, **policy)
