"""Rule-based models on hand-worked journeys."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import attribution
from attribution.synthetic import synthetic_journeys

# Five converting paths and one that never converts. Hand-worked credits per model are in each test.
JOURNEYS = pd.DataFrame(
    [
        ("email > paid_search > direct", 2, 200.0, 5, "14 > 7 > 0"),
        ("direct", 1, 10.0, 3, "0"),
        ("email > direct", 4, 100.0, 0, "7 > 0"),
        ("social > email > social > direct", 1, 40.0, 2, "21 > 14 > 7 > 0"),
        ("direct > direct", 3, 30.0, 1, "7 > 0"),
        ("social", 0, 0.0, 4, "3"),
    ],
    columns=["path", "total_conversions", "total_conversion_value", "total_null", "days_before_conversion"],
)


def credits(model: str, **options) -> dict[str, tuple[float, float]]:
    result = attribution.attribute(attribution.from_frame(JOURNEYS), model, **options)
    return {c: (n, v) for c, n, v in zip(result.channels, result.conversions, result.conversion_value, strict=True)}


def check(actual: dict[str, tuple[float, float]], expected: dict[str, tuple[float, float]]) -> None:
    assert set(actual) == {"direct", "email", "paid_search", "social"}
    for channel in actual:
        assert actual[channel] == pytest.approx(expected.get(channel, (0.0, 0.0)), abs=1e-12), channel
    assert sum(n for n, _ in actual.values()) == pytest.approx(11)
    assert sum(v for _, v in actual.values()) == pytest.approx(380)


def test_first_touch():
    # email starts paths 1 and 3 (2 + 4 conversions), direct paths 2 and 5, social path 4.
    check(credits("first_touch"), {"email": (6, 300), "direct": (4, 40), "social": (1, 40)})


def test_last_touch():
    check(credits("last_touch"), {"direct": (11, 380)})


def test_last_non_direct():
    # path 1 → paid_search; path 2 and path 5 are all direct → direct; path 3 → email; path 4 → social (3rd touch).
    check(
        credits("last_non_direct"),
        {"paid_search": (2, 200), "direct": (4, 40), "email": (4, 100), "social": (1, 40)},
    )


def test_last_non_direct_channel_is_configurable_and_case_insensitive():
    # "DIRECT" matches the channel "direct": same as the default.
    check(
        credits("last_non_direct", direct_channel="DIRECT"),
        {"paid_search": (2, 200), "direct": (4, 40), "email": (4, 100), "social": (1, 40)},
    )
    # Skipping social instead: path 4 (social > email > social > direct) ends on direct, which now counts.
    check(credits("last_non_direct", direct_channel="social"), {"direct": (11, 380)})


def test_linear():
    # path 1: 2/3 each; path 2: direct 1; path 3: 2 and 2; path 4: social 2 × 1/4, email 1/4, direct 1/4; path 5: 3.
    check(
        credits("linear"),
        {
            "email": (2 / 3 + 2 + 0.25, 200 / 3 + 50 + 10),
            "paid_search": (2 / 3, 200 / 3),
            "direct": (2 / 3 + 1 + 2 + 0.25 + 3, 200 / 3 + 10 + 50 + 10 + 30),
            "social": (0.5, 20),
        },
    )


def test_position_based_40_20_40():
    # path 1 (3 touches): .4/.2/.4 → email .8, paid .4, direct .8 (value 80/40/80)
    # path 2 (1 touch): direct 1; path 3 (2 touches): 50/50 → 2 and 2; path 5: direct 3
    # path 4 (4 touches): social .4 + .1 (2nd middle), email .1, direct .4 (value 20, 4, 16)
    check(
        credits("position_based"),
        {
            "email": (0.8 + 2 + 0.1, 80 + 50 + 4),
            "paid_search": (0.4, 40),
            "direct": (0.8 + 1 + 2 + 0.4 + 3, 80 + 10 + 50 + 16 + 30),
            "social": (0.5, 20),
        },
    )


def test_position_based_two_touches_split_first_and_last_proportionally():
    paths = attribution.Paths.from_sequences([["a", "b"]], conversions=[7], values=[70])
    result = attribution.attribute(paths, "position_based", position_weights=(0.3, 0.3, 0.4))
    # 0.3 : 0.4 → 3/7 and 4/7
    assert result.conversions == pytest.approx([3, 4])
    assert result.conversion_value == pytest.approx([30, 40])


def test_time_decay_half_life_7_days():
    # weight 2^(-days/7): path 1: 1/4, 1/2, 1 → 1/7, 2/7, 4/7 of 2; path 3: 1/2, 1 → 1/3, 2/3 of 4;
    # path 4: 1/8, 1/4, 1/2, 1 → social (1 + 4)/15, email 2/15, direct 8/15; path 5: both direct.
    expected = {
        "email": (2 / 7 + 4 / 3 + 2 / 15, 200 / 7 + 100 / 3 + 40 * 2 / 15),
        "paid_search": (4 / 7, 400 / 7),
        "direct": (8 / 7 + 1 + 8 / 3 + 8 / 15 + 3, 800 / 7 + 10 + 200 / 3 + 40 * 8 / 15 + 30),
        "social": (5 / 15, 40 * 5 / 15),
    }
    check(credits("time_decay"), expected)


def test_time_decay_half_life_is_configurable():
    # half-life 14: path 3 weights 2^(-1/2) and 1
    got = credits("time_decay", half_life=14.0)
    w = 2**-0.5
    path3_email = 4 * w / (1 + w)
    path1 = np.array([2**-1, 2**-0.5, 1.0])
    path4 = np.array([2**-1.5, 2**-1, 2**-0.5, 1.0])
    email = 2 * path1[0] / path1.sum() + path3_email + path4[1] / path4.sum()
    assert got["email"][0] == pytest.approx(email)


def test_time_decay_needs_touch_times():
    paths = attribution.from_frame(JOURNEYS.drop(columns="days_before_conversion"))
    with pytest.raises(attribution.AttributionError, match="needs touch times.*days_before_conversion"):
        attribution.attribute(paths, "time_decay")


@pytest.mark.parametrize(
    "model", ["first_touch", "last_touch", "last_non_direct", "linear", "time_decay", "position_based"]
)
def test_credits_sum_to_each_paths_totals(model):
    frame = synthetic_journeys(5_000, n_channels=6, seed=3, with_days=True)
    paths = attribution.from_frame(frame)
    for i in range(0, paths.n_paths, max(1, paths.n_paths // 40)):  # path by path: credits add up exactly
        one = attribution.from_frame(frame.iloc[[i]])
        result = attribution.attribute(one, model)
        assert result.conversions.sum() == pytest.approx(one.conversions.sum(), rel=1e-12)
        assert result.conversion_value.sum() == pytest.approx(one.values.sum(), rel=1e-12)
    whole = attribution.attribute(paths, model)
    assert whole.conversions.sum() == pytest.approx(paths.conversions.sum(), rel=1e-12)
    assert whole.conversion_value.sum() == pytest.approx(paths.values.sum(), rel=1e-12)


def test_bad_position_weights_say_what_to_write():
    paths = attribution.from_frame(JOURNEYS)
    with pytest.raises(attribution.AttributionError, match="sum to 1"):
        attribution.attribute(paths, "position_based", position_weights=(0.5, 0.5, 0.5))
    with pytest.raises(attribution.AttributionError, match="half_life"):
        attribution.attribute(paths, "time_decay", half_life=0)
