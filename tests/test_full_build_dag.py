"""The daily DAG's dbt tasks: a production build without dbt unit tests, and the full build on Sundays or on demand.

Renders each dbt task's ``full_refresh`` field with the DAG's own template environment, as Airflow does when the
task runs, and asks the Cosmos operator which dbt flags it would pass.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from purchase_path.settings import DAGS_DIR

SATURDAY = datetime(2026, 11, 21, tzinfo=UTC)
SUNDAY = datetime(2026, 11, 22, tzinfo=UTC)


@pytest.fixture(scope="module")
def dbt_tasks():
    from airflow.dag_processing.dagbag import DagBag

    dag = DagBag(dag_folder=str(DAGS_DIR)).dags["path_to_purchase_daily"]
    tasks = [task for task in dag.tasks if task.task_id.startswith("transform.")]
    assert tasks, "the daily DAG has no dbt tasks"
    return dag, tasks


def dbt_flags(dag, task, *, full_refresh_param: bool, data_interval_end: datetime | None) -> list[str]:
    rendered = (
        dag.get_template_env()
        .from_string(task.full_refresh)
        .render(params={"full_refresh": full_refresh_param}, data_interval_end=data_interval_end)
    )
    task.full_refresh, template = rendered, task.full_refresh
    try:
        return [*task.add_cmd_flags(), *task.dbt_cmd_flags]
    finally:
        task.full_refresh = template


def test_the_daily_build_leaves_out_dbt_unit_tests(dbt_tasks):
    dag, tasks = dbt_tasks
    for task in tasks:
        flags = dbt_flags(dag, task, full_refresh_param=False, data_interval_end=SATURDAY)
        assert "--full-refresh" not in flags, task.task_id
        assert flags[flags.index("--exclude-resource-type") + 1] == "unit_test", task.task_id


def test_the_run_ending_on_sunday_is_the_full_build(dbt_tasks):
    dag, tasks = dbt_tasks
    for task in tasks:
        assert "--full-refresh" in dbt_flags(dag, task, full_refresh_param=False, data_interval_end=SUNDAY)


def test_a_run_triggered_with_full_refresh_is_the_full_build(dbt_tasks):
    dag, tasks = dbt_tasks
    assert dag.params["full_refresh"] is False
    for task in tasks:
        assert "--full-refresh" in dbt_flags(dag, task, full_refresh_param=True, data_interval_end=None)
