"""The environment Airflow runs in locally: its home under the project's data folder, our DAGs, and the
connections to the warehouse and the sources.

Everything is set as environment variables, the Airflow way (``AIRFLOW__SECTION__KEY``, ``AIRFLOW_CONN_<ID>``),
so ``airflow`` commands, ``airflow standalone`` and ``dag.test()`` all see the same configuration.
"""

from __future__ import annotations

from collections.abc import Mapping

from purchase_path.settings import DAGS_DIR, Settings
from purchase_path.warehouse import WAREHOUSE_CONN_ID, Warehouse, airflow_connection_json


def airflow_environment(
    settings: Settings, warehouse: Warehouse, source_connections: Mapping[str, str] | None = None
) -> dict[str, str]:
    """Variables to add to the environment of any Airflow process for this project."""
    home = settings.airflow_home
    home.mkdir(parents=True, exist_ok=True)
    return {
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS_DIR),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "False",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home / 'airflow.db'}",
        "AIRFLOW__LOGGING__BASE_LOG_FOLDER": str(home / "logs"),
        # Local use only: everyone who reaches the UI on this machine is an admin, so no generated password.
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS": "True",
        f"AIRFLOW_CONN_{WAREHOUSE_CONN_ID.upper()}": airflow_connection_json(warehouse),
        **(source_connections or {}),
    }
