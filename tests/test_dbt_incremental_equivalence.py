"""Incremental runs of the core give the same tables as a full refresh (issue 5).

Load the first half of the sandbox world's history from every registered source, build; move the sandbox clock
to the end, load the rest, build incrementally; then rebuild everything with --full-refresh and compare every core
table row for row. Identity stitching must be retroactive, so touches of the first half that later links join to
another customer must have moved by the incremental run.
"""

from __future__ import annotations

import importlib.util
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest

_spec = importlib.util.spec_from_file_location(
    "sandbox_pipeline", Path(__file__).with_name("dbt") / "sandbox_pipeline.py"
)
pipeline = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(pipeline)

COMPARED_TABLES = (
    "core.fct_touchpoints",
    "core.fct_conversions",
    "core.dim_customers",
    "core.fct_web_sessions",
    "core.fct_ad_spend_daily",
    "core.dim_campaigns",
    "core.int_conversion_touches",
    "core.int_attribution_paths",
    "core.int_rule_based_credits",
    "marts.mart_journeys",
    "intermediate.int_customer_stages_reached",
    "intermediate.int_identity_graph_edges",
    "intermediate.int_matomo__identity_links",
    "intermediate.int_identities_stitched",
    "intermediate.int_touchpoints_unioned",
    "staging.stg_matomo__visits",
    "staging.stg_matomo__ecommerce_orders",
    "staging.stg_matomo__goal_conversions",
    "staging.stg_hubspot__contacts",
    "staging.stg_hubspot__contact_lifecycle_history",
    "staging.stg_mailchimp__email_activity",
    "staging.stg_questionpro__responses",
)


@pytest.fixture
def dbt_paths(tmp_path, monkeypatch):
    """dbt's target and logs in this test's own folder: other dbt runs on the shared project do not collide."""
    monkeypatch.setenv("DBT_TARGET_PATH", str(tmp_path / "target"))
    monkeypatch.setenv("DBT_LOG_PATH", str(tmp_path / "logs"))


