"""What every DAG shares: default arguments and the Cosmos configuration for running dbt as Airflow tasks.

Kept out of ``dags/`` so DAG files stay wiring only, and cheap to import: nothing here touches the warehouse or
runs dbt at DAG parse time.
"""

from __future__ import annotations

import os
from datetime import timedelta

from airflow.sdk import TaskGroup
from cosmos import ProfileConfig
from cosmos.constants import InvocationMode
from cosmos.operators.local import DbtBuildLocalOperator
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


class WarehouseProfileMapping(PostgresUserPasswordProfileMapping):
    """Cosmos' Postgres mapping, also for password-less connections (the embedded warehouse uses trust auth)."""

    def get_dbt_value(self, name: str):
        value = super().get_dbt_value(name)
        return "" if name == "password" and value is None else value


# The project's layers, built in this order; each layer's tests run once everything they read has been built.
DBT_LAYERS: tuple[tuple[str, str], ...] = (
    ("seeds", "resource_type:seed"),
    ("staging", "path:models/staging"),
    ("intermediate", "path:models/intermediate"),
    ("core", "path:models/core path:snapshots"),
    ("attribution", "path:models/attribution"),
    ("marts", "path:models/marts"),
)
DBT_THREADS = 4


def dbt_task_group(group_id: str = "transform") -> TaskGroup:
    """dbt as one Airflow task per layer (seeds, staging, intermediate, core, attribution, marts), run as
    ``transformer`` through Cosmos with the profile built from the warehouse connection.

    One ``dbt build`` per layer, not one per model: a dbt invocation costs seconds of start-up and parsing, which
    for ~80 models and ~480 tests made the daily run take many minutes in start-up alone. Inside a layer dbt runs
    models and tests in parallel (``DBT_THREADS``) and its log lists every node; a test runs in the layer that
    builds the last model it reads (``--indirect-selection buildable``), so a test across layers never runs
    early. Retrying a failed layer re-runs that layer only.
    """
    profile = ProfileConfig(
        profile_name="purchase_path",
        target_name="airflow",
        profile_mapping=WarehouseProfileMapping(
            conn_id=WAREHOUSE_CONN_ID,
            profile_args={"schema": "staging", "role": TRANSFORMER, "threads": DBT_THREADS},
        ),
    )
    with TaskGroup(group_id=group_id) as group:
        previous = None
        for layer, selection in DBT_LAYERS:
            build = DbtBuildLocalOperator(
                task_id=layer,
                project_dir=str(DBT_PROJECT_DIR),
                profile_config=profile,
                select=selection,
                indirect_selection="buildable",
                invocation_mode=InvocationMode.DBT_RUNNER,
                install_deps=False,
                emit_datasets=False,
            )
            if previous is not None:
                previous >> build
            previous = build
    return group
