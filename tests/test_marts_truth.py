"""The journey-stage marts against the sandbox world's ground truth (issue 5).

Every registered source is loaded from the sandbox over the world's whole history, dbt builds the marts (with
their dbt tests and unit tests), and the marts are checked against what the world knows really happened:
purchases per month; for every buyer whose visits the warehouse stitched to their order, the exact channel path,
touches and days of their first purchase's journey; how many people bought; which ad clicks preceded a purchase.
The quality gate's mart suites run on the result, and the last test lets the ad platforms restate their recent
days and checks that mart_restatements sees exactly those days change.

The sandbox's Matomo keeps a device's visitor id across login (``enable_userid_overwrites_visitorid = 0``, the
setting docs/sources/matomo.md recommends), so the medians of touches before and days to the first purchase match
the truth. Known gap, marked as strict expected failures: a device that never logs in and never follows a tracked
email link stays a customer of its own, so a buyer may split into two customers, and the exact counts of buyers and
of purchases after ad clicks fall short of the truth. Those tests turn red once stitching recovers such devices.
"""

from __future__ import annotations

import statistics
from collections import Counter
from datetime import UTC, datetime, time, timedelta

import pytest

from connectors.registry import SOURCES, extract
from expectations.gate import run_gate
from expectations.suites import JOURNEY_MARTS
from purchase_path.transform import run_dbt
from sandbox.identifiers import order_id
from sandbox.web_visits import matomo_visit_id
from sandbox.world import World

CONVERSION_TYPES = {"ecommerce": "ecommerce_order", "deal": "crm_deal_won"}
AD_PLATFORMS = ("google_ads", "meta_ads")
# The platforms' default click-through windows, as mart_platform_vs_observed applies them.
CLICK_WINDOW_DAYS = {"google_ads": 30, "meta_ads": 7}
LOOKBACK_MS = 90 * 86_400_000  # dbt var conversion_lookback_days
UNLINKED_DEVICES_SPLIT = pytest.mark.xfail(
    strict=True,
    reason="a device that never logs in nor follows a tracked link stays its own customer (see module docstring)",
)


def _at(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, UTC)


def _query(warehouse, sql: str) -> list[tuple]:
    with warehouse.connect(autocommit=True) as conn:
        return conn.execute(sql).fetchall()


def _drop_loaded_state(warehouse) -> None:
    """Start from an empty raw schema, no bookmarks and no snapshot history (other tests may have loaded)."""
    with warehouse.connect(autocommit=True) as conn:
        tables = conn.execute(
            "select schemaname || '.' || tablename from pg_tables where schemaname in ('raw', 'ops')"
            " or (schemaname = 'core' and tablename = 'ad_performance_snapshot')"
        ).fetchall()
        for (table,) in tables:
            conn.execute(f"drop table {table} cascade")


@pytest.fixture(scope="module")
def marts_built(warehouse, world: World, sandbox, tmp_path_factory):
    """The whole world loaded from the sandbox and the marts built, once for this module."""
    dbt_dir = tmp_path_factory.mktemp("dbt")
    with pytest.MonkeyPatch.context() as env:
        for name, value in sandbox.airflow_connections().items():
            env.setenv(name, value)
        env.setenv("DBT_TARGET_PATH", str(dbt_dir / "target"))
        env.setenv("DBT_LOG_PATH", str(dbt_dir / "logs"))
        start = datetime.combine(world.start_date, time(0), tzinfo=UTC)
        end = datetime.combine(world.end_date, time(0), tzinfo=UTC)
        _drop_loaded_state(warehouse)
        sandbox.set_clock(end)
        for source in sorted(SOURCES):
            extract(source, warehouse, start, end)
        # Everything the marts read (seeds, models, the ad snapshot) without those models' own tests, which their
        # owners' tests run; the marts with their dbt tests and unit tests.
        run_dbt(
            ["build", "--select", "+path:models/marts", "--indirect-selection", "empty", "--full-refresh"], warehouse
        )
        yield {"start": start, "end": end}


