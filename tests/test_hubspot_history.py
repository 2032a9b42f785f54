"""The HubSpot connector's stage-history streams (``contact_stage_history``, ``deal_stage_history``) and the
identity properties, against the sandbox: the whole history, then incrementally as the clock moves; re-runs and
old windows change nothing; every row is what the batch read serves."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest
import requests

from connectors.registry import extract
from sandbox.credentials import HUBSPOT_TOKEN

HISTORIES = {"contact_stage_history": ("contacts", "lifecyclestage"), "deal_stage_history": ("deals", "dealstage")}


def midnight(day) -> datetime:
    return datetime.combine(day, time(0), tzinfo=UTC)


@pytest.fixture
def clock(sandbox):
    before = sandbox.now
    yield sandbox.set_clock
    sandbox.set_clock(before)


def served_histories(sandbox, object_type: str, name: str) -> dict[str, list[dict]]:
    """Every object's history of ``name`` as the sandbox serves it now: ids from the list endpoint, then the
    batch read 50 at a time."""
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {HUBSPOT_TOKEN}"
    ids, params = [], {"limit": "100"}
    while True:
        answer = session.get(f"{sandbox.base_url}/crm/v3/objects/{object_type}", params=params, timeout=10).json()
        ids += [r["id"] for r in answer["results"]]
        params["after"] = answer.get("paging", {}).get("next", {}).get("after")
        if not params["after"]:
            break
    found = {}
    for start in range(0, len(ids), 50):
        body = {"inputs": [{"id": i} for i in ids[start : start + 50]], "propertiesWithHistory": [name]}
        answer = session.post(f"{sandbox.base_url}/crm/v3/objects/{object_type}/batch/read", json=body, timeout=10)
        found.update({r["id"]: r["propertiesWithHistory"][name] for r in answer.json()["results"]})
    return found


def loaded_histories(warehouse, stream: str, name: str) -> dict[str, list[dict]]:
    with warehouse.connect(autocommit=True) as conn:
        rows = conn.execute(
            f"select natural_key, payload->'propertiesWithHistory'->'{name}' from raw.hubspot__{stream}"
        ).fetchall()
        total, distinct = conn.execute(
            f"select count(*), count(distinct natural_key) from raw.hubspot__{stream}"
        ).fetchone()
    assert total == distinct == len(rows)  # one row per object
    return dict(rows)


def assert_histories_are_served(warehouse, sandbox) -> None:
    for stream, (object_type, name) in HISTORIES.items():
        assert loaded_histories(warehouse, stream, name) == served_histories(sandbox, object_type, name), stream


def test_history_lands_in_full_then_follows_the_clock(sources_configured, clean_raw, warehouse, world, clock):
    sandbox = sources_configured
    halfway = midnight(world.start_date + timedelta(days=60))
    clock(halfway)
    extract("hubspot", warehouse, halfway - timedelta(days=1), halfway)
    assert_histories_are_served(warehouse, sandbox)
    changes_then = sum(map(len, loaded_histories(warehouse, "contact_stage_history", "lifecyclestage").values()))

    end = midnight(world.end_date)
    clock(end)
    day = halfway
    while day < end:
        extract("hubspot", warehouse, day, min(day + timedelta(days=7), end))
        day += timedelta(days=7)
    assert_histories_are_served(warehouse, sandbox)
    changes_now = sum(map(len, loaded_histories(warehouse, "contact_stage_history", "lifecyclestage").values()))
    assert changes_now > changes_then  # stages moved on and their new entries came in

    # Nothing new: a second run changes no row.
    with warehouse.connect(autocommit=True) as conn:
        before = conn.execute("select natural_key, payload from raw.hubspot__deal_stage_history order by 1").fetchall()
        extract("hubspot", warehouse, end - timedelta(days=1), end)
        after = conn.execute("select natural_key, payload from raw.hubspot__deal_stage_history order by 1").fetchall()
    assert after == before


def test_an_old_window_rerun_changes_nothing(sources_configured, clean_raw, warehouse, world):
    end = midnight(world.end_date)
    extract("hubspot", warehouse, end - timedelta(days=1), end)
    query = "select natural_key, payload from raw.hubspot__{} order by 1"
    with warehouse.connect(autocommit=True) as conn:
        before = {s: conn.execute(query.format(s)).fetchall() for s in HISTORIES}
        old = midnight(world.start_date + timedelta(days=10))
        extract("hubspot", warehouse, old, old + timedelta(days=1))
        after = {s: conn.execute(query.format(s)).fetchall() for s in HISTORIES}
    assert after == before
    assert_histories_are_served(warehouse, sources_configured)


def test_contacts_carry_the_identity_properties(sources_configured, clean_raw, warehouse, world):
    end = midnight(world.end_date)
    extract("hubspot", warehouse, end - timedelta(days=1), end)
    with warehouse.connect(autocommit=True) as conn:
        rows = conn.execute(
            "select natural_key, payload->'properties'->>'app_user_id', payload->'properties'->>'loyalty_id'"
            " from raw.hubspot__contacts"
        ).fetchall()
    buyers = {str(100_000 + b.index): b for b in world.iter_buyers() if b.crm}
    assert {key: (user, loyalty) for key, user, loyalty in rows} == {
        key: (b.user_id, b.loyalty_id) for key, b in buyers.items()
    }
