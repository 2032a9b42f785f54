"""HubSpot objects v3: list paging, reading one object, payload shapes."""

from __future__ import annotations

import re

from sandbox.vendors.hubspot_crm import contact_id_for, deal_id_for

ISO_MS = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")


def expected_contact_ids(world) -> set[str]:
    return {contact_id_for(b) for b in world.iter_buyers() if b.crm is not None}


def expected_deal_ids(world) -> set[str]:
    return {deal_id_for(b, o) for b in world.iter_buyers() for o in b.opportunities}


def test_list_paging_visits_every_contact_exactly_once(hubspot, demo_world):
    pages = list(hubspot.list_all("contacts", limit=100))
    ids = [record["id"] for page in pages for record in page]
    assert len(ids) == len(set(ids))
    assert set(ids) == expected_contact_ids(demo_world)
    assert all(len(page) == 100 for page in pages[:-1])
    assert ids == sorted(ids, key=int)


def test_list_paging_visits_every_deal_exactly_once(hubspot, demo_world):
    ids = [record["id"] for page in hubspot.list_all("deals", limit=37) for record in page]
    assert len(ids) == len(set(ids)) == len(expected_deal_ids(demo_world))
    assert set(ids) == expected_deal_ids(demo_world)


def test_list_defaults_limits_and_cursor(hubspot):
    first = hubspot.get("/crm/v3/objects/contacts").json()
    assert len(first["results"]) == 10  # HubSpot's default page
    nxt = first["paging"]["next"]
    assert nxt["link"].endswith(f"after={nxt['after']}")
    second = hubspot.get("/crm/v3/objects/contacts", after=nxt["after"]).json()
    assert second["results"][0]["id"] == nxt["after"]
    assert len(hubspot.get("/crm/v3/objects/contacts", limit=500).json()["results"]) == 100  # capped at 100
    assert hubspot.get("/crm/v3/objects/contacts", after="abc").status_code == 400


def test_contact_shape_and_default_properties(hubspot):
    record = hubspot.get("/crm/v3/objects/contacts", limit=1).json()["results"][0]
    assert set(record) == {"id", "properties", "createdAt", "updatedAt", "archived"}
    assert set(record["properties"]) == {
        "createdate",
        "email",
        "firstname",
        "hs_object_id",
        "lastmodifieddate",
        "lastname",
    }
    assert record["properties"]["hs_object_id"] == record["id"]
    assert record["createdAt"] == record["properties"]["createdate"]
    assert record["updatedAt"] == record["properties"]["lastmodifieddate"]
    assert ISO_MS.match(record["createdAt"]) and ISO_MS.match(record["updatedAt"])
    assert record["archived"] is False


def test_requested_properties_are_strings_or_null(hubspot):
    wanted = ",".join(
        (
            "email",
            "lifecyclestage",
            "hs_analytics_source",
            "hs_analytics_source_data_1",
            "hs_analytics_source_data_2",
            "company",
        )
    )
    records = [r for page in hubspot.list_all("contacts", limit=100, properties=wanted) for r in page]
    sources = set()
    for record in records:
        properties = record["properties"]
        # The named properties plus those HubSpot always returns.
        assert set(properties) == set(wanted.split(",")) | {"createdate", "hs_object_id", "lastmodifieddate"}
        assert all(v is None or isinstance(v, str) for v in properties.values())
        assert properties["lifecyclestage"] in {
            "subscriber",
            "lead",
            "marketingqualifiedlead",
            "salesqualifiedlead",
            "opportunity",
            "customer",
            "evangelist",
        }
        sources.add(properties["hs_analytics_source"])
    assert sources == {
        "PAID_SEARCH",
        "PAID_SOCIAL",
        "OTHER_CAMPAIGNS",
        "EMAIL_MARKETING",
        "ORGANIC_SEARCH",
        "SOCIAL_MEDIA",
        "REFERRALS",
        "DIRECT_TRAFFIC",
        "OFFLINE",
    }
    emails = [r["properties"]["email"] for r in records]
    assert any(e != e.lower() for e in emails), "some emails keep the case their owner typed"


def test_deal_shape(hubspot):
    wanted = "dealname,amount,deal_currency_code,dealstage,pipeline,closedate,createdate,hs_lastmodifieddate"
    records = [r for page in hubspot.list_all("deals", limit=100, properties=wanted) for r in page]
    currencies = set()
    for record in records:
        p = record["properties"]
        assert p["pipeline"] == "default"
        assert p["dealstage"] in {
            "appointmentscheduled",
            "qualifiedtobuy",
            "presentationscheduled",
            "decisionmakerboughtin",
            "contractsent",
            "closedwon",
            "closedlost",
        }
        assert float(p["amount"]) > 0 and isinstance(p["amount"], str)
        assert ISO_MS.match(p["closedate"]) and ISO_MS.match(p["hs_lastmodifieddate"])
        assert record["updatedAt"] == p["hs_lastmodifieddate"]
        currencies.add(p["deal_currency_code"])
    assert currencies == {"USD", "EUR"}
    assert {r["properties"]["dealstage"] for r in records} >= {"closedwon", "closedlost"}


def test_read_one_with_associations(hubspot, demo_world):
    buyer = next(b for b in demo_world.iter_buyers() if len(b.opportunities) >= 2)
    contact_id = contact_id_for(buyer)
    answer = hubspot.get(f"/crm/v3/objects/contacts/{contact_id}", associations="deals")
    assert answer.status_code == 200
    record = answer.json()
    assert record["id"] == contact_id
    linked = record["associations"]["deals"]["results"]
    assert [link["id"] for link in linked] == [deal_id_for(buyer, o) for o in buyer.opportunities]
    assert {link["type"] for link in linked} == {"contact_to_deal"}

    deal = hubspot.get(f"/crm/v3/objects/deal/{linked[0]['id']}", associations="contact").json()
    assert deal["associations"]["contacts"]["results"] == [{"id": contact_id, "type": "deal_to_contact"}]
