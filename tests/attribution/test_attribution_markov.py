"""Markov-chain attribution on chains small enough to solve by hand, and against a brute-force reference."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

import attribution
from attribution.markov import MarkovChain
from attribution.synthetic import synthetic_journeys


def markov(sequences, conversions, nulls, values=None, **options):
    paths = attribution.Paths.from_sequences(sequences, conversions=conversions, nulls=nulls, values=values)
    return attribution.attribute(paths, "markov", **options)


def by_channel(result, field="conversions"):
    column = getattr(result, field) if field in ("conversions", "conversion_value") else result.details[field]
    return dict(zip(result.channels, column, strict=True))


def test_three_channel_textbook_chain():
    # C1 > C2 > C3 converts once; C1 and C2 > C3 do not.
    # start→C1 2/3, start→C2 1/3; C1→C2 1/2, C1→null 1/2; C2→C3 1; C3→conv 1/2, C3→null 1/2.
    # P(conv) = 2/3·1/2·1·1/2 + 1/3·1·1/2 = 1/3.
    # Without C1: 1/3·1·1/2 = 1/6 → removal effect 1/2. Without C2 or C3: 0 → removal effect 1.
    # Credits: 1 conversion × (0.5, 1, 1) / 2.5 = 0.2, 0.4, 0.4.
    result = markov([["C1", "C2", "C3"], ["C1"], ["C2", "C3"]], conversions=[1, 0, 0], nulls=[0, 1, 1])
    assert result.stats["conversion_probability"] == pytest.approx(1 / 3)
    assert by_channel(result, "removal_effect") == pytest.approx({"C1": 0.5, "C2": 1.0, "C3": 1.0})
    assert by_channel(result) == pytest.approx({"C1": 0.2, "C2": 0.4, "C3": 0.4})


def test_chain_with_a_loop():
    # a > b > a converts once, b does not.
    # start→a 1/2, start→b 1/2; a→b 1/2, a→conv 1/2; b→a 1/2, b→null 1/2.
    # x_a = 1/2 + x_b/2, x_b = x_a/2 → x_a = 2/3, x_b = 1/3; P = (2/3 + 1/3)/2 = 1/2.
    # Without a: 0 → effect 1. Without b: x_a = 1/2, P = 1/4 → effect 1/2. Credits 2/3 and 1/3.
    result = markov([["a", "b", "a"], ["b"]], conversions=[1, 0], nulls=[0, 1])
    assert result.stats["conversion_probability"] == pytest.approx(0.5)
    assert by_channel(result, "removal_effect") == pytest.approx({"a": 1.0, "b": 0.5})
    assert by_channel(result) == pytest.approx({"a": 2 / 3, "b": 1 / 3})


def test_order_2_separates_what_order_1_merges():
    # a > b converts, c > b does not.
    # Order 1: b is one state (→conv 1/2, →null 1/2): P = 1/2; without a or c P = 1/4 (effect 1/2); without b 0.
    #   Credits 1 × (0.5, 1, 0.5) / 2 = 0.25, 0.5, 0.25.
    # Order 2: states (a), (c), (a,b), (c,b); (a,b)→conv 1, (c,b)→null 1. P = 1/2.
    #   Without a: (a) and (a,b) go to null → 0, effect 1. Without c: still 1/2, effect 0. Without b: 0, effect 1.
    #   Credits 0.5, 0.5, 0.
    data = dict(sequences=[["a", "b"], ["c", "b"]], conversions=[1, 0], nulls=[0, 1])
    assert by_channel(markov(**data, order=1)) == pytest.approx({"a": 0.25, "b": 0.5, "c": 0.25})
    second = markov(**data, order=2)
    assert second.stats["states"] == 4
    assert by_channel(second, "removal_effect") == pytest.approx({"a": 1.0, "b": 1.0, "c": 0.0})
    assert by_channel(second) == pytest.approx({"a": 0.5, "b": 0.5, "c": 0.0})


def test_value_removal_effects_weight_where_the_value_is():
    # a converts once worth 100, b once worth 300. P = 1; each removal halves it (effect 1/2 each).
    # Expected value per journey V = (100 + 300)/2 = 200; without a: 150 (effect 1/4); without b: 50 (effect 3/4).
    # Value credits 400 × (1/4, 3/4) = 100, 300; conversion credits 1 and 1.
    result = markov([["a"], ["b"]], conversions=[1, 1], nulls=[0, 0], values=[100, 300])
    assert by_channel(result) == pytest.approx({"a": 1.0, "b": 1.0})
    assert by_channel(result, "conversion_value") == pytest.approx({"a": 100.0, "b": 300.0})


def test_order_1_removal_effects_do_not_depend_on_repeats():
    # A self-loop only delays leaving a state: collapsing a > a > b to a > b leaves order-1 results unchanged
    # (the transition matrices differ, the absorption probabilities do not).
    frame = synthetic_journeys(20_000, n_channels=6, seed=11)
    paths = attribution.from_frame(frame)
    kept = attribution.attribute(paths, "markov")
    collapsed = attribution.attribute(paths, "markov", collapse_repeats=True)
    assert kept.details["removal_effect"] == pytest.approx(collapsed.details["removal_effect"], abs=1e-12)
    assert kept.conversions == pytest.approx(collapsed.conversions, abs=1e-9)


def reference_markov(sequences, conversions, nulls, order):
    """Brute force: explicit state tuples, a dense transition matrix and the fundamental matrix N = (I − Q)⁻¹."""
    counts: dict[tuple, dict[object, float]] = {}

    def add(source, target, weight):
        counts.setdefault(source, {}).setdefault(target, 0.0)
        counts[source][target] += weight

    for path, conv, null in zip(sequences, conversions, nulls, strict=True):
        states = [tuple(path[max(0, t - order + 1) : t + 1]) for t in range(len(path))]
        add("start", states[0], conv + null)
        for here, there in itertools.pairwise(states):
            add(here, there, conv + null)
        add(states[-1], "conv", conv)
        add(states[-1], "null", null)
    transient = sorted(s for s in counts if s != "start")
    index = {s: i for i, s in enumerate(transient)}

    def conversion_probability(removed):
        n = len(transient)
        q, r, start = np.zeros((n, n)), np.zeros(n), np.zeros(n)
        total_start = sum(counts["start"].values())
        for s, w in counts["start"].items():
            start[index[s]] = w / total_start
        for s in transient:
            if removed is not None and s[-1] == removed:
                continue  # every transition of a removed channel's state goes to null
            out = sum(counts[s].values())
            if out == 0:
                continue  # a state seen only on paths with no journeys
            for target, w in counts[s].items():
                if target == "conv":
                    r[index[s]] += w / out
                elif target != "null":
                    q[index[s], index[target]] += w / out
        fundamental = np.linalg.inv(np.eye(n) - q)
        return start @ fundamental @ r

    base = conversion_probability(None)
    channels = sorted({c for path in sequences for c in path})
    effects = np.array([1 - conversion_probability(c) / base for c in channels])
    return channels, effects, sum(conversions) * effects / effects.sum()


@pytest.mark.parametrize("order", [1, 2, 3])
def test_matches_brute_force_reference(order):
    rng = np.random.default_rng(order)
    channels = ["a", "b", "c", "d"]
    sequences = [list(rng.choice(channels, size=rng.integers(1, 6))) for _ in range(60)]
    conversions = rng.integers(0, 4, size=60)
    nulls = rng.integers(0, 6, size=60)
    names, effects, credits = reference_markov(sequences, conversions, nulls, order)
    result = markov(sequences, conversions=conversions, nulls=nulls, order=order)
    assert list(result.channels) == names
    assert result.details["removal_effect"] == pytest.approx(effects, abs=1e-10)
    assert result.conversions == pytest.approx(credits, abs=1e-9)


def test_large_chains_use_the_sparse_solver_with_the_same_answer(monkeypatch):
    frame = synthetic_journeys(30_000, n_channels=6, seed=5)
    paths = attribution.from_frame(frame)
    dense = attribution.attribute(paths, "markov", order=3)
    monkeypatch.setattr("attribution.markov.DENSE_STATES", 0)
    sparse = attribution.attribute(paths, "markov", order=3)
    assert sparse.details["removal_effect"] == pytest.approx(dense.details["removal_effect"], abs=1e-10)
    assert sparse.conversions == pytest.approx(dense.conversions, rel=1e-9)


def test_deterministic_and_efficient():
    frame = synthetic_journeys(20_000, n_channels=8, seed=2)
    paths = attribution.from_frame(frame)
    first = attribution.attribute(paths, "markov", order=2)
    second = attribution.attribute(paths, "markov", order=2)
    assert np.array_equal(first.conversions, second.conversions)
    assert first.conversions.sum() == pytest.approx(paths.conversions.sum(), rel=1e-12)
    assert first.conversion_value.sum() == pytest.approx(paths.values.sum(), rel=1e-12)


def test_no_conversions_gives_zero_credit():
    result = markov([["a", "b"], ["b"]], conversions=[0, 0], nulls=[3, 1])
    assert result.conversions.tolist() == [0.0, 0.0]


def test_order_must_be_a_small_whole_number():
    paths = attribution.Paths.from_sequences([["a"]], conversions=[1])
    for order in (0, 11, 1.5, True):
        with pytest.raises(attribution.AttributionError, match="order"):
            MarkovChain(paths, order=order)


def test_credits_frame_has_removal_effects_on_request():
    result = markov([["a", "b"]], conversions=[1], nulls=[0])
    frame = result.to_frame(details=True)
    assert list(frame.columns) == [
        "channel",
        "conversions",
        "conversion_value",
        "removal_effect",
        "removal_effect_value",
    ]
    assert isinstance(frame, pd.DataFrame)
