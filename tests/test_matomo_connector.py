"""The Matomo connector against the sandbox: the whole history, then incrementally as the world's clock moves; a
visit under way is re-read until it is whole; re-runs and old windows change nothing; every fault mode is survived
or ends in one clear error; bad credentials and configuration end in one clear error.

Each test syncs end to end (Airflow connection → registry → core → warehouse) against a sandbox server of this
module (a small world), so the clock and the faults it sets touch nobody else.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, time, timedelta

import pytest
import requests

from connectors.core.errors import ConnectorError
from connectors.registry import extract
from sandbox.credentials import MATOMO_TOKEN_AUTH
from sandbox.faults import Fault, FaultPlan
from sandbox.server import SandboxServer
from sandbox.world import World

FAST = {"attempts": 4, "deadline": 20, "backoff": 0.001, "backoff_max": 0.01, "connect_timeout": 2, "read_timeout": 2}
PAGE = 25  # small pages, so that most days take several


@pytest.fixture(scope="module")
def server():
    with SandboxServer(World.generate(seed=13, buyers=300, days=14)) as running:
        yield running


@pytest.fixture
def connect(server, monkeypatch):
    """``connect(**extra)``: point ``matomo_default`` at this module's sandbox, small pages and fast retries."""

    def configure(password: str = MATOMO_TOKEN_AUTH, **extra: object) -> None:
        connection = {
            "conn_type": "http",
            "host": server.base_url,
            "password": password,
            "extra": {"site_id": "1", "page_size": PAGE, **FAST, **extra},
        }
        monkeypatch.setenv("AIRFLOW_CONN_MATOMO_DEFAULT", json.dumps(connection))

    configure()
    return configure


def midnight(day) -> datetime:
    return datetime.combine(day, time(0), tzinfo=UTC)


def served(server) -> dict[str, int]:
    """Every visit the sandbox serves at its clock: idVisit → lastActionTimestamp (one request, no faults)."""
    return {str(v["idVisit"]): v["lastActionTimestamp"] for v in full_visits(server)}


def full_visits(server) -> list[dict]:
    """Every visit the sandbox serves at its clock, without actions, read past any faults set."""
    params = {
        "module": "API",
        "method": "Live.getLastVisitsDetails",
        "idSite": "1",
        "format": "JSON",
        "filter_limit": "-1",
        "doNotFetchActions": "1",
        "filter_sort_order": "asc",
    }
    plan, server.faults = server.faults, FaultPlan()
    try:
        answer = requests.post(
            f"{server.base_url}/index.php", params=params, data={"token_auth": MATOMO_TOKEN_AUTH}, timeout=30
        )
    finally:
        server.faults = plan
    return answer.json()


def loaded(warehouse) -> dict[str, int]:
    with warehouse.connect(autocommit=True) as conn:
        rows = conn.execute(
            "select natural_key, (payload->>'lastActionTimestamp')::bigint from raw.matomo__visits"
        ).fetchall()
        total, distinct = conn.execute(
            "select count(*), count(distinct natural_key) from raw.matomo__visits"
        ).fetchone()
    assert total == distinct == len(rows)
    return dict(rows)


def payloads(warehouse) -> dict[str, str]:
    with warehouse.connect(autocommit=True) as conn:
        return dict(conn.execute("select natural_key, payload::text from raw.matomo__visits").fetchall())


# -- full, incremental, re-runs ---------------------------------------------------------------------------------


def test_full_history_then_incremental_runs_match_what_matomo_serves(server, connect, clock, warehouse, clean_raw):
    world = server.world
    halfway = midnight(world.start_date + timedelta(days=7))
    clock(halfway)
    results = extract("matomo", warehouse, halfway - timedelta(days=1), halfway)
    assert results[0].window_start is None  # no bookmark: the whole history
    assert results[0].pages > 14  # a day at a time, several pages on busy days
    first = loaded(warehouse)
    assert first == served(server)
    # Matomo sees every web visit of the world that had started by the clock (a visit under way included).
    started = sum(1 for b in world.iter_buyers() for t in b.touches if t.is_web and t.at <= halfway.timestamp() * 1000)
    assert len(first) == started > 200

    end = midnight(world.end_date)
    clock(end)
    day = halfway
    while day < end:
        result = extract("matomo", warehouse, day, min(day + timedelta(days=7), end))[0]
        assert result.window_start == (day - timedelta(days=2)).isoformat()  # the 2-day lookback
        day += timedelta(days=7)
    assert loaded(warehouse) == served(server)


