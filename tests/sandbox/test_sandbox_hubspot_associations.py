"""HubSpot associations v4 batch read, both directions, over real HTTP."""

from __future__ import annotations

from sandbox.vendors.hubspot_crm import contact_id_for, deal_id_for


def test_deal_to_contact_batch_read(hubspot, demo_world):
    pairs = {deal_id_for(b, o): contact_id_for(b) for b in demo_world.iter_buyers() for o in b.opportunities}
    deal_ids = sorted(pairs, key=int)[:120]
    answer = hubspot.post("/crm/v4/associations/deals/contacts/batch/read", {"inputs": [{"id": i} for i in deal_ids]})
    assert answer.status_code == 200
    body = answer.json()
    assert body["status"] == "COMPLETE"
    assert set(body) == {"status", "results", "startedAt", "completedAt"}
    assert len(body["results"]) == len(deal_ids)
    for result in body["results"]:
        assert set(result) == {"from", "to"}
        (link,) = result["to"]
        assert link == {
            "toObjectId": int(pairs[result["from"]["id"]]),
            "associationTypes": [{"category": "HUBSPOT_DEFINED", "typeId": 3, "label": None}],
        }


def test_contact_to_deal_batch_read_and_spellings(hubspot, demo_world):
    buyer = next(b for b in demo_world.iter_buyers() if len(b.opportunities) >= 2)
    contact_id = contact_id_for(buyer)
    for from_type, to_type in (("contacts", "deals"), ("contact", "deal"), ("0-1", "0-3")):
        answer = hubspot.post(
            f"/crm/v4/associations/{from_type}/{to_type}/batch/read", {"inputs": [{"id": contact_id}]}
        )
        assert answer.status_code == 200, (from_type, to_type)
        (result,) = answer.json()["results"]
        assert [t["toObjectId"] for t in result["to"]] == [int(deal_id_for(buyer, o)) for o in buyer.opportunities]
        assert {t["associationTypes"][0]["typeId"] for t in result["to"]} == {4}


def test_ids_without_associations_are_reported_as_errors(hubspot, demo_world):
    deal_id = next(deal_id_for(b, o) for b in demo_world.iter_buyers() for o in b.opportunities)
    answer = hubspot.post("/crm/v4/associations/deals/contacts/batch/read", {"inputs": [{"id": deal_id}, {"id": "42"}]})
    assert answer.status_code == 207
    body = answer.json()
    assert [r["from"]["id"] for r in body["results"]] == [deal_id]
    assert body["numErrors"] == 1
    (error,) = body["errors"]
    assert error["category"] == "OBJECT_NOT_FOUND"
    assert error["context"]["fromObjectId"] == ["42"]


def test_bad_association_requests(hubspot):
    assert hubspot.post("/crm/v4/associations/deals/widgets/batch/read", {"inputs": []}).status_code == 400
    assert hubspot.post("/crm/v4/associations/deals/contacts/batch/read", {"ids": ["1"]}).status_code == 400
    too_many = {"inputs": [{"id": str(i)} for i in range(1001)]}
    assert hubspot.post("/crm/v4/associations/deals/contacts/batch/read", too_many).status_code == 400
