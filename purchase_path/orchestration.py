"""What every DAG shares: default arguments and the Cosmos configuration for running dbt as Airflow tasks.

Kept out of ``dags/`` so DAG files stay wiring only, and cheap to import: nothing here touches the warehouse or
runs dbt at DAG parse time.
"""

from __future__ import annotations

import os
from datetime import timedelta

from airflow.sdk import Param, TaskGroup
from cosmos import ProfileConfig
from cosmos.constants import InvocationMode
from cosmos.operators.local import DbtBuildLocalOperator
from cosmos.profiles import PostgresUserPasswordProfileMapping

from purchase_path.settings import DBT_PROJECT_DIR
from purchase_path.transform import PRODUCTION_BUILD_FLAGS
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

# The full build: every table rebuilt from raw (``--full-refresh``) and every data test over every row. A daily
# run's data tests check only the rows it wrote (dbt_project/macros/test_scope.sql), and incremental models never
# forget what the sources deleted (an identifier, a link, a touch): the full build catches and clears both. It runs
# on the daily run whose data interval ends on this ISO weekday (7: Sunday), and on any run triggered with the DAG
# param ``full_refresh``.
FULL_REBUILD_ISO_WEEKDAY = 7
FULL_REFRESH_TEMPLATE = (
    "{{ params.get('full_refresh', false) or (data_interval_end is not none"
    f" and data_interval_end.isoweekday() == {FULL_REBUILD_ISO_WEEKDAY}) }}}}"
)


def full_refresh_param() -> dict[str, Param]:
    """The DAG param that makes a triggered run the full build ("Trigger DAG" with config ``full_refresh: true``)."""
    return {
        "full_refresh": Param(
            False,
            type="boolean",
            title="Full build",
            description=(
                "Rebuild every dbt model from raw and run every data test over every row (automatic on the run "
                "whose data interval ends on a Sunday). Needed after a gap of more than incremental_lookback_days "
                "without dbt runs, or after data was deleted at a source."
            ),
        )
    }


def dbt_task_group(group_id: str = "transform") -> TaskGroup:
    """dbt as one Airflow task per layer (seeds, staging, intermediate, core, attribution, marts), run as
    ``transformer`` through Cosmos with the profile built from the warehouse connection.

    One ``dbt build`` per layer, not one per model: a dbt invocation costs seconds of start-up and parsing, which
    for ~80 models and ~480 tests made the daily run take many minutes in start-up alone. Inside a layer dbt runs
    models and tests in parallel (``DBT_THREADS``) and its log lists every node; a test runs in the layer that
    builds the last model it reads (``--indirect-selection buildable``), so a test across layers never runs
    early. Retrying a failed layer re-runs that layer only.

    Production build: dbt unit tests are left out (``PRODUCTION_BUILD_FLAGS``); each layer is a full build
    (``--full-refresh``, every test over every row) when ``FULL_REFRESH_TEMPLATE`` renders true. A DAG declares
    ``full_refresh_param()`` to offer the switch on a triggered run; without it only the Sunday run is the full one.
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
                full_refresh=FULL_REFRESH_TEMPLATE,
                dbt_cmd_flags=PRODUCTION_BUILD_FLAGS,
                invocation_mode=InvocationMode.DBT_RUNNER,
                install_deps=False,
                emit_datasets=False,
            )
            if previous is not None:
                previous >> build
            previous = build
    return group
