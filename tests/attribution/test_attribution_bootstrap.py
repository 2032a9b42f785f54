"""Bootstrap intervals: seeded, and around the point estimate."""

from __future__ import annotations

import numpy as np
import pytest

import attribution
from attribution.synthetic import synthetic_journeys


@pytest.fixture(scope="module")
def paths():
    return attribution.from_frame(synthetic_journeys(50_000, n_channels=6, seed=21))


@pytest.mark.parametrize("model", ["markov", "shapley"])
def test_same_seed_same_intervals(paths, model):
    first = attribution.bootstrap(paths, model, replicates=40, seed=7)
    second = attribution.bootstrap(paths, model, replicates=40, seed=7)
    other = attribution.bootstrap(paths, model, replicates=40, seed=8)
    assert np.array_equal(first.interval.conversions_low, second.interval.conversions_low)
    assert np.array_equal(first.interval.conversions_high, second.interval.conversions_high)
    assert not np.array_equal(first.interval.conversions_low, other.interval.conversions_low)


@pytest.mark.parametrize("model", ["markov", "shapley", "linear"])
def test_interval_contains_the_point_estimate(paths, model):
    result = attribution.bootstrap(paths, model, replicates=100, seed=1, confidence=0.95)
    interval = result.interval
    assert np.all(interval.conversions_low <= result.conversions)
    assert np.all(result.conversions <= interval.conversions_high)
    assert np.all(interval.value_low <= result.conversion_value)
    assert np.all(result.conversion_value <= interval.value_high)
    assert np.all(interval.conversions_high > interval.conversions_low)  # there is sampling noise to show
    # the point estimate is the plain attribution
    assert result.conversions == pytest.approx(attribution.attribute(paths, model).conversions)


def test_wider_at_higher_confidence(paths):
    narrow = attribution.bootstrap(paths, "markov", replicates=100, seed=3, confidence=0.5).interval
    wide = attribution.bootstrap(paths, "markov", replicates=100, seed=3, confidence=0.99).interval
    assert np.all(wide.conversions_high - wide.conversions_low >= narrow.conversions_high - narrow.conversions_low)


def test_frame_columns(paths):
    frame = attribution.bootstrap(paths, "shapley", replicates=10).to_frame()
    assert list(frame.columns) == [
        "channel",
        "conversions",
        "conversion_value",
        "conversions_low",
        "conversions_high",
        "conversion_value_low",
        "conversion_value_high",
    ]


def test_needs_whole_journeys():
    paths = attribution.Paths.from_sequences([["a"], ["b"]], conversions=[1.5, 2])
    with pytest.raises(attribution.AttributionError, match="whole numbers"):
        attribution.bootstrap(paths, "markov", replicates=10)


def test_needs_replicates(paths):
    with pytest.raises(attribution.AttributionError, match="at least 2 replicates"):
        attribution.bootstrap(paths, "markov", replicates=1)
    with pytest.raises(attribution.AttributionError, match="confidence"):
        attribution.bootstrap(paths, "markov", replicates=10, confidence=95)
