"""Run dbt outside Airflow (the CLI, the tests), against the configured warehouse.

``dbt_project/profiles.yml`` reads the connection from ``DBT_WAREHOUSE_*`` variables; this module sets them from
the resolved warehouse for the dbt process only. Inside Airflow, Cosmos builds the profile from the connection
``warehouse_default`` instead (see purchase_path/orchestration.py).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from contextlib import contextmanager

from purchase_path.settings import DBT_PROJECT_DIR
from purchase_path.warehouse import Warehouse

# dbt unit tests check the SQL, not the data: they belong to CI and `make test`, not to the production build
# (Airflow's dbt tasks and bench/warehouse_bench.py, which times what Airflow runs).
PRODUCTION_BUILD_FLAGS = ["--exclude-resource-type", "unit_test"]

log = logging.getLogger(__name__)


class DbtFailed(RuntimeError):
    """A dbt command failed; dbt's own output above says which node and why."""


def dbt_env(warehouse: Warehouse | None) -> dict[str, str]:
    """The variables profiles.yml reads. Without a warehouse (parsing), placeholders: dbt parse never connects."""
    p = warehouse.params if warehouse else {}
    return {
        "DBT_WAREHOUSE_HOST": p.get("host", "localhost"),
        "DBT_WAREHOUSE_PORT": p.get("port", "5432"),
        "DBT_WAREHOUSE_USER": p.get("user", "postgres"),
        "DBT_ENV_SECRET_WAREHOUSE_PASSWORD": p.get("password", ""),
        "DBT_WAREHOUSE_DBNAME": p.get("dbname", "purchase_path"),
    }


@contextmanager
def _environment(values: dict[str, str]):
    saved = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def run_dbt(args: Sequence[str], warehouse: Warehouse | None) -> None:
    """Run one dbt command in-process (``dbt build``, ``dbt parse``, ...). Raises ``DbtFailed`` on failure."""
    from dbt.cli.main import dbtRunner

    full_args = [*args, "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR)]
    log.info("dbt %s", " ".join(args))
    with _environment(dbt_env(warehouse)):
        result = dbtRunner().invoke(full_args)
    if not result.success:
        raise DbtFailed(f"dbt {' '.join(args)} failed" + (f": {result.exception}" if result.exception else ""))
