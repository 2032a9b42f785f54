"""Same seed, same bytes; another seed, another world."""

from __future__ import annotations

import requests

from sandbox import SandboxServer, World
from sandbox.credentials import GA4_ACCESS_TOKEN, GA4_PROPERTY_ID, HUBSPOT_TOKEN, MATOMO_TOKEN_AUTH
from sandbox.world import generate_buyer

REQUESTS = [
    ("GET", "/crm/v3/objects/contacts?limit=100&properties=email,lifecyclestage,hs_analytics_source", None),
    ("GET", "/crm/v3/objects/deals?limit=50&associations=contacts", None),
    (
        "POST",
        "/crm/v3/objects/contacts/search",
        {"limit": 200, "after": "200", "properties": ["email", "company"]},
    ),
    (
        "POST",
        "/crm/v3/objects/deals/search",
        {
            "filterGroups": [{"filters": [{"propertyName": "dealstage", "operator": "EQ", "value": "closedwon"}]}],
            "sorts": [{"propertyName": "amount", "direction": "DESCENDING"}],
            "limit": 100,
        },
    ),
    (
        "POST",
        "/crm/v4/associations/deals/contacts/batch/read",
        {"inputs": [{"id": "5000000000"}, {"id": "1"}]},
    ),
    ("POST", "/crm/v3/objects/contacts/search", {"after": "oops"}),
]


MATOMO = (
    "/index.php?module=API&method=Live.getLastVisitsDetails&idSite=1&period=range&date=2026-08-01,2026-08-07"
    "&format=JSON&filter_limit=60&filter_offset=30"
)
GA4_REPORT = {
    "dateRanges": [{"startDate": "2026-08-01", "endDate": "2026-08-31"}],
    "dimensions": [{"name": "date"}, {"name": "sessionSourceMedium"}, {"name": "landingPage"}],
    "metrics": [{"name": "sessions"}, {"name": "totalUsers"}, {"name": "keyEvents"}, {"name": "totalRevenue"}],
    "limit": 200,
}


def bodies(server: SandboxServer) -> list[bytes]:
    headers = {"Authorization": f"Bearer {HUBSPOT_TOKEN}"}
    with requests.Session() as session:
        answers = [
            session.request(method, f"{server.base_url}{path}", json=body, headers=headers, timeout=30)
            for method, path, body in REQUESTS
        ]
        answers.append(session.post(f"{server.base_url}{MATOMO}", data={"token_auth": MATOMO_TOKEN_AUTH}, timeout=30))
        answers.append(
            session.post(
                f"{server.base_url}/v1beta/properties/{GA4_PROPERTY_ID}:runReport",
                json=GA4_REPORT,
                headers={"Authorization": f"Bearer {GA4_ACCESS_TOKEN}"},
                timeout=30,
            )
        )
    assert all(a.status_code < 500 for a in answers)
    # Absolute paging links name the server they came from; everything else must match byte for byte.
    return [a.content.replace(server.base_url.encode(), b"BASE") for a in answers]


def test_same_seed_gives_byte_identical_responses(server, demo_world):
    with SandboxServer(World.generate(seed=demo_world.seed, buyers=len(demo_world))) as twin:
        assert bodies(twin) == bodies(server)


def test_another_seed_gives_another_world(server, demo_world):
    with SandboxServer(World.generate(seed=demo_world.seed + 1, buyers=len(demo_world))) as other:
        theirs, ours = bodies(other), bodies(server)
    assert all(a != b for a, b in zip(theirs[:4], ours[:4], strict=True))
    assert all(a != b for a, b in zip(theirs[-2:], ours[-2:], strict=True))


def test_a_buyer_is_the_same_generated_alone_or_with_the_world(demo_world):
    config = demo_world.config
    streamed = World(config)
    for index in (0, 1, 977, config.buyers - 1):
        assert generate_buyer(config, index) == demo_world.buyer(index) == streamed.buyer(index)
    assert list(streamed.iter_buyers())[:50] == list(demo_world.iter_buyers())[:50]