@pytest.fixture(scope="module")
def truth(world: World) -> dict:
    """What really happened, from the world itself."""
    purchases_per_month: Counter = Counter()
    touches_before_first_purchase: list[int] = []
    days_to_first_purchase: list[float] = []
    buyers = 0
    clicked_purchases = {platform: 0 for platform in AD_PLATFORMS}
    for buyer in world.iter_buyers():
        for purchase in buyer.purchases:
            month = _at(purchase.at).date().replace(day=1)
            purchases_per_month[(month, CONVERSION_TYPES[purchase.kind])] += 1
        if buyer.purchases:
            buyers += 1
            touches_before_first_purchase.append(buyer.touches_before_first_purchase)
            days_to_first_purchase.append((buyer.first_purchase_at - buyer.awareness_at) / 86_400_000)
        for purchase in buyer.purchases:
            for platform, has_click in (("google_ads", lambda t: t.gclid), ("meta_ads", lambda t: t.fbclid)):
                window_ms = CLICK_WINDOW_DAYS[platform] * 86_400_000
                if any(has_click(t) and purchase.at - window_ms <= t.at <= purchase.at for t in buyer.touches):
                    clicked_purchases[platform] += 1
    return {
        "purchases_per_month": purchases_per_month,
        "touches_before_first_purchase": touches_before_first_purchase,
        "days_to_first_purchase": days_to_first_purchase,
        "buyers": buyers,
        "clicked_purchases": clicked_purchases,
    }


def test_journeys_hold_every_true_purchase_in_its_month(warehouse, marts_built, truth):
    rows = _query(
        warehouse,
        "select date_trunc('month', conversion_date)::date, conversion_type, count(*)"
        " from marts.mart_journeys group by 1, 2",
    )
    assert {(month, kind): count for month, kind, count in rows} == truth["purchases_per_month"]


def test_stitched_journeys_equal_the_true_paths(warehouse, world, marts_built):
    """For every web-shop buyer whose visits the warehouse stitched to their order, the journey is the truth's."""
    customer_of_visit = dict(
        _query(
            warehouse,
            "select source_record_id, customer_key from core.fct_touchpoints where source_system = 'matomo'"
            " and touch_type = 'web_visit'",
        )
    )
    conversion_of_order = {
        order: (conversion, customer)
        for order, conversion, customer in _query(
            warehouse,
            "select source_record_id, touch_id, customer_key from core.fct_touchpoints"
            " where touch_type = 'ecommerce_order'",
        )
    }
    journeys = {
        conversion: (path, touches, float(days))
        for conversion, path, touches, days in _query(
            warehouse,
            "select conversion_id, channel_path, touches_before_purchase, days_from_first_touch"
            " from marts.mart_journeys where is_first_purchase",
        )
    }
    compared = 0
    for buyer in world.iter_buyers():
        if not buyer.purchases or buyer.purchases[0].kind != "ecommerce":
            continue
        purchase = buyer.purchases[0]
        conversion, customer = conversion_of_order[order_id(world.seed, buyer.index, purchase.seq)]
        journey = [t for t in buyer.touches if purchase.at - LOOKBACK_MS <= t.at < purchase.at]
        stitched = all(
            t.is_web and customer_of_visit.get(str(matomo_visit_id(buyer.index, t.seq))) == customer for t in journey
        )
        if not stitched:
            continue
        compared += 1
        path, touches, days = journeys[conversion]
        assert path == " > ".join(t.channel for t in journey), buyer.buyer_id
        assert touches == len(journey), buyer.buyer_id
        assert days == pytest.approx((purchase.at - journey[0].at) / 86_400_000, abs=2 / 86_400), buyer.buyer_id
    assert compared >= 5, f"only {compared} buyers were stitched completely: too few to compare"


def test_touches_before_first_purchase_match_the_truth(warehouse, marts_built, truth):
    observed = [
        count
        for (count,) in _query(
            warehouse, "select touches_before_purchase from marts.mart_journeys where is_first_purchase"
        )
    ]
    expected = truth["touches_before_first_purchase"]
    assert abs(statistics.median(observed) - statistics.median(expected)) <= 1, (
        f"median touches before the first purchase: warehouse {statistics.median(observed)},"
        f" truth {statistics.median(expected)}"
    )
    assert statistics.mean(observed) == pytest.approx(statistics.mean(expected), rel=0.15)


def test_days_to_first_purchase_match_the_truth(warehouse, marts_built, truth):
    observed = [
        float(days)
        for (days,) in _query(
            warehouse,
            "select coalesce(days_from_first_touch, 0) from marts.mart_journeys where is_first_purchase",
        )
    ]
    assert statistics.median(observed) == pytest.approx(statistics.median(truth["days_to_first_purchase"]), rel=0.2)


