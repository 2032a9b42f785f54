"""HubSpot batch read with ``propertiesWithHistory`` and the identity properties, over real HTTP: what is served
is the world's CRM facts up to the sandbox clock, and nothing appears before it was true."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from sandbox.server import SandboxServer
from sandbox.timefmt import iso_ms
from sandbox.vendors.hubspot_crm import DEAL_STAGES, contact_id_for, deal_id_for, lifecycle_changes
from sandbox.world import World

HISTORY_BATCH = 50


@pytest.fixture(scope="module")
def clocked(demo_world: World) -> Iterator[SandboxServer]:
    """The demo world on a server of this module, so its clock can move."""
    with SandboxServer(demo_world) as running:
        yield running


def read_batch(client, object_type: str, ids: list[str], **body) -> dict:
    answer = client.post(f"/crm/v3/objects/{object_type}/batch/read", {"inputs": [{"id": i} for i in ids], **body})
    assert answer.status_code == 200, answer.text
    return answer.json()


def histories(client, object_type: str, ids: list[str], name: str) -> dict[str, list[dict]]:
    """id → the property's history, read 50 at a time as HubSpot allows."""
    found = {}
    for start in range(0, len(ids), HISTORY_BATCH):
        body = read_batch(client, object_type, ids[start : start + HISTORY_BATCH], propertiesWithHistory=[name])
        found.update({r["id"]: r["propertiesWithHistory"][name] for r in body["results"]})
    return found


def at(moment_ms: int) -> datetime:
    return datetime.fromtimestamp(moment_ms / 1000, UTC)


@pytest.mark.parametrize("days_in", [45, None])  # half-way through the world, and at its end
def test_lifecycle_history_is_the_worlds_crm_facts_up_to_the_clock(clocked, client_for, demo_world, days_in):
    clock = clocked.now if days_in is None else datetime.combine(demo_world.start_date, datetime.min.time(), UTC)
    clock += timedelta(days=days_in or 0)
    clocked.set_clock(clock)
    clock_ms = int(clock.timestamp() * 1000)
    contacts = {contact_id_for(b): b for b in demo_world.iter_buyers() if b.crm and b.crm.known_at <= clock_ms}
    served = histories(client_for(clocked.base_url), "contacts", list(contacts), "lifecyclestage")
    assert set(served) == set(contacts)
    for contact_id, history in served.items():
        expected = [(iso_ms(t), stage) for t, stage in lifecycle_changes(contacts[contact_id]) if t <= clock_ms]
        assert [(e["timestamp"], e["value"]) for e in reversed(history)] == expected  # served newest first
        assert all(set(e) >= {"value", "timestamp", "sourceType"} for e in history)


def test_deal_stage_history_is_the_opportunitys_steps(hubspot, demo_world):
    deals = {deal_id_for(b, o): o for b in demo_world.iter_buyers() if b.crm for o in b.opportunities}
    served = histories(hubspot, "deals", list(deals), "dealstage")
    assert set(served) == set(deals) and len(deals) > 100
    for deal_id, history in served.items():
        steps = [(iso_ms(t), DEAL_STAGES[step]) for step, t in deals[deal_id].steps]
        assert [(e["timestamp"], e["value"]) for e in reversed(history)] == steps
        assert {e["sourceType"] for e in history} == {"CRM_UI"}


def test_identity_properties_appear_only_once_true(clocked, client_for, demo_world):
    buyer = next(
        b for b in demo_world.iter_buyers() if b.crm and b.signed_up_at and b.signed_up_at > b.crm.known_at + 60_000
    )
    contact_id, client = contact_id_for(buyer), client_for(clocked.base_url)
    names = ["app_user_id", "loyalty_id", "referral_code", "referred_by_code", "lastmodifieddate"]

    clocked.set_clock(at(buyer.signed_up_at - 1000))
    (before,) = read_batch(client, "contacts", [contact_id], properties=names)["results"]
    clocked.set_clock(at(buyer.signed_up_at))
    (after,) = read_batch(client, "contacts", [contact_id], properties=names)["results"]
    assert before["properties"]["app_user_id"] is None
    assert after["properties"]["app_user_id"] == buyer.user_id
    assert after["properties"]["lastmodifieddate"] == after["updatedAt"] == iso_ms(buyer.signed_up_at)
    assert before["updatedAt"] < after["updatedAt"]


