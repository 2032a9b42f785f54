"""Every sandbox fault mode against the HubSpot connector: the sync survives it (raw ends equal to what the sandbox
serves) or ends in the one clear error the vendor's behaviour calls for. Plus the fault layer's own schedule.

The connector runs end to end (Airflow connection → registry → core → warehouse) against a sandbox server of its
own, so the shared one stays clean; the connection's ``extra`` makes retries wait milliseconds, not seconds.
"""

from __future__ import annotations

import json
import logging
import time

import pytest
import requests

from connectors.core.errors import ConnectorError
from connectors.registry import extract
from sandbox.credentials import HUBSPOT_TOKEN
from sandbox.faults import Fault, FaultPlan
from sandbox.server import SandboxServer
from sandbox.world import World

# Enough buyers for several search pages per stream (636 contacts, 202 deals at 200 a page).
BUYERS = 1500
FAST = {"attempts": 4, "deadline": 20, "backoff": 0.001, "backoff_max": 0.01, "connect_timeout": 2, "read_timeout": 2}
STREAMS = ("contacts", "deals", "deal_contacts")


@pytest.fixture(scope="module")
def faulty():
    with SandboxServer(World.generate(seed=7, buyers=BUYERS)) as server:
        yield server


@pytest.fixture(scope="module")
def served(faulty) -> dict[str, dict[str, object]]:
    """What the sandbox serves, read without faults: id → updatedAt per object, deal id → contact ids."""
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {HUBSPOT_TOKEN}"
    found: dict[str, dict[str, object]] = {}
    for object_type in ("contacts", "deals"):
        found[object_type], params = {}, {"limit": "100"}
        while True:
            answer = session.get(f"{faulty.base_url}/crm/v3/objects/{object_type}", params=params, timeout=10).json()
            found[object_type].update({r["id"]: r["updatedAt"] for r in answer["results"]})
            params["after"] = answer.get("paging", {}).get("next", {}).get("after")
            if not params["after"]:
                break
    answer = session.post(
        f"{faulty.base_url}/crm/v4/associations/deals/contacts/batch/read",
        json={"inputs": [{"id": deal_id} for deal_id in found["deals"]]},
        timeout=10,
    ).json()
    linked = {r["from"]["id"]: sorted(str(t["toObjectId"]) for t in r["to"]) for r in answer["results"]}
    found["deal_contacts"] = {deal_id: linked.get(deal_id, []) for deal_id in found["deals"]}
    assert len(found["contacts"]) > 600 and len(found["deals"]) > 200  # several pages each
    return found


@pytest.fixture
def sync(faulty, served, warehouse, clean_raw, monkeypatch):
    """``sync("429:3", read_timeout=0.3)``: the whole HubSpot history through the faults, with a fast policy."""

    def run(*faults: str, **policy: float):
        connection = {"conn_type": "http", "host": faulty.base_url, "password": HUBSPOT_TOKEN}
        monkeypatch.setenv("AIRFLOW_CONN_HUBSPOT_DEFAULT", json.dumps({**connection, "extra": {**FAST, **policy}}))
        faulty.set_faults(FaultPlan.parse(faults))
        return {r.stream: r for r in extract("hubspot", warehouse, None, faulty.now)}

    yield run
    faulty.set_faults(None)


def loaded(warehouse) -> dict[str, dict[str, object]]:
    found: dict[str, dict[str, object]] = {}
    with warehouse.connect(autocommit=True) as conn:
        for stream in ("contacts", "deals"):
            rows = conn.execute(f"select natural_key, payload->>'updatedAt' from raw.hubspot__{stream}").fetchall()
            found[stream] = dict(rows)
        rows = conn.execute(
            "select natural_key, coalesce(array_agg(t->>'toObjectId' order by t->>'toObjectId')"
            "  filter (where t is not null), '{}')"
            " from raw.hubspot__deal_contacts left join lateral jsonb_array_elements(payload->'to') t on true"
            " group by natural_key"
        ).fetchall()
        found["deal_contacts"] = {key: list(ids) for key, ids in rows}
    return found


def assert_survived(warehouse, served, faulty, mode: str) -> None:
    assert faulty.faults.fired[mode] > 0, f"the {mode} fault never fired"
    assert loaded(warehouse) == served


