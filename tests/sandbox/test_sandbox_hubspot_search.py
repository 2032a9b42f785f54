"""HubSpot CRM search: filters, windows, sorting, paging, the 10,000-result cap, and validation."""

from __future__ import annotations

from datetime import UTC, datetime

from sandbox.timefmt import iso_ms, parse_instant


def all_contacts(hubspot, *properties: str) -> list[dict]:
    wanted = ",".join(properties) if properties else None
    params = {"limit": 100, **({"properties": wanted} if wanted else {})}
    return [record for page in hubspot.list_all("contacts", **params) for record in page]


def modified_ms(record: dict) -> int:
    return parse_instant(record["properties"]["lastmodifieddate"])


def test_search_with_a_lastmodifieddate_window_returns_exactly_the_records_in_it(hubspot, demo_world):
    everyone = all_contacts(hubspot)
    start = demo_world.start_ms + (demo_world.end_ms - demo_world.start_ms) // 3
    end = start + 20 * 86_400_000
    expected = {r["id"] for r in everyone if start <= modified_ms(r) < end}
    assert 50 < len(expected) < len(everyone)

    # Epoch-millisecond strings, as connectors send them; pages of 37, sorted by the window's property.
    window = [
        {"propertyName": "lastmodifieddate", "operator": "GTE", "value": str(start)},
        {"propertyName": "lastmodifieddate", "operator": "LT", "value": str(end)},
    ]
    body = {
        "filterGroups": [{"filters": window}],
        "sorts": [{"propertyName": "lastmodifieddate", "direction": "ASCENDING"}],
        "limit": 37,
    }
    found = hubspot.search_all("contacts", body)
    ids = [r["id"] for r in found]
    assert len(ids) == len(set(ids))
    assert set(ids) == expected
    times = [modified_ms(r) for r in found]
    assert times == sorted(times)
    assert hubspot.search("contacts", body).json()["total"] == len(expected)

    # The same window as ISO 8601 values with BETWEEN (inclusive at both ends).
    between = {
        "propertyName": "lastmodifieddate",
        "operator": "BETWEEN",
        "value": iso_ms(start),
        "highValue": iso_ms(end - 1),
    }
    found = hubspot.search_all("contacts", {"filterGroups": [{"filters": [between]}], "limit": 200})
    assert {r["id"] for r in found} == expected


def test_default_search_properties_and_order(hubspot):
    answer = hubspot.search("contacts", {})
    assert answer.status_code == 200
    body = answer.json()
    assert set(body) == {"total", "results", "paging"}
    assert len(body["results"]) == 10
    assert body["paging"] == {"next": {"after": "10"}}
    first = body["results"][0]
    assert set(first) == {"id", "properties", "createdAt", "updatedAt", "archived"}
    assert set(first["properties"]) == {
        "createdate",
        "email",
        "firstname",
        "hs_object_id",
        "lastmodifieddate",
        "lastname",
    }
    created = [parse_instant(r["createdAt"]) for r in body["results"]]
    assert created == sorted(created)  # oldest first

    deal = hubspot.search("deals", {"limit": 1}).json()["results"][0]
    assert set(deal["properties"]) == {
        "amount",
        "closedate",
        "createdate",
        "dealname",
        "dealstage",
        "hs_lastmodifieddate",
        "hs_object_id",
        "pipeline",
    }


