"""Shapley-value attribution over channel coalitions.

Value functions (``value_function=``):

``"conversions"`` (default) — v(S) = conversions of the journeys whose set of channels is a subset of S: what the
    channels in S would have converted on their own. This is the common choice in marketing attribution (Zhao,
    Mahboobi & Bagheri 2018, arXiv:1804.05327; the "sum over sub-coalitions" worth used by marketing-attribution-models
    and most published implementations). Written as v(S) = Σ_{T ⊆ S} w(T), with w(T) the conversions of journeys
    whose channel set is exactly T, the w(T) are the game's Harsanyi dividends, and the Shapley value is each
    dividend split equally among its members: φ_i = Σ_{T ∋ i} w(T) / |T|. So every journey's conversions are split
    equally among its distinct channels — exact, linear in the data and without any limit on the number of channels.
    ``method="exact"`` enumerates all 2ⁿ coalitions instead (the tests check that both agree).

``"conversion_rate"`` — v(S) = conversion rate of the journeys whose channel set is a subset of S (0 when there are
    none). This uses the non-converting journeys, and it is not a sum of dividends, so it is computed by exact
    enumeration (n ≤ ``max_channels``, 2ⁿ coalitions, vectorised over bitmasks). Credits are φ × total journeys, which
    sums to the total conversions because Σφ = v(all channels) = overall conversion rate. A channel can get negative
    credit when journeys that add it convert less often.

Conversion value is attributed by the same game on conversion value (value, or value per journey).
"""

from __future__ import annotations

import math

import numpy as np

from attribution.arrays import unique_sorted
from attribution.credits import ModelOutput
from attribution.errors import AttributionError
from attribution.paths import Paths
from attribution.rules import TouchWeights

VALUE_FUNCTIONS = ("conversions", "conversion_rate")
METHODS = ("auto", "exact")


def shapley(
    paths: Paths, value_function: str = "conversions", method: str = "auto", max_channels: int = 20
) -> TouchWeights | CoalitionGame:
    if value_function not in VALUE_FUNCTIONS:
        choices = ", ".join(VALUE_FUNCTIONS)
        raise AttributionError(f"unknown value_function {value_function!r}; choose one of: {choices}")
    if method not in METHODS:
        raise AttributionError(f"unknown method {method!r}; choose one of: {', '.join(METHODS)}")
    if value_function == "conversions" and method == "auto":
        return equal_split(paths)
    return CoalitionGame(paths, value_function, max_channels)


def equal_split(paths: Paths) -> TouchWeights:
    """Each path's conversions split equally among its distinct channels (the Shapley value of the subset game)."""
    pair = unique_sorted(paths.row_of_touch * paths.n_channels + paths.touches)
    rows, channels = pair // paths.n_channels, pair % paths.n_channels
    distinct = np.bincount(rows, minlength=paths.n_paths)
    return TouchWeights(paths, channels, rows, 1.0 / distinct[rows])


class CoalitionGame:
    """Evaluator that enumerates every coalition of channels as a bitmask."""

    def __init__(self, paths: Paths, value_function: str, max_channels: int = 20) -> None:
        n = paths.n_channels
        if n > min(max_channels, 30):
            raise AttributionError(
                f"exact Shapley enumerates 2^n channel coalitions and the input has {n} channels, more than "
                f"max_channels={max_channels}; group rare channels together, or use value_function='conversions' "
                "with method='auto' (exact for any number of channels)"
            )
        self.n = n
        self.value_function = value_function
        bits = np.left_shift(np.int64(1), paths.touches.astype(np.int64))
        self.masks = np.bitwise_or.reduceat(bits, paths.offsets[:-1])

    def __call__(self, conversions: np.ndarray, values: np.ndarray, nulls: np.ndarray) -> ModelOutput:
        size = 1 << self.n
        conv = subset_sums(np.bincount(self.masks, weights=conversions, minlength=size), self.n)
        value = subset_sums(np.bincount(self.masks, weights=values, minlength=size), self.n)
        if self.value_function == "conversions":
            return ModelOutput(shapley_values(conv, self.n), shapley_values(value, self.n))
        journeys = subset_sums(np.bincount(self.masks, weights=conversions + nulls, minlength=size), self.n)
        per_journey = np.divide(1.0, journeys, out=np.zeros(size), where=journeys > 0)
        total = float(journeys[-1])
        return ModelOutput(
            shapley_values(conv * per_journey, self.n) * total,
            shapley_values(value * per_journey, self.n) * total,
        )


def subset_sums(weights: np.ndarray, n: int) -> np.ndarray:
    """v(S) = Σ_{T ⊆ S} weights(T) for every bitmask S (the zeta transform, n passes over 2ⁿ entries)."""
    v = np.array(weights, dtype=float)
    for i in range(n):
        block = v.reshape(-1, 2, 1 << i)
        block[:, 1, :] += block[:, 0, :]
    return v


def shapley_values(v: np.ndarray, n: int) -> np.ndarray:
    """Exact Shapley values of the game ``v`` (indexed by bitmask, ``v[0]`` the empty coalition).

    φ_i = Σ_{S ∌ i} |S|! (n − |S| − 1)! / n! · (v(S ∪ {i}) − v(S)).
    """
    if len(v) != 1 << n:
        raise AttributionError(f"a game on {n} players needs 2^{n} coalition values, not {len(v)}")
    if n == 0:
        return np.zeros(0)
    size = np.zeros(1 << n, dtype=np.int64)
    for i in range(n):
        size.reshape(-1, 2, 1 << i)[:, 1, :] += 1
    weight = np.array([1.0 / (n * math.comb(n - 1, s)) for s in range(n)])
    phi = np.empty(n)
    for i in range(n):
        split = v.reshape(-1, 2, 1 << i)
        without = size.reshape(-1, 2, 1 << i)[:, 0, :]
        phi[i] = np.sum(weight[without] * (split[:, 1, :] - split[:, 0, :]))
    return phi
