"""Data-driven attribution on the warehouse: read the journeys, run Markov and Shapley, write the credits back.

The rule-based models are SQL (``dbt_project/models/attribution``); the data-driven ones need a whole chain or a
whole game at once, so they run here, after the quality gate, on the journeys dbt prepared:

1. **Read.** ``core.int_attribution_paths`` holds one row per journey: every conversion's cycle and every
   customer's open (not yet converted) journey, with its channels joined into ``channel_path``. PostgreSQL
   aggregates it into the common path format (one row per distinct path) and streams it out with one ``COPY``;
   a million journeys become a few ten thousand rows before they leave the database.
2. **Attribute.** Each configured model (default: Markov order 1 and 2, Shapley) runs on the aggregated paths
   (:func:`attribution.attribute`), with bootstrap intervals for the channel totals: the models share one set of
   resampled journeys (:func:`attribution.uncertainty.intervals`), the same draws each model's own
   :func:`attribution.bootstrap` with the run's seed would make.
3. **Write.** Per model and converting path, each channel's share of one conversion on that path goes to
   ``core.data_driven_path_credits`` (the dbt source the credit fact and ``mart_attribution`` read); the channel
   totals, removal effects and intervals go to ``core.data_driven_channel_credits``. Both through ``COPY``, in one
   transaction that first deletes the models' previous rows: a re-run replaces, a killed run leaves the last
   complete credits in place, and two runs at once queue on an advisory lock.

How a path's conversion is shared among its channels:

- ``shapley`` (value function ``conversions``): equally among the path's distinct channels. That is the exact
  Shapley value journey by journey (each journey is one Harsanyi dividend), so the per-path shares add up to the
  model's channel totals.
- ``markov_order_k``: in proportion to the channels' removal effects, among the distinct channels on the path
  (equally if none of them has an effect). Removal effects are a property of the whole chain, not of one journey,
  so this is a choice: it keeps every conversion's credits summing to 1 (as the rule-based models do) and gives a
  channel more of a journey the more the chain depends on it. The channel totals of the whole chain, as the
  library and ``purchase-path attribute --model markov`` compute them, are in ``data_driven_channel_credits``;
  summed per channel, the per-path shares come close to them but not exactly.

A channel touched twice on a path holds one share; the marts split it equally among that channel's touches.
"""

from __future__ import annotations

import io
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pandas as pd
import psycopg
from psycopg import sql

from attribution.arrays import unique_sorted
from attribution.credits import Credits
from attribution.errors import AttributionError
from attribution.models import credits_from, prepare, resolve_options
from attribution.paths import Paths, from_frame
from attribution.uncertainty import intervals

log = logging.getLogger(__name__)

JOURNEYS = "core.int_attribution_paths"
PATH_CREDITS = "core.data_driven_path_credits"
CHANNEL_CREDITS = "core.data_driven_channel_credits"
ROLE = "transformer"  # the role that owns the core schema (purchase_path.warehouse)
PATH_SEP = ">"


@dataclass(frozen=True)
class DataDrivenModel:
    """One data-driven model as the warehouse runs it: the name its credits carry, and the library call."""

    name: str
    model: str
    options: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        resolve_options(self.model, dict(self.options))  # an unknown option fails here, before any work


DEFAULT_MODELS: tuple[DataDrivenModel, ...] = (
    DataDrivenModel("markov_order_1", "markov", {"order": 1}),
    DataDrivenModel("markov_order_2", "markov", {"order": 2}),
    DataDrivenModel("shapley", "shapley"),
)


