"""Daily data tests check the rows the run wrote; the full build checks every row (issue 5).

The core is built once from the sandbox's HubSpot data. Then fct_touchpoints is put in the state a daily run leaves
when something went wrong: every touch but the newest is aged past ``incremental_lookback_days`` (history: its
``recent_rows_column`` moved back), the newest touch lost its channel (a bad row the run wrote), an old touch lost
its journey stage (a bad row of the past), and a copy of an old touch came back as a new row (a key doubled by the
run). In int_identities_stitched every identifier is aged too but one, an old touch's, which the run relabelled to
another customer (the touch was not moved along). The project's own data tests then run as the daily DAG runs them
and as the full build (``--full-refresh``) runs them; the tables are put back afterwards.
"""

from __future__ import annotations

import contextlib
import json
from datetime import UTC, datetime, time
from pathlib import Path

import pytest

from connectors.registry import ensure_raw_tables, extract
from purchase_path.transform import DbtFailed, run_dbt

TOUCHES = "core.fct_touchpoints"
IDENTITIES = "intermediate.int_identities_stitched"
FINGERPRINT = (
    f"select count(*), md5(string_agg(t::text, ',' order by t::text)) from {TOUCHES} as t"
    f" union all select count(*), md5(string_agg(i::text, ',' order by i::text)) from {IDENTITIES} as i"
)
AGE = "interval '10 days'"  # well past incremental_lookback_days (0.5)
NEW_BAD_ROW_TEST = "not_null_fct_touchpoints_channel"
OLD_BAD_ROW_TEST = "not_null_fct_touchpoints_journey_stage"
KEY_TEST = "unique_fct_touchpoints_touch_id"
# A child table rebuilt whole whose parent is the scoped fct_touchpoints: the parent must be read whole.
PARENT_TEST = "relationships_fct_conversions_conversion_id__touch_id__ref_fct_touchpoints_"
# Reads the touches the run wrote and those of the identifiers it relabelled.
STITCHING_TEST = "assert_touchpoints_follow_current_stitching"
TESTS = (NEW_BAD_ROW_TEST, OLD_BAD_ROW_TEST, KEY_TEST, PARENT_TEST, STITCHING_TEST)


def dbt_statuses(warehouse, target: Path, *args: str) -> dict[str, str]:
    """Run dbt and return each test's status by name ('pass', 'fail', ...) from dbt's run_results.json."""
    with contextlib.suppress(DbtFailed):  # a failing test is what some of these runs are for; statuses say which
        run_dbt(list(args), warehouse)
    results = json.loads((target / "run_results.json").read_text())["results"]
    return {result["unique_id"].split(".")[2]: result["status"] for result in results}


