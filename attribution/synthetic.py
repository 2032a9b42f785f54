"""Seeded synthetic journeys in the common path format, for timings and tests (not a model of any real market).

Journeys are generated with numpy: a first channel, a random first-order channel-to-channel walk of geometric length,
a conversion whose log-odds add one effect per distinct channel and a little per touch, a log-normal value, and
optionally the days from each touch to the end of the journey.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from attribution.paths import CONVERSIONS, DAYS, NULLS, PATH, VALUE

CHANNELS = (
    "affiliate",
    "direct",
    "display",
    "email",
    "organic_search",
    "paid_search",
    "referral",
    "sms",
    "social",
    "video",
)


def synthetic_journeys(
    n_journeys: int = 1_000_000,
    *,
    n_channels: int = 10,
    seed: int = 0,
    mean_touches: float = 3.0,
    max_touches: int = 20,
    with_days: bool = False,
    aggregate: bool = True,
) -> pd.DataFrame:
    """Journeys in the common format: one row per distinct path (``aggregate``) or one row per journey."""
    rng = np.random.default_rng(seed)
    names = np.array(
        list(CHANNELS[:n_channels]) + [f"channel_{i:02d}" for i in range(len(CHANNELS), n_channels)], dtype=object
    )
    c = n_channels
    first = rng.dirichlet(np.full(c, 2.0))
    step = rng.dirichlet(np.full(c, 0.7), size=c) + np.eye(c) * 0.3  # some repeats of the same channel
    step_cumulative = np.cumsum(step / step.sum(axis=1, keepdims=True), axis=1)
    effect = rng.normal(0.0, 0.7, size=c)

    lengths = np.minimum(rng.geometric(1.0 / mean_touches, size=n_journeys), max_touches)
    width = int(lengths.max())
    codes = np.full((n_journeys, width), -1, dtype=np.int16)
    codes[:, 0] = np.searchsorted(np.cumsum(first), rng.random(n_journeys) * np.cumsum(first)[-1], side="right")
    for t in range(1, width):
        alive = np.flatnonzero(lengths > t)
        previous = codes[alive, t - 1]
        u = rng.random(len(alive))[:, None]
        codes[alive, t] = np.minimum((u > step_cumulative[previous]).sum(axis=1), c - 1)

    present = np.zeros((n_journeys, c), dtype=bool)
    rows, cols = np.nonzero(codes >= 0)
    present[rows, codes[rows, cols]] = True
    logit = -3.5 + present @ effect + 0.25 * lengths
    converted = rng.random(n_journeys) < 1.0 / (1.0 + np.exp(-logit))
    value = np.where(converted, np.round(rng.lognormal(4.0, 0.8, size=n_journeys), 2), 0.0)

    days_matrix = None
    if with_days:
        gaps = np.round(rng.exponential(4.0, size=(n_journeys, width)))
        gaps[codes < 0] = 0
        # days before the end = sum of the gaps after this touch, plus the gap after the last touch
        days_matrix = np.cumsum(gaps[:, ::-1], axis=1)[:, ::-1]
        days_matrix = days_matrix - gaps + gaps[np.arange(n_journeys), lengths - 1][:, None]

    keys = np.ascontiguousarray(codes).view(np.dtype((np.void, 2 * width))).ravel()
    if days_matrix is not None:
        d = np.where(codes >= 0, days_matrix, -1).astype(np.int32)
        both = np.concatenate([codes.astype(np.int32), d], axis=1)
        keys = np.ascontiguousarray(both).view(np.dtype((np.void, 4 * 2 * width))).ravel()
    distinct, first_row, inverse = np.unique(keys, return_index=True, return_inverse=True)
    paths = np.empty(len(distinct), dtype=object)
    times = np.empty(len(distinct), dtype=object) if days_matrix is not None else None
    for k, r in enumerate(first_row):
        n = lengths[r]
        paths[k] = " > ".join(names[codes[r, :n]])
        if times is not None:
            times[k] = " > ".join(str(int(x)) for x in days_matrix[r, :n])

    if aggregate:
        frame = pd.DataFrame(
            {
                PATH: paths,
                CONVERSIONS: np.bincount(inverse, weights=converted, minlength=len(distinct)).astype(np.int64),
                VALUE: np.round(np.bincount(inverse, weights=value, minlength=len(distinct)), 2),
                NULLS: np.bincount(inverse, weights=~converted, minlength=len(distinct)).astype(np.int64),
            }
        )
        if times is not None:
            frame[DAYS] = times
        return frame
    frame = pd.DataFrame(
        {
            PATH: paths[inverse],
            CONVERSIONS: converted.astype(np.int64),
            VALUE: value,
            NULLS: (~converted).astype(np.int64),
        }
    )
    if times is not None:
        frame[DAYS] = times[inverse]
    return frame
