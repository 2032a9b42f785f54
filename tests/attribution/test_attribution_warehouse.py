"""Data-driven attribution on the real warehouse: journeys read with COPY, credits written back, re-runs replace."""

from __future__ import annotations

import psycopg
import pytest

import attribution
from attribution import warehouse as dd

SCHEMA = "attribution_test"
JOURNEYS = f"{SCHEMA}.journeys"
PATH_CREDITS = f"{SCHEMA}.path_credits"
CHANNEL_CREDITS = f"{SCHEMA}.channel_credits"

# The textbook chain of test_attribution_markov: C1 > C2 > C3 converts once (revenue 30); C1 and C2 > C3 do not.
# Removal effects C1 1/2, C2 1, C3 1.
TEXTBOOK = [
    ("conv-1", True, 30, "C1>C2>C3"),
    ("open:a", False, None, "C1"),
    ("open:b", False, None, "C2>C3"),
]


def load_journeys(conn: psycopg.Connection, journeys: list[tuple]) -> None:
    conn.execute(f"drop table if exists {JOURNEYS}")
    conn.execute(
        f"create table {JOURNEYS} (journey_id text, conversion_id text, customer_key text, is_converted boolean, "
        "revenue numeric, ended_at timestamptz, touch_count integer, channel_path text)"
    )
    with conn.cursor().copy(
        f"copy {JOURNEYS} (journey_id, conversion_id, is_converted, revenue, channel_path) from stdin"
    ) as copy:
        for journey_id, converted, revenue, path in journeys:
            copy.write_row((journey_id, journey_id if converted else None, converted, revenue, path))
    conn.commit()


def run(conn: psycopg.Connection, **options) -> dd.RunSummary:
    options.setdefault("replicates", 0)
    options.setdefault("run_label", "test")
    return dd.run(
        conn,
        journeys=JOURNEYS,
        path_credits=PATH_CREDITS,
        channel_credits=CHANNEL_CREDITS,
        **options,
    )


def path_credits(conn: psycopg.Connection) -> dict[tuple[str, str, str], float]:
    rows = conn.execute(f"select attribution_model, channel_path, channel, credit from {PATH_CREDITS}").fetchall()
    return {(model, path, channel): credit for model, path, channel, credit in rows}


@pytest.fixture
def conn(warehouse):
    with warehouse.connect() as connection:
        connection.execute(f"drop schema if exists {SCHEMA} cascade")
        connection.execute(f"create schema {SCHEMA}")
        connection.commit()
        yield connection
        connection.rollback()
        connection.execute(f"drop schema {SCHEMA} cascade")
        connection.commit()


def test_markov_shares_follow_removal_effects_and_shapley_splits_equally(conn):
    load_journeys(conn, TEXTBOOK)
    summary = run(conn)
    assert (summary.journeys, summary.conversions, summary.distinct_paths) == (3, 1, 3)
    credits = path_credits(conn)
    # Only the converting path gets credits: C1 0.5 / 2.5, C2 and C3 1 / 2.5 each.
    assert {key: pytest.approx(value) for key, value in credits.items() if key[0] == "markov_order_1"} == {
        ("markov_order_1", "C1>C2>C3", "C1"): 0.2,
        ("markov_order_1", "C1>C2>C3", "C2"): 0.4,
        ("markov_order_1", "C1>C2>C3", "C3"): 0.4,
    }
    assert [value for key, value in credits.items() if key[0] == "shapley"] == pytest.approx([1 / 3] * 3)
    totals = conn.execute(
        f"select channel, conversions, conversion_value, removal_effect from {CHANNEL_CREDITS} "
        "where attribution_model = 'markov_order_1' order by channel"
    ).fetchall()
    assert totals == [
        ("C1", pytest.approx(0.2), pytest.approx(6.0), pytest.approx(0.5)),
        ("C2", pytest.approx(0.4), pytest.approx(12.0), pytest.approx(1.0)),
        ("C3", pytest.approx(0.4), pytest.approx(12.0), pytest.approx(1.0)),
    ]