@pytest.fixture(scope="module")
def runs(warehouse, world, sandbox, tmp_path_factory):
    """Build the core, break fct_touchpoints as described above, run the tests both ways, put it back."""
    target = tmp_path_factory.mktemp("dbt-scope")
    with pytest.MonkeyPatch.context() as env:
        env.setenv("DBT_TARGET_PATH", str(target / "target"))
        env.setenv("DBT_LOG_PATH", str(target / "logs"))
        for name, value in sandbox.airflow_connections().items():
            env.setenv(name, value)
        start = datetime.combine(world.start_date, time(0), tzinfo=UTC)
        end = datetime.combine(world.end_date, time(0), tzinfo=UTC)
        extract("hubspot", warehouse, start, end)
        ensure_raw_tables(warehouse)
        run_dbt(
            ["build", "--select", "+fct_touchpoints", "+fct_conversions", "--full-refresh"]
            + ["--exclude-resource-type", "test", "--exclude-resource-type", "unit_test"],
            warehouse,
        )
        manifest = json.loads((target / "target" / "manifest.json").read_text())
        touches = next(node for node in manifest["nodes"].values() if node["name"] == "fct_touchpoints")
        written_at = touches["config"]["meta"]["recent_rows_column"]  # when the run wrote a row
        with warehouse.connect(autocommit=True) as conn:
            before = conn.execute(FINGERPRINT).fetchall()
            newest, old, relabelled = conn.execute(
                f"select touch_id from {TOUCHES} order by {written_at} desc, touch_id limit 3"
            ).fetchall()
            identifier = conn.execute(
                f"select identifier_type, identifier_value from {TOUCHES} where touch_id = %s", relabelled
            ).fetchone()
            channel = conn.execute(f"select channel from {TOUCHES} where touch_id = %s", newest).fetchone()[0]
            stage = conn.execute(f"select journey_stage from {TOUCHES} where touch_id = %s", old).fetchone()[0]
            unique_index = conn.execute(
                "select indexname, indexdef from pg_indexes where schemaname = 'core' and tablename = 'fct_touchpoints'"
                " and indexdef like 'CREATE UNIQUE%%'"
            ).fetchone()
            conn.execute(f"update {TOUCHES} set {written_at} = {written_at} - {AGE} where touch_id <> %s", newest)
            conn.execute(f"update {TOUCHES} set channel = null where touch_id = %s", newest)
            conn.execute(f"update {TOUCHES} set journey_stage = null where touch_id = %s", old)
            conn.execute(f'drop index core."{unique_index[0]}"')
            copy = conn.execute(
                f"insert into {TOUCHES} select * from {TOUCHES} where touch_id = %s returning ctid::text", old
            ).fetchone()
            copy = conn.execute(  # the copy is a new row: extracted now, with its journey stage (one bad thing only)
                f"update {TOUCHES} set {written_at} = {written_at} + {AGE}, journey_stage = %s"
                " where ctid = %s::tid returning ctid::text",
                (stage, copy[0]),
            ).fetchone()
            conn.execute(f"update {IDENTITIES} set labelled_at = labelled_at - {AGE}")
            relabel = (
                f"update {IDENTITIES} set labelled_at = labelled_at + {AGE}, customer_key = customer_key || ':moved'"
            )
            moved = conn.execute(
                relabel + " where (identifier_type, identifier_value) = (%s, %s) returning customer_key", identifier
            ).fetchone()[0]
            customer_key = moved.removesuffix(":moved")
        try:
            selection = ["--select", *TESTS]
            statuses = {
                "daily": dbt_statuses(warehouse, target / "target", "test", *selection),
                "full_build": dbt_statuses(warehouse, target / "target", "build", *selection, "--full-refresh"),
                "manifest": manifest,
            }
        finally:
            with warehouse.connect(autocommit=True) as conn:
                conn.execute(f"delete from {TOUCHES} where ctid = %s::tid", copy)
                conn.execute(unique_index[1])
                conn.execute(f"update {TOUCHES} set {written_at} = {written_at} + {AGE} where touch_id <> %s", newest)
                conn.execute(f"update {TOUCHES} set journey_stage = %s where touch_id = %s", (stage, old[0]))
                conn.execute(f"update {TOUCHES} set channel = %s where touch_id = %s", (channel, newest[0]))
                conn.execute(
                    f"update {IDENTITIES} set labelled_at = labelled_at + {AGE}"
                    " where (identifier_type, identifier_value) <> (%s, %s)",
                    identifier,
                )
                conn.execute(
                    f"update {IDENTITIES} set customer_key = %s where (identifier_type, identifier_value) = (%s, %s)",
                    (customer_key, *identifier),
                )
                after = conn.execute(FINGERPRINT).fetchall()
    return statuses | {"put_back": before == after}


def test_a_bad_row_the_daily_run_wrote_fails_its_daily_test(runs):
    assert runs["daily"][NEW_BAD_ROW_TEST] == "fail"


def test_an_old_bad_row_is_left_to_the_full_build(runs):
    assert runs["daily"][OLD_BAD_ROW_TEST] == "pass"
    assert runs["full_build"][OLD_BAD_ROW_TEST] == "fail"


def test_a_new_row_repeating_an_old_key_fails_the_daily_unique_test(runs):
    assert runs["daily"][KEY_TEST] == "fail"


def test_a_relationship_reads_its_parent_whole(runs):
    """Every conversion is a touch, also when the touch is old: the scoped fct_touchpoints is the parent here."""
    assert runs["daily"][PARENT_TEST] == "pass"


def test_an_old_touch_of_a_relabelled_identifier_fails_the_daily_stitching_test(runs):
    """The touch itself was not written by the run: its identifier's new customer is what the daily test follows."""
    assert runs["daily"][STITCHING_TEST] == "fail"


def test_every_incremental_model_says_which_rows_its_daily_tests_read(runs):
    """Never silently unscoped: an incremental model names its indexed recent-rows column, or `all_rows`."""
    incremental = [
        node for node in runs["manifest"]["nodes"].values() if node["config"].get("materialized") == "incremental"
    ]
    assert incremental, "no incremental model: nothing to scope"
    for node in incremental:
        column = node["config"]["meta"].get("recent_rows_column")
        assert column, f"{node['name']}: set config.meta.recent_rows_column (e.g. extracted_at, or all_rows)"
        if column != "all_rows":
            indexed = [index["columns"][0] for index in node["config"].get("indexes") or []]
            assert column in indexed, f"{node['name']}: index {column}, or its scoped tests scan the table twice"


def test_the_broken_table_is_put_back(runs):
    """Other test modules share this warehouse: fct_touchpoints must be exactly as it was built."""
    assert runs["put_back"]