def test_identity_properties_match_the_world(hubspot, demo_world):
    buyers = {contact_id_for(b): b for b in demo_world.iter_buyers() if b.crm}
    names = ["app_user_id", "loyalty_id", "referral_code", "referred_by_code"]
    ids = sorted(buyers, key=int)
    served = {}
    for start in range(0, len(ids), 100):
        body = read_batch(hubspot, "contacts", ids[start : start + 100], properties=names)
        served.update({r["id"]: r["properties"] for r in body["results"]})
    for contact_id, properties in served.items():
        buyer = buyers[contact_id]
        assert properties["app_user_id"] == buyer.user_id
        assert properties["loyalty_id"] == buyer.loyalty_id
        assert properties["referral_code"] == buyer.referral_code
        assert properties["referred_by_code"] == buyer.referred_by_code
    assert sum(p["app_user_id"] is not None for p in served.values()) > 100
    assert sum(p["loyalty_id"] is not None for p in served.values()) > 10


def test_batch_read_limits_unknown_ids_and_auth(hubspot, client_for, server):
    ids = [str(100_000 + n) for n in range(60)]
    too_many = hubspot.post(
        "/crm/v3/objects/contacts/batch/read",
        {"inputs": [{"id": i} for i in ids], "propertiesWithHistory": ["lifecyclestage"]},
    )
    assert too_many.status_code == 400
    assert too_many.json()["message"].startswith("The maximum number of inputs supported in a batch request for")
    over_100 = hubspot.post("/crm/v3/objects/contacts/batch/read", {"inputs": [{"id": str(n)} for n in range(101)]})
    assert over_100.status_code == 400 and over_100.json()["category"] == "VALIDATION_ERROR"

    known = read_batch(hubspot, "contacts", ids[:1])["results"][0]["id"]
    partly = hubspot.post("/crm/v3/objects/contacts/batch/read", {"inputs": [{"id": known}, {"id": "42"}]})
    assert partly.status_code == 207
    body = partly.json()
    assert [r["id"] for r in body["results"]] == [known]
    assert body["numErrors"] == 1 and body["errors"][0]["category"] == "OBJECT_NOT_FOUND"
    assert body["errors"][0]["context"] == {"ids": ["42"]}

    wrong = client_for(server.base_url, token="pat-wrong").post(
        "/crm/v3/objects/contacts/batch/read", {"inputs": [{"id": known}]}
    )
    assert wrong.status_code == 401 and wrong.json()["category"] == "INVALID_AUTHENTICATION"


def test_batch_read_bodies_are_byte_identical(hubspot, demo_world):
    ids = [contact_id_for(b) for b in demo_world.iter_buyers() if b.crm][:50]
    body = {"inputs": [{"id": i} for i in ids], "propertiesWithHistory": ["lifecyclestage", "app_user_id"]}
    first = hubspot.post("/crm/v3/objects/contacts/batch/read", body)
    second = hubspot.post("/crm/v3/objects/contacts/batch/read", body)
    assert first.status_code == 200 and first.content == second.content


def test_list_and_read_serve_the_same_history_50_a_page(hubspot):
    answer = hubspot.get("/crm/v3/objects/deals", limit=100, propertiesWithHistory="dealstage")
    assert answer.status_code == 200
    page = answer.json()
    assert len(page["results"]) == 50  # capped with history, as HubSpot does
    ids = [r["id"] for r in page["results"]]
    from_batch = histories(hubspot, "deals", ids, "dealstage")
    assert {r["id"]: r["propertiesWithHistory"]["dealstage"] for r in page["results"]} == from_batch
    one = hubspot.get(f"/crm/v3/objects/deals/{ids[0]}", propertiesWithHistory="dealstage,nonsense").json()
    assert one["propertiesWithHistory"] == {"dealstage": from_batch[ids[0]]}
