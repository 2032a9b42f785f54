"""What every DAG shares: default arguments and the Cosmos configuration for running dbt as Airflow tasks.

Kept out of ``dags/`` so DAG files stay wiring only, and cheap to import: nothing here touches the warehouse or
runs dbt at DAG parse time (Cosmos reads the pre-built ``dbt_project/target/manifest.json``).
"""

from __future__ import annotations

import os
from datetime import timedelta

from cosmos import DbtTaskGroup, ExecutionConfig, ProfileConfig, ProjectConfig, RenderConfig
from cosmos.constants import ExecutionMode, InvocationMode, LoadMode, TestBehavior
from cosmos.profiles import PostgresUserPasswordProfileMapping

from purchase_path.settings import DBT_PROJECT_DIR
from purchase_path.warehouse import TRANSFORMER, WAREHOUSE_CONN_ID


def default_args() -> dict:
    """Arguments every task shares. ``PURCHASE_PATH_TASK_RETRIES`` (default 2) lets the demo and the tests fail
    fast instead of waiting out retry delays."""
    return {
        "owner": "data-engineering",
        "retries": int(os.environ.get("PURCHASE_PATH_TASK_RETRIES", "2")),
        "retry_delay": timedelta(minutes=2),
        "retry_exponential_backoff": True,
    }


MANIFEST = DBT_PROJECT_DIR / "target" / "manifest.json"


class WarehouseProfileMapping(PostgresUserPasswordProfileMapping):
    """Cosmos' Postgres mapping, also for password-less connections (the embedded warehouse uses trust auth)."""

    def get_dbt_value(self, name: str):
        value = super().get_dbt_value(name)
        return "" if name == "password" and value is None else value


def dbt_task_group(group_id: str = "transform") -> DbtTaskGroup:
    """Every dbt model, seed and test as its own Airflow task (``dbt build`` per node), run as ``transformer``."""
    if not MANIFEST.exists():
        raise FileNotFoundError(
            f"{MANIFEST} is missing: run `make install` (or `purchase-path dbt-parse`) to build the dbt manifest."
        )
    return DbtTaskGroup(
        group_id=group_id,
        project_config=ProjectConfig(
            dbt_project_path=DBT_PROJECT_DIR, manifest_path=MANIFEST, project_name="purchase_path"
        ),
        profile_config=ProfileConfig(
            profile_name="purchase_path",
            target_name="airflow",
            profile_mapping=WarehouseProfileMapping(
                conn_id=WAREHOUSE_CONN_ID, profile_args={"schema": "staging", "role": TRANSFORMER}
            ),
        ),
        execution_config=ExecutionConfig(execution_mode=ExecutionMode.LOCAL, invocation_mode=InvocationMode.DBT_RUNNER),
        render_config=RenderConfig(
            load_method=LoadMode.DBT_MANIFEST,
            test_behavior=TestBehavior.BUILD,
            # A test of two models (e.g. relationships) runs as its own task once both exist.
            should_detach_multiple_parents_tests=True,
        ),
        operator_args={"install_deps": False},
    )