# -- survived ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "fault",
    [
        "5xx-burst:4",  # requests 4..6 answer 500, 502, 503; the 4th attempt gets through
        "drop:2",
        "truncate:2",  # Content-Length of the cut body: a complete HTTP answer, broken JSON
        "truncate:2,length=none",  # no Content-Length: the body ends where the connection closes
        "invalid-json:3",
    ],
)
def test_transient_faults_are_retried_and_the_sync_completes(sync, warehouse, served, faulty, fault, caplog):
    with caplog.at_level(logging.WARNING, logger="connectors.core.http"):
        results = sync(fault)
    assert_survived(warehouse, served, faulty, Fault.parse(fault).mode)
    assert "retrying in" in caplog.text
    assert all(r.quarantined == 0 and r.new_fields == () for r in results.values())  # nothing taken for drift


def test_429_waits_as_long_as_retry_after_says(sync, warehouse, served, faulty, caplog):
    started = time.monotonic()
    with caplog.at_level(logging.INFO, logger="connectors.core.http"):
        sync("429:1,times=1,retry_after=1", "429:3,retry_after=0")
    assert_survived(warehouse, served, faulty, "429")
    assert faulty.faults.fired["429"] >= 3
    assert time.monotonic() - started >= 1.0
    assert "hubspot.contacts: rate-limited, waiting 1.0 s (Retry-After)" in caplog.text


def test_slow_answers_past_the_timeout_are_retried(sync, warehouse, served, faulty):
    sync("slow:3,delay=0.6", read_timeout=0.3)
    assert_survived(warehouse, served, faulty, "slow")


def test_a_repeated_page_doubles_nothing(sync, warehouse, served, faulty):
    results = sync("repeat-page:1")  # every later page comes twice
    assert_survived(warehouse, served, faulty, "repeat-page")
    with warehouse.connect(autocommit=True) as conn:
        for stream in STREAMS:
            rows, keys = conn.execute(
                f"select count(*), count(distinct natural_key) from raw.hubspot__{stream}"
            ).fetchone()
            assert rows == keys == len(served[stream])
    assert results["contacts"].pages > 4  # the repeats were received ...
    assert results["contacts"].records == len(served["contacts"])  # ... and counted once
    assert results["deals"].records == len(served["deals"])


def test_a_new_field_is_kept_and_reported_once_per_batch(sync, warehouse, served, faulty, caplog):
    with caplog.at_level(logging.WARNING, logger="connectors.core.schema"):
        results = sync("drift-new-field:2")
    assert faulty.faults.fired["drift-new-field"] >= 4
    assert loaded(warehouse) == served
    # Child streams' answers (associations, stage-history batch reads) carry it too: each reported as its own.
    reported = {field for result in results.values() for field in result.new_fields}
    streams = ("contacts", "contact_stage_history", "deals", "deal_contacts", "deal_stage_history")
    assert "contacts.sandbox_new_field" in reported
    assert reported <= {f"{stream}.sandbox_new_field" for stream in streams}
    with warehouse.connect(autocommit=True) as conn:
        carrying = conn.execute(
            "select count(*) from raw.hubspot__contacts where payload->>'sandbox_new_field' is not null"
        ).fetchone()[0]
        drift = conn.execute("select stream, field, first_seen_batch, example from ops.schema_drift").fetchall()
    assert 0 < carrying < len(served["contacts"])
    assert sorted(f"{stream}.{field}" for stream, field, _, _ in drift) == sorted(reported)
    assert {batch for _, _, batch, _ in drift} == {results["contacts"].batch_id, results["deals"].batch_id}
    assert all(example == '"added by fault injection"' for *_, example in drift)
    # Two pages of contacts carried it, one warning: once per field per batch.
    assert caplog.text.count("hubspot.contacts: new field 'sandbox_new_field'") == 1


@pytest.mark.parametrize("field", ["id", "updatedAt"])
def test_records_missing_their_key_or_cursor_are_quarantined_and_the_batch_goes_on(
    sync, warehouse, served, faulty, field
):
    results = sync(f"drift-null:2,field={field}")
    with warehouse.connect(autocommit=True) as conn:
        quarantined = conn.execute(
            "select stream, batch_id, reason, payload->'properties'->>'hs_object_id' from ops.quarantine"
        ).fetchall()
        audited = dict(conn.execute("select batch_id, quarantined from ops.load_audit").fetchall())
    assert len(quarantined) == faulty.faults.fired["drift-null"] >= 2
    assert {reason for _, _, reason, _ in quarantined} == {f"required field '{field}' is null"}
    bad = {object_id for stream, *_, object_id in quarantined if stream in STREAMS}  # history rows: their own
    expected = {stream: {k: v for k, v in rows.items() if k not in bad} for stream, rows in served.items()}
    if field != "id":  # a deal with an id still gets its associations asked for, and loaded
        expected["deal_contacts"] = served["deal_contacts"]
    assert loaded(warehouse) == expected
    children = {"contacts": ("contact_stage_history",), "deals": ("deal_contacts", "deal_stage_history")}
    for stream in ("contacts", "deals"):
        count = sum(1 for s, *_ in quarantined if s in (stream, *children[stream]))
        own = sum(1 for s, *_ in quarantined if s == stream)
        assert results[stream].quarantined == count == audited[results[stream].batch_id]
        assert results[stream].records == len(served[stream]) - own


