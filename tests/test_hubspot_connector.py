"""The HubSpot connector against the sandbox: full history, then incremental as the world's clock moves; re-runs
change nothing; bad configuration ends in one clear error."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, time, timedelta

import pytest
import requests

from connectors.core.errors import ConnectorError
from connectors.registry import extract
from sandbox.credentials import HUBSPOT_TOKEN


def served(sandbox, object_type: str) -> dict[str, str]:
    """Every record the sandbox serves now, id → updatedAt, read through the plain list endpoint."""
    found: dict[str, str] = {}
    params: dict[str, str] = {"limit": "100"}
    while True:
        answer = requests.get(
            f"{sandbox.base_url}/crm/v3/objects/{object_type}",
            params=params,
            headers={"Authorization": f"Bearer {HUBSPOT_TOKEN}"},
            timeout=10,
        ).json()
        found.update({r["id"]: r["updatedAt"] for r in answer["results"]})
        after = answer.get("paging", {}).get("next", {}).get("after")
        if not after:
            return found
        params["after"] = after


def loaded(warehouse, stream: str) -> dict[str, str]:
    with warehouse.connect(autocommit=True) as conn:
        rows = conn.execute(f"select natural_key, payload->>'updatedAt' from raw.hubspot__{stream}").fetchall()
    return dict(rows)


def midnight(day) -> datetime:
    return datetime.combine(day, time(0), tzinfo=UTC)


@pytest.fixture
def clock(sandbox):
    """Lets a test move the sandbox's clock; puts it back afterwards."""
    before = sandbox.now
    yield sandbox.set_clock
    sandbox.set_clock(before)


def test_full_then_incremental_sync_matches_what_the_api_serves(sources_configured, clean_raw, warehouse, world, clock):
    sandbox = sources_configured
    halfway = midnight(world.start_date + timedelta(days=60))
    clock(halfway)
    extract("hubspot", warehouse, halfway - timedelta(days=1), halfway)
    assert loaded(warehouse, "contacts") == served(sandbox, "contacts")
    assert loaded(warehouse, "deals") == served(sandbox, "deals")

    # The world moves on: new contacts, deals that progress. Day-by-day runs catch up with all of it.
    end = midnight(world.end_date)
    clock(end)
    day = halfway
    while day < end:
        extract("hubspot", warehouse, day, min(day + timedelta(days=7), end))
        day += timedelta(days=7)
    assert loaded(warehouse, "contacts") == served(sandbox, "contacts")
    assert loaded(warehouse, "deals") == served(sandbox, "deals")
    with warehouse.connect(autocommit=True) as conn:
        deals_without_association_row = conn.execute(
            "select count(*) from raw.hubspot__deals d left join raw.hubspot__deal_contacts a using (natural_key)"
            " where a.natural_key is null"
        ).fetchone()[0]
    assert deals_without_association_row == 0


def test_rerunning_a_day_changes_nothing(sources_configured, clean_raw, warehouse, world):
    end = midnight(world.end_date)
    extract("hubspot", warehouse, end - timedelta(days=1), end)
    with warehouse.connect(autocommit=True) as conn:
        before = conn.execute("select natural_key, payload from raw.hubspot__deals order by 1").fetchall()
        results = extract("hubspot", warehouse, end - timedelta(days=1), end)
        after = conn.execute("select natural_key, payload from raw.hubspot__deals order by 1").fetchall()
    assert after == before
    # The re-run asked only for the lookback window, not the whole history again.
    assert all(r.window_start is not None for r in results)


def test_wrong_token_names_the_connection_and_hides_the_token(sandbox, monkeypatch, warehouse, clean_raw):
    secret = "pat-wrong-but-secret-123"
    conn = {"conn_type": "http", "host": sandbox.base_url, "password": secret}
    monkeypatch.setenv("AIRFLOW_CONN_HUBSPOT_DEFAULT", json.dumps(conn))
    with pytest.raises(ConnectorError) as error:
        extract("hubspot", warehouse, None, midnight(datetime.now(UTC).date()))
    assert "hubspot_default" in str(error.value)
    assert "401" in str(error.value)
    assert secret not in str(error.value)


def test_unreachable_api_names_the_host_to_check(monkeypatch, warehouse, clean_raw):
    conn = {"conn_type": "http", "host": "http://127.0.0.1:9", "password": "x", "extra": {"attempts": 2}}
    monkeypatch.setenv("AIRFLOW_CONN_HUBSPOT_DEFAULT", json.dumps(conn))
    with pytest.raises(ConnectorError, match="127.0.0.1:9"):
        extract("hubspot", warehouse, None, midnight(datetime.now(UTC).date()))


def test_unconfigured_source_is_skipped_with_a_note(monkeypatch, warehouse, caplog):
    monkeypatch.delenv("AIRFLOW_CONN_HUBSPOT_DEFAULT", raising=False)
    with caplog.at_level(logging.WARNING):
        assert extract("hubspot", warehouse, None, midnight(datetime.now(UTC).date())) == []
    assert "AIRFLOW_CONN_HUBSPOT_DEFAULT" in caplog.text
