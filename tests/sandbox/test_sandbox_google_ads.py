"""The Google Ads API emulation: auth and the OAuth token endpoint, GAQL and its errors, batching, determinism, the
clock, restatement, and consistency with the world (click views are the world's Google ad clicks; the platform
claims more conversions than the world attributes to them)."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import requests

from sandbox import credentials as cred
from sandbox.server import SandboxServer
from sandbox.vendors.google_ads import ACCOUNTS, GoogleAdsOptions
from sandbox.world import World

SEED, BUYERS = 7, 400
CLOCK = datetime(2026, 9, 20, 12, tzinfo=UTC)
USD, EUR = cred.GOOGLE_ADS_CUSTOMER_ID_USD, cred.GOOGLE_ADS_CUSTOMER_ID_EUR
HEADERS = {
    "Authorization": f"Bearer {cred.GOOGLE_ADS_ACCESS_TOKEN}",
    "developer-token": cred.GOOGLE_ADS_DEVELOPER_TOKEN,
}
METRICS = (
    "SELECT customer.id, campaign.id, campaign.name, segments.date, metrics.impressions, metrics.clicks, "
    "metrics.cost_micros, metrics.conversions, metrics.conversions_value FROM campaign "
    "WHERE segments.date BETWEEN '{first}' AND '{last}' ORDER BY segments.date, campaign.id"
)


@pytest.fixture(scope="module")
def world() -> World:
    return World.generate(seed=SEED, buyers=BUYERS)


@pytest.fixture(scope="module")
def server(world):
    with SandboxServer(world, now=CLOCK) as running:
        yield running


def stream(server, customer: str, query: str, headers=HEADERS, version: str = "v21") -> requests.Response:
    url = f"{server.base_url}/{version}/customers/{customer}/googleAds:searchStream"
    return requests.post(url, json={"query": query}, headers=headers, timeout=10)


def rows(server, customer: str, query: str) -> list[dict]:
    answer = stream(server, customer, query)
    assert answer.status_code == 200, answer.text
    return [row for batch in answer.json() for row in batch.get("results", [])]


def google_error(answer: requests.Response) -> tuple[int, str, dict]:
    """(HTTP status, the error's status, its first GoogleAdsFailure errorCode) of a searchStream error."""
    body = answer.json()
    error = (body[0] if isinstance(body, list) else body)["error"]
    details = error.get("details") or [{"errors": [{"errorCode": {}}]}]
    return answer.status_code, error["status"], details[0]["errors"][0]["errorCode"]


def world_clicks(world: World, clock: datetime) -> dict[str, tuple[str, date, str]]:
    """gclid -> (customer id, account-local day, campaign name) of every Google ad click by the clock."""
    found = {}
    for buyer in world.iter_buyers():
        account = ACCOUNTS[0] if buyer.currency == "USD" else ACCOUNTS[1]
        zone = ZoneInfo(account.time_zone)
        for touch in buyer.touches:
            if touch.gclid and touch.at <= clock.timestamp() * 1000:
                day = datetime.fromtimestamp(touch.at / 1000, zone).date()
                found[touch.gclid] = (account.customer_id, day, touch.campaign)
    return found


# -- auth --------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("headers", "status", "code"),
    [
        ({}, 401, {}),
        ({**HEADERS, "Authorization": "Bearer ya29.wrong"}, 401, {}),
        ({**HEADERS, "developer-token": "wrong"}, 401, {"authenticationError": "DEVELOPER_TOKEN_INVALID"}),
        ({**HEADERS, "login-customer-id": "1234567890"}, 403, {"authorizationError": "USER_PERMISSION_DENIED"}),
    ],
)
def test_wrong_credentials_get_googles_error(server, headers, status, code):
    answer = stream(server, USD, "SELECT customer.id FROM customer", headers=headers)
    assert google_error(answer)[0::2] == (status, code)
    assert google_error(answer)[1] == {401: "UNAUTHENTICATED", 403: "PERMISSION_DENIED"}[status]


def test_a_customer_the_user_cannot_access_is_permission_denied(server):
    answer = stream(server, "9999999999", "SELECT customer.id FROM customer")
    assert google_error(answer) == (403, "PERMISSION_DENIED", {"authorizationError": "USER_PERMISSION_DENIED"})


