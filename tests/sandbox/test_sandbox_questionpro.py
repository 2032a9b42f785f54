"""The sandbox's QuestionPro API v2: auth and error bodies, page/perPage paging, the date filter, the clock,
byte-identical answers, and responses that agree with the world (who answers, when, and how they score)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import requests

from sandbox.credentials import QUESTIONPRO_API_KEY, QUESTIONPRO_USER_ID
from sandbox.server import SandboxServer
from sandbox.timefmt import MS_PER_DAY, to_ms
from sandbox.vendors.questionpro import LOST_DEAL_SURVEY_ID, NPS_SURVEY_ID, questionpro_timestamp
from sandbox.world import World

KEY = {"api-key": QUESTIONPRO_API_KEY}


@pytest.fixture(scope="module")
def server(world):
    with SandboxServer(world) as running:
        yield running


def get(server, path: str, **params):
    return requests.get(f"{server.base_url}/a/api/v2{path}", params=params, headers=KEY, timeout=10)


def every_response(server, survey_id: int, per_page: int = 7) -> list[dict]:
    found, page = [], 1
    while True:
        answer = get(server, f"/surveys/{survey_id}/responses", page=page, perPage=per_page).json()
        found += answer["response"]
        assert answer["pagination"]["currentPage"] == page
        if "next" not in answer["pagination"]["links"]:
            assert page == answer["pagination"]["totalPages"]
            return found
        page += 1


@pytest.mark.parametrize("headers", [{}, {"api-key": "wrong"}, {"Authorization": f"Bearer {QUESTIONPRO_API_KEY}"}])
def test_a_missing_or_wrong_key_gets_questionpros_401(server, headers):
    answer = requests.get(f"{server.base_url}/a/api/v2/surveys/{NPS_SURVEY_ID}/responses", headers=headers, timeout=10)
    assert answer.status_code == 401
    error = answer.json()["response"]["error"]
    assert (error["id"], error["httpStatusCode"], error["message"], error["name"]) == (
        1010,
        401,
        "Incorrect API Key.",
        "UNAUTHORIZED",
    )


def test_paging_serves_every_response_once_in_id_and_time_order(server):
    whole = get(server, f"/surveys/{NPS_SURVEY_ID}/responses", perPage=1000).json()
    paged = every_response(server, NPS_SURVEY_ID, per_page=7)
    assert paged == whole["response"] and whole["pagination"]["totalItems"] == len(paged) > 14
    ids = [r["responseID"] for r in paged]
    assert ids == sorted(set(ids))
    assert get(server, f"/surveys/{NPS_SURVEY_ID}/responses").json()["pagination"]["perPage"] == 100
    for bad in ({"perPage": 0}, {"perPage": 1001}, {"page": 0}, {"page": "x"}):
        answer = get(server, f"/surveys/{NPS_SURVEY_ID}/responses", **bad)
        assert answer.status_code == 400 and answer.json()["response"]["error"]["id"] == 1003


def test_unknown_survey_and_response_are_404(server):
    assert get(server, "/surveys/123/responses").json()["response"]["error"]["id"] == 1040
    assert get(server, f"/surveys/{NPS_SURVEY_ID}/responses/1").status_code == 404
    first = every_response(server, NPS_SURVEY_ID)[0]
    one = get(server, f"/surveys/{NPS_SURVEY_ID}/responses/{first['responseID']}").json()["response"]
    assert one == first


def test_surveys_list_names_both_surveys_with_their_counts(server):
    answer = get(server, f"/users/{QUESTIONPRO_USER_ID}/surveys").json()
    counts = {s["surveyID"]: s["completedResponses"] for s in answer["response"]}
    assert counts == {
        NPS_SURVEY_ID: len(every_response(server, NPS_SURVEY_ID)),
        LOST_DEAL_SURVEY_ID: len(every_response(server, LOST_DEAL_SURVEY_ID)),
    }
    assert get(server, "/users/1/surveys").status_code == 403


def test_the_date_filter_reads_its_time_zone(server):
    everything = every_response(server, NPS_SURVEY_ID)
    start, end = datetime(2026, 9, 1, tzinfo=UTC), datetime(2026, 9, 30, 23, 59, 59, tzinfo=UTC)
    expected = [r for r in everything if to_ms(start) <= _ms(r["timestamp"]) <= to_ms(end) + 999]
    url = f"{server.base_url}/a/api/v2/surveys/{NPS_SURVEY_ID}/responses/filter"
    body = {"startDate": "2026-09-01T00:00:00", "endDate": "2026-09-30T23:59:59", "timeZone": "GMT+00:00"}
    found = requests.post(url, params={"perPage": 1000}, json=body, headers=KEY, timeout=10).json()["response"]
    assert found == expected and 0 < len(found) < len(everything)
    pacific = requests.post(url, params={"perPage": 1000}, json={**body, "timeZone": None}, headers=KEY, timeout=10)
    shifted = [r for r in everything if to_ms(start) + 7 * 3600_000 <= _ms(r["timestamp"]) <= to_ms(end) + 7 * 3600_999]
    assert pacific.json()["response"] == shifted  # PDT (UTC-7) in September
    bad = requests.post(url, json={"startDate": "01/09/2026"}, headers=KEY, timeout=10)
    assert bad.status_code == 400 and bad.json()["response"]["error"]["id"] == 1002


def _ms(timestamp: str) -> int:
    from connectors.questionpro import parse_timestamp

    return to_ms(parse_timestamp(timestamp))


def test_responses_agree_with_the_world(server, world):
    nps = every_response(server, NPS_SURVEY_ID)
    by_category = {"advocate": [], "did_not_buy_again": []}
    for response in nps:
        buyer = next(b for b in world.iter_buyers() if b.email_typed == response["emailAddress"])
        at = _ms(response["timestamp"])
        purchase = buyer.purchases[int(response["customVariables"]["custom2"]) - 1]
        assert purchase.at + MS_PER_DAY // 2 - 1000 <= at <= purchase.at + 6 * MS_PER_DAY
        assert response["customVariables"]["custom1"] == ("deal" if purchase.kind == "deal" else "order")
        score = int(response["responseSet"][0]["answerValues"][0]["value"]["scale"])
        if buyer.advocated_at is not None:
            by_category["advocate"].append(score)
        elif not any(p.at > purchase.at for p in buyer.purchases):
            by_category["did_not_buy_again"].append(score)
    advocates, lapsed = by_category["advocate"], by_category["did_not_buy_again"]
    assert advocates and lapsed
    assert sum(s >= 9 for s in advocates) / len(advocates) > 0.5 > sum(s >= 9 for s in lapsed) / len(lapsed)
    assert sum(s <= 6 for s in lapsed) / len(lapsed) > sum(s <= 6 for s in advocates) / len(advocates)

    for response in every_response(server, LOST_DEAL_SURVEY_ID):
        buyer = next(b for b in world.iter_buyers() if b.email_typed == response["emailAddress"])
        opportunity = buyer.opportunities[int(response["customVariables"]["custom2"]) - 1]
        assert buyer.is_b2b and opportunity.outcome == "lost"
        assert opportunity.closed_at < _ms(response["timestamp"]) <= opportunity.closed_at + 5 * MS_PER_DAY


def test_the_clock_hides_later_responses(server):
    everything = every_response(server, NPS_SURVEY_ID)
    world_end = server.now
    middle = world_end - timedelta(days=50)
    server.set_clock(middle)
    try:
        earlier = every_response(server, NPS_SURVEY_ID)
    finally:
        server.set_clock(world_end)
    assert earlier == [r for r in everything if _ms(r["timestamp"]) <= to_ms(middle)]
    assert 0 < len(earlier) < len(everything)


def test_same_seed_same_bytes(world):
    path = f"/a/api/v2/surveys/{NPS_SURVEY_ID}/responses?page=1&perPage=50"
    bodies = []
    for _ in range(2):
        with SandboxServer(World.generate(seed=world.seed, buyers=len(world))) as server:
            body = requests.get(server.base_url + path, headers=KEY, timeout=10).content
            bodies.append(body.replace(server.base_url.encode(), b"<host>"))  # links name the host asked
    assert bodies[0] == bodies[1]


def test_timestamps_are_pacific_with_their_abbreviation():
    assert questionpro_timestamp(to_ms(datetime(2026, 8, 7, 19, 44, 26))) == "07 Aug, 2026 12:44:26 PM PDT"
    assert questionpro_timestamp(to_ms(datetime(2026, 11, 3, 9, 5))) == "03 Nov, 2026 01:05:00 AM PST"
