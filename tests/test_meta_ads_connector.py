"""The Meta Ads connector against the sandbox's Graph API: a full sync, then incremental runs as the sandbox clock
moves (restated days change, settled ones do not), re-runs of old windows, configuration and credential errors.

The connector runs end to end (Airflow connection → registry → core → warehouse) against a sandbox server of this
module, whose clock the tests move.
"""

from __future__ import annotations

import json
import logging
import time
from datetime import UTC, datetime, timedelta

import pytest
import requests

from connectors.core.errors import ConnectorError
from connectors.registry import extract
from sandbox.credentials import META_ACCESS_TOKEN, META_AD_ACCOUNT_EUR, META_AD_ACCOUNT_USD
from sandbox.server import SandboxServer
from sandbox.vendors.meta_ads import MetaAdsOptions
from sandbox.world import World

ACCOUNTS = (META_AD_ACCOUNT_USD, META_AD_ACCOUNT_EUR)
FAST = {"attempts": 4, "deadline": 20, "backoff": 0.001, "backoff_max": 0.01, "connect_timeout": 2, "read_timeout": 5}


@pytest.fixture(scope="module")
def server():
    with SandboxServer(World.generate(seed=7, buyers=400)) as running:
        yield running


@pytest.fixture
def configure(server, monkeypatch):
    """``configure(**extra)``: point ``meta_ads_default`` at the module's sandbox with this extra."""

    def apply(token: str = META_ACCESS_TOKEN, **extra: object) -> None:
        connection = {"conn_type": "http", "host": server.base_url, "password": token, "extra": {**FAST, **extra}}
        monkeypatch.setenv("AIRFLOW_CONN_META_ADS_DEFAULT", json.dumps(connection))

    apply(ad_account_ids=list(ACCOUNTS))
    yield apply
    server.set_clock(datetime.fromtimestamp(server.world.end_ms / 1000, UTC))


def served_insights(server: SandboxServer) -> dict[str, dict]:
    """Every insights row the sandbox serves at its clock, keyed as the connector keys them."""
    found = {}
    for account in ACCOUNTS:
        answer = requests.get(
            f"{server.base_url}/v21.0/act_{account}/insights",
            params={
                "level": "campaign",
                "time_increment": "1",
                "time_range": json.dumps({"since": "2026-06-01", "until": "2027-01-01"}),
                "fields": "account_id,account_currency,campaign_id,campaign_name,impressions,reach,clicks,spend,"
                "actions,action_values",
                "action_attribution_windows": '["7d_click","1d_view"]',
                "limit": "500",
                "access_token": META_ACCESS_TOKEN,
            },
            timeout=10,
        ).json()
        assert "next" not in answer.get("paging", {})  # one page holds the test world's rows
        found.update({f"{r['account_id']}:{r['campaign_id']}:{r['date_start']}": r for r in answer["data"]})
    return found


def loaded(warehouse, stream: str = "insights_daily") -> dict[str, dict]:
    with warehouse.connect(autocommit=True) as conn:
        rows = conn.execute(f"select natural_key, payload from raw.meta_ads__{stream}").fetchall()
        total, distinct = conn.execute(
            f"select count(*), count(distinct natural_key) from raw.meta_ads__{stream}"
        ).fetchone()
    assert total == distinct == len(rows)  # never a duplicate
    return dict(rows)


def test_full_then_incremental_sync_follows_the_restating_api(server, configure, warehouse, clean_raw):
    server.set_clock(datetime(2026, 9, 1, tzinfo=UTC))
    results = {r.stream: r for r in extract("meta_ads", warehouse, None, server.now)}
    assert results["ad_accounts"].records == 2 and results["campaigns"].records == 6
    first = loaded(warehouse)
    assert first == served_insights(server)  # the whole history, each row as served
    accounts = loaded(warehouse, "ad_accounts")
    assert {a["currency"]: a["timezone_name"] for a in accounts.values()} == {
        "USD": "America/Los_Angeles",
        "EUR": "Europe/Dublin",
    }

    # Nothing new: a second run changes nothing.
    extract("meta_ads", warehouse, server.now - timedelta(days=1), server.now)
    assert loaded(warehouse) == first

    # Three days on: new days arrive, the last week's actions and spend are restated, older days stay as they were.
    server.set_clock(datetime(2026, 9, 4, tzinfo=UTC))
    result = {r.stream: r for r in extract("meta_ads", warehouse, server.now - timedelta(days=1), server.now)}
    assert result["insights_daily"].window_start == "2026-08-25T00:00:00+00:00"  # the bookmark less the 7-day lookback
    later = loaded(warehouse)
    assert later == served_insights(server)
    assert set(later) > set(first)
    changed = {key for key in first if later[key] != first[key]}
    assert changed, "restated days were not re-pulled"
    assert all(key.rsplit(":", 1)[1] >= "2026-08-24" for key in changed)  # local days inside the lookback