def _buyer_counts(warehouse) -> tuple[int, int, int]:
    """People who bought, as the funnel, the retention cohorts and the journeys count them."""
    return _query(
        warehouse,
        "select (select sum(people_reached) from marts.mart_funnel where journey_stage = 'purchase'),"
        " (select sum(cohort_customers) from marts.mart_retention_cohorts where months_since_first_purchase = 0),"
        " (select count(*) from marts.mart_journeys where is_first_purchase)",
    )[0]


def test_funnel_cohorts_and_journeys_agree_on_the_buyers(warehouse, marts_built):
    funnel_buyers, cohort_buyers, first_journeys = _buyer_counts(warehouse)
    assert funnel_buyers == cohort_buyers == first_journeys > 0


@UNLINKED_DEVICES_SPLIT
def test_funnel_purchasers_are_the_true_buyers(warehouse, marts_built, truth):
    funnel_buyers, _, _ = _buyer_counts(warehouse)
    assert funnel_buyers == truth["buyers"]


def test_funnel_narrows_stage_by_stage(warehouse, marts_built):
    reached = dict(
        _query(warehouse, "select journey_stage, sum(people_reached) from marts.mart_funnel group by journey_stage")
    )
    assert reached["awareness"] >= reached["consideration"] >= reached["purchase"] >= reached["retention"] > 0


# mart_sources_referrers counted straight from the facts, every distinct count over all customers at once and each
# journey's visits looked up in the fact. The mart reads an index of the fact in its grouping order and the visit
# columns int_conversion_touches keeps, so this is what it must equal.
SOURCES_REFERRERS_FROM_FACTS = """
with visits as (
    select touch_id, customer_key, cast(date_trunc('month', touch_date) as date) as report_month,
        coalesce(traffic_source, case when click_id_type = 'gclid' then 'google' end, referrer_domain, '(direct)')
            as traffic_source,
        coalesce(traffic_medium, case
            when traffic_source is null and click_id_type = 'gclid' then 'cpc'
            when traffic_source is null and referrer_domain is not null then 'referral'
            when traffic_source is null then '(none)' else '(not set)' end) as traffic_medium,
        coalesce(referrer_domain, '(none)') as referrer_domain
    from core.fct_touchpoints where touch_type = 'web_visit'
),
by_visit as (
    select report_month, traffic_source, traffic_medium, referrer_domain,
        count(*) as visits, count(distinct customer_key) as visitors
    from visits group by 1, 2, 3, 4
),
by_purchase as (
    select cast(date_trunc('month', journey.conversion_date) as date) as report_month,
        visits.traffic_source, visits.traffic_medium, visits.referrer_domain,
        count(distinct journey.conversion_id) filter (where journey.touch_position = 1) as first_touch,
        count(distinct journey.conversion_id) filter (where journey.touch_position = journey.touch_count)
            as last_touch,
        count(distinct journey.conversion_id) as assisted,
        sum(journey.revenue) filter (where journey.touch_position = journey.touch_count) as revenue
    from core.int_conversion_touches as journey
    inner join visits on visits.touch_id = journey.touch_id
    group by 1, 2, 3, 4
)
select report_month, traffic_source, traffic_medium, referrer_domain, coalesce(visits, 0), coalesce(visitors, 0),
    coalesce(first_touch, 0), coalesce(last_touch, 0), coalesce(assisted, 0), coalesce(revenue, 0)
from by_visit full outer join by_purchase using (report_month, traffic_source, traffic_medium, referrer_domain)
"""


def test_sources_referrers_count_each_visitor_and_purchase_once(warehouse, marts_built):
    mart = _query(
        warehouse,
        "select report_month, traffic_source, traffic_medium, referrer_domain, visits, visitors,"
        " first_touch_conversions, last_touch_conversions, assisted_conversions, last_touch_revenue"
        " from marts.mart_sources_referrers",
    )
    from_facts = _query(warehouse, SOURCES_REFERRERS_FROM_FACTS)
    assert sum(row[6] for row in mart) > 0, "no purchase began with a web visit"
    assert sorted(mart) == sorted(from_facts)


