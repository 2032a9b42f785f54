"""Every sandbox fault mode against the QuestionPro connector: the sync survives (raw ends equal to what the sandbox
serves, no duplicate, no gap) or ends in the one clear error the vendor's behaviour calls for. (A real kill half-way:
tests/test_kill_and_resume.py.)

Small pages (``per_page`` 4) make a few dozen responses span many requests, so every fault lands mid-sync.
"""

from __future__ import annotations

import json

import pytest
import requests

from connectors.core.errors import ConnectorError
from connectors.registry import extract
from sandbox.credentials import QUESTIONPRO_API_KEY
from sandbox.faults import FaultPlan
from sandbox.server import SandboxServer
from sandbox.vendors.questionpro import SURVEYS

FAST = {"attempts": 4, "deadline": 20, "backoff": 0.001, "backoff_max": 0.01, "connect_timeout": 2, "read_timeout": 2}
PER_PAGE = 4


@pytest.fixture(scope="module")
def faulty(world):
    with SandboxServer(world) as server:
        yield server


@pytest.fixture(scope="module")
def served(faulty) -> dict[str, str]:
    found = {}
    for survey_id in SURVEYS:
        answer = requests.get(
            f"{faulty.base_url}/a/api/v2/surveys/{survey_id}/responses",
            params={"perPage": 1000},
            headers={"api-key": QUESTIONPRO_API_KEY},
            timeout=10,
        ).json()
        found.update({str(r["responseID"]): r["timestamp"] for r in answer["response"]})
    assert len(found) > 6 * PER_PAGE  # many pages
    return found


def connection(server: SandboxServer, **policy) -> str:
    fields = server.app("questionpro").airflow_connection(server.base_url)
    return json.dumps({**fields, "extra": {**fields["extra"], "per_page": PER_PAGE, **FAST, **policy}})


@pytest.fixture
def sync(faulty, served, warehouse, clean_raw, monkeypatch):
    def run(*faults: str, **policy: float):
        monkeypatch.setenv("AIRFLOW_CONN_QUESTIONPRO_DEFAULT", connection(faulty, **policy))
        faulty.set_faults(FaultPlan.parse(faults))
        return extract("questionpro", warehouse, None, faulty.now)[0]

    yield run
    faulty.set_faults(None)


def loaded(warehouse) -> list[tuple[str, str]]:
    with warehouse.connect(autocommit=True) as conn:
        return conn.execute("select natural_key, payload->>'timestamp' from raw.questionpro__responses").fetchall()


@pytest.mark.parametrize(
    ("faults", "policy"),
    [
        (("429:3,retry_after=0",), {}),
        (("5xx-burst:4,burst=2",), {}),
        (("slow:3,delay=0.6",), {"read_timeout": 0.2}),
        (("drop:3",), {}),
        (("truncate:3",), {}),
        (("truncate:3,length=none",), {}),
        (("invalid-json:3",), {}),
        (("repeat-page:2",), {}),
    ],
    ids=lambda value: ",".join(value) if isinstance(value, tuple) else None,
)
def test_fault_is_survived(sync, served, warehouse, faults, policy):
    result = sync(*faults, **policy)
    rows = loaded(warehouse)
    assert len(rows) == len(dict(rows))  # no duplicate ...
    assert dict(rows) == served  # ... and no gap
    assert result.records == len(served) and result.quarantined == 0


def test_new_field_is_kept_and_reported(sync, served, warehouse):
    result = sync("drift-new-field:2")
    assert result.new_fields == ("responses.sandbox_new_field",)
    assert dict(loaded(warehouse)) == served
    with warehouse.connect(autocommit=True) as conn:
        drift = conn.execute("select field from ops.schema_drift where source = 'questionpro'").fetchall()
    assert drift == [("sandbox_new_field",)]


def test_a_response_without_its_id_is_quarantined_and_the_rest_loads(sync, served, warehouse):
    result = sync("drift-null:2,field=responseID,times=1")
    assert result.quarantined == 1
    rows = dict(loaded(warehouse))
    assert len(rows) == len(served) - 1 and set(rows) < set(served)
    with warehouse.connect(autocommit=True) as conn:
        reason = conn.execute("select reason from ops.quarantine where source = 'questionpro'").fetchone()[0]
    assert reason == "required field 'responseID' is null"


@pytest.mark.parametrize(
    ("fault", "expected"),
    [
        ("5xx-burst:1,burst=50", "HTTP 500"),
        ("429:1,retry_after=0", "rate-limited (HTTP 429"),
        ("invalid-json:1", "not valid JSON"),
    ],
)
def test_lasting_failure_ends_in_one_clear_error(sync, warehouse, fault, expected):
    with pytest.raises(ConnectorError) as failure:
        sync(fault)
    message = str(failure.value)
    assert expected in message and "after 4 attempts" in message and QUESTIONPRO_API_KEY not in message
