"""A real kill for every source (issue #4): ``purchase-path extract <source>`` is SIGKILLed half-way through a
stream, then the source is synced again. Raw must end equal to what the vendor serves, with no duplicate and no
gap; the killed batch must be marked abandoned; and the second run must resume from the bookmark the killed one
committed, not start over. tests/kill_harness.py does the killing; this module says, per source, where to kill
and what the vendor serves (read from the sandbox without the connector).

Every registered source must have a case here: a new connector without one fails
``test_every_registered_source_has_a_kill_case``.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import orjson
import pytest
import requests
from kill_harness import KillCase, Outcome, batches, duplicates, kill_all, loaded, resume_window_start, stop_servers
from test_mailchimp_connector import served as served_by_mailchimp

from connectors.ga4 import DIMENSIONS, METRICS
from connectors.registry import SOURCES
from sandbox.credentials import (
    GA4_ACCESS_TOKEN,
    GA4_PROPERTY_ID,
    HUBSPOT_TOKEN,
    MATOMO_TOKEN_AUTH,
    META_ACCESS_TOKEN,
    META_AD_ACCOUNT_EUR,
    META_AD_ACCOUNT_USD,
    QUESTIONPRO_API_KEY,
)
from sandbox.offline import offline_environment
from sandbox.server import SandboxServer
from sandbox.vendors.google_ads import ACCOUNTS
from sandbox.vendors.questionpro import SURVEYS
from sandbox.world import World

# -- what each vendor serves, read without the connector ----------------------------------------------------------


def hubspot_served(server: SandboxServer, _: Path) -> dict[str, dict[str, str]]:
    def every(object_type: str) -> dict[str, str]:
        found: dict[str, str] = {}
        params = {"limit": "100"}
        while True:
            answer = requests.get(
                f"{server.base_url}/crm/v3/objects/{object_type}",
                params=params,
                headers={"Authorization": f"Bearer {HUBSPOT_TOKEN}"},
                timeout=10,
            ).json()
            found.update({r["id"]: r["updatedAt"] for r in answer["results"]})
            params["after"] = answer.get("paging", {}).get("next", {}).get("after")
            if not params["after"]:
                return found

    contacts, deals = every("contacts"), every("deals")
    return {
        "contacts": contacts,
        "deals": deals,
        "contact_stage_history": contacts,  # each object's history once, in the version served
        "deal_stage_history": deals,
        "deal_contacts": dict.fromkeys(deals, ""),  # every deal with its contacts
    }


def google_ads_served(server: SandboxServer, _: Path) -> dict[str, dict[str, str]]:
    """Every click with a gclid up to the clock: click_view serves the last 90 days, and the world is younger."""
    now_ms = server.now.timestamp() * 1000
    found = {}
    for buyer in server.world.iter_buyers():
        zone = ZoneInfo(ACCOUNTS[0].time_zone if buyer.currency == "USD" else ACCOUNTS[1].time_zone)
        for touch in buyer.touches:
            if touch.gclid and touch.at < now_ms:
                assert datetime.fromtimestamp(touch.at / 1000, zone).date() >= server.now.date() - timedelta(days=89)
                found[touch.gclid] = ""
    return {"click_views": found}


def meta_ads_served(server: SandboxServer, _: Path) -> dict[str, dict[str, str]]:
    found = {}
    for account in (META_AD_ACCOUNT_USD, META_AD_ACCOUNT_EUR):
        params = {
            "level": "campaign",
            "time_increment": "1",
            "time_range": json.dumps({"since": "2026-06-01", "until": "2027-01-01"}),
            "fields": "account_id,campaign_id,spend",
            "limit": "500",
            "access_token": META_ACCESS_TOKEN,
        }
        while True:
            answer = requests.get(f"{server.base_url}/v21.0/act_{account}/insights", params=params, timeout=10).json()
            found.update(
                {f"{r['account_id']}:{r['campaign_id']}:{r['date_start']}": r["spend"] for r in answer["data"]}
            )
            if not answer.get("paging", {}).get("next"):
                break
            params["after"] = answer["paging"]["cursors"]["after"]
    return {"insights_daily": found}


def mailchimp_served(server: SandboxServer, _: Path) -> dict[str, dict[str, str]]:
    return served_by_mailchimp(server)


def matomo_served(server: SandboxServer, _: Path) -> dict[str, dict[str, str]]:
    params = {
        "module": "API",
        "method": "Live.getLastVisitsDetails",
        "idSite": "1",
        "format": "JSON",
        "filter_limit": "-1",
        "doNotFetchActions": "1",
    }
    visits = requests.post(
        f"{server.base_url}/index.php", params=params, data={"token_auth": MATOMO_TOKEN_AUTH}, timeout=30
    ).json()
    return {"visits": {str(v["idVisit"]): str(v["lastActionTimestamp"]) for v in visits}}


def ga4_served(server: SandboxServer, _: Path) -> dict[str, dict[str, str]]:
    body = {
        "dateRanges": [{"startDate": "2015-08-14", "endDate": "today"}],
        "dimensions": [{"name": name} for name in DIMENSIONS],
        "metrics": [{"name": name} for name in METRICS],
        "limit": 250000,
    }
    answer = requests.post(
        f"{server.base_url}/v1beta/properties/{GA4_PROPERTY_ID}:runReport",
        json=body,
        headers={"Authorization": f"Bearer {GA4_ACCESS_TOKEN}"},
        timeout=30,
    ).json()
    return {
        "traffic_daily": {
            orjson.dumps([d["value"] for d in row["dimensionValues"]]).decode(): json.dumps(
                row["metricValues"], sort_keys=True
            )
            for row in answer["rows"]
        }
    }


def questionpro_served(server: SandboxServer, _: Path) -> dict[str, dict[str, str]]:
    found = {}
    for survey_id in SURVEYS:
        answer = requests.get(
            f"{server.base_url}/a/api/v2/surveys/{survey_id}/responses",
            params={"perPage": 1000},
            headers={"api-key": QUESTIONPRO_API_KEY},
            timeout=10,
        ).json()
        found.update({str(r["responseID"]): r["timestamp"] for r in answer["response"]})
    return {"responses": found}


# -- the offline landing folder: big daily call exports, so each file takes a while to load --------------------
# A file is bigger than one commit (2,000 records), so each file commits on its own and the files left after the
# kill point take well over a second to load: the kill lands on a quiet machine too.

CALL_DAYS, CALLS_A_DAY = 10, 8000


def offline_drops(_: SandboxServer, folder: Path) -> dict[str, str]:
    for n in range(CALL_DAYS):
        day = date(2026, 7, 1) + timedelta(days=n)
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(("called_at", "email", "duration_seconds", "outcome"))
        for i in range(CALLS_A_DAY):
            at = f"{day} {i // 3600 % 24:02d}:{i // 60 % 60:02d}:{i % 60:02d}"
            writer.writerow((at, f"rep{i}@x.example", 60 + i % 7, "ok"))
        (folder / f"calls_{day}.csv").write_text(out.getvalue(), newline="")
    return offline_environment(folder)


def offline_served(_: SandboxServer, folder: Path) -> dict[str, dict[str, str]]:
    found = {}
    for path in sorted(folder.glob("calls_*.csv")):
        with path.open(newline="") as lines:
            found.update({f"{r['email']}|{r['called_at']}": r["duration_seconds"] for r in csv.DictReader(lines)})
    return {"calls": found}


# -- where each source is killed ---------------------------------------------------------------------------------

CASES = {
    case.source: case
    for case in [
        KillCase(
            "hubspot",
            stream="contacts",  # 200 a page: killed after the first of two
            pages=1,
            slow="slow:1,delay=0.4",
            served=hubspot_served,
            loaded={
                stream: f"select natural_key, payload->>'updatedAt' from raw.hubspot__{stream}"
                for stream in ("contacts", "deals", "contact_stage_history", "deal_stage_history")
            }
            | {"deal_contacts": "select natural_key, '' from raw.hubspot__deal_contacts"},
        ),
        KillCase(
            "google_ads",
            stream="click_views",
            pages=4,
            slow="slow:1,delay=0.1,path=googleAds",
            served=google_ads_served,
            loaded={"click_views": "select payload->'clickView'->>'gclid', '' from raw.google_ads__click_views"},
            clock=datetime(2026, 7, 20, tzinfo=UTC),  # within click_view's 90 days of the world's start
        ),
        KillCase(
            "meta_ads",
            stream="insights_daily",
            pages=2,
            slow="slow:1,delay=0.3,path=/insights",
            served=meta_ads_served,
            loaded={"insights_daily": "select natural_key, payload->>'spend' from raw.meta_ads__insights_daily"},
            cursor=False,  # a row is a day, and days restate: the bookmark moves when the window is whole
            synced_until=datetime(2026, 8, 1, tzinfo=UTC),
            # A full sync from a fixed day: by default it starts 36 months before the interval's end, which Meta
            # refuses (37 months before today) when the interval is more than a month old.
            extra={"start_date": "2026-06-01"},
        ),
        KillCase(
            "mailchimp",
            stream="email_activity",
            pages=3,
            slow="slow:1,delay=0.3,path=email-activity",
            served=mailchimp_served,
            loaded={
                "members": "select natural_key, payload->>'last_changed' from raw.mailchimp__members",
                "campaigns": "select natural_key, payload->'report_summary' from raw.mailchimp__campaigns",
                "email_activity": "select natural_key, payload->'activity' from raw.mailchimp__email_activity",
            },
            extra={"page_size": 40},
        ),
        KillCase(
            "matomo",
            stream="visits",
            pages=3,
            slow="slow:1,delay=0.2,path=/index.php",
            served=matomo_served,
            loaded={"visits": "select natural_key, payload->>'lastActionTimestamp' from raw.matomo__visits"},
            extra={"page_size": 100},  # a day a page, mostly
        ),
        KillCase(
            "ga4",
            stream="traffic_daily",
            pages=2,
            slow="slow:1,delay=0.3,path=runReport",
            served=ga4_served,
            loaded={"traffic_daily": "select natural_key, payload->'metricValues' from raw.ga4__traffic_daily"},
            extra={"page_size": 200},
        ),
        KillCase(
            "questionpro",
            stream="responses",
            pages=2,
            slow="slow:1,delay=0.3",
            served=questionpro_served,
            loaded={"responses": "select natural_key, payload->>'timestamp' from raw.questionpro__responses"},
            extra={"per_page": 4},
        ),
        KillCase(
            "offline",
            stream="calls",
            pages=2,  # files
            served=offline_served,
            loaded={
                "calls": "select payload->>'email' || '|' || (payload->>'called_at'), payload->>'duration_seconds'"
                " from raw.offline__calls"
            },
            environment=offline_drops,
        ),
    ]
}


@pytest.fixture(scope="module")
def outcomes(warehouse, tmp_path_factory):
    done = kill_all(list(CASES.values()), warehouse, World.generate(seed=11, buyers=500), tmp_path_factory.mktemp("k"))
    yield done
    stop_servers(done)


def test_every_registered_source_has_a_kill_case():
    assert set(CASES) == set(SOURCES)


@pytest.mark.parametrize("source", sorted(CASES))
def test_the_kill_landed_half_way(outcomes: dict[str, Outcome], source):
    outcome = outcomes[source]
    case = outcome.case
    assert 0 < outcome.rows_at_kill < len(outcome.served[case.stream]), outcome.output  # some pages, not all


@pytest.mark.parametrize("source", sorted(CASES))
def test_the_killed_extract_printed_no_secret(outcomes: dict[str, Outcome], source):
    outcome = outcomes[source]
    secrets = [json.loads(value).get("password") for value in outcome.environment.values()]
    assert outcome.output.strip()  # it did log its progress ...
    assert not [secret for secret in secrets if secret and secret in outcome.output]  # ... and never a secret


@pytest.mark.parametrize("source", sorted(CASES))
def test_raw_ends_equal_to_what_the_vendor_serves_each_key_once(outcomes: dict[str, Outcome], warehouse, source):
    outcome = outcomes[source]
    assert duplicates(warehouse, outcome.case) == dict.fromkeys(outcome.case.loaded, 0)  # no double ...
    assert loaded(warehouse, outcome.case) == outcome.served  # ... and no gap, each record in its served version


@pytest.mark.parametrize("source", sorted(CASES))
def test_the_killed_batch_is_marked_abandoned(outcomes: dict[str, Outcome], warehouse, source):
    outcome = outcomes[source]
    runs = batches(warehouse, source, outcome.case.stream)
    earlier = len(runs) - 2  # a sync before the killed one, when the case asks for it
    assert [(run.batch_id, run.status) for run in runs] == [
        *((run.batch_id, "succeeded") for run in runs[:earlier]),
        (outcome.killed.batch_id, "abandoned"),  # marked by the next sync of the stream
        (runs[-1].batch_id, "succeeded"),
    ]
    assert earlier == (1 if outcome.case.synced_until else 0)
    with warehouse.connect(autocommit=True) as conn:
        unfinished = conn.execute(
            "select stream, status from ops.load_audit where source = %s and status not in ('succeeded', 'abandoned')",
            (source,),
        ).fetchall()
    assert unfinished == []


@pytest.mark.parametrize("source", sorted(CASES))
def test_the_next_run_resumes_from_the_committed_bookmark(outcomes: dict[str, Outcome], warehouse, source):
    outcome = outcomes[source]
    resumed = batches(warehouse, source, outcome.case.stream)[-1]
    assert resumed.window_start == resume_window_start(outcome)
    if outcome.case.cursor:  # the killed run committed progress, and the next one starts after where it started
        assert outcome.bookmark_at_kill is not None
        assert resumed.window_start is not None
        assert outcome.killed.window_start is None or resumed.window_start > outcome.killed.window_start
    else:  # nothing to resume inside a window: the same window again, from the bookmark of the sync before
        assert resumed.window_start == outcome.killed.window_start is not None
