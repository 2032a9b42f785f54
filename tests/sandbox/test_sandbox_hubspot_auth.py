"""HubSpot authentication, rate-limit headers, 429s and error bodies, over real HTTP."""

from __future__ import annotations

import requests

from sandbox import HubSpotOptions, SandboxServer

RATE_LIMIT_HEADERS = (
    "X-HubSpot-RateLimit-Daily",
    "X-HubSpot-RateLimit-Daily-Remaining",
    "X-HubSpot-RateLimit-Interval-Milliseconds",
    "X-HubSpot-RateLimit-Max",
    "X-HubSpot-RateLimit-Remaining",
    "X-HubSpot-RateLimit-Secondly",
    "X-HubSpot-RateLimit-Secondly-Remaining",
)


def test_good_token_is_served_with_rate_limit_headers(hubspot):
    answer = hubspot.get("/crm/v3/objects/contacts", limit=1)
    assert answer.status_code == 200
    assert answer.headers["Content-Type"].startswith("application/json")
    for header in RATE_LIMIT_HEADERS:
        assert int(answer.headers[header]) >= 0, header
    assert answer.headers["X-HubSpot-RateLimit-Max"] == "100"
    assert answer.headers["X-HubSpot-RateLimit-Interval-Milliseconds"] == "10000"


def test_missing_or_wrong_token_gets_hubspots_401(server):
    url = f"{server.base_url}/crm/v3/objects/contacts"
    for headers in (
        {},
        {"Authorization": "Bearer pat-na1-not-the-sandbox-token"},
        {"Authorization": "Basic x"},
    ):
        answer = requests.get(url, headers=headers, timeout=10)
        assert answer.status_code == 401
        body = answer.json()
        assert set(body) == {"status", "message", "correlationId", "category"}
        assert body["status"] == "error"
        assert body["category"] == "INVALID_AUTHENTICATION"
        assert body["message"].startswith("Authentication credentials not found.")
    # Authentication comes before routing, as at HubSpot: an unknown path with a bad token is still a 401.
    assert requests.post(f"{server.base_url}/crm/v3/nothing", timeout=10).status_code == 401


def test_errors_are_hubspot_json(hubspot, server):
    unknown_type = hubspot.get("/crm/v3/objects/widgets")
    assert unknown_type.status_code == 400
    assert unknown_type.json()["message"] == "Unable to infer object type from: widgets"

    missing = hubspot.get("/crm/v3/objects/contacts/1")
    assert missing.status_code == 404
    assert missing.json()["category"] == "OBJECT_NOT_FOUND"

    for path in ("/crm/v3/not/a/path", "/nothing-here"):
        answer = hubspot.get(path)
        assert answer.status_code == 404
        assert answer.json()["status"] == "error"

    wrong_method = hubspot.get("/crm/v3/objects/contacts/search")  # a GET on the search endpoint is a read
    assert wrong_method.status_code == 404
    assert hubspot.post("/crm/v3/objects/contacts", {}).status_code == 405


def test_rate_limit_is_enforced_only_when_switched_on(demo_world):
    limited = HubSpotOptions(enforce_rate_limits=True, per_second=3)
    with SandboxServer(demo_world, options={"hubspot": limited}) as server:
        headers = {"Authorization": f"Bearer {limited.token}"}
        with requests.Session() as session:
            answers = [
                session.get(f"{server.base_url}/crm/v3/objects/deals", headers=headers, timeout=10) for _ in range(6)
            ]
    statuses = [a.status_code for a in answers]
    assert statuses[:3] == [200, 200, 200]
    refused = [a for a in answers if a.status_code == 429]
    assert refused, statuses
    body = refused[0].json()
    assert body["status"] == "error"
    assert body["errorType"] == "RATE_LIMIT"
    assert body["policyName"] == "SECONDLY"
    assert body["message"] == "You have reached your secondly limit."
    assert refused[0].headers["X-HubSpot-RateLimit-Secondly-Remaining"] == "0"


def test_rate_limit_is_off_by_default(hubspot):
    statuses = {hubspot.get("/crm/v3/objects/deals", limit=1).status_code for _ in range(15)}
    assert statuses == {200}