def test_the_token_endpoint_exchanges_the_refresh_token_and_refuses_others(server):
    form = {
        "grant_type": "refresh_token",
        "client_id": cred.GOOGLE_ADS_CLIENT_ID,
        "client_secret": cred.GOOGLE_ADS_CLIENT_SECRET,
        "refresh_token": cred.GOOGLE_ADS_REFRESH_TOKEN,
    }
    ok = requests.post(f"{server.base_url}/token", data=form, timeout=10)
    assert ok.status_code == 200 and ok.json()["access_token"] == cred.GOOGLE_ADS_ACCESS_TOKEN
    bad_grant = requests.post(f"{server.base_url}/token", data={**form, "refresh_token": "1//x"}, timeout=10)
    assert (bad_grant.status_code, bad_grant.json()["error"]) == (400, "invalid_grant")
    bad_client = requests.post(f"{server.base_url}/token", data={**form, "client_secret": "x"}, timeout=10)
    assert (bad_client.status_code, bad_client.json()["error"]) == (401, "invalid_client")


def test_list_accessible_customers_names_both_accounts(server):
    answer = requests.get(f"{server.base_url}/v21/customers:listAccessibleCustomers", headers=HEADERS, timeout=10)
    assert answer.json() == {"resourceNames": [f"customers/{USD}", f"customers/{EUR}"]}


# -- GAQL ------------------------------------------------------------------------------------------------------


def test_customers_carry_their_own_currency_and_time_zone(server):
    query = "SELECT customer.id, customer.currency_code, customer.time_zone FROM customer"
    assert rows(server, USD, query)[0]["customer"] == {
        "resourceName": f"customers/{USD}",
        "id": USD,
        "currencyCode": "USD",
        "timeZone": "America/New_York",
    }
    assert rows(server, EUR, query)[0]["customer"]["timeZone"] == "Europe/Berlin"


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("SELECT customer.id, customer.nickname FROM customer", {"queryError": "UNRECOGNIZED_FIELD"}),
        ("SELECT campaign.id FROM widgets", {"queryError": "BAD_RESOURCE_TYPE_IN_FROM_CLAUSE"}),
        ("SELECT campaign.id campaign", {"queryError": "EXPECTED_FROM"}),
        ("SELECT campaign.id FROM campaign WHERE segments.date = '2026-9-1'", {"queryError": "INVALID_DATE_FORMAT"}),
        ("SELECT campaign.id FROM campaign WHERE campaign.name = 'x", {"queryError": "STRING_NOT_TERMINATED"}),
        ("SELECT campaign.id, segments.date FROM campaign", {"queryError": "EXPECTED_FILTERS_ON_DATE_RANGE"}),
        (
            "SELECT click_view.gclid FROM click_view WHERE segments.date DURING LAST_7_DAYS",
            {"clickViewError": "EXPECTED_FILTER_ON_A_SINGLE_DAY"},
        ),
        (
            "SELECT click_view.gclid FROM click_view WHERE segments.date = '2026-06-01'",
            {"clickViewError": "DATE_TOO_OLD"},
        ),
    ],
)
def test_bad_queries_get_the_query_error_google_sends(server, query, code):
    assert google_error(stream(server, USD, query)) == (400, "INVALID_ARGUMENT", code)


def test_fields_are_camel_case_with_int64_as_strings_and_a_field_mask(server):
    answer = stream(server, USD, METRICS.format(first="2026-09-01", last="2026-09-01")).json()
    assert answer[0]["fieldMask"].startswith("customer.id,campaign.id,campaign.name,segments.date,metrics.impressions")
    row = answer[0]["results"][0]
    assert isinstance(row["metrics"]["costMicros"], str) and isinstance(row["metrics"]["conversions"], float)
    assert set(row) == {"customer", "campaign", "segments", "metrics"}


def test_where_in_and_order_by_desc_and_limit(server):
    query = (
        "SELECT campaign.id, campaign.advertising_channel_type FROM campaign "
        "WHERE campaign.advertising_channel_type IN ('DISPLAY') ORDER BY campaign.id DESC LIMIT 1"
    )
    found = rows(server, EUR, query)
    assert len(found) == 1 and found[0]["campaign"]["advertisingChannelType"] == "DISPLAY"
    display = rows(server, EUR, "SELECT campaign.id FROM campaign WHERE campaign.advertising_channel_type = DISPLAY")
    assert found[0]["campaign"]["id"] == max(r["campaign"]["id"] for r in display)


