"""The gated tables and their expectation suites, as versioned code.

``GATED_TABLES`` is the list the gate validates, in order: data, not code. A new raw stream is gated by adding
one line; a model with invariants of its own names a function here that returns its expectations.

Every gated table gets the volume expectations (at least ``min_rows`` rows; not fewer than the last passed
run allows, see ``max_row_drop``), and a raw table with ``max_load_age`` a freshness expectation. The one
value known only at run time (the last passed run's row count) enters as a Great Expectations suite
parameter, so the suites themselves stay fixed.

Freshness means "the stream was loaded successfully not long ago", not "its newest row is recent": raw loads
merge, so a quiet day with no changed records leaves every ``extracted_at`` old although the extract ran. The
newest of the table's ``extracted_at`` and the stream's last succeeded batch in ``ops.load_audit`` (written by
the connectors) is the stream's last load.

Keys and relationships are dbt tests; the gate says what dbt tests do not say well (volume against history,
freshness, cross-column business rules) plus the few invariants a report must never be built without.

Great Expectations is imported inside the functions: Airflow parses DAG files that import this package.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from great_expectations.expectations import Expectation

JOURNEY_STAGES = ("awareness", "consideration", "purchase", "retention", "advocacy")
_IDENTIFIER = re.compile(r"[a-z][a-z0-9_]*")


@dataclass(frozen=True)
class GatedTable:
    """One table the gate validates.

    Attributes:
        schema: the table's schema.
        name: the table's name.
        expectations: returns the table's own expectations (beyond volume and freshness), or ``None``.
        min_rows: fewest rows the table may hold.
        max_row_drop: share of the last passed run's rows that may vanish before the gate fails (``None``: no
            comparison with history). Raw tables merge and models rebuild from them, so a big drop means a
            broken load or a broken model, not a quiet day.
        max_load_age: for a raw table, how long ago its stream's last successful load may have been
            (``None``: no freshness check).
        load_stream: the ``(source, stream)`` whose batches load the table, as ``ops.load_audit`` names them;
            by default read from the raw table's name, ``<source>__<stream>``. A child stream loaded in its
            parent's batches names the parent here.
    """

    schema: str
    name: str
    expectations: Callable[[], list[Expectation]] | None = None
    min_rows: int = 1
    max_row_drop: float | None = 0.5
    max_load_age: timedelta | None = None
    load_stream: tuple[str, str] | None = None

    @property
    def relation(self) -> str:
        return f"{self.schema}.{self.name}"

    @property
    def history_parameter(self) -> str:
        return f"{self.schema}__{self.name}__min_rows_from_history"

    @property
    def audited_stream(self) -> tuple[str, str]:
        if self.load_stream is not None:
            return self.load_stream
        source, _, stream = self.name.partition("__")
        return source, stream


def last_load_sql(table: GatedTable, relation: str) -> str:
    """A query whose one row, ``last_load``, says when ``table`` (read as ``relation``) last loaded well."""
    source, stream = table.audited_stream
    for name in (source, stream):
        if not _IDENTIFIER.fullmatch(name):  # they are spliced into SQL: allow plain names only
            raise ValueError(f"{table.relation}: {name!r} is not a plain source or stream name")
    return (
        "select greatest("
        f"(select max(extracted_at) from {relation}), "
        "(select max(finished_at) from ops.load_audit"
        f" where source = '{source}' and stream = '{stream}' and status = 'succeeded')"
        ") as last_load"
    )


def fct_touchpoints() -> list[Expectation]:
    """``core.fct_touchpoints``: one interaction of one customer with the brand."""
    import great_expectations.expectations as gxe
    from great_expectations.expectations.row_conditions import Column

    required = ("customer_key", "occurred_at", "touch_date", "channel", "touch_type", "journey_stage")
    return [
        gxe.ExpectColumnValuesToNotBeNull(column="touch_id", description="touch_id is never null"),
        gxe.ExpectColumnValuesToBeUnique(column="touch_id", description="touch_id is unique"),
        *(gxe.ExpectColumnValuesToNotBeNull(column=c, description=f"{c} is never null") for c in required),
        gxe.ExpectColumnValuesToBeInSet(
            column="journey_stage",
            value_set=list(JOURNEY_STAGES),
            description="journey_stage is one of " + ", ".join(JOURNEY_STAGES),
        ),
        gxe.ExpectColumnValuesToBeBetween(
            column="revenue", min_value=0, description="revenue is not negative where present"
        ),
        gxe.ExpectColumnValuesToNotBeNull(
            column="revenue",
            row_condition=Column("journey_stage") == "purchase",
            condition_parser="great_expectations",
            description="every purchase touch has revenue",
        ),
        gxe.ExpectColumnValuesToNotBeNull(
            column="revenue_currency",
            row_condition=Column("revenue").is_not_null(),
            condition_parser="great_expectations",
            description="every touch with revenue names its currency",
        ),
    ]


def mart_channel_performance() -> list[Expectation]:
    """``marts.mart_channel_performance``: one report date × channel."""
    import great_expectations.expectations as gxe

    return [
        gxe.ExpectColumnValuesToNotBeNull(column="report_date", description="report_date is never null"),
        gxe.ExpectColumnValuesToNotBeNull(column="channel", description="channel is never null"),
        gxe.ExpectCompoundColumnsToBeUnique(
            column_list=["report_date", "channel"], description="one row per report_date and channel"
        ),
        *(
            gxe.ExpectColumnValuesToBeBetween(column=c, min_value=0, description=f"{c} is not negative")
            for c in ("touches", "customers", "conversions", "revenue")
        ),
        gxe.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="touches",
            column_B="conversions",
            or_equal=True,
            description="conversions never exceed touches",
        ),
        gxe.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="touches",
            column_B="customers",
            or_equal=True,
            description="customers never exceed touches",
        ),
    ]


# Raw streams: volume and freshness only; their payloads are the vendor's, checked by staging's dbt tests.
RAW_MAX_LOAD_AGE = timedelta(hours=26)  # a daily extract, plus slack for a late or slow run

GATED_TABLES: tuple[GatedTable, ...] = (
    GatedTable("raw", "hubspot__contacts", max_load_age=RAW_MAX_LOAD_AGE),
    GatedTable("core", "fct_touchpoints", expectations=fct_touchpoints),
    GatedTable("marts", "mart_channel_performance", expectations=mart_channel_performance),
)


def suite_expectations(table: GatedTable) -> list[Expectation]:
    """The whole suite for ``table``: volume, freshness, then the table's own expectations."""
    import great_expectations.expectations as gxe

    noun = "row" if table.min_rows == 1 else "rows"
    expectations: list[Expectation] = [
        gxe.ExpectTableRowCountToBeBetween(
            min_value=table.min_rows, description=f"table has at least {table.min_rows} {noun}"
        )
    ]
    if table.max_row_drop is not None:
        expectations.append(
            gxe.ExpectTableRowCountToBeBetween(
                min_value={"$PARAMETER": table.history_parameter},
                description=(
                    f"table keeps at least {1 - table.max_row_drop:.0%} of the rows it had at the last passed gate run"
                ),
                meta={"history": True},
            )
        )
    if table.max_load_age is not None:
        source, stream = table.audited_stream
        seconds = int(table.max_load_age.total_seconds())
        age = _hours(table.max_load_age)
        expectations.append(
            gxe.UnexpectedRowsExpectation(
                unexpected_rows_query=(
                    f"select last_load from ({last_load_sql(table, '{batch}')}) as newest"
                    f" where last_load is null or last_load < now() - interval '{seconds} seconds'"
                ),
                description=f"stream {source}.{stream} loaded successfully in the last {age}",
                meta={"freshness": True},
            )
        )
    if table.expectations is not None:
        expectations.extend(table.expectations())
    return expectations


def _hours(age: timedelta) -> str:
    hours = age.total_seconds() / 3600
    return f"{hours:g} hours"