# mart_content_engagement counted straight from the facts (the mart reads an index of fct_web_sessions and the
# landing pages int_conversion_touches keeps).
CONTENT_ENGAGEMENT_FROM_FACTS = """
with pages as (
    select cast(date_trunc('month', session_date) as date) as session_month,
        coalesce(landing_page, '(not set)') as landing_page, count(*) as sessions,
        count(distinct customer_key) as visitors, count(*) filter (where is_bounce) as bounces,
        avg(coalesce(engagement_seconds, 0)) as engagement, count(*) filter (where has_order) as with_order
    from core.fct_web_sessions group by 1, 2
),
landings as (
    select cast(date_trunc('month', touch.touch_date) as date) as session_month,
        coalesce(touch.landing_page, '(not set)') as landing_page,
        count(distinct journey.conversion_id) as purchases
    from core.int_conversion_touches as journey
    inner join core.fct_touchpoints as touch on touch.touch_id = journey.touch_id
    where touch.touch_type = 'web_visit'
    group by 1, 2
)
select session_month, landing_page, sessions, visitors, bounces, cast(engagement as double precision), with_order,
    coalesce(purchases, 0)
from pages left join landings using (session_month, landing_page)
"""


def test_content_engagement_counts_each_visitor_and_purchase_once(warehouse, marts_built):
    mart = _query(
        warehouse,
        "select session_month, landing_page, sessions, visitors, bounces, average_engagement_seconds,"
        " sessions_with_order, purchases_in_journeys from marts.mart_content_engagement",
    )
    from_facts = _query(warehouse, CONTENT_ENGAGEMENT_FROM_FACTS)
    assert sum(row[7] for row in mart) > 0, "no purchase journey has a web visit"
    assert sorted(mart) == sorted(from_facts)


def _platform_totals(warehouse) -> dict[str, tuple]:
    rows = _query(
        warehouse,
        "select platform, sum(platform_clicks), sum(observed_clicks), sum(claimed_conversions),"
        " sum(observed_conversions) from marts.mart_platform_vs_observed group by platform",
    )
    return {platform: tuple(rest) for platform, *rest in rows}


def test_platform_clicks_tie_to_observed_visits_and_platforms_over_claim(warehouse, marts_built):
    totals = _platform_totals(warehouse)
    assert set(totals) == set(AD_PLATFORMS)
    for platform, (platform_clicks, observed_clicks, claimed, observed) in totals.items():
        assert platform_clicks == observed_clicks > 0, f"{platform}: every ad click lands a tracked visit"
        assert claimed > observed, f"{platform}: the platform claims more than the warehouse observed"


@UNLINKED_DEVICES_SPLIT
def test_observed_platform_conversions_are_the_true_purchases_after_clicks(warehouse, marts_built, truth):
    totals = _platform_totals(warehouse)
    assert {platform: int(row[3]) for platform, row in totals.items()} == truth["clicked_purchases"]


def test_journey_marts_pass_the_quality_gate(warehouse, marts_built):
    result = run_gate(warehouse, tables=JOURNEY_MARTS)
    assert result.passed and not result.failures


def test_restatements_show_the_days_the_platforms_changed(warehouse, sandbox, marts_built):
    """Days after the first load the platforms have settled their last days; only those days change."""
    first_load = marts_built["end"]
    sandbox.set_clock(first_load + timedelta(days=4))
    try:
        for platform in AD_PLATFORMS:
            extract(platform, warehouse, first_load - timedelta(days=7), first_load + timedelta(days=4))
        run_dbt(["build", "--select", "+mart_restatements", "--indirect-selection", "empty"], warehouse)
    finally:
        sandbox.set_clock(first_load)
    restated = _query(
        warehouse,
        "select platform, spend_date, versions, spend_change, platform_conversions_change"
        " from marts.mart_restatements where was_restated",
    )
    assert {platform for platform, *_ in restated} == set(AD_PLATFORMS)
    # A platform settles a day within 3 days of its end; older days were final when first loaded.
    settled_before = first_load.date() - timedelta(days=4)
    for platform, spend_date, versions, spend_change, conversions_change in restated:
        assert spend_date >= settled_before, f"{platform} {spend_date} was final at the first load"
        assert versions == 2, f"{platform} {spend_date}: one first load, one restated re-load"
        assert spend_change != 0 or conversions_change != 0
    (unchanged,) = _query(
        warehouse, "select count(*) from marts.mart_restatements where not was_restated and spend_change = 0"
    )[0]
    assert unchanged > 0
