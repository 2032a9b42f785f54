"""The daily DAG runs the data-driven attribution after the quality gate and before the report, and builds the
attribution models with the rest of dbt."""

from __future__ import annotations

import pytest

from purchase_path.settings import DAGS_DIR


@pytest.fixture(scope="module")
def daily_dag(dbt_manifest):
    from airflow.dag_processing.dagbag import DagBag

    dagbag = DagBag(dag_folder=str(DAGS_DIR))
    assert dagbag.import_errors == {}
    return dagbag.dags["path_to_purchase_daily"]


def test_attribute_runs_after_the_gate_and_before_the_report(daily_dag):
    attribute = daily_dag.get_task("attribute")
    assert attribute.upstream_task_ids == {"quality_gate"}
    assert "report" in attribute.downstream_task_ids
    assert attribute.retries >= 1


def test_the_rule_based_models_build_before_the_marts_that_read_them(daily_dag):
    attribution = daily_dag.get_task("transform.attribution")
    assert attribution.select == "path:models/attribution"
    assert attribution.downstream_task_ids == {"transform.marts"}