"""The Google Ads connector end to end (Airflow connection → registry → core → warehouse) against a sandbox server of
its own: the whole history, then incrementally; restated days land on the next run; an old window re-run changes
nothing; both ways to authenticate; bad credentials end in one clear message without the secret."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from connectors.core.errors import ConnectorError
from connectors.registry import extract
from sandbox import credentials as cred
from sandbox.server import SandboxServer
from sandbox.vendors.google_ads import ACCOUNTS
from sandbox.world import World

CLOCK = datetime(2026, 8, 1, tzinfo=UTC)
TABLES = ("customers", "campaigns", "campaign_metrics_daily", "click_views")


@pytest.fixture(scope="module")
def server():
    with SandboxServer(World.generate(seed=7, buyers=300), now=CLOCK) as running:
        yield running


@pytest.fixture
def connect(server, monkeypatch):
    """Point google_ads_default at the sandbox (refresh-token form by default, as the sandbox exports it)."""

    def set_connection(**changes) -> dict:
        connection = json.loads(server.airflow_connections()["AIRFLOW_CONN_GOOGLE_ADS_DEFAULT"])
        connection.update(changes)
        monkeypatch.setenv("AIRFLOW_CONN_GOOGLE_ADS_DEFAULT", json.dumps(connection))
        return connection

    set_connection()
    yield set_connection
    server.set_clock(CLOCK)


def snapshot(warehouse) -> dict[str, dict[str, str]]:
    found = {}
    with warehouse.connect(autocommit=True) as conn:
        for table in TABLES:
            rows = conn.execute(f"select natural_key, payload::text from raw.google_ads__{table}").fetchall()
            assert len(rows) == len(dict(rows))
            found[table] = dict(rows)
    return found


def world_gclids(world: World, clock: datetime, days: int = 90) -> set[str]:
    """The world's Google ad clicks by the clock on the account-local days click_view still reaches."""
    found = set()
    for buyer in world.iter_buyers():
        zone = ZoneInfo(ACCOUNTS[0].time_zone if buyer.currency == "USD" else ACCOUNTS[1].time_zone)
        last = (clock - timedelta(milliseconds=1)).astimezone(zone).date()
        for touch in buyer.touches:
            day = datetime.fromtimestamp(touch.at / 1000, zone).date()
            if touch.gclid and touch.at < clock.timestamp() * 1000 and day > last - timedelta(days=days):
                found.add(touch.gclid)
    return found


def test_whole_history_then_incremental_then_restatements(server, warehouse, clean_raw, connect):
    results = {r.stream: r for r in extract("google_ads", warehouse, None, CLOCK)}
    assert set(results) == set(TABLES)
    first = snapshot(warehouse)
    assert set(first["customers"]) == {cred.GOOGLE_ADS_CUSTOMER_ID_USD, cred.GOOGLE_ADS_CUSTOMER_ID_EUR}
    assert len(first["campaigns"]) == 10
    assert set(first["click_views"]) == world_gclids(server.world, CLOCK)
    days = {key.rsplit(":", 1)[1] for key in first["campaign_metrics_daily"]}
    assert min(days) == "2026-06-30" and max(days) == "2026-08-01"  # New York from its first day, Berlin to its 2 a.m.
    assert results["campaign_metrics_daily"].records == len(first["campaign_metrics_daily"])

    extract("google_ads", warehouse, CLOCK - timedelta(days=1), CLOCK)  # nothing new: nothing changes
    assert snapshot(warehouse) == first

    later = CLOCK + timedelta(days=4)
    server.set_clock(later)
    extract("google_ads", warehouse, CLOCK, later)
    after = snapshot(warehouse)
    restated = [
        key
        for key, payload in first["campaign_metrics_daily"].items()
        if after["campaign_metrics_daily"][key] != payload
    ]
    assert restated and all(key.rsplit(":", 1)[1] >= "2026-07-24" for key in restated)  # only recent days moved
    assert set(after["click_views"]) == world_gclids(server.world, later) | set(first["click_views"])
    assert max(k.rsplit(":", 1)[1] for k in after["campaign_metrics_daily"]) == "2026-08-05"


def test_rerunning_an_old_window_changes_nothing(server, warehouse, clean_raw, connect):
    extract("google_ads", warehouse, None, CLOCK)
    before = snapshot(warehouse)
    old = datetime(2026, 8, 1, tzinfo=UTC)
    extract("google_ads", warehouse, old, old + timedelta(days=1))
    assert snapshot(warehouse) == before


def test_an_access_token_in_the_password_works_as_well(server, warehouse, clean_raw, connect):
    extra = {k: v for k, v in connect()["extra"].items() if k not in ("refresh_token", "client_secret")}
    connect(password=cred.GOOGLE_ADS_ACCESS_TOKEN, extra=extra)
    results = extract("google_ads", warehouse, None, CLOCK)
    assert {r.stream: r.records > 0 for r in results} == dict.fromkeys(TABLES, True)


@pytest.mark.parametrize(
    ("change", "names"),
    [
        ({"refresh_token": "1//revoked-token"}, "refresh_token, client_id and client_secret"),
        ({"developer_token": "not-the-token"}, "Fix the credentials of Airflow connection 'google_ads_default'"),
    ],
)
def test_bad_credentials_end_in_one_clear_message_without_the_secret(
    server, warehouse, clean_raw, connect, change, names
):
    connection = connect()
    connect(extra={**connection["extra"], **change})
    with pytest.raises(ConnectorError) as failure:
        extract("google_ads", warehouse, None, CLOCK)
    message = str(failure.value)
    assert names in message and "google_ads_default" in message
    for secret in (cred.GOOGLE_ADS_CLIENT_SECRET, *change.values()):
        assert secret not in message


def test_a_connection_without_customer_ids_is_refused_before_any_request(server, warehouse, connect):
    connection = connect()
    connect(extra={k: v for k, v in connection["extra"].items() if k != "customer_ids"})
    with pytest.raises(ConnectorError, match="customer_ids"):
        extract("google_ads", warehouse, None, CLOCK)