def test_filter_operators(hubspot):
    everyone = all_contacts(hubspot, "lifecyclestage", "company", "email")

    def ids(*filters, groups=None) -> set[str]:
        body = {"filterGroups": groups or [{"filters": list(filters)}], "limit": 200, "properties": ["email"]}
        return {r["id"] for r in hubspot.search_all("contacts", body)}

    customers = {r["id"] for r in everyone if r["properties"]["lifecyclestage"] in ("customer", "evangelist")}
    assert customers
    assert ids({"propertyName": "lifecyclestage", "operator": "IN", "values": ["customer", "evangelist"]}) == customers
    assert (
        ids({"propertyName": "lifecyclestage", "operator": "NOT_IN", "values": ["customer", "evangelist"]})
        == {r["id"] for r in everyone} - customers
    )
    with_company = {r["id"] for r in everyone if r["properties"]["company"]}
    assert ids({"propertyName": "company", "operator": "HAS_PROPERTY"}) == with_company
    assert (
        ids({"propertyName": "company", "operator": "NOT_HAS_PROPERTY"}) == {r["id"] for r in everyone} - with_company
    )

    # String equality ignores case; several groups are ORed.
    one, other = everyone[3], everyone[7]
    assert ids({"propertyName": "email", "operator": "EQ", "value": one["properties"]["email"].upper()}) == {one["id"]}
    either = ids(
        groups=[
            {"filters": [{"propertyName": "hs_object_id", "operator": "EQ", "value": one["id"]}]},
            {"filters": [{"propertyName": "hs_object_id", "operator": "EQ", "value": other["id"]}]},
        ]
    )
    assert either == {one["id"], other["id"]}
    domain = one["properties"]["email"].split("@")[1].lower()
    assert one["id"] in ids({"propertyName": "email", "operator": "CONTAINS_TOKEN", "value": f"*@{domain}"})


def test_sorting_descending_by_amount(hubspot):
    body = {"sorts": [{"propertyName": "amount", "direction": "DESCENDING"}], "limit": 50}
    amounts = [float(r["properties"]["amount"]) for r in hubspot.search("deals", body).json()["results"]]
    assert amounts == sorted(amounts, reverse=True)


def test_search_validation_errors_are_hubspots_400(hubspot):
    too_many_groups = [{"filters": [{"propertyName": "email", "operator": "HAS_PROPERTY"}]}] * 6
    bad = [
        {"limit": 201},
        {"after": "ten"},
        {"filterGroups": too_many_groups},
        {"filterGroups": [{"filters": [{"propertyName": "no_such_property", "operator": "EQ", "value": "x"}]}]},
        {"filterGroups": [{"filters": [{"propertyName": "email", "operator": "LIKE", "value": "x"}]}]},
        {"filterGroups": [{"filters": [{"propertyName": "createdate", "operator": "GT", "value": "yesterday"}]}]},
        {"query": "x" * 3001},
    ]
    for body in bad:
        answer = hubspot.search("contacts", body)
        assert answer.status_code == 400, body
        error = answer.json()
        assert error["status"] == "error" and error["category"] == "VALIDATION_ERROR", body
        assert error["correlationId"]
    assert hubspot.session.post(f"{hubspot.base_url}/crm/v3/objects/contacts/search", data=b"{nope").status_code == 400


def test_search_stops_at_hubspots_10000_result_cap(big_hubspot):
    hubspot = big_hubspot
    total = hubspot.search("contacts", {"limit": 1}).json()["total"]
    assert total > 10_000, "the big world must hold more contacts than the cap"

    near_the_cap = hubspot.search("contacts", {"limit": 200, "after": "9800"}).json()
    assert near_the_cap["total"] == total  # the total is not capped, only the paging
    assert len(near_the_cap["results"]) == 200
    assert near_the_cap["paging"]["next"]["after"] == "10000"

    straddling = hubspot.search("contacts", {"limit": 200, "after": "9900"}).json()
    assert len(straddling["results"]) == 100
    assert straddling["paging"]["next"]["after"] == "10000"

    beyond = hubspot.search("contacts", {"limit": 200, "after": "10000"})
    assert beyond.status_code == 400
    assert beyond.json()["category"] == "VALIDATION_ERROR"
    assert beyond.json()["message"] == "There was a problem with the request."

    # A narrower window fits under the cap and pages to its end.
    cutoff = datetime(2026, 8, 15, tzinfo=UTC)
    window = {
        "filterGroups": [
            {
                "filters": [
                    {
                        "propertyName": "createdate",
                        "operator": "LT",
                        "value": str(int(cutoff.timestamp() * 1000)),
                    },
                ]
            }
        ],
        "limit": 200,
        "properties": ["createdate"],
    }
    first_page = hubspot.search("contacts", window).json()
    assert 0 < first_page["total"] < 10_000
    assert len(hubspot.search_all("contacts", window)) == first_page["total"]
