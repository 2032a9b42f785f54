"""DAG integrity: every DAG file imports, and every DAG has an owner, retries and tags."""

from __future__ import annotations

import pytest

from connectors.registry import SOURCES
from purchase_path.settings import DAGS_DIR


@pytest.fixture(scope="module")
def dagbag(dbt_manifest):
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(dag_folder=str(DAGS_DIR))


def test_every_dag_file_imports(dagbag):
    assert dagbag.import_errors == {}
    assert "path_to_purchase_daily" in dagbag.dags


def test_every_task_has_an_owner_and_retries(dagbag):
    for dag in dagbag.dags.values():
        assert dag.tags, f"{dag.dag_id} has no tags"
        for task in dag.tasks:
            assert task.owner and task.owner != "airflow", f"{dag.dag_id}.{task.task_id} has no owner"
            assert task.retries >= 1, f"{dag.dag_id}.{task.task_id} has no retries"


def test_daily_dag_runs_every_layer_in_order(dagbag):
    dag = dagbag.dags["path_to_purchase_daily"]
    task_ids = set(dag.task_ids)
    assert {"prepare_warehouse", "extract_hubspot", "quality_gate", "report"} <= task_ids
    layers = ["seeds", "staging", "intermediate", "core", "attribution", "marts"]
    assert {t for t in task_ids if t.startswith("transform.")} == {f"transform.{layer}" for layer in layers}
    for earlier, later in zip(layers, layers[1:], strict=False):
        assert dag.get_task(f"transform.{later}").upstream_task_ids == {f"transform.{earlier}"}
    assert dag.get_task("transform.seeds").upstream_task_ids == {f"extract_{source}" for source in SOURCES}
    gate = dag.get_task("quality_gate")
    assert "report" in gate.downstream_task_ids
    assert gate.upstream_task_ids == {"transform.marts"}
