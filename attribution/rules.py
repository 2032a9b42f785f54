"""Rule-based models: every touch gets a fixed share of its path's conversions, the shares summing to 1 per path.

A model here is only its touch weights; crediting is then two weighted ``bincount`` passes (conversions and value)
over the flat touch array, which is also what makes bootstrapping them cheap (the bootstrap credits many resampled
count vectors at once with one sparse channel × path product).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from attribution.credits import ModelOutput
from attribution.errors import AttributionError
from attribution.paths import DAYS, Paths


class TouchWeights:
    """Evaluator of a rule-based model: ``weights[i]`` of path ``rows[i]``'s credit goes to channel ``touches[i]``."""

    def __init__(self, paths: Paths, touches: np.ndarray, rows: np.ndarray, weights: np.ndarray | None) -> None:
        self.n_channels = paths.n_channels
        self.touches = touches
        self.rows = rows
        self.weights = weights  # None: one touch per path with the whole credit
        self._channel_of_path: sp.csc_matrix | None = None

    def __call__(self, conversions: np.ndarray, values: np.ndarray, nulls: np.ndarray) -> ModelOutput:
        conv = conversions[self.rows]
        value = values[self.rows]
        if self.weights is not None:
            conv = conv * self.weights
            value = value * self.weights
        return ModelOutput(
            conversions=np.bincount(self.touches, weights=conv, minlength=self.n_channels),
            values=np.bincount(self.touches, weights=value, minlength=self.n_channels),
        )

    def many(self, conversions: np.ndarray, values: np.ndarray, nulls: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Credited conversions and values, shape (k, channels), for per-path counts of shape (paths, k)."""
        if self._channel_of_path is None:  # channel × path: the summed touch weights, built on first use
            weights = np.ones(len(self.rows)) if self.weights is None else self.weights
            shape = (self.n_channels, len(conversions))
            # Column-major: a product reads each path's counts once and adds them into the few channel rows.
            self._channel_of_path = sp.csc_matrix((weights, (self.touches, self.rows)), shape=shape)
        return (self._channel_of_path @ conversions).T, (self._channel_of_path @ values).T


def first_touch(paths: Paths) -> TouchWeights:
    first = paths.offsets[:-1]
    return TouchWeights(paths, paths.touches[first], np.arange(paths.n_paths), None)


def last_touch(paths: Paths) -> TouchWeights:
    last = paths.offsets[1:] - 1
    return TouchWeights(paths, paths.touches[last], np.arange(paths.n_paths), None)


def last_non_direct(paths: Paths, direct_channel: str = "direct") -> TouchWeights:
    """The last touch that is not ``direct_channel`` (matched case-insensitively); all-direct paths credit direct."""
    if not isinstance(direct_channel, str) or not direct_channel.strip():
        raise AttributionError("direct_channel must be a channel name, e.g. 'direct'")
    wanted = direct_channel.strip().lower()
    direct_codes = [i for i, name in enumerate(paths.channels) if name.lower() == wanted]
    is_direct = np.isin(paths.touches, direct_codes)
    index = np.arange(len(paths.touches), dtype=np.int64)
    last_other = np.maximum.reduceat(np.where(is_direct, -1, index), paths.offsets[:-1])
    chosen = np.where(last_other >= 0, last_other, paths.offsets[1:] - 1)
    return TouchWeights(paths, paths.touches[chosen], np.arange(paths.n_paths), None)


def linear(paths: Paths) -> TouchWeights:
    """Every touch of a path gets an equal share (a channel touched twice gets two shares)."""
    rows = paths.row_of_touch
    return TouchWeights(paths, paths.touches, rows, 1.0 / paths.lengths[rows])


def time_decay(paths: Paths, half_life: float = 7.0) -> TouchWeights:
    """Touch weight ∝ 2^(−days before conversion / half_life), normalised per path."""
    if paths.days is None:
        raise AttributionError(
            f"model 'time_decay' needs touch times and the input has none: add a column {DAYS!r} with, per touch, "
            "the days before the conversion ('>'-separated like the path, e.g. '12 > 3 > 0')"
        )
    if not np.isfinite(half_life) or half_life <= 0:
        raise AttributionError(f"half_life must be a number of days > 0, not {half_life!r}")
    rows = paths.row_of_touch
    starts = paths.offsets[:-1]
    # Relative to each path's most recent touch, so that old journeys do not underflow to 0/0.
    newest = np.minimum.reduceat(paths.days, starts)
    raw = np.exp2(-(paths.days - newest[rows]) / half_life)
    return TouchWeights(paths, paths.touches, rows, raw / np.add.reduceat(raw, starts)[rows])


def position_based(paths: Paths, position_weights: tuple[float, float, float] = (0.4, 0.2, 0.4)) -> TouchWeights:
    """First/middle/last shares (default 40/20/40).

    One touch: 100 %. Two touches: the first and last shares rescaled to sum to 1 (40/40 → 50/50). Three or more:
    first and last get theirs, the middle share is split equally among the middle touches.
    """
    try:
        first, middle, last = (float(w) for w in position_weights)
    except (TypeError, ValueError):
        raise AttributionError(
            f"position_weights must be three numbers (first, middle, last), not {position_weights!r}"
        ) from None
    if min(first, middle, last) < 0 or not np.isclose(first + middle + last, 1.0, rtol=0, atol=1e-9):
        raise AttributionError(
            f"position_weights (first, middle, last) must be >= 0 and sum to 1, e.g. 0.4,0.2,0.4; "
            f"got {first:g},{middle:g},{last:g}"
        )
    rows = paths.row_of_touch
    length = paths.lengths[rows]
    position = np.arange(len(paths.touches)) - paths.offsets[:-1][rows]
    is_first = position == 0
    is_last = position == length - 1
    ends = first + last
    two_first, two_last = (first / ends, last / ends) if ends > 0 else (0.5, 0.5)
    weights = np.where(
        length == 1,
        1.0,
        np.where(
            length == 2,
            np.where(is_first, two_first, two_last),
            np.where(is_first, first, np.where(is_last, last, middle / np.maximum(length - 2, 1))),
        ),
    )
    return TouchWeights(paths, paths.touches, rows, weights)