def test_an_association_that_lost_its_deal_id_is_quarantined_not_guessed(sync, warehouse, served, faulty):
    results = sync("drift-null:1,field=from.id,path=/associations/")
    associations = loaded(warehouse)["deal_contacts"]
    assert results["deals"].quarantined == faulty.faults.fired["drift-null"] == 2  # one per associations answer
    assert all(served["deal_contacts"][deal] == contacts for deal, contacts in associations.items())
    # Which deal lost its row is unknown, so no deal of those pages is claimed to have no contacts.
    assert all(associations.values())
    assert len(associations) == sum(1 for contacts in served["deal_contacts"].values() if contacts) - 2


# -- ends in a clear error -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fault", "policy", "said"),
    [
        ("5xx-burst:1", {}, "the last: HTTP 500 (internal error)"),
        ("429:1,retry_after=0", {}, "the last: rate-limited (HTTP 429, Retry-After 0 s"),
        ("invalid-json:1", {}, "body that is not valid JSON"),
        ("slow:1,delay=0.6", {"attempts": 3, "read_timeout": 0.2}, "raise read_timeout in the extra of Airflow"),
    ],
)
def test_a_fault_that_lasts_ends_in_one_clear_error(sync, faulty, fault, policy, said):
    with pytest.raises(ConnectorError) as error:
        sync(fault, **policy)
    message = str(error.value)
    attempts = policy.get("attempts", FAST["attempts"])
    assert message.startswith("hubspot.contacts: no usable answer from POST /crm/v3/objects/contacts/search")
    assert f"after {attempts} attempts" in message
    assert said in message
    assert HUBSPOT_TOKEN not in message
    assert faulty.faults.fired[Fault.parse(fault).mode] == attempts


def test_the_deadline_bounds_the_whole_request(sync):
    started = time.monotonic()
    with pytest.raises(ConnectorError, match=r"within 1 s\)"):
        sync("slow:1,delay=0.6", attempts=50, read_timeout=0.3, deadline=1, backoff=0.2)
    assert time.monotonic() - started < 2.5


def test_a_validation_error_is_not_retried(faulty, caplog):
    from connectors.core.http import HttpPolicy, SourceSession

    headers = {"Authorization": f"Bearer {HUBSPOT_TOKEN}"}
    session = SourceSession("hubspot", faulty.base_url, headers, conn_id="hubspot_default", policy=HttpPolicy(**FAST))
    with caplog.at_level(logging.INFO), pytest.raises(ConnectorError, match=r"HTTP 400 \(not retried\)"):
        session.request_json("POST", "/crm/v3/objects/contacts/search", json={"limit": 500})
    assert "retrying" not in caplog.text


# -- the fault layer -----------------------------------------------------------------------------------------


def fired(fault: str, requests_seen: int = 20) -> list[int]:
    parsed = Fault.parse(fault)
    return [n for n in range(1, requests_seen + 1) if parsed.position(n) is not None]


def test_schedules_are_counters_not_chance():
    assert fired("429:5") == [5, 10, 15, 20]
    assert fired("429:0.25") == [4, 8, 12, 16, 20]
    assert fired("5xx-burst:8") == [8, 9, 10, 16, 17, 18]
    assert fired("drop:1,first=4,burst=3,times=1") == [4, 5, 6]  # requests k..k+2
    assert fired("slow") == [10, 20]  # every 10th by default
    assert fired("truncate:1,times=2") == [1, 2]


def test_fault_specs_are_checked():
    assert str(Fault.parse("5xx-burst:20,burst=4")) == "5xx-burst:20,burst=4"
    assert Fault.parse("drift-null:3,field=updatedAt").field == "updatedAt"
    for bad in ("nope", "429:0", "429:2.5", "slow:3,speed=1", "truncate:2,length=half", "429:x"):
        with pytest.raises(ValueError):
            Fault.parse(bad)


def test_the_cli_takes_faults():
    from click.testing import CliRunner

    from sandbox.cli import sandbox

    result = CliRunner().invoke(sandbox, ["serve", "--fault", "nope:3"])
    assert result.exit_code == 2
    assert "unknown fault mode 'nope'" in result.output
    assert "drift-new-field" in CliRunner().invoke(sandbox, ["serve", "--help"]).output