def test_large_answers_stream_in_batches(world):
    with SandboxServer(world, now=CLOCK, options={"google_ads": GoogleAdsOptions(batch_size=7)}) as small:
        answer = stream(small, USD, METRICS.format(first="2026-09-01", last="2026-09-03")).json()
    assert len(answer) > 1 and all(len(b["results"]) <= 7 for b in answer)
    assert "queryResourceConsumption" in answer[-1] and len({b["requestId"] for b in answer}) == 1


def test_the_same_request_gets_the_same_bytes_from_any_server_of_the_seed(server):
    query = METRICS.format(first="2026-08-01", last="2026-08-31")
    first = stream(server, EUR, query).content
    with SandboxServer(World.generate(seed=SEED, buyers=BUYERS), now=CLOCK) as other:
        assert stream(other, EUR, query).content == first == stream(server, EUR, query).content


def test_rate_limit_answers_resource_exhausted(world):
    with SandboxServer(world, now=CLOCK, options={"google_ads": GoogleAdsOptions(requests_per_second=2)}) as limited:
        answers = [stream(limited, USD, "SELECT customer.id FROM customer") for _ in range(6)]
    refused = [a for a in answers if a.status_code == 429]
    assert refused and google_error(refused[0])[1:] == (
        "RESOURCE_EXHAUSTED",
        {"quotaError": "RESOURCE_TEMPORARILY_EXHAUSTED"},
    )


# -- the world -------------------------------------------------------------------------------------------------


def test_click_views_are_exactly_the_worlds_google_clicks(server, world):
    truth = world_clicks(world, CLOCK)
    first = CLOCK.date() - timedelta(days=20)
    served = {}
    for account in ACCOUNTS:
        day = first
        while day <= CLOCK.date():
            query = (
                f"SELECT click_view.gclid, campaign.name, segments.date FROM click_view WHERE segments.date = '{day}'"
            )
            for row in rows(server, account.customer_id, query):
                served[row["clickView"]["gclid"]] = (account.customer_id, day, row["campaign"]["name"])
            day += timedelta(days=1)
    expected = {g: v for g, v in truth.items() if v[1] >= first}
    assert served == expected and len(served) > 50


def test_daily_clicks_match_the_click_views_and_platform_conversions_over_claim(server, world):
    truth = world_clicks(world, CLOCK)
    per_day = Counter((customer, day.isoformat(), name) for customer, day, name in truth.values())
    platform_conversions = 0.0
    for account in ACCOUNTS:
        for row in rows(server, account.customer_id, METRICS.format(first="2026-06-01", last="2026-09-30")):
            key = (account.customer_id, row["segments"]["date"], row["campaign"]["name"])
            assert int(row["metrics"]["clicks"]) == per_day.pop(key, 0)
            assert int(row["metrics"]["impressions"]) >= int(row["metrics"]["clicks"])
            platform_conversions += row["metrics"]["conversions"]
    assert not per_day  # every click landed in some campaign-day row
    attributed = sum(
        1
        for buyer in world.iter_buyers()
        for purchase in buyer.purchases
        if purchase.at <= CLOCK.timestamp() * 1000 - 86_400_000
        and any(t.gclid and 0 <= purchase.at - t.at <= 3 * 86_400_000 for t in buyer.touches)
    )
    assert attributed > 0 and platform_conversions > attributed


def test_only_what_happened_by_the_clock_is_served_and_days_settle_after_three_days(world):
    day = "2026-09-10"
    query = METRICS.format(first=day, last=day)

    def totals(moment: datetime) -> tuple[int, float, int]:
        with SandboxServer(world, now=moment) as at:
            found = rows(at, USD, query)
        return (
            sum(int(r["metrics"]["clicks"]) for r in found),
            round(sum(r["metrics"]["conversions"] for r in found), 6),
            sum(int(r["metrics"]["costMicros"]) for r in found),
        )

    midday = totals(datetime(2026, 9, 10, 16, tzinfo=UTC))
    end_of_day = totals(datetime(2026, 9, 11, 5, tzinfo=UTC))
    restated = totals(datetime(2026, 9, 13, 5, tzinfo=UTC))
    settled = totals(datetime(2026, 9, 14, 12, tzinfo=UTC))  # NY day end + 3 days window + the reporting delay
    later = totals(datetime(2026, 9, 25, tzinfo=UTC))
    assert midday[0] <= end_of_day[0] == restated[0] == settled[0]  # clicks: by the clock, then fixed
    assert end_of_day[1:] != restated[1:]  # conversions / credits still moving
    assert settled == later  # and settled three days after the day
