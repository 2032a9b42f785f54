"""Bootstrap intervals: seeded, and around the point estimate."""

from __future__ import annotations

import numpy as np
import pytest

import attribution
from attribution.synthetic import synthetic_journeys
from attribution.uncertainty import intervals


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


def replicate_by_replicate(paths, model, replicates, seed, confidence=0.95, **options):
    """The bootstrap's definition, one replicate at a time: the same seeded multinomial draws over the
    (path, converted) and (path, not converted) cells, each re-attributed on its own, then percentiles."""
    evaluate = attribution.prepare(paths, model, **options)
    n = paths.n_paths
    cells = np.concatenate([paths.conversions, paths.nulls])
    occupied, total = np.flatnonzero(cells > 0), int(cells.sum())
    mean_value = np.divide(paths.values, paths.conversions, out=np.zeros(n), where=paths.conversions > 0)
    rng = np.random.default_rng(seed)
    conversions, values = [], []
    for _ in range(replicates):
        drawn = np.zeros(2 * n)
        drawn[occupied] = rng.multinomial(total, cells[occupied] / total)
        output = evaluate(drawn[:n], drawn[:n] * mean_value, drawn[n:])
        conversions.append(output.conversions)
        values.append(output.values)
    tails = [(1 - confidence) / 2, (1 + confidence) / 2]
    return np.quantile(conversions, tails, axis=0), np.quantile(values, tails, axis=0)


@pytest.mark.parametrize(
    ("model", "options"),
    [
        ("markov", {"order": 1}),
        ("markov", {"order": 2}),
        ("markov", {"order": 2, "collapse_repeats": True}),
        ("shapley", {}),
        ("linear", {}),
    ],
)
def test_vectorised_bootstrap_gives_the_replicate_by_replicate_intervals(paths, model, options):
    # 45 replicates: two full chunks and a partial one, so chunk boundaries cannot shift the random stream.
    result = attribution.bootstrap(paths, model, replicates=45, seed=4, **options).interval
    (conv_low, conv_high), (value_low, value_high) = replicate_by_replicate(paths, model, 45, 4, **options)
    assert result.conversions_low == pytest.approx(conv_low, rel=1e-9)
    assert result.conversions_high == pytest.approx(conv_high, rel=1e-9)
    assert result.value_low == pytest.approx(value_low, rel=1e-9)
    assert result.value_high == pytest.approx(value_high, rel=1e-9)


def test_models_sharing_draws_get_their_own_bootstraps_intervals(paths):
    specs = [("markov", {"order": 1}), ("markov", {"order": 2}), ("shapley", {})]
    evaluators = [attribution.prepare(paths, model, **options) for model, options in specs]
    shared = intervals(paths, evaluators, replicates=30, seed=9)
    for (model, options), interval in zip(specs, shared, strict=True):
        alone = attribution.bootstrap(paths, model, replicates=30, seed=9, **options).interval
        assert np.array_equal(interval.conversions_low, alone.conversions_low)
        assert np.array_equal(interval.value_high, alone.value_high)


def test_large_chains_bootstrap_with_the_sparse_solver_to_the_same_intervals(paths, monkeypatch):
    dense = attribution.bootstrap(paths, "markov", replicates=6, seed=2, order=2).interval
    monkeypatch.setattr("attribution.markov.DENSE_STATES", 0)
    sparse = attribution.bootstrap(paths, "markov", replicates=6, seed=2, order=2).interval
    assert sparse.conversions_low == pytest.approx(dense.conversions_low, rel=1e-9)
    assert sparse.value_high == pytest.approx(dense.value_high, rel=1e-9)


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
