"""Sandbox faults aimed at the batch reads behind the HubSpot stage-history streams: each is survived (raw ends
equal to what the sandbox serves) or ends in the one clear error the vendor's behaviour calls for.

The search and association requests are left alone (``path=/batch/read``), so each fault lands on the history
calls; tests/test_faults.py covers the other endpoints. A server of this module, fast retries as there.
"""

from __future__ import annotations

import json
import logging

import pytest
import requests

from connectors.core.errors import ConnectorError
from connectors.registry import extract
from sandbox.credentials import HUBSPOT_TOKEN
from sandbox.faults import Fault, FaultPlan
from sandbox.server import SandboxServer
from sandbox.world import World

FAST = {"attempts": 4, "deadline": 20, "backoff": 0.001, "backoff_max": 0.01, "connect_timeout": 2, "read_timeout": 2}
HISTORIES = {"contact_stage_history": ("contacts", "lifecyclestage"), "deal_stage_history": ("deals", "dealstage")}
ON_HISTORY = "path=/batch/read"


@pytest.fixture(scope="module")
def faulty():
    with SandboxServer(World.generate(seed=7, buyers=700)) as server:
        yield server


@pytest.fixture(scope="module")
def served(faulty) -> dict[str, dict[str, list]]:
    """Every object's stage history as served without faults, per history stream."""
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {HUBSPOT_TOKEN}"
    found: dict[str, dict[str, list]] = {}
    for stream, (object_type, name) in HISTORIES.items():
        ids, params = [], {"limit": "100"}
        while True:
            answer = session.get(f"{faulty.base_url}/crm/v3/objects/{object_type}", params=params, timeout=10).json()
            ids += [r["id"] for r in answer["results"]]
            params["after"] = answer.get("paging", {}).get("next", {}).get("after")
            if not params["after"]:
                break
        found[stream] = {}
        for start in range(0, len(ids), 50):
            body = {"inputs": [{"id": i} for i in ids[start : start + 50]], "propertiesWithHistory": [name]}
            url = f"{faulty.base_url}/crm/v3/objects/{object_type}/batch/read"
            results = session.post(url, json=body, timeout=10).json()["results"]
            found[stream].update({r["id"]: r["propertiesWithHistory"][name] for r in results})
    assert len(found["contact_stage_history"]) > 150  # several batch reads
    return found


@pytest.fixture
def sync(faulty, served, warehouse, clean_raw, monkeypatch):
    def run(*faults: str, **policy: float):
        connection = {"conn_type": "http", "host": faulty.base_url, "password": HUBSPOT_TOKEN}
        monkeypatch.setenv("AIRFLOW_CONN_HUBSPOT_DEFAULT", json.dumps({**connection, "extra": {**FAST, **policy}}))
        faulty.set_faults(FaultPlan.parse(faults))
        return {r.stream: r for r in extract("hubspot", warehouse, None, faulty.now)}

    yield run
    faulty.set_faults(None)


def loaded(warehouse) -> dict[str, dict[str, list]]:
    found = {}
    with warehouse.connect(autocommit=True) as conn:
        for stream, (_, name) in HISTORIES.items():
            rows = conn.execute(
                f"select natural_key, payload->'propertiesWithHistory'->'{name}' from raw.hubspot__{stream}"
            ).fetchall()
            total = conn.execute(f"select count(*) from raw.hubspot__{stream}").fetchone()[0]
            assert total == len(dict(rows))  # no duplicate
            found[stream] = dict(rows)
    return found


@pytest.mark.parametrize(
    "fault",
    [
        f"5xx-burst:6,{ON_HISTORY}",  # bursts of 3, shorter than the 4 attempts
        f"429:2,retry_after=0,{ON_HISTORY}",
        f"drop:2,{ON_HISTORY}",
        f"truncate:2,{ON_HISTORY}",
        f"invalid-json:3,{ON_HISTORY}",
        f"slow:3,delay=0.5,{ON_HISTORY}",
    ],
)
def test_transient_faults_on_the_history_reads_are_survived(sync, warehouse, served, faulty, fault, caplog):
    with caplog.at_level(logging.INFO, logger="connectors.core.http"):
        results = sync(fault, read_timeout=0.3)
    assert faulty.faults.fired[Fault.parse(fault).mode] > 0
    assert loaded(warehouse) == served
    assert "_stage_history: " in caplog.text  # the retry names the history stream
    assert all(r.quarantined == 0 and r.new_fields == () for r in results.values())


def test_a_new_field_in_a_history_read_is_kept_and_reported(sync, warehouse, served, faulty):
    results = sync(f"drift-new-field:2,{ON_HISTORY}")
    assert loaded(warehouse) == served
    assert "contact_stage_history.sandbox_new_field" in results["contacts"].new_fields
    with warehouse.connect(autocommit=True) as conn:
        streams = {s for (s,) in conn.execute("select stream from ops.schema_drift").fetchall()}
    assert "contact_stage_history" in streams and "contacts" not in streams


def test_a_history_record_without_its_id_is_quarantined_and_the_rest_loads(sync, warehouse, served, faulty):
    results = sync(f"drift-null:2,field=id,{ON_HISTORY}")
    fired = faulty.faults.fired["drift-null"]
    with warehouse.connect(autocommit=True) as conn:
        quarantined = conn.execute("select stream, payload->>'updatedAt' from ops.quarantine").fetchall()
    assert len(quarantined) == fired >= 2
    assert {stream for stream, _ in quarantined} <= set(HISTORIES)
    histories = loaded(warehouse)
    missing = sum(len(served[s]) - len(histories[s]) for s in HISTORIES)
    assert missing == fired  # exactly the nulled records are absent ...
    assert all(histories[s][k] == served[s][k] for s in HISTORIES for k in histories[s])  # ... the rest as served
    assert results["contacts"].quarantined + results["deals"].quarantined == fired


def test_a_lasting_failure_of_the_history_read_ends_in_one_clear_error(sync, faulty):
    with pytest.raises(ConnectorError) as error:
        sync(f"5xx-burst:1,{ON_HISTORY}")
    message = str(error.value)
    assert message.startswith(
        "hubspot.contact_stage_history: no usable answer from POST /crm/v3/objects/contacts/batch/read"
    )
    assert f"after {FAST['attempts']} attempts" in message
    assert HUBSPOT_TOKEN not in message


def test_a_failed_history_read_loses_nothing_already_loaded(sync, warehouse, served, faulty):
    """The page whose history read failed is not loaded, and its bookmark does not move: the next run gets it."""
    with pytest.raises(ConnectorError):
        sync(f"5xx-burst:1,first=5,times=1,burst=4,{ON_HISTORY}")
    with warehouse.connect(autocommit=True) as conn:
        contacts = conn.execute("select count(*) from raw.hubspot__contacts").fetchone()[0]
        histories = conn.execute("select count(*) from raw.hubspot__contact_stage_history").fetchone()[0]
    assert contacts == histories  # a page and its histories commit together
    sync()
    assert loaded(warehouse) == served
