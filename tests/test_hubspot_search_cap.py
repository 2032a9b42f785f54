"""HubSpot's search returns at most 10,000 results per query (paging past them is a 400). With more changed
contacts than that in one window, the connector restarts its query from the last modified time it saw: every
contact must still land, exactly once.

The world is big enough for ~12,000 contacts (27,000 buyers; generated once for this module, ~6 s) and the
sandbox keeps HubSpot's real cap: nothing is scaled down to make the test cheap.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, time

import pytest
import requests

from connectors.hubspot import CONTACT_PROPERTIES
from connectors.registry import extract
from sandbox.credentials import HUBSPOT_TOKEN
from sandbox.server import SandboxServer
from sandbox.world import World

HUBSPOT_SEARCH_CAP = 10_000  # https://developers.hubspot.com/docs/api/crm/search#limitations
BUYERS = 27_000
SEED = 7


@pytest.fixture(scope="module")
def big_sandbox():
    server = SandboxServer(World.generate(seed=SEED, buyers=BUYERS)).start()
    yield server
    server.stop()


def api(sandbox: SandboxServer, method: str, path: str, **kwargs) -> requests.Response:
    headers = {"Authorization": f"Bearer {HUBSPOT_TOKEN}"}
    return requests.request(method, f"{sandbox.base_url}{path}", headers=headers, timeout=30, **kwargs)


def served_contacts(sandbox: SandboxServer) -> dict[str, str]:
    """Every contact the sandbox serves, id → updatedAt, read through the plain list endpoint (no cap there)."""
    found: dict[str, str] = {}
    params = {"limit": "100"}
    while True:
        answer = api(sandbox, "GET", "/crm/v3/objects/contacts", params=params).json()
        found.update({r["id"]: r["updatedAt"] for r in answer["results"]})
        after = answer.get("paging", {}).get("next", {}).get("after")
        if not after:
            return found
        params["after"] = after


def test_the_sandbox_refuses_to_page_past_the_cap(big_sandbox):
    body = {"limit": 200, "properties": ["email"], "sorts": [{"propertyName": "lastmodifieddate"}]}
    last_page = api(big_sandbox, "POST", "/crm/v3/objects/contacts/search", json={**body, "after": "9800"})
    assert last_page.status_code == 200
    assert last_page.json()["total"] > HUBSPOT_SEARCH_CAP
    past_the_cap = api(big_sandbox, "POST", "/crm/v3/objects/contacts/search", json={**body, "after": "10000"})
    assert past_the_cap.status_code == 400


def test_every_contact_lands_exactly_once_past_the_cap(big_sandbox, warehouse, clean_raw, monkeypatch, caplog):
    for name, value in big_sandbox.airflow_connections().items():
        monkeypatch.setenv(name, value)
    served = served_contacts(big_sandbox)
    assert len(served) > HUBSPOT_SEARCH_CAP, "the world must hold more contacts than one search may return"

    end = datetime.combine(big_sandbox.world.end_date, time(0), tzinfo=UTC)
    with caplog.at_level(logging.INFO, logger="connectors.hubspot"):
        results = extract("hubspot", warehouse, None, end)  # one window: the whole history

    contacts = next(result for result in results if result.stream == "contacts")
    assert contacts.window_start is None
    with warehouse.connect(autocommit=True) as conn:
        rows, distinct = conn.execute(
            "select count(*), count(distinct natural_key) from raw.hubspot__contacts"
        ).fetchone()
        loaded = dict(conn.execute("select natural_key, payload->>'updatedAt' from raw.hubspot__contacts").fetchall())
        properties = conn.execute(
            "select count(*) from raw.hubspot__contacts where not payload->'properties' ?& %s",
            (list(CONTACT_PROPERTIES),),
        ).fetchone()[0]
    assert rows == distinct == len(served) == contacts.records
    assert loaded == served  # every contact, each at the version the API serves now
    assert properties == 0

    cap_restarts = [r for r in caplog.records if r.name == "connectors.hubspot" and "search cap" in r.getMessage()]
    assert cap_restarts, "the sync never reached the search cap, so this test tested nothing"
    assert len(cap_restarts) >= len(served) // (HUBSPOT_SEARCH_CAP + 1)
