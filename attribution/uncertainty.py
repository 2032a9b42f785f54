"""Bootstrap intervals: resample journeys (each path weighted by its journey count), re-attribute, take percentiles.

A replicate draws as many journeys as the data has, with replacement, from all journeys: a multinomial over every
(path, converted) and (path, not converted) cell with probabilities proportional to the counts. A resampled
conversion carries its path's mean conversion value. The model's path-dependent work is prepared once and only
re-weighted per replicate. Replicates come from one seeded generator, so the same seed gives the same intervals.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from attribution.credits import Credits, Interval
from attribution.errors import AttributionError
from attribution.models import credits_from, prepare, resolve_options
from attribution.paths import Paths


def bootstrap(
    paths: Paths,
    model: str,
    *,
    replicates: int = 200,
    seed: int = 0,
    confidence: float = 0.95,
    **options: Any,
) -> Credits:
    """``attribute(paths, model, **options)`` plus percentile intervals from ``replicates`` bootstrap samples."""
    if isinstance(replicates, bool) or not isinstance(replicates, (int, np.integer)) or replicates < 2:
        raise AttributionError(f"the bootstrap needs at least 2 replicates (200 or more is usual), not {replicates!r}")
    if not 0 < confidence < 1:
        raise AttributionError(f"confidence must be between 0 and 1, e.g. 0.95, not {confidence!r}")
    for name, counts in (("total_conversions", paths.conversions), ("total_null", paths.nulls)):
        if not np.all(counts == np.round(counts)):
            raise AttributionError(
                f"the bootstrap resamples whole journeys, so {name} must hold whole numbers; "
                "round fractional counts or run without a bootstrap"
            )
    settings = resolve_options(model, options)
    evaluate = prepare(paths, model, **settings)
    point = evaluate(paths.conversions, paths.values, paths.nulls)

    n = paths.n_paths
    cells = np.concatenate([paths.conversions, paths.nulls])
    occupied = np.flatnonzero(cells > 0)
    total = int(cells.sum())
    mean_value = np.divide(paths.values, paths.conversions, out=np.zeros(n), where=paths.conversions > 0)
    rng = np.random.default_rng(seed)
    channels = paths.n_channels
    conversions = np.empty((replicates, channels))
    values = np.empty((replicates, channels))
    for b in range(replicates):
        drawn = np.zeros(2 * n)
        if total > 0:
            drawn[occupied] = rng.multinomial(total, cells[occupied] / total)
        conv, nulls = drawn[:n], drawn[n:]
        output = evaluate(conv, conv * mean_value, nulls)
        conversions[b], values[b] = output.conversions, output.values

    tails = [(1 - confidence) / 2, (1 + confidence) / 2]
    conv_low, conv_high = np.quantile(conversions, tails, axis=0)
    value_low, value_high = np.quantile(values, tails, axis=0)
    interval = Interval(conv_low, conv_high, value_low, value_high, float(confidence), int(replicates), int(seed))
    return credits_from(paths, model, settings, point, interval)