def test_incremental_runs_equal_a_full_refresh(warehouse, world, sources_configured, clean_raw, dbt_paths):
    sandbox = sources_configured
    start = datetime.combine(world.start_date, time(0), tzinfo=UTC)
    end = datetime.combine(world.end_date, time(0), tzinfo=UTC)
    middle = start + timedelta(days=(end - start).days // 2)
    try:
        sandbox.set_clock(middle)
        pipeline.load_every_source(warehouse, start, middle)
        pipeline.build_core(warehouse, full_refresh=True)
        keys_at_middle = dict(pipeline.query(warehouse, "select touch_id, customer_key from core.fct_touchpoints"))
        assert keys_at_middle, "the first half of the world produced no touches"

        sandbox.set_clock(end)
        pipeline.load_every_source(warehouse, middle, end)
        pipeline.build_core(warehouse)
        keys_at_end = dict(pipeline.query(warehouse, "select touch_id, customer_key from core.fct_touchpoints"))

        # The next daily run re-pulls what is unchanged (the same interval again: Mailchimp's 14-day lookback
        # re-pulls every recent campaign's activity): the loader leaves it as stored, extract time included. dbt
        # re-reads the previous batch (its extract window) and re-builds the touches of its lookback window, all
        # unchanged: no customer counts as changed, so the per-customer models rewrite nothing, and the staging of
        # Mailchimp and Matomo does not even re-process the records it already holds, so the touch models after
        # it read nothing new.
        per_customer_before = {table: _bookkeeping(warehouse, table) for table in PER_CUSTOMER_TABLES}
        activity_extracts = _newest_activity_extracts(warehouse)
        writes = _newest_writes(warehouse)
        pipeline.load_every_source(warehouse, middle, end)
        re_pulled = pipeline.query(
            warehouse,
            "select records from ops.load_audit where source = 'mailchimp' and stream = 'email_activity'"
            " order by started_at desc limit 1",
        )[0][0]
        pipeline.build_core(warehouse)
        activity_extracts_after = _newest_activity_extracts(warehouse)
        writes_after = _newest_writes(warehouse)
        incremental = {table: pipeline.table_fingerprint(warehouse, table) for table in COMPARED_TABLES}
        per_customer_after = {table: _bookkeeping(warehouse, table) for table in PER_CUSTOMER_TABLES}
        restitched = pipeline.query(
            warehouse,
            "select count(*) from core.fct_touchpoints where stitched_at > %s",
            (per_customer_before["core.fct_touchpoints"][1],),
        )[0][0]

        pipeline.build_core(warehouse, full_refresh=True)
        refreshed = {table: pipeline.table_fingerprint(warehouse, table) for table in COMPARED_TABLES}
    finally:
        sandbox.set_clock(end)

    assert len(keys_at_end) > len(keys_at_middle), "the second half added no touches"
    moved = [touch for touch, key in keys_at_middle.items() if keys_at_end.get(touch) not in (None, key)]
    assert moved, "no earlier touch moved to a merged customer: retroactive stitching was not exercised"
    empty = [table for table in COMPARED_TABLES if incremental[table][0] == 0]
    assert not empty, f"nothing to compare: the sandbox world left {empty} empty"
    for table in COMPARED_TABLES:
        assert incremental[table] == refreshed[table], f"{table}: incremental build differs from a full refresh"
    assert restitched == 0, f"a run with nothing new marked {restitched} touches as changed"
    assert per_customer_after == per_customer_before, "a run with nothing new rewrote per-customer rows"
    assert re_pulled > 0, "the re-pull received no Mailchimp activity: nothing was re-pulled"
    assert activity_extracts_after == activity_extracts, "unchanged Mailchimp activity was loaded or processed again"
    assert writes_after == writes, "records re-pulled unchanged were written again by staging or the touch models"


def _newest_activity_extracts(warehouse) -> tuple[object, object]:
    """The newest extract of Mailchimp's raw activity, and of the activity staging built from."""
    return tuple(
        pipeline.query(
            warehouse,
            "select (select max(extracted_at) from raw.mailchimp__email_activity),"
            " (select max(extracted_at) from staging.stg_mailchimp__email_activity)",
        )[0]
    )


# Models that stamp the rows they write (written_at) and skip, or never see, records re-pulled unchanged.
SKIPPING_UNCHANGED_TABLES = (
    "staging.stg_mailchimp__email_activity",
    "staging.stg_mailchimp__campaign_recipients",
    "staging.stg_matomo__visits",
    "staging.stg_matomo__ecommerce_orders",
    "staging.stg_matomo__goal_conversions",
    "intermediate.int_mailchimp__touchpoints",
    "intermediate.int_matomo__touchpoints",
)


def _newest_writes(warehouse) -> dict[str, object]:
    return {
        table: pipeline.query(warehouse, f"select max(written_at) from {table}")[0][0]  # noqa: S608 - our names
        for table in SKIPPING_UNCHANGED_TABLES
    }


# Models rebuilt per customer, and the column saying when a row was written (fct_touchpoints: stitched_at).
PER_CUSTOMER_TABLES = {
    "core.fct_touchpoints": "stitched_at",
    "core.fct_web_sessions": "touches_stitched_at",
    "core.fct_conversions": "touches_stitched_at",
    "core.int_conversion_touches": "touches_stitched_at",
    "core.int_rule_based_credits": "touches_stitched_at",
    "marts.mart_journeys": "touches_stitched_at",
    "intermediate.int_customer_stages_reached": "touches_stitched_at",
}


def _bookkeeping(warehouse, table: str) -> tuple[int, object]:
    """A table's rows and the newest value of its written-at column."""
    column = PER_CUSTOMER_TABLES[table]
    return tuple(pipeline.query(warehouse, f"select count(*), max({column}) from {table}")[0])  # noqa: S608
