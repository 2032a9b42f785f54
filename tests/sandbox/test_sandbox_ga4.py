"""The GA4 Data API as a connector meets it: auth, paging, the report's shape, restated recent days."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import requests

from sandbox import SandboxServer
from sandbox.credentials import GA4_ACCESS_TOKEN, GA4_PROPERTY_ID

DAILY = {
    "dateRanges": [{"startDate": "2026-07-01", "endDate": "2026-10-28"}],
    "dimensions": [
        {"name": "date"},
        {"name": "sessionSource"},
        {"name": "sessionMedium"},
        {"name": "sessionCampaignName"},
        {"name": "landingPage"},
        {"name": "sessionDefaultChannelGroup"},
    ],
    "metrics": [
        {"name": "sessions"},
        {"name": "engagedSessions"},
        {"name": "userEngagementDuration"},
        {"name": "keyEvents"},
        {"name": "totalRevenue"},
    ],
    "orderBys": [{"dimension": {"dimensionName": "date"}}],
}


def test_bad_or_missing_token_and_foreign_property_get_googles_errors(server):
    url = f"{server.base_url}/v1beta/properties/{GA4_PROPERTY_ID}:runReport"
    bad = requests.post(url, json=DAILY, headers={"Authorization": "Bearer ya29.expired"}, timeout=10)
    assert bad.status_code == 401
    error = bad.json()["error"]
    assert error["code"] == 401 and error["status"] == "UNAUTHENTICATED"
    assert error["message"].startswith("Request had invalid authentication credentials.")
    missing = requests.post(url, json=DAILY, timeout=10)
    assert missing.status_code == 401 and missing.json()["error"]["message"].startswith("Request is missing")
    other = requests.post(
        f"{server.base_url}/v1beta/properties/123:runReport",
        json=DAILY,
        headers={"Authorization": f"Bearer {GA4_ACCESS_TOKEN}"},
        timeout=10,
    )
    assert other.status_code == 403 and other.json()["error"]["status"] == "PERMISSION_DENIED"


def test_invalid_requests_are_invalid_argument(ga4):
    unknown = ga4.report({**DAILY, "dimensions": [{"name": "sessionColour"}]})
    assert unknown.status_code == 400
    assert unknown.json()["error"]["status"] == "INVALID_ARGUMENT"
    assert "sessionColour is not a valid dimension" in unknown.json()["error"]["message"]
    assert ga4.report({**DAILY, "dateRanges": []}).status_code == 400
    assert (
        ga4.report({**DAILY, "dateRanges": [{"startDate": "2026-08-02", "endDate": "2026-08-01"}]}).status_code == 400
    )


def test_the_report_has_the_data_apis_shape(ga4):
    answer = ga4.report({**DAILY, "limit": "5", "metricAggregations": ["TOTAL"], "returnPropertyQuota": True})
    assert answer.status_code == 200
    report = answer.json()
    assert report["kind"] == "analyticsData#runReport"
    assert [h["name"] for h in report["dimensionHeaders"]] == [d["name"] for d in DAILY["dimensions"]]
    assert report["metricHeaders"] == [
        {"name": "sessions", "type": "TYPE_INTEGER"},
        {"name": "engagedSessions", "type": "TYPE_INTEGER"},
        {"name": "userEngagementDuration", "type": "TYPE_SECONDS"},
        {"name": "keyEvents", "type": "TYPE_FLOAT"},
        {"name": "totalRevenue", "type": "TYPE_CURRENCY"},
    ]
    assert len(report["rows"]) == 5 and report["rowCount"] > 5
    for row in report["rows"]:
        assert all(isinstance(v["value"], str) for v in row["dimensionValues"] + row["metricValues"])
        assert len(row["dimensionValues"]) == 6 and len(row["metricValues"]) == 5
        assert len(row["dimensionValues"][0]["value"]) == 8  # YYYYMMDD
    assert report["metadata"] == {"currencyCode": "USD", "timeZone": "America/New_York"}
    assert report["totals"][0]["dimensionValues"][0]["value"] == "RESERVED_TOTAL"
    assert report["propertyQuota"]["tokensPerDay"]["remaining"] > 0
    empty = ga4.report({**DAILY, "dateRanges": [{"startDate": "2025-01-01", "endDate": "2025-01-31"}]}).json()
    assert "rows" not in empty and "rowCount" not in empty  # proto3 JSON leaves empty fields out


def test_limit_and_offset_page_through_every_row_once(ga4):
    everything = ga4.report(DAILY).json()
    rows = ga4.rows(DAILY, page=97)
    assert len(rows) == everything["rowCount"] == len(everything["rows"])
    assert rows == everything["rows"]
    keys = [tuple(v["value"] for v in r["dimensionValues"]) for r in rows]
    assert len(set(keys)) == len(keys)
    dates = [k[0] for k in keys]
    assert dates == sorted(dates)
    assert {k[5] for k in keys} == {
        "Paid Search",
        "Paid Social",
        "Display",
        "Email",
        "Organic Search",
        "Organic Social",
        "Referral",
        "Direct",
    }
    google_cpc = [k for k in keys if k[1:3] == ("google", "cpc")]
    assert google_cpc and all(k[5] == "Paid Search" for k in google_cpc)


def test_filters_and_ordering(ga4):
    body = {
        "dateRanges": [{"startDate": "2026-08-01", "endDate": "2026-08-31"}],
        "dimensions": [{"name": "sessionDefaultChannelGroup"}],
        "metrics": [{"name": "sessions"}, {"name": "totalUsers"}],
        "dimensionFilter": {
            "filter": {"fieldName": "sessionDefaultChannelGroup", "inListFilter": {"values": ["Email", "Direct"]}}
        },
        "orderBys": [{"metric": {"metricName": "sessions"}, "desc": True}],
    }
    rows = ga4.report(body).json()["rows"]
    assert {r["dimensionValues"][0]["value"] for r in rows} == {"Email", "Direct"}
    sessions = [int(r["metricValues"][0]["value"]) for r in rows]
    assert sessions == sorted(sessions, reverse=True)
    assert all(int(r["metricValues"][1]["value"]) <= int(r["metricValues"][0]["value"]) for r in rows)


def test_recent_days_are_restated_until_processing_catches_up(demo_world, ga4_for):
    """GA4 shows a day's sessions only as they are processed: the last days grow, then stay put."""
    day = "2026-08-20"
    body = {
        "dateRanges": [{"startDate": day, "endDate": day}],
        "dimensions": [{"name": "date"}],
        "metrics": [{"name": "sessions"}, {"name": "totalRevenue"}],
    }
    end_of_day = datetime(2026, 8, 21, 4, 0, tzinfo=UTC)  # midnight in New York
    seen = []
    with SandboxServer(demo_world) as server:
        client = ga4_for(server.base_url)
        for hours in (2, 12, 30, 80, 24 * 10):
            server.set_clock(end_of_day + timedelta(hours=hours))
            report = client.report(body).json()
            seen.append(int(report["rows"][0]["metricValues"][0]["value"]) if "rows" in report else 0)
    assert seen == sorted(seen), "a day's numbers only grow as GA4 processes it"
    assert seen[0] < seen[-1], "the first pull after the day ended was still incomplete"
    assert seen[-2] == seen[-1], "after three days the day is final"
