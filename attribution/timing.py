"""Time every model on synthetic journeys: ``python -m attribution.timing --journeys 1000000``.

Prints, per model, the time to read the aggregated CSV, attribute and write the credits (what
``purchase-path attribute`` does), for the data-driven models the time of a bootstrap, and the time of the
warehouse task's intervals (three models on one set of resampled journeys).
"""

from __future__ import annotations

import io
import tempfile
import time
from pathlib import Path

import click

from attribution.models import DATA_DRIVEN, MODELS, attribute, prepare
from attribution.paths import from_frame, load_paths
from attribution.synthetic import synthetic_journeys
from attribution.uncertainty import bootstrap, intervals


def _clock(action):
    started = time.perf_counter()
    result = action()
    return result, time.perf_counter() - started


@click.command()
@click.option("--journeys", default=1_000_000, show_default=True)
@click.option("--channels", default=10, show_default=True)
@click.option("--replicates", default=200, show_default=True)
@click.option("--seed", default=0, show_default=True)
def main(journeys: int, channels: int, replicates: int, seed: int) -> None:
    per_journey = synthetic_journeys(journeys, n_channels=channels, seed=seed, aggregate=False)
    paths, seconds = _clock(lambda: from_frame(per_journey))
    click.echo(
        f"{journeys:,} journeys, one row each → {paths.n_paths:,} distinct paths: parsed and "
        f"aggregated in {seconds:.2f} s"
    )
    with tempfile.TemporaryDirectory() as folder:
        files = {}
        for with_days in (False, True):
            frame = synthetic_journeys(journeys, n_channels=channels, seed=seed, with_days=with_days)
            files[with_days] = Path(folder) / f"paths{'_days' if with_days else ''}.csv"
            frame.to_csv(files[with_days], index=False)
            size = files[with_days].stat().st_size / 1e6
            click.echo(f"aggregated CSV{' with touch days' if with_days else ''}: {len(frame):,} rows, {size:.1f} MB")
        click.echo(f"{'model':<16}{'read':>8}{'attribute':>11}{'write':>8}{'total':>8}   bootstrap")
        for model in MODELS:
            source = files[model == "time_decay"]
            paths, read = _clock(lambda source=source: load_paths(source))
            credits, run = _clock(lambda model=model, paths=paths: attribute(paths, model))
            _, write = _clock(lambda credits=credits: credits.to_csv(io.StringIO()))
            line = f"{model:<16}{read:>8.2f}{run:>11.2f}{write:>8.2f}{read + run + write:>8.2f}"
            if model in DATA_DRIVEN and replicates:
                _, boot = _clock(lambda model=model, paths=paths: bootstrap(paths, model, replicates=replicates))
                line += f"   {replicates} replicates {boot:.2f} s"
            click.echo(line)
        paths = load_paths(files[False])
        if replicates:
            warehouse_models = [prepare(paths, "markov", order=k) for k in (1, 2)] + [prepare(paths, "shapley")]
            _, boot = _clock(lambda: intervals(paths, warehouse_models, replicates=replicates))
            click.echo(
                f"the warehouse's intervals (markov 1 and 2, shapley, shared draws): {replicates} replicates "
                f"{boot:.2f} s"
            )
        for order in (2, 3):
            _, run = _clock(lambda order=order: attribute(paths, "markov", order=order))
            click.echo(f"{'markov order ' + str(order):<16}{'':>8}{run:>11.2f}")
        _, run = _clock(lambda: attribute(paths, "shapley", method="exact"))
        click.echo(f"{'shapley exact':<16}{'':>8}{run:>11.2f}")
        _, run = _clock(lambda: attribute(paths, "shapley", value_function="conversion_rate"))
        click.echo(f"{'shapley rate':<16}{'':>8}{run:>11.2f}")


if __name__ == "__main__":
    main()