@dataclass(frozen=True)
class RunSummary:
    """What one run did (JSON-ready for XCom and the CLI)."""

    run_label: str
    journeys: int
    conversions: int
    distinct_paths: int
    channels: int
    models: list[str]
    path_credit_rows: int
    seconds: dict[str, float]

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def read_paths(conn: psycopg.Connection, journeys: str = JOURNEYS) -> tuple[Paths, np.ndarray] | None:
    """The warehouse's journeys in the common path format, aggregated by PostgreSQL, with each path's text as the
    journeys table spells it. None when there are no journeys."""
    query = sql.SQL(
        """
        select
            channel_path as path,
            count(*) filter (where is_converted) as total_conversions,
            coalesce(sum(revenue) filter (where is_converted), 0) as total_conversion_value,
            count(*) filter (where not is_converted) as total_null
        from {journeys}
        group by channel_path
        """
    ).format(journeys=_identifier(journeys))
    buffer = io.BytesIO()
    try:
        with conn.cursor().copy(sql.SQL("copy ({}) to stdout with (format csv, header)").format(query)) as copy:
            while chunk := copy.read():
                buffer.write(chunk)
    except psycopg.errors.UndefinedTable:
        raise AttributionError(
            f"{journeys} does not exist yet: build the journeys first with "
            "`purchase-path dbt build --select +int_attribution_paths`"
        ) from None
    buffer.seek(0)
    frame = pd.read_csv(buffer, dtype={"path": object}, keep_default_na=False)
    if frame.empty:
        return None
    paths = from_frame(frame, sep=PATH_SEP, source=journeys)
    # Distinct strings from GROUP BY stay one path each, in order; only differently spelled duplicates would merge.
    text = frame["path"].to_numpy(dtype=object) if paths.n_paths == len(frame) else _path_strings(paths)
    return paths, text


@dataclass(frozen=True, eq=False)
class PathChannels:
    """Every converting path's distinct channels, found once per run and shared by the models' shares."""

    rows: np.ndarray  # the path of each (path, channel) pair
    channels: np.ndarray  # the channel code of each pair
    path_text: np.ndarray  # the path's text, per pair
    channel_names: np.ndarray  # the channel's name, per pair
    distinct: np.ndarray  # distinct channels of the pair's path, per pair
    n_paths: int

    @classmethod
    def of(cls, paths: Paths, text: np.ndarray) -> PathChannels:
        n_channels = paths.n_channels
        pair = unique_sorted(paths.row_of_touch * n_channels + paths.touches.astype(np.int64))
        rows, channels = pair // n_channels, pair % n_channels
        keep = paths.conversions[rows] > 0
        rows, channels = rows[keep], channels[keep]
        distinct = np.bincount(rows, minlength=paths.n_paths)[rows]
        names = np.asarray(paths.channels, dtype=object)
        return cls(rows, channels, text[rows], names[channels], distinct, paths.n_paths)

    def shares(self, channel_weight: np.ndarray) -> np.ndarray:
        """Per pair, the channel's share of one conversion on its path: proportional to ``channel_weight`` among
        the path's distinct channels, equal when their weights add up to 0. Each path's shares sum to 1."""
        weight = np.asarray(channel_weight, dtype=float)[self.channels]
        total = np.bincount(self.rows, weights=weight, minlength=self.n_paths)[self.rows]
        return np.where(total > 0, weight / np.where(total > 0, total, 1.0), 1.0 / self.distinct)


def path_shares(paths: Paths, channel_weight: np.ndarray) -> pd.DataFrame:
    """``channel_path, channel, credit`` for every converting path and distinct channel on it (see PathChannels)."""
    pairs = PathChannels.of(paths, _path_strings(paths))
    return pd.DataFrame(
        {"channel_path": pairs.path_text, "channel": pairs.channel_names, "credit": pairs.shares(channel_weight)}
    )


def channel_weight(credits: Credits) -> np.ndarray:
    """What a model's per-path shares are proportional to: removal effects for Markov, equal for Shapley."""
    if credits.model == "markov":
        return credits.details["removal_effect"]
    if credits.model == "shapley" and credits.options.get("value_function") == "conversions":
        return np.ones(len(credits.channels))
    raise AttributionError(
        f"model {credits.model!r} with options {credits.options} has no per-path credits in the warehouse; "
        "use markov, or shapley with value_function='conversions'"
    )


