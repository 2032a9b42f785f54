"""The sandbox's Meta Marketing API: auth and error bodies, cursor paging, rate limiting, and what it serves against
the world (the clicks are the world's Facebook and Instagram clicks, the platform over-claims purchases, days restate
and then settle, nothing after the clock shows)."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import requests

from sandbox.credentials import META_ACCESS_TOKEN, META_AD_ACCOUNT_EUR, META_AD_ACCOUNT_USD
from sandbox.server import SandboxServer
from sandbox.timefmt import from_ms
from sandbox.vendors.meta_ads import CLICK_WINDOW_MS, MetaAdsOptions, meta_click
from sandbox.vocabulary import CAMPAIGNS

ZONES = {META_AD_ACCOUNT_USD: ZoneInfo("America/Los_Angeles"), META_AD_ACCOUNT_EUR: ZoneInfo("Europe/Dublin")}
CURRENCY = {META_AD_ACCOUNT_USD: "USD", META_AD_ACCOUNT_EUR: "EUR"}


@pytest.fixture(scope="module")
def graph(world):
    with SandboxServer(world) as server:
        yield server


def get(server, path: str, token: str | None = META_ACCESS_TOKEN, **params) -> requests.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return requests.get(f"{server.base_url}/v21.0{path}", params=params, headers=headers, timeout=10)


def insights(server, account: str, **params) -> list[dict]:
    query = {
        "level": "campaign",
        "time_increment": "1",
        "time_range": json.dumps({"since": "2026-06-01", "until": "2027-01-01"}),
        "fields": "account_id,account_currency,campaign_id,campaign_name,impressions,reach,clicks,spend,actions,"
        "action_values",
        "action_attribution_windows": '["7d_click","1d_view"]',
        "limit": "500",
        **params,
    }
    answer = get(server, f"/act_{account}/insights", **query).json()
    assert "next" not in answer.get("paging", {})
    return answer["data"]


def purchases(row: dict, key: str = "value") -> Decimal:
    found = [a for a in row.get("actions", []) if a["action_type"] == "offsite_conversion.fb_pixel_purchase"]
    return Decimal(found[0].get(key, "0")) if found else Decimal(0)


def test_the_token_is_checked_with_graph_error_bodies(graph):
    missing = get(graph, f"/act_{META_AD_ACCOUNT_USD}/campaigns", token=None)
    assert missing.status_code == 400 and missing.json()["error"]["code"] == 104
    wrong = get(graph, f"/act_{META_AD_ACCOUNT_USD}/campaigns", token="EAAwrong")
    error = wrong.json()["error"]
    assert wrong.status_code == 400
    assert (error["type"], error["code"], error["message"]) == (
        "OAuthException",
        190,
        "Invalid OAuth access token - Cannot parse access token",
    )
    assert error["fbtrace_id"] and "invalid_token" in wrong.headers["WWW-Authenticate"]
    as_parameter = get(graph, "/me/adaccounts", token=None, access_token=META_ACCESS_TOKEN)
    assert as_parameter.status_code == 200 and len(as_parameter.json()["data"]) == 2
    unseen = get(graph, "/act_42/insights").json()["error"]
    assert (unseen["type"], unseen["code"], unseen["error_subcode"]) == ("GraphMethodException", 100, 33)
    unknown_field = get(graph, f"/act_{META_AD_ACCOUNT_USD}/insights", fields="clicks,nonsense")
    assert unknown_field.status_code == 400 and "nonsense is not valid for fields param" in unknown_field.text


def test_accounts_carry_their_currency_and_time_zone(graph):
    answer = get(graph, "/me/adaccounts", fields="id,account_id,currency,timezone_name").json()
    assert [(a["id"], a["currency"], a["timezone_name"]) for a in answer["data"]] == [
        (f"act_{META_AD_ACCOUNT_USD}", "USD", "America/Los_Angeles"),
        (f"act_{META_AD_ACCOUNT_EUR}", "EUR", "Europe/Dublin"),
    ]
    assert get(graph, f"/act_{META_AD_ACCOUNT_EUR}").json() == {
        "id": f"act_{META_AD_ACCOUNT_EUR}",
        "account_id": META_AD_ACCOUNT_EUR,
    }


def test_cursor_paging_walks_every_row_once_and_links_carry_the_token(graph):
    whole = get(graph, f"/act_{META_AD_ACCOUNT_USD}/insights", **_query(), limit="500").json()["data"]
    pages, after = [], None
    while True:
        params = {**_query(), "limit": "50", **({"after": after} if after else {})}
        answer = get(graph, f"/act_{META_AD_ACCOUNT_USD}/insights", **params).json()
        pages.append(answer)
        if "next" not in answer["paging"]:
            break
        assert f"access_token={META_ACCESS_TOKEN}" in answer["paging"]["next"]
        after = answer["paging"]["cursors"]["after"]
    assert len(pages) > 3 and [row for page in pages for row in page["data"]] == whole
    keys = [(r["campaign_id"], r["date_start"]) for r in whole]
    assert len(keys) == len(set(keys)) and keys == sorted(keys, key=lambda k: (k[1], k[0]))
    before = pages[-1]["paging"]["cursors"]["before"]
    back = get(graph, f"/act_{META_AD_ACCOUNT_USD}/insights", **_query(), limit="50", before=before).json()
    assert back["data"] == pages[-2]["data"]


def _query() -> dict[str, str]:
    return {
        "level": "campaign",
        "time_increment": "1",
        "time_range": json.dumps({"since": "2026-06-01", "until": "2027-01-01"}),
        "fields": "campaign_id,clicks,spend",
    }


def test_clicks_are_the_worlds_facebook_and_instagram_clicks(graph, world):
    expected: Counter = Counter()
    for buyer in world.iter_buyers():
        account = META_AD_ACCOUNT_USD if buyer.currency == "USD" else META_AD_ACCOUNT_EUR
        for touch in buyer.touches:
            if meta_click(touch):
                assert touch.fbclid
                day = from_ms(touch.at).astimezone(ZONES[account]).date().isoformat()
                expected[(account, touch.campaign, day)] += 1
    served: Counter = Counter()
    for account in ZONES:
        for row in insights(graph, account):
            assert row["account_currency"] == CURRENCY[account]
            assert row["campaign_name"] in CAMPAIGNS["paid_social"]
            assert int(row["reach"]) <= int(row["impressions"]) and int(row["clicks"]) < int(row["impressions"])
            assert Decimal(row["spend"]) > 0
            if int(row["clicks"]):
                served[(account, row["campaign_name"], row["date_start"])] = int(row["clicks"])
    assert served == expected and sum(expected.values()) > 100
    linkedin = sum(1 for b in world.iter_buyers() for t in b.touches if t.source == "LinkedIn")
    assert linkedin > 0  # there are LinkedIn clicks, and none of them is Meta's


def test_the_platform_claims_more_purchases_than_the_clicks_brought(graph, world):
    real = 0
    for buyer in world.iter_buyers():
        clicks = [t.at for t in buyer.touches if meta_click(t)]
        real += sum(1 for p in buyer.purchases if any(at < p.at <= at + CLICK_WINDOW_MS for at in clicks))
    rows = [row for account in ZONES for row in insights(graph, account)]
    claimed = sum(purchases(r) for r in rows)
    by_click = sum(purchases(r, "7d_click") for r in rows)
    assert by_click == real > 0  # the click-through part is the world's real purchases after a click ...
    assert claimed > real  # ... and view-through claims come on top
    assert all(purchases(r) == purchases(r, "7d_click") + purchases(r, "1d_view") for r in rows)


def test_days_restate_for_a_week_then_settle(world):
    def day_rows(clock: datetime) -> dict[tuple[str, str], dict]:
        with SandboxServer(world, now=clock) as server:
            return {(r["campaign_id"], r["date_start"]): r for a in ZONES for r in insights(server, a)}

    first = datetime(2026, 9, 10, tzinfo=UTC)
    at = {days: day_rows(first + timedelta(days=days)) for days in (0, 2, 10, 20)}
    recent = {k for k in at[0] if k[1] >= "2026-09-05"}
    moved = {k for k in recent if at[2][k] != at[0][k]}
    assert moved, "the last days did not change as the clock advanced"
    assert any(at[2][k]["spend"] != at[0][k]["spend"] for k in moved)  # spend is corrected too
    assert all(at[2][k]["clicks"] == at[0][k]["clicks"] for k in recent if k[1] < "2026-09-09")  # clicks are final
    settled = {k: v for k, v in at[10].items() if k[1] <= "2026-09-10"}
    assert settled == {k: at[20][k] for k in settled}  # ten days on, nothing changes any more
    assert max(k[1] for k in at[0]) <= "2026-09-10"  # nothing after the clock
    assert max(k[1] for k in at[2]) == "2026-09-12"


def test_the_same_seed_gives_the_same_bytes(world):
    bodies = []
    for _ in range(2):
        with SandboxServer(world) as server:
            query = {**_query(), "limit": "100", "after": "OTkZD"}
            body = get(server, f"/act_{META_AD_ACCOUNT_EUR}/insights", **query).content
            bodies.append(body.replace(server.base_url.encode(), b"http://sandbox"))  # links name the host asked
    assert bodies[0] == bodies[1]


def test_throttling_answers_graph_rate_limit_errors_with_usage_headers(world):
    options = MetaAdsOptions(enforce_rate_limits=True, calls_per_window=2, window_seconds=30)
    with SandboxServer(world, options={"meta_ads": options}) as server:
        answers = [get(server, f"/act_{META_AD_ACCOUNT_USD}/insights") for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 400]
    error = answers[2].json()["error"]
    assert (error["code"], error["error_subcode"], error["is_transient"]) == (80000, 2446079, True)
    usage = json.loads(answers[2].headers["X-Business-Use-Case-Usage"])[META_AD_ACCOUNT_USD][0]
    assert usage["type"] == "ads_insights" and usage["call_count"] == 100
    assert usage["estimated_time_to_regain_access"] == 1  # minutes
    assert 0 < json.loads(answers[2].headers["X-Ad-Account-Usage"])["reset_time_duration"] <= 30
