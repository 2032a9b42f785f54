"""Matomo's Reporting API as a connector meets it: auth, paging, the visit's shape, the clock."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

import requests

from sandbox import SandboxServer

DAY = "2026-08-14"


def test_wrong_or_missing_token_gets_matomos_error(server):
    url = f"{server.base_url}/index.php"
    query = {"module": "API", "method": "Live.getLastVisitsDetails", "idSite": "1", "period": "day", "date": DAY}
    query["format"] = "JSON"
    wrong_post = requests.post(url, params=query, data={"token_auth": "0" * 32}, timeout=10)
    assert wrong_post.status_code == 401
    assert wrong_post.json() == {
        "result": "error",
        "message": "Unable to authenticate with the provided token. It is either invalid or expired.",
    }
    wrong_get = requests.get(url, params={**query, "token_auth": "0" * 32}, timeout=10)
    assert wrong_get.status_code == 401
    assert "required to be sent as a POST parameter" in wrong_get.json()["message"]
    missing = requests.get(url, params=query, timeout=10)
    assert missing.status_code == 401
    assert missing.json() == {
        "result": "error",
        "message": "You can't access this resource as it requires 'view' access for the website id = 1.",
    }


def test_other_site_unknown_method_and_bad_parameters_are_matomo_errors(matomo):
    other_site = matomo.call("Live.getLastVisitsDetails", idSite=2, period="day", date=DAY)
    assert other_site.status_code == 401 and "website id = 2" in other_site.json()["message"]
    unknown = matomo.call("Live.getNothing", idSite=1)
    assert unknown.json()["result"] == "error" and "getNothing" in unknown.json()["message"]
    bad_date = matomo.call("Live.getLastVisitsDetails", idSite=1, period="day", date="14/08/2026")
    assert bad_date.status_code == 400 and bad_date.json()["result"] == "error"
    assert matomo.call("API.getMatomoVersion").json()["value"].startswith("5.")
    site = matomo.call("SitesManager.getSiteFromId", idSite=1).json()
    assert site["idsite"] == 1 and site["timezone"] == "UTC" and site["currency"] == "USD" and site["ecommerce"] == 1


def test_paging_with_filter_limit_and_offset_covers_a_day_once(matomo):
    everything = matomo.visits(period="day", date=DAY, filter_limit=-1)
    assert len(everything) > 40
    pages, offset = [], 0
    while True:
        page = matomo.visits(period="day", date=DAY, filter_limit=17, filter_offset=offset)
        pages.append(page)
        if len(page) < 17:
            break
        offset += 17
    paged = [v["idVisit"] for page in pages for v in page]
    assert paged == [v["idVisit"] for v in everything]
    assert len(set(paged)) == len(paged)
    assert len(matomo.visits(period="day", date=DAY)) == min(100, len(everything))  # Matomo's default limit
    # Most recent first; filter_sort_order=asc flips it.
    stamps = [v["lastActionTimestamp"] for v in everything]
    assert stamps == sorted(stamps, reverse=True)
    ascending = matomo.visits(period="day", date=DAY, filter_limit=-1, filter_sort_order="asc")
    assert [v["idVisit"] for v in ascending] == paged[::-1]
    day_start = int(datetime(2026, 8, 14, tzinfo=UTC).timestamp())
    assert all(day_start <= s < day_start + 86400 for s in stamps)


def test_get_and_post_and_ranges_agree(matomo):
    posted = matomo.visits(period="day", date=DAY, filter_limit=-1)
    got = matomo.call("Live.getLastVisitsDetails", via="GET", idSite=1, period="day", date=DAY, filter_limit=-1)
    assert got.json() == posted
    week = matomo.visits(period="range", date="2026-08-10,2026-08-16", filter_limit=-1)
    assert {v["idVisit"] for v in posted} < {v["idVisit"] for v in week}
    assert matomo.visits(period="week", date=DAY, filter_limit=-1) == week  # Aug 10 is a Monday
    later = matomo.visits(period="day", date=DAY, filter_limit=-1, minTimestamp=posted[10]["lastActionTimestamp"])
    assert [v["idVisit"] for v in later] == [v["idVisit"] for v in posted[:10]]


def test_a_visit_has_matomos_shape(matomo_visits):
    assert all(isinstance(v["idVisit"], int) and len(v["visitorId"]) == 16 for v in matomo_visits)
    int(matomo_visits[0]["visitorId"], 16)
    for key in (
        "idSite",
        "serverTimestamp",
        "firstActionTimestamp",
        "lastActionTimestamp",
        "visitDuration",
        "actions",
        "goalConversions",
        "visitCount",
    ):
        assert all(isinstance(v[key], int) for v in matomo_visits), key
    assert all(v["serverTimestamp"] == v["lastActionTimestamp"] >= v["firstActionTimestamp"] for v in matomo_visits)
    assert all(v["visitDuration"] == v["lastActionTimestamp"] - v["firstActionTimestamp"] for v in matomo_visits)
    types = {v["referrerType"] for v in matomo_visits}
    assert types == {"campaign", "search", "social", "website", "direct"}
    assert {v["deviceType"] for v in matomo_visits} == {"Desktop", "Smartphone", "Tablet"}
    assert {v["visitEcommerceStatus"] for v in matomo_visits} == {"none", "ordered"}
    campaigns = [v for v in matomo_visits if v["referrerType"] == "campaign"]
    assert all(v["campaignName"] == v["referrerName"] and v["campaignSource"] for v in campaigns)
    assert {v["campaignMedium"] for v in campaigns} == {"cpc", "display", "paid_social", "email"}
    with_user = [v for v in matomo_visits if v["userId"]]
    assert with_user and len(with_user) < len(matomo_visits) / 2


def test_actions_goals_and_orders(matomo_visits):
    kinds = {a["type"] for v in matomo_visits for a in v["actionDetails"]}
    assert kinds == {"action", "goal", "ecommerceOrder"}
    for visit in matomo_visits:
        actions = visit["actionDetails"]
        pages = [a for a in actions if a["type"] == "action"]
        assert len(pages) == visit["actions"] and pages[-1]["timeSpent"] == 0  # Matomo cannot know the last one
        assert [a["pageviewPosition"] for a in pages] == list(range(1, len(pages) + 1))
        assert [a["timestamp"] for a in actions] == sorted(a["timestamp"] for a in actions)
        assert visit["goalConversions"] == sum(a["type"] == "goal" for a in actions)
        landing = urlsplit(pages[0]["url"])
        assert "gclid" not in parse_qs(landing.query)  # Matomo strips it from page URLs...
        orders = [a for a in actions if a["type"] == "ecommerceOrder"]
        assert (visit["visitEcommerceStatus"] == "ordered") == bool(orders)
        for order in orders:
            assert order["orderId"].startswith("PP-") and order["revenue"] > 0 and order["items"] == 1
            assert order["itemDetails"][0]["price"] == order["revenue"]
    clicked = [v for v in matomo_visits if v["dimension1"]]
    assert clicked and all(v["dimension1"].startswith("Cj0KCQjw") for v in clicked)  # ...the site keeps it here
    assert all(v["campaignSource"] == "google" for v in clicked)
    email = [v for v in matomo_visits if v["campaignMedium"] == "email"]
    assert email and all("mc_eid" in parse_qs(urlsplit(v["actionDetails"][0]["url"]).query) for v in email)


def test_the_clock_hides_the_future_and_cuts_visits_under_way(demo_world, matomo, matomo_for):
    full = {v["idVisit"]: v for v in matomo.visits(period="day", date=DAY, filter_limit=-1)}
    long_visits = [v for v in full.values() if v["visitDuration"] > 120 and v["actions"] >= 3]
    long_visit = min(long_visits, key=lambda v: v["firstActionTimestamp"])
    cut = long_visit["firstActionTimestamp"] + 60
    with SandboxServer(demo_world, now=datetime.fromtimestamp(cut, UTC)) as early:
        visits = matomo_for(early.base_url).visits(period="day", date="today", filter_limit=-1)
    assert visits and all(v["lastActionTimestamp"] <= cut for v in visits)
    assert all(v["idVisit"] in full for v in visits) and len(full) > len(visits)
    for visit in visits:
        assert all(a["timestamp"] <= cut for a in visit["actionDetails"])
    under_way = {v["idVisit"]: v for v in visits if full[v["idVisit"]]["lastActionTimestamp"] > cut}
    assert long_visit["idVisit"] in under_way
    for visit in under_way.values():
        complete = full[visit["idVisit"]]
        assert len(visit["actionDetails"]) < len(complete["actionDetails"])
        assert visit["visitDuration"] < complete["visitDuration"]