def run(
    conn: psycopg.Connection,
    *,
    run_label: str,
    models: Sequence[DataDrivenModel] = DEFAULT_MODELS,
    replicates: int = 200,
    seed: int = 0,
    journeys: str = JOURNEYS,
    path_credits: str = PATH_CREDITS,
    channel_credits: str = CHANNEL_CREDITS,
) -> RunSummary:
    """Read the journeys, run ``models``, and replace their credits in the warehouse, in one transaction.

    ``conn`` must not be in autocommit mode: the delete and the writes commit together or not at all.
    """
    seconds: dict[str, float] = {}
    started = time.perf_counter()
    read = read_paths(conn, journeys)
    paths, text = read if read is not None else (None, None)
    converted = paths is not None and paths.conversions.sum() > 0
    pairs = PathChannels.of(paths, text) if converted else None
    seconds["read"] = time.perf_counter() - started
    computed_at = datetime.now(UTC)
    credits, evaluators = {}, []
    for spec in models if converted else ():
        started = time.perf_counter()
        settings = resolve_options(spec.model, dict(spec.options))
        evaluate = prepare(paths, spec.model, **settings)
        point = evaluate(paths.conversions, paths.values, paths.nulls)
        credits[spec.name] = credits_from(paths, spec.model, settings, point)
        evaluators.append(evaluate)
        seconds[spec.name] = time.perf_counter() - started
    if replicates and evaluators:
        started = time.perf_counter()  # one set of resampled journeys for all models: the draws cost the most
        for spec, interval in zip(models, intervals(paths, evaluators, replicates=replicates, seed=seed), strict=True):
            credits[spec.name] = replace(credits[spec.name], interval=interval)
        seconds["intervals"] = time.perf_counter() - started
    shares = {name: pairs.shares(channel_weight(result)) for name, result in credits.items()}
    totals = [_channel_frame(name, result) for name, result in credits.items()]

    started = time.perf_counter()
    _lock(conn, path_credits)
    _create_tables(conn, path_credits, channel_credits)
    names = [spec.name for spec in models]
    for table in (path_credits, channel_credits):
        _remove_models(conn, table, names)
    path_rows = _copy_path_credits(conn, path_credits, pairs, shares, run_label, computed_at)
    _copy_in(conn, channel_credits, totals, run_label, computed_at)
    conn.commit()
    seconds["write"] = time.perf_counter() - started

    summary = RunSummary(
        run_label=run_label,
        journeys=int(paths.journeys.sum()) if paths is not None else 0,
        conversions=int(paths.conversions.sum()) if paths is not None else 0,
        distinct_paths=paths.n_paths if paths is not None else 0,
        channels=paths.n_channels if paths is not None else 0,
        models=names,
        path_credit_rows=path_rows,
        seconds={name: round(value, 3) for name, value in seconds.items()},
    )
    log.info("data-driven attribution: %s", summary.as_dict())
    return summary


def _copy_path_credits(
    conn: psycopg.Connection,
    table: str,
    pairs: PathChannels | None,
    shares: dict[str, np.ndarray],
    run_label: str,
    computed_at: datetime,
) -> int:
    """COPY every model's shares; the pairs' text columns are rendered once and reused for each model."""
    if pairs is None or not shares:
        return 0
    pair_text = _copy_text(pairs.path_text).str.cat(_copy_text(pairs.channel_names), sep="\t").to_numpy(dtype=object)
    suffix = "\t" + _copy_text([run_label])[0] + f"\t{computed_at.isoformat()}\n"
    columns = sql.SQL("attribution_model, channel_path, channel, credit, run_label, computed_at")
    statement = sql.SQL("copy {} ({}) from stdin").format(_identifier(table), columns)
    with conn.cursor().copy(statement) as copy:
        for name, credit in shares.items():
            lines = name + "\t" + pair_text + "\t" + np.char.mod("%.17g", credit).astype(object) + suffix
            copy.write("".join(lines.tolist()))
    return len(pairs.rows) * len(shares)


def _channel_frame(name: str, credits: Credits) -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "attribution_model": name,
            "channel": list(credits.channels),
            "conversions": credits.conversions,
            "conversion_value": credits.conversion_value,
            "removal_effect": credits.details.get("removal_effect", np.full(len(credits.channels), np.nan)),
        }
    )
    interval = credits.interval
    for column, values in (
        ("conversions_low", interval.conversions_low if interval else None),
        ("conversions_high", interval.conversions_high if interval else None),
        ("conversion_value_low", interval.value_low if interval else None),
        ("conversion_value_high", interval.value_high if interval else None),
    ):
        frame[column] = values if values is not None else np.nan
    frame["confidence"] = interval.confidence if interval else np.nan
    frame["replicates"] = interval.replicates if interval else 0
    return frame


