"""Which sources exist, and how one is opened from its Airflow connection and synced."""

from __future__ import annotations

import logging
from datetime import datetime

from connectors.core.stream import Source
from connectors.core.sync import StreamResult, sync_source
from connectors.ga4 import Ga4Source
from connectors.google_ads import GoogleAdsSource
from connectors.hubspot import HubSpotSource
from connectors.mailchimp import MailchimpSource
from connectors.matomo import MatomoSource
from connectors.meta_ads import MetaAdsSource
from connectors.offline import OfflineSource
from connectors.questionpro import QuestionProSource
from purchase_path.connections import connection_id, get_connection
from purchase_path.warehouse import LOADER, Warehouse

log = logging.getLogger(__name__)

SOURCES = {
    "google_ads": GoogleAdsSource,
    "hubspot": HubSpotSource,
    "questionpro": QuestionProSource,
    "offline": OfflineSource,
    "mailchimp": MailchimpSource,
    "matomo": MatomoSource,
    "ga4": Ga4Source,
    "meta_ads": MetaAdsSource,
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


def declared_streams(name: str) -> list[str]:
    """Every raw stream a source writes: its streams and their child streams."""
    found: list[str] = []
    pending = list(SOURCES[name].streams)
    while pending:
        stream = pending.pop(0)
        found.append(stream.name)
        pending.extend(stream.children)
    return found


def ensure_raw_tables(warehouse: Warehouse) -> None:
    """Create every registered source's raw tables (empty when never synced).

    dbt's staging reads every source, so an unconfigured source must still have its (empty) tables: the warehouse
    then builds with the sources a user has, and a source added later simply starts filling its tables.
    """
    from connectors.core.loader import ensure_raw_table

    with warehouse.connect(LOADER, autocommit=True) as conn:
        for name in SOURCES:
            for stream in declared_streams(name):
                ensure_raw_table(conn, name, stream)