def test_rerunning_an_old_window_changes_nothing(server, configure, warehouse, clean_raw):
    extract("meta_ads", warehouse, None, server.now)
    before = loaded(warehouse)
    extract("meta_ads", warehouse, datetime(2026, 8, 1, tzinfo=UTC), datetime(2026, 8, 2, tzinfo=UTC))
    assert loaded(warehouse) == before
    with warehouse.connect(autocommit=True) as conn:
        bookmark = conn.execute(
            "select bookmark from ops.sync_state where source = 'meta_ads' and stream = 'insights_daily'"
        ).fetchone()[0]
    assert bookmark == server.now  # an old window never moves the bookmark back


def test_without_account_ids_every_account_the_token_reaches_is_synced(server, configure, warehouse, clean_raw):
    configure()  # no ad_account_ids
    results = {r.stream: r for r in extract("meta_ads", warehouse, None, server.now)}
    assert results["ad_accounts"].records == 2
    assert loaded(warehouse) == served_insights(server)


def test_a_wrong_token_names_the_connection_and_hides_the_token(configure, warehouse, clean_raw, caplog):
    configure(token="EAAwrong-secret-token", ad_account_ids=list(ACCOUNTS))
    with caplog.at_level(logging.DEBUG), pytest.raises(ConnectorError) as failure:
        extract("meta_ads", warehouse, None, datetime(2026, 9, 1, tzinfo=UTC))
    message = str(failure.value)
    assert "Invalid OAuth access token" in message and "meta_ads_default" in message
    assert "wrong-secret" not in message and "wrong-secret" not in caplog.text


def test_the_token_never_reaches_a_log_line(server, configure, warehouse, clean_raw, caplog):
    with caplog.at_level(logging.DEBUG):
        extract("meta_ads", warehouse, None, server.now)
    assert META_ACCESS_TOKEN not in caplog.text


def test_an_account_the_token_cannot_see_is_a_clear_error(configure, warehouse, clean_raw):
    configure(ad_account_ids=["act_999"])
    with pytest.raises(ConnectorError, match="does not exist, cannot be loaded due to missing permissions"):
        extract("meta_ads", warehouse, None, datetime(2026, 9, 1, tzinfo=UTC))


@pytest.mark.parametrize(
    ("extra", "said"),
    [
        ({"ad_account_ids": ["my account"]}, "must be a list of ad account ids"),
        ({"lookback_days": "a week"}, "lookback_days must be a whole number"),
    ],
)
def test_bad_configuration_is_named(configure, warehouse, extra, said):
    configure(**extra)
    with pytest.raises(ConnectorError, match=said):
        extract("meta_ads", warehouse, None, datetime(2026, 9, 1, tzinfo=UTC))


def test_throttling_waits_for_the_quota_and_completes(warehouse, clean_raw, monkeypatch):
    options = MetaAdsOptions(enforce_rate_limits=True, calls_per_window=2, window_seconds=0.5)
    with SandboxServer(World.generate(seed=7, buyers=400), options={"meta_ads": options}) as throttled:
        connection = {"conn_type": "http", "host": throttled.base_url, "password": META_ACCESS_TOKEN, "extra": FAST}
        monkeypatch.setenv("AIRFLOW_CONN_META_ADS_DEFAULT", json.dumps(connection))
        extract("meta_ads", warehouse, None, throttled.now)
        time.sleep(options.window_seconds)  # let the quota recover for our own reading
        assert loaded(warehouse) == served_insights(throttled)
