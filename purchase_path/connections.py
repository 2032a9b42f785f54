"""Source configuration through Airflow connections.

A source is configured by one Airflow connection, id ``<source>_default``. Inside Airflow that is any connection
the deployment defines (UI, secrets backend, environment); outside Airflow (the CLI, tests) the same connection
comes from the environment variable ``AIRFLOW_CONN_<SOURCE>_DEFAULT``, in Airflow's URI or JSON form.
"""

from __future__ import annotations

import logging

log = logging.getLogger(__name__)


def connection_id(source: str) -> str:
    return f"{source}_default"


def get_connection(conn_id: str):
    """The Airflow connection ``conn_id``, or None when it is not defined anywhere."""
    from airflow.sdk import BaseHook
    from airflow.sdk.exceptions import AirflowNotFoundException

    try:
        return BaseHook.get_connection(conn_id)
    except AirflowNotFoundException:
        return None