def test_a_second_run_and_an_old_window_change_nothing(server, connect, warehouse, clean_raw):
    end = midnight(server.world.end_date)
    extract("matomo", warehouse, end - timedelta(days=1), end)
    before = payloads(warehouse)

    again = extract("matomo", warehouse, end - timedelta(days=1), end)[0]
    assert again.records > 0  # the lookback was read again ...
    assert payloads(warehouse) == before  # ... and changed nothing

    old = midnight(server.world.start_date + timedelta(days=5))
    result = extract("matomo", warehouse, old, old + timedelta(days=1))[0]  # a backfill of an old day
    assert result.window_start == (old - timedelta(days=2)).isoformat()
    assert result.records > 0
    assert payloads(warehouse) == before
    assert loaded(warehouse) == served(server)


def test_a_visit_under_way_is_read_again_until_it_is_whole(server, connect, clock, warehouse, clean_raw):
    end = midnight(server.world.end_date)
    recent = [
        v for v in full_visits(server) if v["actions"] >= 3 and v["lastActionTimestamp"] > end.timestamp() - 86400
    ]
    visit = recent[0]
    one_page_in = datetime.fromtimestamp(visit["firstActionTimestamp"] + 1, UTC)
    clock(one_page_in)
    extract("matomo", warehouse, None, one_page_in)
    assert actions_loaded(warehouse, visit["idVisit"]) == 1  # only its first page had happened

    clock(end)
    extract("matomo", warehouse, end - timedelta(days=1), end)  # the next daily run re-reads the lookback
    assert actions_loaded(warehouse, visit["idVisit"]) == visit["actions"]
    assert loaded(warehouse) == served(server)


def actions_loaded(warehouse, id_visit: int) -> int:
    with warehouse.connect(autocommit=True) as conn:
        return conn.execute(
            "select (payload->>'actions')::int from raw.matomo__visits where natural_key = %s", (str(id_visit),)
        ).fetchone()[0]


# -- faults -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "fault",
    [
        "5xx-burst:8",
        "drop:3",
        "truncate:3",
        "truncate:3,length=none",
        "invalid-json:3",
        "429:5,retry_after=0",
    ],
)
def test_transient_faults_are_retried_and_the_sync_completes(
    server, connect, faults, warehouse, clean_raw, fault, caplog
):
    faults(fault)
    with caplog.at_level(logging.INFO, logger="connectors.core.http"):
        result = extract("matomo", warehouse, None, server.now)[0]
    assert server.faults.fired[Fault.parse(fault).mode] > 3
    assert "retrying in" in caplog.text or "rate-limited" in caplog.text
    assert result.quarantined == 0 and result.new_fields == ()
    assert loaded(warehouse) == served(server)


def test_slow_answers_past_the_timeout_are_retried(server, connect, faults, warehouse, clean_raw):
    connect(read_timeout=0.2)
    faults("slow:10,delay=0.4")
    extract("matomo", warehouse, None, server.now)
    assert server.faults.fired["slow"] >= 2
    assert loaded(warehouse) == served(server)


def test_a_repeated_page_is_asked_again_not_skipped(server, connect, faults, warehouse, clean_raw, caplog):
    faults("repeat-page:1")  # every later page of a day comes first as the page before it
    with caplog.at_level(logging.WARNING, logger="connectors.matomo"):
        result = extract("matomo", warehouse, None, server.now)[0]
    assert server.faults.fired["repeat-page"] > 5
    assert "served the previous page again" in caplog.text
    assert loaded(warehouse) == served(server)  # no gap, no double
    assert result.records == len(served(server))


