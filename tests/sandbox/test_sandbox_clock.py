"""The sandbox clock: a request sees only what had happened by then, in the state it was in then."""

from __future__ import annotations

from sandbox import SandboxServer
from sandbox.timefmt import from_ms, iso_ms
from sandbox.vendors.hubspot_crm import contact_id_for, deal_id_for


def test_a_deal_closed_after_the_clock_is_not_won_yet(demo_world, client_for):
    buyer, deal = next(
        (b, o)
        for b in demo_world.iter_buyers()
        for o in b.opportunities
        if o.outcome == "won" and len(o.steps) >= 3 and not o.is_repeat
    )
    deal_id, contact_id = deal_id_for(buyer, deal), contact_id_for(buyer)
    assert deal.closed_at is not None
    with SandboxServer(demo_world, now=from_ms(deal.closed_at - 1)) as server:
        hubspot = client_for(server.base_url)

        def the_deal() -> dict:
            answer = hubspot.get(f"/crm/v3/objects/deals/{deal_id}", properties="dealstage,closedate")
            assert answer.status_code == 200
            return answer.json()

        def won_ids() -> set[str]:
            body = {
                "filterGroups": [{"filters": [{"propertyName": "dealstage", "operator": "EQ", "value": "closedwon"}]}],
                "limit": 200,
            }
            return {r["id"] for r in hubspot.search_all("deals", body)}

        before = the_deal()
        assert before["properties"]["dealstage"] != "closedwon"
        assert before["properties"]["hs_lastmodifieddate"] < iso_ms(deal.closed_at)
        assert deal_id not in won_ids()

        server.set_clock(from_ms(deal.closed_at))
        after = the_deal()
        assert after["properties"]["dealstage"] == "closedwon"
        assert after["properties"]["closedate"] == after["properties"]["hs_lastmodifieddate"] == iso_ms(deal.closed_at)
        assert after["createdAt"] == before["createdAt"]
        assert deal_id in won_ids()

        # Before the contact existed, the CRM knows nothing of it, nor of its deal.
        assert buyer.crm is not None
        server.set_clock(from_ms(buyer.crm.known_at - 1))
        assert hubspot.get(f"/crm/v3/objects/contacts/{contact_id}").status_code == 404
        assert hubspot.get(f"/crm/v3/objects/deals/{deal_id}").status_code == 404
        listed = [r["id"] for page in hubspot.list_all("contacts", limit=100) for r in page]
        assert contact_id not in listed
        server.set_clock(from_ms(buyer.crm.known_at))
        assert hubspot.get(f"/crm/v3/objects/contacts/{contact_id}").status_code == 200


def test_lifecycle_stage_moves_with_the_clock(demo_world, client_for):
    buyer = next(b for b in demo_world.iter_buyers() if b.crm and any(o.outcome == "won" for o in b.opportunities))
    won_at = min(o.closed_at for o in buyer.opportunities if o.outcome == "won")
    contact_path = f"/crm/v3/objects/contacts/{contact_id_for(buyer)}"
    with SandboxServer(demo_world, now=from_ms(won_at - 1)) as server:
        hubspot = client_for(server.base_url)
        stage_before = hubspot.get(contact_path, properties="lifecyclestage").json()["properties"]["lifecyclestage"]
        server.set_clock(from_ms(won_at))
        after = hubspot.get(contact_path, properties="lifecyclestage").json()
    assert stage_before in ("opportunity", "salesqualifiedlead")
    assert after["properties"]["lifecyclestage"] == "customer"
    assert after["properties"]["lastmodifieddate"] == after["updatedAt"] == iso_ms(won_at)


def test_default_clock_is_the_worlds_end(server, demo_world):
    assert server.clock.now_ms == demo_world.end_ms
    assert server.now.isoformat() == f"{demo_world.end_date.isoformat()}T00:00:00+00:00"
