"""Reading the common aggregated path format, and the messages for input a user has to fix."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest

import attribution


def load(text: str) -> attribution.Paths:
    return attribution.load_paths(io.StringIO(text))


def test_parse_and_aggregate():
    paths = load(
        "path,total_conversions,total_conversion_value,total_null\n"
        "email > paid_search > direct,2,200,5\n"
        "email>paid_search >direct,1,50,1\n"  # same path, other spacing: merged
        "direct,1,10,3\n"
        "Social,0,0,4\n"
    )
    assert paths.channels == ("Social", "direct", "email", "paid_search")  # codes in sorted name order
    assert paths.n_paths == 3
    assert paths.path(0) == ["email", "paid_search", "direct"]
    assert paths.conversions.tolist() == [3, 1, 0]
    assert paths.values.tolist() == [250, 10, 0]
    assert paths.nulls.tolist() == [6, 3, 4]
    assert paths.offsets.tolist() == [0, 3, 4, 5]


def test_optional_columns_default_to_zero_and_headers_are_forgiving():
    paths = load(" Path , Total_Conversions\na > b,3\n")
    assert paths.values.tolist() == [0] and paths.nulls.tolist() == [0]


def test_touch_days_and_hours():
    days = load("path,total_conversions,days_before_conversion\na > b,1,10 > 0\na > b,1,3 > 0\na > b,2,10 > 0\n")
    assert days.n_paths == 2  # same path, different touch times: kept apart
    assert days.conversions.tolist() == [3, 1]
    assert days.days.tolist() == [10, 0, 3, 0]
    hours = load("path,total_conversions,hours_before_conversion\na > b,1,48 > 12\n")
    assert hours.days.tolist() == [2, 0.5]


def test_round_trip_through_a_frame():
    paths = load("path,total_conversions,total_conversion_value,total_null\na > b,2,20,1\nb,0,0,3\n")
    again = attribution.from_frame(paths.to_frame())
    assert again.channels == paths.channels
    assert np.array_equal(again.touches, paths.touches)
    assert np.array_equal(again.conversions, paths.conversions)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("route,total_conversions\na,1\n", r"missing column 'path' \(the columns are: route, total_conversions\)"),
        ("path,conversions\na,1\n", "missing column 'total_conversions'"),
        ("path,total_conversions\n", "no journeys"),
        ("", "the file is empty"),
        ("path,total_conversions,total_null\na,1,-2\n", "line 2: total_null is -2; it cannot be negative"),
        ("path,total_conversions\na,1\nb,many\n", "line 3: total_conversions is 'many', not a number"),
        ("path,total_conversions\na,1\n,2\n", "line 3: path is empty"),
        ("path,total_conversions\na,1\n  ,2\n", "line 3: path is empty"),
        ("path,total_conversions\na > > b,1\n", "line 2: path 'a > > b' has an empty channel"),
        ("path,total_conversions\na >,1\n", "line 2: path 'a >' has an empty channel"),
        ("path,total_conversions,total_conversion_value\na,0,5\n", "line 2: total_conversion_value is 5 but"),
        ("path,total_conversions\na,1\n\nb,\n", "line 4: total_conversions is empty"),
        (
            "path,total_conversions,days_before_conversion\na > b,1,3\n",
            "line 2: days_before_conversion has 1 values but the path has 2 touches",
        ),
        (
            "path,total_conversions,days_before_conversion\na > b,1,3 > soon\n",
            "line 2: days_before_conversion '3 > soon' has 'soon', not a number",
        ),
        ("path,total_conversions,days_before_conversion\na > b,1,\n", "line 2: days_before_conversion is empty"),
    ],
)
def test_bad_input_names_what_to_fix(text, message):
    with pytest.raises(attribution.AttributionError, match=message):
        load(text)


def test_missing_file(tmp_path):
    with pytest.raises(attribution.AttributionError, match="no such file"):
        attribution.load_paths(tmp_path / "nope.csv")


def test_frame_rows_are_named_by_index():
    frame = pd.DataFrame({"path": ["a", "b"], "total_conversions": [1, -1]}, index=[10, 11])
    with pytest.raises(attribution.AttributionError, match="warehouse row 11: total_conversions is -1"):
        attribution.from_frame(frame, source="warehouse")


def test_unknown_model_and_option():
    paths = attribution.Paths.from_sequences([["a"]], conversions=[1])
    with pytest.raises(attribution.AttributionError, match="unknown model 'markv'; choose one of: first_touch"):
        attribution.attribute(paths, "markv")
    with pytest.raises(attribution.AttributionError, match="option 'order' does not apply to model 'linear'"):
        attribution.attribute(paths, "linear", order=2)
    with pytest.raises(attribution.AttributionError, match="it takes: order, collapse_repeats"):
        attribution.attribute(paths, "markov", half_life=3)