def test_a_new_field_is_kept_and_reported(server, connect, faults, warehouse, clean_raw):
    faults("drift-new-field:7")
    result = extract("matomo", warehouse, None, server.now)[0]
    assert result.new_fields == ("visits.sandbox_new_field",)
    assert loaded(warehouse) == served(server)
    with warehouse.connect(autocommit=True) as conn:
        carrying = conn.execute(
            "select count(*) from raw.matomo__visits where payload ? 'sandbox_new_field'"
        ).fetchone()[0]
        drift = conn.execute("select stream, field from ops.schema_drift").fetchall()
    assert carrying > 0
    assert drift == [("visits", "sandbox_new_field")]


@pytest.mark.parametrize("field", ["idVisit", "lastActionTimestamp"])
def test_a_visit_missing_its_key_or_cursor_is_quarantined_and_the_batch_goes_on(
    server, connect, faults, warehouse, clean_raw, field
):
    faults(f"drift-null:5,field={field}")
    result = extract("matomo", warehouse, None, server.now)[0]
    with warehouse.connect(autocommit=True) as conn:
        quarantined = conn.execute("select reason, payload->>'idVisit' from ops.quarantine").fetchall()
    assert len(quarantined) == server.faults.fired["drift-null"] == result.quarantined > 3
    assert {reason for reason, _ in quarantined} == {f"required field '{field}' is null"}
    expected = served(server)
    if field != "idVisit":
        for _, id_visit in quarantined:
            expected.pop(id_visit)
        assert loaded(warehouse) == expected
    else:
        assert len(loaded(warehouse)) == len(expected) - len(quarantined)
        assert set(loaded(warehouse)) < set(expected)


@pytest.mark.parametrize(
    ("fault", "said"),
    [
        ("5xx-burst:1", "the last: HTTP 500 (internal error)"),
        ("429:1,retry_after=0", "rate-limited (HTTP 429, Retry-After 0 s"),
        ("invalid-json:1", "body that is not valid JSON"),
    ],
)
def test_a_fault_that_lasts_ends_in_one_clear_error(server, connect, faults, warehouse, clean_raw, fault, said):
    faults(fault)
    with pytest.raises(ConnectorError) as error:
        extract("matomo", warehouse, None, server.now)
    message = str(error.value)
    assert message.startswith("matomo.visits: no usable answer from POST /index.php after 4 attempts")
    assert said in message
    assert MATOMO_TOKEN_AUTH not in message


# -- credentials and configuration ------------------------------------------------------------------------------


def test_a_wrong_token_ends_in_one_clear_error_naming_the_connection(server, connect, warehouse, clean_raw, caplog):
    wrong = "0" * 32
    connect(password=wrong)
    with caplog.at_level(logging.DEBUG), pytest.raises(ConnectorError) as error:
        extract("matomo", warehouse, None, server.now)
    message = str(error.value)
    assert "HTTP 401: Unable to authenticate with the provided token" in message
    assert "Fix the credentials of Airflow connection 'matomo_default'" in message
    assert wrong not in message and wrong not in caplog.text


def test_a_site_the_token_cannot_see_is_refused(server, connect, warehouse, clean_raw):
    connect(site_id="2")
    with pytest.raises(ConnectorError, match=r"requires 'view' access for the website id = 2"):
        extract("matomo", warehouse, None, server.now)


@pytest.mark.parametrize(
    ("extra", "said"),
    [
        ({"site_id": ""}, "needs site_id"),
        ({"lookback_days": "two"}, "lookback_days in the extra of Airflow connection 'matomo_default'"),
        ({"page_size": 0}, "page_size in the extra"),
    ],
)
def test_bad_configuration_ends_before_any_request(server, connect, warehouse, extra, said):
    connect(**extra)
    with pytest.raises(ConnectorError, match=said):
        extract("matomo", warehouse, None, server.now)


def test_an_unconfigured_source_is_skipped_with_a_note(warehouse, monkeypatch, caplog):
    monkeypatch.delenv("AIRFLOW_CONN_MATOMO_DEFAULT", raising=False)
    with caplog.at_level(logging.WARNING):
        assert extract("matomo", warehouse, None, datetime.now(UTC)) == []
    assert "matomo: skipped, not configured" in caplog.text
