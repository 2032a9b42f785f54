"""Shapley attribution: the axioms, the equal-split identity, and hand-worked games."""

from __future__ import annotations

import numpy as np
import pytest

import attribution
from attribution import shapley_values, subset_sums
from attribution.synthetic import synthetic_journeys


def shapley(sequences, conversions, nulls=None, values=None, **options):
    paths = attribution.Paths.from_sequences(sequences, conversions=conversions, nulls=nulls, values=values)
    return attribution.attribute(paths, "shapley", **options)


def test_glove_game():
    # Player 0 holds a left glove, players 1 and 2 right gloves; a pair is worth 1.
    # Textbook Shapley values: 2/3, 1/6, 1/6.
    v = np.array([1.0 if (s & 1) and (s & 6) else 0.0 for s in range(8)])
    assert shapley_values(v, 3) == pytest.approx([2 / 3, 1 / 6, 1 / 6])


def test_axioms_on_a_random_game():
    rng = np.random.default_rng(0)
    n = 6
    v = rng.random(1 << n)
    v[0] = 0.0
    # player 5 is a null player: v(S ∪ {5}) = v(S)
    v.reshape(-1, 2, 1 << 5)[:, 1, :] = v.reshape(-1, 2, 1 << 5)[:, 0, :]
    # players 0 and 1 are symmetric: v(S ∪ {0}) = v(S ∪ {1}) for S without both
    for s in range(1 << n):
        if s & 1 and not s & 2:
            v[s ^ 1 ^ 2] = v[s]
    phi = shapley_values(v, n)
    assert phi.sum() == pytest.approx(v[-1])  # efficiency
    assert phi[0] == pytest.approx(phi[1])  # symmetry
    assert phi[5] == pytest.approx(0.0, abs=1e-12)  # null player


def test_subset_sums():
    # w on {}, {0}, {1}, {0,1} = 0, 1, 2, 4 → v = 0, 1, 2, 7
    assert subset_sums(np.array([0.0, 1, 2, 4]), 2).tolist() == [0, 1, 2, 7]


def test_equal_split_by_hand():
    # v(S) = conversions of journeys whose channels ⊆ S: each journey's conversions split among its distinct channels.
    # a > b > a: 3 conversions → a 1.5, b 1.5; b > c: 2 → b 1, c 1; c: 1 → c 1.
    result = shapley([["a", "b", "a"], ["b", "c"], ["c"]], conversions=[3, 2, 1], values=[30, 20, 5])
    assert result.conversions == pytest.approx([1.5, 2.5, 2.0])
    assert result.conversion_value == pytest.approx([15, 25, 15])


def test_equal_split_identity_matches_exact_enumeration():
    frame = synthetic_journeys(20_000, n_channels=9, seed=4)
    paths = attribution.from_frame(frame)
    fast = attribution.attribute(paths, "shapley")
    exact = attribution.attribute(paths, "shapley", method="exact")
    assert fast.conversions == pytest.approx(exact.conversions, rel=1e-9)
    assert fast.conversion_value == pytest.approx(exact.conversion_value, rel=1e-9)


@pytest.mark.parametrize("value_function", ["conversions", "conversion_rate"])
def test_efficiency(value_function):
    frame = synthetic_journeys(20_000, n_channels=7, seed=8)
    paths = attribution.from_frame(frame)
    result = attribution.attribute(paths, "shapley", value_function=value_function)
    assert result.conversions.sum() == pytest.approx(paths.conversions.sum(), rel=1e-9)
    assert result.conversion_value.sum() == pytest.approx(paths.values.sum(), rel=1e-9)


@pytest.mark.parametrize("value_function", ["conversions", "conversion_rate"])
def test_symmetry(value_function):
    # a and b appear in mirrored journeys with the same counts: they must get the same credit.
    sequences = [["a", "c"], ["b", "c"], ["a", "b"], ["b", "a"], ["a"], ["b"], ["c"]]
    result = shapley(
        sequences, conversions=[3, 3, 2, 2, 1, 1, 4], nulls=[5, 5, 1, 1, 6, 6, 2], value_function=value_function
    )
    credit = dict(zip(result.channels, result.conversions, strict=True))
    assert credit["a"] == pytest.approx(credit["b"])


@pytest.mark.parametrize("method", ["auto", "exact"])
def test_null_channel_gets_nothing(method):
    # x only ever appears on journeys that do not convert: adding it to any coalition adds no conversions.
    result = shapley(
        [["a", "x"], ["a", "b"], ["x"], ["b", "x", "a"]], conversions=[0, 4, 0, 0], nulls=[3, 1, 7, 2], method=method
    )
    credit = dict(zip(result.channels, result.conversions, strict=True))
    assert credit["x"] == pytest.approx(0.0, abs=1e-12)
    assert credit["a"] == pytest.approx(2) and credit["b"] == pytest.approx(2)


def test_conversion_rate_game_by_hand():
    # a: 1 of 2 journeys convert; b: 0 of 2; a > b: 2 of 2. Six journeys, three conversions.
    # v({a}) = 1/2, v({b}) = 0/2 = 0, v({a,b}) = 3/6 = 1/2.
    # φ_a = ½(v(a) − 0) + ½(v(ab) − v(b)) = ½; φ_b = ½(v(b) − 0) + ½(v(ab) − v(a)) = 0.
    # Credits φ × 6 journeys: a 3, b 0.
    result = shapley(
        [["a"], ["b"], ["a", "b"]], conversions=[1, 0, 2], nulls=[1, 2, 0], value_function="conversion_rate"
    )
    assert result.conversions == pytest.approx([3.0, 0.0], abs=1e-12)


def test_too_many_channels_for_exact_enumeration():
    sequences = [[f"c{i}"] for i in range(6)]
    with pytest.raises(attribution.AttributionError, match="max_channels=5"):
        shapley(sequences, conversions=[1] * 6, method="exact", max_channels=5)
    # the equal-split identity has no such limit
    assert shapley(sequences, conversions=[1] * 6, max_channels=5).conversions.sum() == pytest.approx(6)


def test_unknown_value_function():
    with pytest.raises(attribution.AttributionError, match="conversion_rate"):
        shapley([["a"]], conversions=[1], value_function="revenue")
