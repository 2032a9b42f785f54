"""End to end: the daily DAG, run by Airflow (``dag.test()``), takes the sandbox's HubSpot data through raw,
dbt, the quality gate and into the report — and a second run of the same day changes nothing."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest
import requests

from purchase_path.settings import DAGS_DIR

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def airflow_db():
    airflow = Path(sys.executable).with_name("airflow")
    subprocess.run([str(airflow), "db", "migrate"], env=os.environ, check=True, capture_output=True)


@pytest.fixture(scope="module")
def daily_dag(airflow_db, dbt_manifest):
    """The DAG as deployed, but failing at once rather than retrying minutes later."""
    from airflow.dag_processing.dagbag import DagBag

    os.environ["PURCHASE_PATH_TASK_RETRIES"] = "0"
    try:
        yield DagBag(dag_folder=str(DAGS_DIR)).dags["path_to_purchase_daily"]
    finally:
        del os.environ["PURCHASE_PATH_TASK_RETRIES"]


def served_total(sandbox, object_type: str, token: str) -> int:
    answer = requests.post(
        f"{sandbox.base_url}/crm/v3/objects/{object_type}/search",
        json={"filterGroups": [], "limit": 1},
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    answer.raise_for_status()
    return answer.json()["total"]


def snapshot(warehouse) -> dict[str, object]:
    with warehouse.connect(autocommit=True) as conn:
        one = lambda sql: conn.execute(sql).fetchone()[0]  # noqa: E731
        return {
            "contacts": one("select count(*) from raw.hubspot__contacts"),
            "deals": one("select count(*) from raw.hubspot__deals"),
            "touches": one("select count(*) from core.fct_touchpoints"),
            "distinct_touches": one("select count(distinct touch_id) from core.fct_touchpoints"),
            "contact_touches": one(
                "select count(*) from core.fct_touchpoints where touch_type = 'crm_contact_created'"
            ),
            "won_touches": one("select count(*) from core.fct_touchpoints where touch_type = 'crm_deal_won'"),
            "won_deals": one(
                "select count(*) from raw.hubspot__deals where payload->'properties'->>'dealstage' = 'closedwon'"
            ),
            "revenue": one("select coalesce(sum(revenue), 0) from marts.mart_channel_performance"),
        }


def test_daily_dag_end_to_end_and_idempotent(
    daily_dag, airflow_connected, clean_raw, warehouse, sandbox, settings, world
):
    from sandbox.credentials import HUBSPOT_TOKEN

    interval_end = datetime.combine(world.end_date, time(0), tzinfo=UTC)
    report_day = (interval_end - timedelta(days=1)).date()

    first = daily_dag.test(logical_date=interval_end)
    assert first.state == "success"
    after_first = snapshot(warehouse)

    # Everything the CRM had by the end of the world landed, once.
    assert after_first["contacts"] == served_total(sandbox, "contacts", HUBSPOT_TOKEN) > 0
    assert after_first["deals"] == served_total(sandbox, "deals", HUBSPOT_TOKEN) > 0
    assert after_first["touches"] == after_first["distinct_touches"] > 0
    assert after_first["contact_touches"] == after_first["contacts"]
    assert after_first["won_touches"] == after_first["won_deals"] > 0
    assert after_first["revenue"] > 0

    report = settings.report_dir / report_day.isoformat() / f"path_to_purchase_{report_day}.html"
    assert report.exists()
    assert "quality gate" in report.read_text().lower()

    second = daily_dag.test(logical_date=interval_end)
    assert second.state == "success"
    assert snapshot(warehouse) == after_first
