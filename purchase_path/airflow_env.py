"""The environment Airflow runs in locally: its home under the project's data folder, our DAGs, and the
connections to the warehouse and the sources.

Everything is set as environment variables, the Airflow way (``AIRFLOW__SECTION__KEY``, ``AIRFLOW_CONN_<ID>``),
so ``airflow`` commands, ``airflow standalone`` and ``dag.test()`` all see the same configuration. The
configuration part must be in the environment before Airflow is imported; connections are read when used.
"""

from __future__ import annotations

from collections.abc import Mapping

from purchase_path.settings import DAGS_DIR, Settings
from purchase_path.warehouse import WAREHOUSE_CONN_ID, Warehouse, airflow_connection_json


def airflow_config(settings: Settings) -> dict[str, str]:
    """Airflow's own settings for local use: home, metadata database and logs under ``PURCHASE_PATH_HOME``."""
    home = settings.airflow_home
    home.mkdir(parents=True, exist_ok=True)
    return {
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS_DIR),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "False",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home / 'airflow.db'}",
        "AIRFLOW__LOGGING__BASE_LOG_FOLDER": str(home / "logs"),
        # No usage telemetry: this machine may have no internet, and users did not ask for it.
        "AIRFLOW__COSMOS__ENABLE_TELEMETRY": "False",
        "SCARF_ANALYTICS": "false",
        # Local use only: everyone who reaches the UI on this machine is an admin, so no generated password.
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS": "True",
    }


def airflow_connections(warehouse: Warehouse, sources: Mapping[str, str] | None = None) -> dict[str, str]:
    """``AIRFLOW_CONN_*`` variables: the warehouse's, plus the sources' (e.g. the sandbox's)."""
    return {
        f"AIRFLOW_CONN_{WAREHOUSE_CONN_ID.upper()}": airflow_connection_json(warehouse),
        **(sources or {}),
    }


def airflow_environment(
    settings: Settings, warehouse: Warehouse, sources: Mapping[str, str] | None = None
) -> dict[str, str]:
    """Everything an Airflow process for this project needs in its environment."""
    return {**airflow_config(settings), **airflow_connections(warehouse, sources)}
