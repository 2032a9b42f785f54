"""Every sandbox fault mode against the Meta Ads connector: the sync survives it (raw ends equal to what the sandbox
serves) or ends in the one clear error the vendor's behaviour calls for.

The connector runs end to end against a sandbox server of this module; the connection's ``extra`` makes retries
wait milliseconds. The insights of the 400-buyer world come in several pages per account (100 rows a page).
"""

from __future__ import annotations

import json
import logging

import pytest
import requests

from connectors.core.errors import ConnectorError
from connectors.registry import extract
from sandbox.credentials import META_ACCESS_TOKEN, META_AD_ACCOUNT_EUR, META_AD_ACCOUNT_USD
from sandbox.faults import Fault, FaultPlan
from sandbox.server import SandboxServer
from sandbox.world import World

ACCOUNTS = (META_AD_ACCOUNT_USD, META_AD_ACCOUNT_EUR)
FAST = {"attempts": 4, "deadline": 20, "backoff": 0.001, "backoff_max": 0.01, "connect_timeout": 2, "read_timeout": 2}
STREAMS = ("ad_accounts", "campaigns", "insights_daily")


@pytest.fixture(scope="module")
def faulty():
    with SandboxServer(World.generate(seed=7, buyers=400)) as server:
        yield server


@pytest.fixture(scope="module")
def served(faulty) -> dict[str, set[str]]:
    """The keys of what the sandbox serves, read without faults, per stream."""
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {META_ACCESS_TOKEN}"
    base = f"{faulty.base_url}/v21.0"
    found: dict[str, set[str]] = {"ad_accounts": set(ACCOUNTS), "campaigns": set(), "insights_daily": set()}
    for account in ACCOUNTS:
        campaigns = session.get(f"{base}/act_{account}/campaigns", params={"limit": 100}, timeout=10).json()
        found["campaigns"] |= {c["id"] for c in campaigns["data"]}
        insights = session.get(
            f"{base}/act_{account}/insights",
            params={
                "level": "campaign",
                "time_increment": "1",
                "time_range": json.dumps({"since": "2026-06-01", "until": "2027-01-01"}),
                "fields": "account_id,campaign_id",
                "limit": 500,
            },
            timeout=10,
        ).json()
        found["insights_daily"] |= {f"{r['account_id']}:{r['campaign_id']}:{r['date_start']}" for r in insights["data"]}
    assert len(found["insights_daily"]) > 400  # several pages of 100
    return found


@pytest.fixture
def sync(faulty, served, warehouse, clean_raw, monkeypatch):
    """``sync("429:3", read_timeout=0.3)``: the whole Meta history through the faults, with a fast policy."""

    def run(*faults: str, **policy: float):
        extra = {**FAST, **policy, "ad_account_ids": list(ACCOUNTS)}
        connection = {"conn_type": "http", "host": faulty.base_url, "password": META_ACCESS_TOKEN, "extra": extra}
        monkeypatch.setenv("AIRFLOW_CONN_META_ADS_DEFAULT", json.dumps(connection))
        faulty.set_faults(FaultPlan.parse(faults))
        return {r.stream: r for r in extract("meta_ads", warehouse, None, faulty.now)}

    yield run
    faulty.set_faults(None)


def loaded(warehouse) -> dict[str, set[str]]:
    found = {}
    with warehouse.connect(autocommit=True) as conn:
        for stream in STREAMS:
            rows, keys = conn.execute(
                f"select count(*), count(distinct natural_key) from raw.meta_ads__{stream}"
            ).fetchone()
            assert rows == keys
            found[stream] = {key for (key,) in conn.execute(f"select natural_key from raw.meta_ads__{stream}")}
    return found


def assert_survived(warehouse, served, faulty, mode: str) -> None:
    assert faulty.faults.fired[mode] > 0, f"the {mode} fault never fired"
    assert loaded(warehouse) == served


@pytest.mark.parametrize(
    ("fault", "policy"),
    [
        ("5xx-burst:4", {}),  # requests 4..6 answer 500, 502, 503; the 4th attempt gets through
        ("drop:2", {}),
        ("truncate:2", {}),
        ("truncate:2,length=none", {}),
        ("invalid-json:3", {}),
        ("slow:3,delay=1", {"read_timeout": 0.5}),
    ],
)
def test_transient_faults_are_retried_and_the_sync_completes(sync, warehouse, served, faulty, fault, policy, caplog):
    with caplog.at_level(logging.WARNING, logger="connectors.core.http"):
        results = sync(fault, **policy)
    assert_survived(warehouse, served, faulty, Fault.parse(fault).mode)
    assert "retrying in" in caplog.text
    assert all(r.quarantined == 0 and r.new_fields == () for r in results.values())


def test_429_waits_as_long_as_retry_after_says(sync, warehouse, served, faulty, caplog):
    with caplog.at_level(logging.INFO, logger="connectors.core.http"):
        sync("429:3,retry_after=0")
    assert_survived(warehouse, served, faulty, "429")
    assert "rate-limited, waiting" in caplog.text


def test_a_repeated_page_doubles_nothing(sync, warehouse, served, faulty):
    results = sync("repeat-page:1")  # every later page comes twice
    assert_survived(warehouse, served, faulty, "repeat-page")
    assert results["insights_daily"].records == len(served["insights_daily"])  # each record counted once


def test_a_new_field_is_kept_and_reported(sync, warehouse, served, faulty):
    results = sync("drift-new-field:1,field=quality_ranking")
    assert_survived(warehouse, served, faulty, "drift-new-field")
    assert "insights_daily.quality_ranking" in results["insights_daily"].new_fields
    with warehouse.connect(autocommit=True) as conn:
        kept = conn.execute(
            "select count(*) from raw.meta_ads__insights_daily where payload ? 'quality_ranking'"
        ).fetchone()[0]
    assert kept == len(served["insights_daily"])


def test_a_row_without_its_campaign_is_quarantined_and_the_batch_goes_on(sync, warehouse, served, faulty):
    results = sync("drift-null:1,field=campaign_id,path=/insights")
    assert results["insights_daily"].quarantined == faulty.faults.fired["drift-null"] > 0
    assert results["insights_daily"].records == len(served["insights_daily"]) - results["insights_daily"].quarantined
    with warehouse.connect(autocommit=True) as conn:
        reasons = [r for (r,) in conn.execute("select reason from ops.quarantine where stream = 'insights_daily'")]
    assert reasons and all("campaign_id" in reason for reason in reasons)


@pytest.mark.parametrize(
    ("fault", "policy", "said"),
    [
        ("5xx-burst:1,burst=100", {}, "HTTP 500"),
        ("drop:1", {}, "the connection broke mid-body"),
        ("invalid-json:1", {}, "not valid JSON"),
        ("slow:1,delay=1", {"read_timeout": 0.2}, "raise read_timeout"),
        ("429:1,retry_after=0", {}, "rate-limited (HTTP 429"),
    ],
)
def test_a_fault_that_lasts_ends_in_one_clear_error(sync, fault, policy, said):
    with pytest.raises(ConnectorError) as failure:
        sync(fault, **policy)
    message = str(failure.value)
    assert said in message and "after 4 attempts" in message
    assert META_ACCESS_TOKEN not in message
