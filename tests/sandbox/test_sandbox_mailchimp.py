"""The sandbox's Mailchimp Marketing API: auth and errors as problem details, count/offset paging, the limit of
simultaneous connections, the clock, determinism, and agreement with the world (clicks = the world's email-click
touches, with the landing URL the web analytics see)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
import requests

from sandbox.credentials import MAILCHIMP_API_KEY, MAILCHIMP_LIST_ID, MAILCHIMP_OAUTH_TOKEN
from sandbox.server import SandboxServer
from sandbox.vendors.mailchimp import MailchimpOptions
from sandbox.web_visits import VisitBuilder
from sandbox.world import World

AUTH = ("anystring", MAILCHIMP_API_KEY)
MEMBERS = f"/3.0/lists/{MAILCHIMP_LIST_ID}/members"


@pytest.fixture(scope="module")
def mc_world() -> World:
    return World.generate(seed=5, buyers=400)


@pytest.fixture(scope="module")
def mc(mc_world):
    with SandboxServer(mc_world) as server:
        yield server


def get(server: SandboxServer, path: str, auth=AUTH, **params) -> requests.Response:
    return requests.get(f"{server.base_url}{path}", params=params, auth=auth, timeout=10)


def every(server: SandboxServer, path: str, key: str, count: int = 7, **params) -> list[dict]:
    """Every record of a listing, page by page (count/offset), checking total_items on the way."""
    found, offset = [], 0
    while True:
        answer = get(server, path, count=count, offset=offset, **params).json()
        found += answer[key]
        offset += count
        if offset >= answer["total_items"]:
            assert len(found) == answer["total_items"]
            return found


def test_wrong_or_missing_credentials_get_mailchimps_problem_details(mc):
    wrong = get(mc, "/3.0/lists", auth=("anystring", "0" * 32 + "-us21"))
    assert wrong.status_code == 401
    assert wrong.headers["Content-Type"].startswith("application/problem+json")
    body = wrong.json()
    assert {k: body[k] for k in ("title", "status")} == {"title": "API Key Invalid", "status": 401}
    assert set(body) == {"type", "title", "status", "detail", "instance"}
    missing = get(mc, "/3.0/lists", auth=None)
    assert (missing.status_code, missing.json()["title"]) == (401, "API Key Missing")
    bearer = requests.get(
        f"{mc.base_url}/3.0/lists", headers={"Authorization": f"Bearer {MAILCHIMP_OAUTH_TOKEN}"}, timeout=10
    )
    assert bearer.status_code == 200 and bearer.json()["lists"][0]["id"] == MAILCHIMP_LIST_ID
    assert get(mc, "/3.0/reports/nope/email-activity").json()["title"] == "Resource Not Found"
    assert get(mc, MEMBERS, count=1001).status_code == 400


def test_paging_serves_every_member_once_and_the_list_counts_them(mc, mc_world):
    members = every(mc, MEMBERS, "members", sort_field="last_changed", sort_dir="ASC")
    subscribers = [b for b in mc_world.iter_buyers() if b.subscribed_at is not None]
    assert len({m["id"] for m in members}) == len(members) == len(subscribers) > 50
    assert {m["unique_email_id"] for m in members} == {b.mc_eid for b in subscribers}
    changed = [m["last_changed"] for m in members]
    assert changed == sorted(changed)
    stats = get(mc, "/3.0/lists").json()["lists"][0]["stats"]
    assert stats["member_count"] + stats["unsubscribe_count"] == len(members)
    assert stats["unsubscribe_count"] == sum(m["status"] == "unsubscribed" for m in members) > 0
    since = changed[len(changed) // 2]
    later = every(mc, MEMBERS, "members", since_last_changed=since)
    assert {m["id"] for m in later} == {m["id"] for m in members if m["last_changed"] >= since}


def test_clicks_served_are_the_worlds_email_clicks_each_after_an_open(mc, mc_world):
    campaigns = every(mc, "/3.0/campaigns", "campaigns", status="sent")
    by_campaign = {c["id"]: c for c in campaigns}
    served = set()
    for campaign in campaigns:
        emails = every(mc, f"/3.0/reports/{campaign['id']}/email-activity", "emails", count=50)
        assert len(emails) == campaign["emails_sent"] == campaign["recipients"]["recipient_count"]
        for email in emails:
            actions = email["activity"]
            assert [a["timestamp"] for a in actions] == sorted(a["timestamp"] for a in actions)
            for n, action in enumerate(actions):
                if action["action"] == "click":
                    assert any(a["action"] == "open" for a in actions[:n])
                    served.add((email["email_id"], campaign["id"], action["timestamp"], action["url"]))
    builder = VisitBuilder(mc_world.config)
    sends = {s.seq: s for s in mc_world.config.email_sends}
    members = {m["unique_email_id"]: m["id"] for m in every(mc, MEMBERS, "members", count=100)}
    truth = {
        (
            members[b.mc_eid],
            sends[t.email_send].campaign_id,
            datetime.fromtimestamp(t.at / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%S+00:00"),
            builder.landing_url(b, t),
        )
        for b in mc_world.iter_buyers()
        for t in b.touches
        if t.email_send is not None
    }
    assert served == truth and len(truth) > 30
    assert all(
        f"mc_cid={c}" in url and f"utm_campaign={by_campaign[c]['tracking']['google_analytics']}" in url
        for _, c, _, url in served
    )


def test_the_clock_shows_only_what_had_happened(mc_world):
    with SandboxServer(mc_world) as server:
        sends = mc_world.config.email_sends
        send = sends[len(sends) // 2]
        server.set_clock(datetime.fromtimestamp(send.at / 1000, UTC) - timedelta(hours=1))
        early = {c["id"]: c for c in every(server, "/3.0/campaigns", "campaigns")}
        assert early[send.campaign_id]["status"] == "schedule" and "report_summary" not in early[send.campaign_id]
        assert get(server, f"/3.0/reports/{send.campaign_id}/email-activity").json()["total_items"] == 0
        members_then = get(server, MEMBERS, count=1).json()["total_items"]
        server.set_clock(datetime.fromtimestamp(send.at / 1000, UTC) + timedelta(hours=2))
        soon = every(server, f"/3.0/reports/{send.campaign_id}/email-activity", "emails", count=100)
        server.set_clock(datetime.fromtimestamp(mc_world.end_ms / 1000, UTC))
        final = every(server, f"/3.0/reports/{send.campaign_id}/email-activity", "emails", count=100)
        assert get(server, MEMBERS, count=1).json()["total_items"] > members_then
    assert len(soon) == len(final)  # the recipients are fixed at the send ...
    assert sum(map(len, (e["activity"] for e in soon))) < sum(
        map(len, (e["activity"] for e in final))
    )  # ... opens grow
    cutoff = (datetime.fromtimestamp(send.at / 1000, UTC) + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M:%S+00:00")
    assert all(a["timestamp"] <= cutoff for e in soon for a in e["activity"])


def test_the_same_seed_gives_the_same_bytes(mc, mc_world):
    with SandboxServer(World.generate(seed=5, buyers=400)) as twin:
        for path, params in ((MEMBERS, {"count": 50, "offset": 10}), ("/3.0/campaigns", {"count": 5})):
            assert get(mc, path, **params).content.replace(mc.base_url.encode(), b"") == get(
                twin, path, **params
            ).content.replace(twin.base_url.encode(), b"")


def test_more_simultaneous_connections_than_the_limit_get_429(mc_world):
    # Mailchimp's limit is 10; a limit of 3 shows the same rule without out-running the test server's listen queue.
    options = {"mailchimp": MailchimpOptions(max_connections=3, latency=0.4)}
    with SandboxServer(mc_world, options=options) as server:
        answers: list[requests.Response] = []
        start = threading.Barrier(6)

        def call() -> None:
            start.wait()
            answers.append(get(server, "/3.0/ping"))

        threads = [threading.Thread(target=call) for _ in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        statuses = sorted(a.status_code for a in answers)
        assert statuses.count(200) >= 3 and statuses.count(429) >= 1
        refused = next(a.json() for a in answers if a.status_code == 429)
        assert refused["title"] == "Too Many Requests"
        assert refused["detail"] == "You have exceeded the limit of 3 simultaneous connections."
        assert get(server, "/3.0/ping").status_code == 200  # one at a time is always fine
