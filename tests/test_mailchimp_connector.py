"""The Mailchimp connector against the sandbox: the whole history, then incremental as the clock moves (late opens
and clicks of recent campaigns land through the lookback); re-runs change nothing; bad configuration ends in one
clear error; every sandbox fault is survived or ends in the error Mailchimp's behaviour calls for. (A real kill
half-way: tests/test_kill_and_resume.py.)"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
import requests

from connectors.core.errors import ConnectorError
from connectors.mailchimp import base_url_for
from connectors.registry import extract
from sandbox.credentials import MAILCHIMP_API_KEY, MAILCHIMP_LIST_ID
from sandbox.faults import Fault, FaultPlan
from sandbox.server import SandboxServer
from sandbox.world import World

FAST = {"attempts": 4, "deadline": 20, "backoff": 0.001, "backoff_max": 0.01, "connect_timeout": 2, "read_timeout": 2}
STREAMS = ("members", "campaigns", "email_activity")
PAGE = 40  # small pages, so that every stream spans several


@pytest.fixture(scope="module")
def mc_server():
    with SandboxServer(World.generate(seed=3, buyers=500)) as server:
        yield server


def served(server: SandboxServer) -> dict[str, dict[str, str]]:
    """What the sandbox serves now, read without the connector: key → the JSON that must land in raw."""
    session = requests.Session()
    session.auth = ("reader", MAILCHIMP_API_KEY)

    def every(path: str, key: str, **params) -> list[dict]:
        found: list[dict] = []
        while True:
            answer = session.get(f"{server.base_url}{path}", params={**params, "count": 1000, "offset": len(found)})
            found += answer.json()[key]
            if len(found) >= answer.json()["total_items"]:
                return found

    members = every(f"/3.0/lists/{MAILCHIMP_LIST_ID}/members", "members")
    campaigns = every("/3.0/campaigns", "campaigns", status="sent")
    activity = [e for c in campaigns for e in every(f"/3.0/reports/{c['id']}/email-activity", "emails")]
    return {
        "members": {f"{m['list_id']}:{m['id']}": m["last_changed"] for m in members},
        "campaigns": {c["id"]: json.dumps(c["report_summary"], sort_keys=True) for c in campaigns},
        "email_activity": {
            f"{e['campaign_id']}:{e['email_id']}": json.dumps(e["activity"], sort_keys=True) for e in activity
        },
    }


def loaded(warehouse) -> dict[str, dict[str, str]]:
    queries = {
        "members": "select natural_key, payload->>'last_changed' from raw.mailchimp__members",
        "campaigns": "select natural_key, payload->'report_summary' from raw.mailchimp__campaigns",
        "email_activity": "select natural_key, payload->'activity' from raw.mailchimp__email_activity",
    }
    found = {}
    with warehouse.connect(autocommit=True) as conn:
        for stream, query in queries.items():
            rows = conn.execute(query).fetchall()
            keys = conn.execute(f"select count(*), count(distinct natural_key) from raw.mailchimp__{stream}").fetchone()
            assert keys[0] == keys[1]  # row count = distinct keys
            found[stream] = {k: v if isinstance(v, str) else json.dumps(v, sort_keys=True) for k, v in rows}
    return found


@pytest.fixture
def configure(mc_server, monkeypatch):
    def set_connection(**extra) -> None:
        connection = {"conn_type": "http", "host": mc_server.base_url, "password": MAILCHIMP_API_KEY}
        extra = {"list_id": MAILCHIMP_LIST_ID, "page_size": PAGE, **FAST, **extra}
        monkeypatch.setenv("AIRFLOW_CONN_MAILCHIMP_DEFAULT", json.dumps({**connection, "extra": extra}))

    set_connection()
    yield set_connection
    mc_server.set_faults(None)
    mc_server.set_clock(datetime.fromtimestamp(mc_server.world.end_ms / 1000, UTC))


def midnight(day) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def test_full_then_incremental_sync_matches_what_the_api_serves(mc_server, configure, warehouse, clean_raw):
    world = mc_server.world
    halfway = midnight(world.start_date + timedelta(days=60))
    mc_server.set_clock(halfway)
    results = {r.stream: r for r in extract("mailchimp", warehouse, halfway - timedelta(days=1), halfway)}
    assert loaded(warehouse) == served(mc_server)
    assert results["members"].pages > 1 and results["email_activity"].pages > 1

    # Nothing new: a second run changes nothing.
    with warehouse.connect(autocommit=True) as conn:
        before = conn.execute("select natural_key, payload from raw.mailchimp__email_activity order by 1").fetchall()
    extract("mailchimp", warehouse, halfway - timedelta(days=1), halfway)
    with warehouse.connect(autocommit=True) as conn:
        after = conn.execute("select natural_key, payload from raw.mailchimp__email_activity order by 1").fetchall()
    assert after == before

    # The world moves on: new members, unsubscribes, new campaigns, late opens of old ones. Weekly runs catch up.
    end = midnight(world.end_date)
    mc_server.set_clock(end)
    day = halfway
    while day < end:
        extract("mailchimp", warehouse, day, min(day + timedelta(days=7), end))
        day += timedelta(days=7)
    assert loaded(warehouse) == served(mc_server)
    assert {v for v in loaded(warehouse)["members"].values()} != set()


def test_rerunning_an_old_window_changes_nothing(mc_server, configure, warehouse, clean_raw):
    end = midnight(mc_server.world.end_date)
    extract("mailchimp", warehouse, end - timedelta(days=1), end)
    first = loaded(warehouse)
    results = extract("mailchimp", warehouse, end - timedelta(days=40), end - timedelta(days=39))
    assert loaded(warehouse) == first == served(mc_server)
    assert all(r.window_start is not None for r in results)  # only the window and its lookback were asked for


def test_a_wrong_key_names_the_connection_and_hides_the_key(mc_server, monkeypatch, warehouse, clean_raw):
    secret = "0123456789abcdef0123456789abcdef-us21"
    connection = {"conn_type": "http", "host": mc_server.base_url, "password": secret}
    monkeypatch.setenv("AIRFLOW_CONN_MAILCHIMP_DEFAULT", json.dumps(connection))
    with pytest.raises(ConnectorError) as error:
        extract("mailchimp", warehouse, None, mc_server.now)
    message = str(error.value)
    assert "mailchimp_default" in message and "HTTP 401" in message and "API key may be invalid" in message
    assert secret not in message


def test_the_data_centre_comes_from_the_key():
    assert base_url_for("abc-us21") == "https://us21.api.mailchimp.com"
    with pytest.raises(ConnectorError, match="data centre"):
        base_url_for("abc")


# -- faults ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "fault",
    [
        "5xx-burst:4",
        "drop:3",
        "truncate:3",
        "truncate:3,length=none",
        "invalid-json:3",
        "429:3,retry_after=0",
        "slow:4,delay=0.5",
        "repeat-page:1",
        "drift-new-field:3",
    ],
)
def test_each_fault_is_survived(mc_server, configure, warehouse, clean_raw, fault):
    configure(read_timeout=0.25)
    mc_server.set_faults(FaultPlan.parse([fault]))
    results = {r.stream: r for r in extract("mailchimp", warehouse, None, mc_server.now)}
    assert mc_server.faults.fired[Fault.parse(fault).mode] > 0
    mc_server.set_faults(None)
    truth = served(mc_server)
    assert loaded(warehouse) == truth
    assert all(results[s].records == len(truth[s]) for s in STREAMS)  # each record counted once
    if fault.startswith("drift-new-field"):
        assert any(r.new_fields for r in results.values())


@pytest.mark.parametrize("field", ["id", "last_changed", "email_id"])
def test_a_record_that_lost_its_key_or_cursor_is_quarantined(mc_server, configure, warehouse, clean_raw, field):
    mc_server.set_faults(FaultPlan.parse([f"drift-null:2,field={field}"]))
    results = {r.stream: r for r in extract("mailchimp", warehouse, None, mc_server.now)}
    fired = mc_server.faults.fired["drift-null"]
    mc_server.set_faults(None)
    quarantined = sum(r.quarantined for r in results.values())
    assert quarantined == fired > 0
    truth, got = served(mc_server), loaded(warehouse)
    assert sum(len(truth[s]) - len(got[s]) for s in STREAMS) == quarantined
    assert all(got[s].items() <= truth[s].items() for s in STREAMS)


@pytest.mark.parametrize(
    ("fault", "said"),
    [
        ("5xx-burst:1", "HTTP 500"),
        ("429:1,retry_after=0", "rate-limited (HTTP 429"),
        ("invalid-json:1", "not valid JSON"),
    ],
)
def test_a_lasting_fault_ends_in_one_clear_error(mc_server, configure, warehouse, clean_raw, fault, said):
    mc_server.set_faults(FaultPlan.parse([fault]))
    with pytest.raises(ConnectorError) as error:
        extract("mailchimp", warehouse, None, mc_server.now)
    message = str(error.value)
    assert message.startswith("mailchimp.members: no usable answer from GET /3.0/lists/")
    assert f"after {FAST['attempts']} attempts" in message and said in message
    assert MAILCHIMP_API_KEY not in message
