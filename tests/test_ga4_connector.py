"""The GA4 connector against the sandbox: the whole history, then daily runs as the clock moves, with the recent
days GA4 restates re-read until they settle; re-runs change nothing; every fault mode is survived or ends in one
clear error; bad credentials, a foreign property and bad configuration end in one clear error.

Runs end to end (Airflow connection → registry → core → warehouse) against a sandbox server of this module.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, time, timedelta

import orjson
import pytest
import requests

from connectors.core.errors import ConnectorError
from connectors.ga4 import DIMENSIONS, METRICS
from connectors.registry import extract
from sandbox.credentials import GA4_ACCESS_TOKEN, GA4_PROPERTY_ID
from sandbox.faults import Fault, FaultPlan
from sandbox.server import SandboxServer
from sandbox.world import World

FAST = {"attempts": 4, "deadline": 20, "backoff": 0.001, "backoff_max": 0.01, "connect_timeout": 2, "read_timeout": 2}
PAGE = 100


@pytest.fixture(scope="module")
def server():
    with SandboxServer(World.generate(seed=17, buyers=300, days=21)) as running:
        yield running


@pytest.fixture
def connect(server, monkeypatch):
    def configure(password: str = GA4_ACCESS_TOKEN, **extra: object) -> None:
        connection = {
            "conn_type": "http",
            "host": server.base_url,
            "password": password,
            "extra": {"property_id": GA4_PROPERTY_ID, "page_size": PAGE, **FAST, **extra},
        }
        monkeypatch.setenv("AIRFLOW_CONN_GA4_DEFAULT", json.dumps(connection))

    configure()
    return configure


def midnight(day) -> datetime:
    return datetime.combine(day, time(0), tzinfo=UTC)


def served(server) -> dict[str, list[str]]:
    """Every row of the report the connector asks for, as GA4 serves it at the clock: key → metric values."""
    body = {
        "dateRanges": [{"startDate": "2015-08-14", "endDate": "today"}],
        "dimensions": [{"name": name} for name in DIMENSIONS],
        "metrics": [{"name": name} for name in METRICS],
        "limit": 250000,
    }
    plan, server.faults = server.faults, FaultPlan()
    try:
        answer = requests.post(
            f"{server.base_url}/v1beta/properties/{GA4_PROPERTY_ID}:runReport",
            json=body,
            headers={"Authorization": f"Bearer {GA4_ACCESS_TOKEN}"},
            timeout=30,
        ).json()
    finally:
        server.faults = plan
    return {
        orjson.dumps([d["value"] for d in row["dimensionValues"]]).decode(): [m["value"] for m in row["metricValues"]]
        for row in answer.get("rows", [])
    }


def loaded(warehouse) -> dict[str, list[str]]:
    with warehouse.connect(autocommit=True) as conn:
        rows = conn.execute(
            "select natural_key, array(select m->>'value' from jsonb_array_elements(payload->'metricValues') m)"
            " from raw.ga4__traffic_daily"
        ).fetchall()
        total, distinct = conn.execute(
            "select count(*), count(distinct natural_key) from raw.ga4__traffic_daily"
        ).fetchone()
    assert total == distinct == len(rows)
    return {key: list(values) for key, values in rows}


def test_full_history_then_daily_runs_follow_the_restated_days(server, connect, clock, warehouse, clean_raw):
    world = server.world
    day = midnight(world.start_date + timedelta(days=10))
    clock(day)
    result = extract("ga4", warehouse, day - timedelta(days=1), day)[0]
    assert result.window_start is None and result.pages > 2
    first = loaded(warehouse)
    assert first == served(server)

    end = midnight(world.end_date)
    restated = 0
    while day < end:
        clock(day + timedelta(days=1))
        before = loaded(warehouse)
        extract("ga4", warehouse, day, day + timedelta(days=1))
        after = loaded(warehouse)
        restated += sum(1 for key, values in before.items() if after[key] != values)
        assert after == served(server)  # the lookback caught every restatement
        day += timedelta(days=1)
    assert restated > 0  # GA4 did restate rows that had been loaded before
    assert loaded(warehouse) == served(server)


def test_a_second_run_and_an_old_window_change_nothing(server, connect, warehouse, clean_raw):
    end = midnight(server.world.end_date)
    extract("ga4", warehouse, end - timedelta(days=1), end)
    with warehouse.connect(autocommit=True) as conn:
        before = conn.execute("select natural_key, payload from raw.ga4__traffic_daily order by 1").fetchall()
    again = extract("ga4", warehouse, end - timedelta(days=1), end)[0]
    assert again.window_start == (end - timedelta(days=4)).isoformat() and again.records > 0
    old = midnight(server.world.start_date + timedelta(days=5))
    extract("ga4", warehouse, old, old + timedelta(days=1))
    with warehouse.connect(autocommit=True) as conn:
        after = conn.execute("select natural_key, payload from raw.ga4__traffic_daily order by 1").fetchall()
    assert after == before


def test_sessions_loaded_per_day_are_what_ga4_saw_of_the_worlds_visits(server, connect, warehouse, clean_raw):
    extract("ga4", warehouse, None, server.now)
    with warehouse.connect(autocommit=True) as conn:
        sessions = conn.execute(
            "select sum((payload->'metricValues'->0->>'value')::int) from raw.ga4__traffic_daily"
        ).fetchone()[0]
    visits = sum(1 for b in server.world.iter_buyers() for t in b.touches if t.is_web)
    assert 0.8 * visits < sessions < 0.95 * visits  # GA4 sees about 88% of the visits (consent, blockers)


@pytest.mark.parametrize(
    "fault",
    ["5xx-burst:4", "drop:2", "truncate:2", "truncate:2,length=none", "invalid-json:2", "429:2,retry_after=0"],
)
def test_transient_faults_are_retried_and_the_sync_completes(server, connect, faults, warehouse, clean_raw, fault):
    faults(fault)
    result = extract("ga4", warehouse, None, server.now)[0]
    assert server.faults.fired[Fault.parse(fault).mode] >= 2
    assert result.quarantined == 0 and result.new_fields == ()
    assert loaded(warehouse) == served(server)


def test_slow_answers_past_the_timeout_are_retried(server, connect, faults, warehouse, clean_raw):
    connect(read_timeout=0.2)
    faults("slow:2,delay=0.4")
    extract("ga4", warehouse, None, server.now)
    assert server.faults.fired["slow"] >= 2
    assert loaded(warehouse) == served(server)


def test_a_repeated_page_is_asked_again_not_skipped(server, connect, faults, warehouse, clean_raw, caplog):
    faults("repeat-page:1")
    with caplog.at_level(logging.WARNING, logger="connectors.ga4"):
        result = extract("ga4", warehouse, None, server.now)[0]
    assert server.faults.fired["repeat-page"] >= 2
    assert "served the previous page again" in caplog.text
    assert loaded(warehouse) == served(server)
    assert result.records == len(served(server))


def test_a_new_field_is_kept_and_reported(server, connect, faults, warehouse, clean_raw):
    faults("drift-new-field:2,records=rows")
    result = extract("ga4", warehouse, None, server.now)[0]
    assert result.new_fields == ("traffic_daily.sandbox_new_field",)
    assert loaded(warehouse) == served(server)


def test_a_row_without_dimension_values_is_quarantined(server, connect, faults, warehouse, clean_raw):
    faults("drift-null:2,records=rows,field=dimensionValues")
    result = extract("ga4", warehouse, None, server.now)[0]
    fired = server.faults.fired["drift-null"]
    assert result.quarantined == fired >= 2
    assert len(loaded(warehouse)) == len(served(server)) - fired


@pytest.mark.parametrize(
    ("fault", "said"),
    [("5xx-burst:1", "HTTP 500 (internal error)"), ("invalid-json:1", "body that is not valid JSON")],
)
def test_a_fault_that_lasts_ends_in_one_clear_error(server, connect, faults, warehouse, clean_raw, fault, said):
    faults(fault)
    with pytest.raises(ConnectorError) as error:
        extract("ga4", warehouse, None, server.now)
    assert str(error.value).startswith(
        f"ga4.traffic_daily: no usable answer from POST /v1beta/properties/{GA4_PROPERTY_ID}:runReport after 4"
    )
    assert said in str(error.value)


def test_a_bad_token_and_a_foreign_property_end_in_one_clear_error(server, connect, warehouse, clean_raw, caplog):
    connect(password="ya29.expired")
    with caplog.at_level(logging.DEBUG), pytest.raises(ConnectorError) as error:
        extract("ga4", warehouse, None, server.now)
    assert "HTTP 401: Request had invalid authentication credentials" in str(error.value)
    assert "Fix the credentials of Airflow connection 'ga4_default'" in str(error.value)
    assert "ya29.expired" not in str(error.value) + caplog.text

    connect(property_id="400000002")
    with pytest.raises(ConnectorError, match=r"HTTP 403: User does not have sufficient permissions"):
        extract("ga4", warehouse, None, server.now)


@pytest.mark.parametrize(
    ("extra", "said"),
    [({"property_id": ""}, "needs property_id"), ({"start_date": "01/08/2026"}, "start_date in the extra")],
)
def test_bad_configuration_ends_before_any_request(connect, warehouse, extra, said):
    connect(**extra)
    with pytest.raises(ConnectorError, match=said):
        extract("ga4", warehouse, None, datetime.now(UTC))