def _path_strings(paths: Paths) -> np.ndarray:
    """Each path as the journeys table spells it (channels joined by ``>``, no spaces)."""
    names = np.asarray(paths.channels, dtype=object)
    flat = names[paths.touches]
    spans = zip(paths.offsets[:-1].tolist(), paths.offsets[1:].tolist(), strict=True)
    return np.array([PATH_SEP.join(flat[a:b]) for a, b in spans], dtype=object)


_PATH_CREDITS_DDL = """
create table if not exists {table} (
    attribution_model text not null,
    channel_path text not null,
    channel text not null,
    credit double precision not null,
    run_label text not null,
    computed_at timestamptz not null
)
"""

_CHANNEL_CREDITS_DDL = """
create table if not exists {table} (
    attribution_model text not null,
    channel text not null,
    conversions double precision not null,
    conversion_value double precision not null,
    removal_effect double precision,
    conversions_low double precision,
    conversions_high double precision,
    conversion_value_low double precision,
    conversion_value_high double precision,
    confidence double precision,
    replicates integer not null,
    run_label text not null,
    computed_at timestamptz not null,
    primary key (attribution_model, channel)
)
"""


def _create_tables(conn: psycopg.Connection, path_credits: str, channel_credits: str) -> None:
    for ddl, table in ((_PATH_CREDITS_DDL, path_credits), (_CHANNEL_CREDITS_DDL, channel_credits)):
        conn.execute(sql.SQL(ddl).format(table=_identifier(table)))


def _remove_models(conn: psycopg.Connection, table: str, names: list[str]) -> None:
    """Delete the models' previous rows; TRUNCATE (no dead rows left behind) when they are all the table holds."""
    target = _identifier(table)
    others = conn.execute(
        sql.SQL("select 1 from {} where attribution_model <> all(%s) limit 1").format(target), (names,)
    ).fetchone()
    if others is None:
        conn.execute(sql.SQL("truncate {}").format(target))
    else:
        conn.execute(sql.SQL("delete from {} where attribution_model = any(%s)").format(target), (names,))


def _lock(conn: psycopg.Connection, table: str) -> None:
    """One writer at a time; released when the transaction ends."""
    conn.execute("select pg_advisory_xact_lock(hashtext(%s))", (f"purchase_path.attribution:{table}",))


def _copy_in(
    conn: psycopg.Connection, table: str, frames: list[pd.DataFrame], run_label: str, computed_at: datetime
) -> int:
    if not frames:
        return 0
    frame = pd.concat(frames, ignore_index=True)
    frame["run_label"] = run_label
    frame["computed_at"] = computed_at.isoformat()
    text = frame.to_csv(index=False, header=False, float_format="%.17g", na_rep="")
    columns = sql.SQL(", ").join(sql.Identifier(name) for name in frame.columns)
    statement = sql.SQL("copy {} ({}) from stdin with (format csv)").format(_identifier(table), columns)
    with conn.cursor().copy(statement) as copy:
        copy.write(text)
    return len(frame)


def _copy_text(values) -> pd.Series:
    """Values escaped for COPY's text format (backslash, tab, newline, carriage return)."""
    series = pd.Series(values, dtype=object)
    for raw, escaped in (("\\", "\\\\"), ("\t", "\\t"), ("\n", "\\n"), ("\r", "\\r")):
        if series.str.contains(raw, regex=False).any():
            series = series.str.replace(raw, escaped, regex=False)
    return series


def _identifier(qualified: str) -> sql.Identifier:
    return sql.Identifier(*qualified.split("."))


def run_on_warehouse(warehouse, *, run_label: str, **options: Any) -> RunSummary:
    """:func:`run` on a :class:`purchase_path.warehouse.Warehouse`, as the ``transformer`` role."""
    with warehouse.connect(ROLE) as conn:
        return run(conn, run_label=run_label, **options)
