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
            column="revenue_amount",
            row_condition=Column("is_conversion") == True,  # noqa: E712 - a GX condition, not a Python comparison
            condition_parser="great_expectations",
            description="every purchase touch has its amount",
        ),
        gxe.ExpectColumnValuesToNotBeNull(
            column="revenue_currency",
            row_condition=Column("revenue_amount").is_not_null(),
            condition_parser="great_expectations",
            description="every touch with an amount names its currency",
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


def mart_funnel() -> list[Expectation]:
    """``marts.mart_funnel``: one first-touch month × first-touch channel × journey stage."""
    import great_expectations.expectations as gxe

    return [
        *(
            gxe.ExpectColumnValuesToNotBeNull(column=c, description=f"{c} is never null")
            for c in ("first_touch_month", "first_touch_channel", "journey_stage", "people_reached")
        ),
        gxe.ExpectCompoundColumnsToBeUnique(
            column_list=["first_touch_month", "first_touch_channel", "journey_stage"],
            description="one row per cohort month, channel and stage",
        ),
        gxe.ExpectColumnValuesToBeInSet(
            column="journey_stage",
            value_set=list(JOURNEY_STAGES),
            description="journey_stage is one of " + ", ".join(JOURNEY_STAGES),
        ),
        gxe.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="people_at_previous_stage",
            column_B="people_from_previous_stage",
            or_equal=True,
            ignore_row_if="either_value_is_missing",
            description="no more people move on from a stage than reached it",
        ),
        *(
            gxe.ExpectColumnValuesToBeBetween(column=c, min_value=0, max_value=1, description=f"{c} is a share (0..1)")
            for c in ("conversion_from_previous_stage", "share_of_cohort")
        ),
        gxe.ExpectColumnValuesToBeBetween(
            column="median_days_from_previous_stage", min_value=0, description="stages are reached in order"
        ),
    ]


def mart_journeys() -> list[Expectation]:
    """``marts.mart_journeys``: one conversion; every purchase has its journey."""
    import great_expectations.expectations as gxe

    return [
        gxe.ExpectColumnValuesToNotBeNull(column="conversion_id", description="conversion_id is never null"),
        gxe.ExpectColumnValuesToBeUnique(column="conversion_id", description="one journey per conversion"),
        gxe.ExpectColumnValuesToNotBeNull(column="channel_path", description="every journey has a channel path"),
        gxe.ExpectColumnValuesToBeBetween(
            column="touches_before_purchase", min_value=0, description="touches_before_purchase is not negative"
        ),
        gxe.ExpectColumnValuesToBeBetween(
            column="days_from_first_touch", min_value=0, description="no journey starts after its purchase"
        ),
        gxe.UnexpectedRowsExpectation(
            unexpected_rows_query=(
                "select conversion_id from core.fct_conversions"
                " where conversion_id not in (select conversion_id from {batch})"
            ),
            description="every purchase in core.fct_conversions has a journey",
        ),
    ]


def mart_retention_cohorts() -> list[Expectation]:
    """``marts.mart_retention_cohorts``: one first-purchase month × months since."""
    import great_expectations.expectations as gxe

    return [
        gxe.ExpectCompoundColumnsToBeUnique(
            column_list=["cohort_month", "months_since_first_purchase"],
            description="one row per cohort and month since",
        ),
        gxe.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="cohort_customers",
            column_B="repeat_customers",
            or_equal=True,
            description="repeat customers never exceed the cohort",
        ),
        *(
            gxe.ExpectColumnValuesToBeBetween(column=c, min_value=0, max_value=1, description=f"{c} is a share (0..1)")
            for c in ("repeat_purchase_rate", "cumulative_repeat_rate")
        ),
    ]


def mart_email_engagement() -> list[Expectation]:
    """``marts.mart_email_engagement``: one email campaign."""
    import great_expectations.expectations as gxe

    return [
        gxe.ExpectColumnValuesToBeUnique(column="campaign", description="one row per campaign"),
        gxe.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="sent", column_B="delivered", or_equal=True, description="delivered never exceeds sent"
        ),
        gxe.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="opens", column_B="unique_opens", or_equal=True, description="unique opens never exceed opens"
        ),
        gxe.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="clicks", column_B="unique_clicks", or_equal=True, description="unique clicks never exceed clicks"
        ),
    ]


def mart_platform_vs_observed() -> list[Expectation]:
    """``marts.mart_platform_vs_observed``: one ad platform × day."""
    import great_expectations.expectations as gxe

    return [
        gxe.ExpectCompoundColumnsToBeUnique(
            column_list=["platform", "report_date"], description="one row per platform and day"
        ),
        *(
            gxe.ExpectColumnValuesToBeBetween(column=c, min_value=0, description=f"{c} is not negative")
            for c in ("platform_clicks", "observed_clicks", "claimed_conversions", "observed_conversions")
        ),
    ]


def mart_advocacy() -> list[Expectation]:
    """``marts.mart_advocacy``: one month × segment."""
    import great_expectations.expectations as gxe

    return [
        gxe.ExpectCompoundColumnsToBeUnique(
            column_list=["report_month", "segment"], description="one row per month and segment"
        ),
        gxe.ExpectColumnValuesToBeBetween(
            column="nps", min_value=-100, max_value=100, description="NPS lies between -100 and 100"
        ),
        gxe.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="nps_responses",
            column_B="promoter_responses",
            or_equal=True,
            description="promoters are a part of the answers",
        ),
    ]


# The journey-stage marts. Empty is allowed where a source may be missing (no email, ad or survey tool).
JOURNEY_MARTS: tuple[GatedTable, ...] = (
    GatedTable("marts", "mart_funnel", expectations=mart_funnel),
    GatedTable("marts", "mart_journeys", expectations=mart_journeys, min_rows=0),
    GatedTable("marts", "mart_retention_cohorts", expectations=mart_retention_cohorts, min_rows=0),
    GatedTable("marts", "mart_email_engagement", expectations=mart_email_engagement, min_rows=0),
    GatedTable("marts", "mart_platform_vs_observed", expectations=mart_platform_vs_observed, min_rows=0),
    GatedTable("marts", "mart_advocacy", expectations=mart_advocacy, min_rows=0),
)


# Raw streams: volume and freshness only; their payloads are the vendor's, checked by staging's dbt tests.
RAW_MAX_LOAD_AGE = timedelta(hours=26)  # a daily extract, plus slack for a late or slow run

# The CRM, the touchpoint fact and the channel mart: what every report stands on.
CORE_TABLES: tuple[GatedTable, ...] = (
    GatedTable("raw", "hubspot__contacts", max_load_age=RAW_MAX_LOAD_AGE),
    GatedTable("core", "fct_touchpoints", expectations=fct_touchpoints),
    GatedTable("marts", "mart_channel_performance", expectations=mart_channel_performance),
)

GATED_TABLES: tuple[GatedTable, ...] = (*CORE_TABLES, *JOURNEY_MARTS)


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
