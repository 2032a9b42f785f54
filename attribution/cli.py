"""``purchase-path attribute``: credit the conversions of a path file to channels with one model, or, with
``--warehouse``, run the data-driven models on the warehouse's journeys as the Airflow task ``attribute`` does."""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import click

from attribution.errors import AttributionError
from attribution.models import DATA_DRIVEN, MODELS
from attribution.models import attribute as attribute_paths
from attribution.paths import DEFAULT_SEP, load_paths
from attribution.uncertainty import bootstrap

DEFAULT_REPLICATES = 200

# CLI option → (library option, models it applies to)
_MODEL_OPTIONS = {
    "direct_channel": ("direct_channel", ("last_non_direct",)),
    "half_life": ("half_life", ("time_decay",)),
    "position_weights": ("position_weights", ("position_based",)),
    "order": ("order", ("markov",)),
    "collapse_repeats": ("collapse_repeats", ("markov",)),
    "value_function": ("value_function", ("shapley",)),
    "exact": ("method", ("shapley",)),
}


def _position_weights(ctx: click.Context, param: click.Parameter, text: str | None) -> tuple[float, ...] | None:
    if text is None:
        return None
    try:
        return tuple(float(part) for part in text.split(","))
    except ValueError:
        raise click.BadParameter("write three numbers separated by commas, e.g. 0.4,0.2,0.4") from None


@click.command("attribute")
@click.option("--model", "-m", type=click.Choice(MODELS), help="Attribution model (required with --input).")
@click.option(
    "--input",
    "-i",
    "input_path",
    type=click.Path(dir_okay=False, allow_dash=True),
    help="CSV with columns path, total_conversions[, total_conversion_value, total_null, days_before_conversion]"
    " ('-' for stdin).",
)
@click.option(
    "--output",
    "-o",
    "output_path",
    default="-",
    show_default=True,
    type=click.Path(dir_okay=False, allow_dash=True),
    help="CSV to write: channel,conversions,conversion_value[,conversions_low,conversions_high,...] ('-' for stdout).",
)
@click.option("--sep", default=DEFAULT_SEP, show_default=True, help="Separator between channels in a path.")
@click.option("--direct-channel", help="last_non_direct: the channel to skip.  [default: direct]")
@click.option("--half-life", type=float, help="time_decay: half-life in days.  [default: 7]")
@click.option(
    "--position-weights",
    callback=_position_weights,
    help="position_based: first,middle,last shares.  [default: 0.4,0.2,0.4]",
)
@click.option(
    "--order", type=click.IntRange(1, 10), help="markov: chain order (states are the last k channels).  [default: 1]"
)
@click.option(
    "--collapse-repeats",
    is_flag=True,
    default=None,
    help="markov: merge consecutive repeats of a channel (a > a > b → a > b) first.",
)
@click.option(
    "--value-function",
    type=click.Choice(["conversions", "conversion_rate"]),
    help="shapley: worth of a channel coalition.  [default: conversions]",
)
@click.option(
    "--exact",
    is_flag=True,
    default=None,
    help="shapley: enumerate all 2^n coalitions even where the equal-split identity gives the same answer.",
)
@click.option(
    "--bootstrap",
    "replicates",
    type=click.IntRange(min=0),
    help=f"Bootstrap replicates for confidence intervals; 0 for none.  [default: {DEFAULT_REPLICATES} for "
    f"{' and '.join(DATA_DRIVEN)}, 0 otherwise]",
)
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the bootstrap.")
@click.option(
    "--confidence",
    type=click.FloatRange(0, 1, min_open=True, max_open=True),
    default=0.95,
    show_default=True,
    help="Confidence level of the bootstrap intervals.",
)
@click.option("--details", is_flag=True, help="Also write model details (e.g. markov removal effects).")
@click.option(
    "--warehouse",
    "on_warehouse",
    is_flag=True,
    help="Instead of a file: run markov (order 1 and 2) and shapley on the warehouse's journeys, write their credits "
    "back and rebuild the attribution marts (what the Airflow task `attribute` does).",
)
def attribute(
    model: str | None,
    input_path: str | None,
    output_path: str,
    sep: str,
    replicates: int | None,
    seed: int,
    confidence: float,
    details: bool,
    on_warehouse: bool,
    **cli_options: Any,
) -> None:
    """Credit conversions and conversion value to channels with one attribution model.

    \b
    Example:
      purchase-path attribute --model markov --order 2 --input paths.csv --output credits.csv
      purchase-path attribute --warehouse
    """
    if on_warehouse:
        _attribute_warehouse(model, input_path, output_path, {**cli_options, "bootstrap": replicates})
        return
    if model is None or input_path is None:
        raise click.UsageError("give --model and --input (a path CSV), or --warehouse")
    options: dict[str, Any] = {}
    for name, given in cli_options.items():
        if given is None:
            continue
        option, models = _MODEL_OPTIONS[name]
        if model not in models:
            flag = "--" + name.replace("_", "-")
            raise click.UsageError(f"{flag} applies to --model {' / '.join(models)} only, not {model}")
        options[option] = "exact" if name == "exact" else given
    if replicates is None:
        replicates = DEFAULT_REPLICATES if model in DATA_DRIVEN else 0

    started = time.perf_counter()
    try:
        paths = load_paths(input_path, sep=sep)
        if replicates:
            credits = bootstrap(paths, model, replicates=replicates, seed=seed, confidence=confidence, **options)
        else:
            credits = attribute_paths(paths, model, **options)
        _write(credits.to_frame(details=details), output_path)
    except AttributionError as error:
        raise click.ClickException(str(error)) from None
    elapsed = time.perf_counter() - started
    journeys = int(paths.journeys.sum())
    click.echo(
        f"{model}: {paths.n_channels} channels, {paths.n_paths:,} distinct paths, {journeys:,} journeys, "
        f"{paths.conversions.sum():,.0f} conversions"
        + (f", {replicates} bootstrap replicates" if replicates else "")
        + f" → {'stdout' if output_path == '-' else output_path} in {elapsed:.2f} s",
        err=True,
    )


def _attribute_warehouse(model: str | None, input_path: str | None, output_path: str, options: dict) -> None:
    given = [flag for flag, value in (("--model", model), ("--input", input_path)) if value is not None]
    given += ["--output"] if output_path != "-" else []
    given += ["--" + name.replace("_", "-") for name, value in options.items() if value is not None]
    if given:
        raise click.UsageError(f"--warehouse runs the warehouse's configured models; drop {', '.join(given)}")
    from datetime import UTC, datetime

    from purchase_path import pipeline

    started = time.perf_counter()
    try:
        summary = pipeline.attribute(run_label=f"cli-{datetime.now(UTC):%Y%m%dT%H%M%S}")
    except AttributionError as error:
        raise click.ClickException(str(error)) from None
    click.echo(
        f"{', '.join(summary['models'])}: {summary['journeys']:,} journeys, {summary['conversions']:,} conversions, "
        f"{summary['distinct_paths']:,} distinct paths → {summary['path_credit_rows']:,} path credits in the "
        f"warehouse, marts rebuilt, in {time.perf_counter() - started:.2f} s",
        err=True,
    )


def _write(frame, output_path: str) -> None:
    """Write the whole file or nothing: a failed run never leaves a half-written credits file behind."""
    if output_path == "-":
        frame.to_csv(sys.stdout, index=False, float_format="%.15g")
        return
    target = Path(output_path)
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise AttributionError(f"{output_path}: the folder {str(folder)!r} does not exist; create it first")
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", newline="") as stream:
            frame.to_csv(stream, index=False, float_format="%.15g")
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