def test_repeated_channels_hold_one_share_and_shapley_totals_match_the_library(conn):
    journeys = [
        ("c1", True, 10, "email>direct"),
        ("c2", True, 20, "email>email>direct"),
        ("c3", True, 30, "paid_search"),
        ("c4", True, 5, "paid_search>email"),
        ("o1", False, None, "email"),
        ("o2", False, None, "display>direct"),
    ]
    load_journeys(conn, journeys)
    run(conn)
    credits = path_credits(conn)
    assert credits[("shapley", "email>email>direct", "email")] == pytest.approx(0.5)
    per_path = conn.execute(
        f"select attribution_model, channel_path, sum(credit) from {PATH_CREDITS} group by 1, 2"
    ).fetchall()
    assert len(per_path) == 3 * 4  # three models, four converting paths, no open path
    assert all(total == pytest.approx(1.0) for _, _, total in per_path)

    paths = attribution.Paths.from_sequences(
        [path.split(">") for _, _, _, path in journeys],
        conversions=[int(converted) for _, converted, _, _ in journeys],
        values=[revenue or 0 for _, _, revenue, _ in journeys],
        nulls=[int(not converted) for _, converted, _, _ in journeys],
    )
    expected = attribution.attribute(paths, "shapley").to_frame().set_index("channel")["conversions"].to_dict()
    stored = dict(
        conn.execute(f"select channel, conversions from {CHANNEL_CREDITS} where attribution_model = 'shapley'")
    )
    assert stored == pytest.approx(expected)


def test_a_rerun_replaces_the_credits_and_new_journeys_change_them(conn):
    load_journeys(conn, TEXTBOOK)
    run(conn)
    first = path_credits(conn)
    run(conn)
    assert path_credits(conn) == pytest.approx(first)
    load_journeys(conn, [*TEXTBOOK, ("conv-2", True, 10, "C1")])
    run(conn)
    credits = path_credits(conn)
    assert ("markov_order_1", "C1", "C1") in credits
    assert len(credits) == 3 * (3 + 1)  # three models × (three channels on C1>C2>C3 + one on C1): nothing doubled


def test_a_run_that_fails_while_writing_keeps_the_previous_credits(conn):
    load_journeys(conn, TEXTBOOK)
    run(conn)
    before = path_credits(conn)
    load_journeys(conn, [("conv-9", True, 10, "C9")])
    # The channel table is written after the path table, in the same transaction: break it so that write fails.
    conn.execute(f"alter table {CHANNEL_CREDITS} drop column removal_effect")
    conn.commit()
    with pytest.raises(psycopg.errors.UndefinedColumn):
        run(conn)
    conn.rollback()
    assert path_credits(conn) == before


def test_bootstrap_intervals_bracket_the_credits(conn):
    load_journeys(conn, [*TEXTBOOK * 20, ("x", True, 10, "C1")])
    run(conn, replicates=50)
    rows = conn.execute(
        f"select conversions_low, conversions, conversions_high, replicates from {CHANNEL_CREDITS}"
    ).fetchall()
    assert rows and all(low <= value <= high and replicates == 50 for low, value, high, replicates in rows)


def test_stored_intervals_are_what_the_library_prints_for_the_same_seed(conn):
    # The run shares one set of resampled journeys among its models; each must still get its own bootstrap's
    # interval, i.e. what `purchase-path attribute -m markov --order 2 --seed 3` prints for the same journeys.
    load_journeys(conn, [*TEXTBOOK * 15, ("x", True, 10, "C1"), ("y", False, None, "C3>C1"), ("z", True, 20, "C2")])
    run(conn, replicates=30, seed=3)
    paths, _ = dd.read_paths(conn, JOURNEYS)
    stored = {
        (model, channel): (low, high)
        for model, channel, low, high in conn.execute(
            f"select attribution_model, channel, conversions_low, conversions_high from {CHANNEL_CREDITS}"
        )
    }
    for spec in dd.DEFAULT_MODELS:
        alone = attribution.bootstrap(paths, spec.model, replicates=30, seed=3, **spec.options)
        for channel, low, high in zip(
            alone.channels, alone.interval.conversions_low, alone.interval.conversions_high, strict=True
        ):
            assert stored[(spec.name, channel)] == pytest.approx((low, high), rel=1e-12, abs=1e-12)


def test_missing_journeys_table_names_the_dbt_command(conn):
    with pytest.raises(attribution.AttributionError, match=r"dbt build --select \+int_attribution_paths"):
        run(conn)


def test_no_conversions_leaves_no_credits(conn):
    load_journeys(conn, TEXTBOOK)
    run(conn)
    load_journeys(conn, [("open:a", False, None, "C1")])
    summary = run(conn)
    assert summary.conversions == 0
    assert path_credits(conn) == {}


def test_names_with_copy_special_characters_survive_the_round_trip(conn):
    load_journeys(conn, [("c1", True, 10, "odd\\name>direct"), ("c2", True, 10, "direct")])
    run(conn, run_label="run\twith a tab")
    credits = path_credits(conn)
    assert credits[("shapley", "odd\\name>direct", "odd\\name")] == pytest.approx(0.5)
    assert {label for (label,) in conn.execute(f"select distinct run_label from {PATH_CREDITS}")} == {"run\twith a tab"}
