"""Helpers for the dbt tests: load every registered source from the sandbox into raw, build the core, and read
tables back in a form that compares exactly.

The tests import this module by path (``tests/dbt`` is not a package); it holds no fixtures and no state.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from connectors.registry import SOURCES, ensure_raw_tables, extract
from purchase_path.transform import run_dbt
from purchase_path.warehouse import Warehouse

# The core and everything it is built from, the conversion journeys (attribution's per-customer tables), the
# models of the marts' folder built per customer, the ad performance snapshot, and Matomo's goal conversions (an
# incremental staging model no core model reads); the marts rebuilt whole are left out so that these tests say
# something about the core alone.
CORE_SELECTION = [
    "--select",
    "+path:models/core",
    "+path:models/attribution",
    "+mart_journeys",
    "+int_customer_stages_reached",
    "+ad_performance_snapshot",
    "+stg_matomo__goal_conversions",
    "--indirect-selection",
    "cautious",
]


def load_every_source(warehouse: Warehouse, interval_start: datetime | None, interval_end: datetime) -> None:
    """Sync every registered source for the interval (each source's connection must point at the sandbox)."""
    for name in sorted(SOURCES):
        extract(name, warehouse, interval_start, interval_end)


def build_core(warehouse: Warehouse, *, full_refresh: bool = False) -> None:
    """``dbt build`` of the core; a full refresh rebuilds incremental models from scratch. Sources the sandbox does
    not configure (offline drops) get their empty raw tables first, as ``purchase-path dbt`` does."""
    ensure_raw_tables(warehouse)
    run_dbt(["build", *CORE_SELECTION, *(["--full-refresh"] if full_refresh else [])], warehouse)


# Columns that say when a row was last written (per run by nature), left out of the comparison.
BOOKKEEPING_COLUMNS = (
    "stitched_at",
    "previous_customer_key",
    "touches_stitched_at",
    "labelled_at",
    "identities_labelled_at",
    "lifecycle_extracted_at",
    "written_at",
)
# These keep the extracted_at of the extract that last changed a row: a record re-extracted unchanged is not
# rewritten (a full refresh has its newest extract). Mailchimp's and Matomo's staging skip records re-pulled as
# they were (macro record_changed), and the touches built from them keep their extract time downstream.
TABLE_BOOKKEEPING_COLUMNS = {
    "core.fct_touchpoints": ("extracted_at",),
    "intermediate.int_touchpoints_unioned": ("extracted_at",),
    "staging.stg_mailchimp__email_activity": ("extracted_at",),
    "staging.stg_matomo__visits": ("extracted_at",),
    "staging.stg_matomo__ecommerce_orders": ("extracted_at",),
    "staging.stg_matomo__goal_conversions": ("extracted_at",),
}


def table_fingerprint(warehouse: Warehouse, table: str) -> tuple[int, str]:
    """Row count and a digest of every row (as text, in sorted order) without its bookkeeping columns: equal
    fingerprints mean equal tables."""
    schema, name = table.split(".")
    digest = hashlib.sha256()
    with warehouse.connect(autocommit=True) as conn:
        columns = [
            column
            for (column,) in conn.execute(
                "select column_name from information_schema.columns where table_schema = %s and table_name = %s"
                " order by ordinal_position",
                (schema, name),
            )
            if column not in BOOKKEEPING_COLUMNS + TABLE_BOOKKEEPING_COLUMNS.get(table, ())
        ]
        listed = ", ".join(f'"{column}"' for column in columns)
        rows = conn.execute(f"select ({listed})::text from {table} order by 1").fetchall()  # noqa: S608 - our names
    for (row,) in rows:
        digest.update(row.encode())
        digest.update(b"\n")
    return len(rows), digest.hexdigest()


def query(warehouse: Warehouse, sql: str, params: tuple = ()) -> list[tuple]:
    with warehouse.connect(autocommit=True) as conn:
        return conn.execute(sql, params).fetchall()
