"""Which sources exist, and how one is opened from its Airflow connection and synced."""

from __future__ import annotations

import logging
from datetime import datetime

from connectors.core.stream import Source
from connectors.core.sync import StreamResult, sync_source
from connectors.hubspot import HubSpotSource
from purchase_path.connections import connection_id, get_connection
from purchase_path.warehouse import Warehouse

log = logging.getLogger(__name__)

SOURCES = {
    "hubspot": HubSpotSource,
}


def open_source(name: str) -> Source | None:
    """The configured source, or None (with a note in the log) when its connection is not defined."""
    if name not in SOURCES:
        raise ValueError(f"unknown source {name!r}; known sources: {', '.join(sorted(SOURCES))}")
    conn_id = connection_id(name)
    conn = get_connection(conn_id)
    if conn is None:
        log.warning(
            "%s: skipped, not configured. Define Airflow connection '%s' (or AIRFLOW_CONN_%s) to sync it.",
            name,
            conn_id,
            conn_id.upper(),
        )
        return None
    return SOURCES[name].from_connection(conn, conn_id)


def extract(
    name: str, warehouse: Warehouse, interval_start: datetime | None, interval_end: datetime
) -> list[StreamResult]:
    """Sync one source for a data interval. An unconfigured source syncs nothing and says so."""
    source = open_source(name)
    if source is None:
        return []
    try:
        return sync_source(source, warehouse, interval_start, interval_end)
    finally:
        source.close()
