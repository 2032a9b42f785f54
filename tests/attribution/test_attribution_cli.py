"""``purchase-path attribute``: CSV in, credits CSV out."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd
import pytest
from click.testing import CliRunner

from attribution.cli import attribute

PATHS = (
    "path,total_conversions,total_conversion_value,total_null\n"
    "email > paid_search > direct,2,200,5\n"
    "direct,1,10,3\n"
    "email > direct,4,100,0\n"
    "social,0,0,4\n"
)


@pytest.fixture
def paths_csv(tmp_path):
    target = tmp_path / "paths.csv"
    target.write_text(PATHS)
    return target


def run(*args: str):
    return CliRunner().invoke(attribute, list(args))


def test_round_trip(paths_csv, tmp_path):
    output = tmp_path / "credits.csv"
    result = run("--model", "first_touch", "--input", str(paths_csv), "--output", str(output))
    assert result.exit_code == 0, result.output
    credits = pd.read_csv(output)
    assert list(credits.columns) == ["channel", "conversions", "conversion_value"]
    assert credits.set_index("channel").to_dict("index") == {
        "direct": {"conversions": 1.0, "conversion_value": 10.0},
        "email": {"conversions": 6.0, "conversion_value": 300.0},
        "paid_search": {"conversions": 0.0, "conversion_value": 0.0},
        "social": {"conversions": 0.0, "conversion_value": 0.0},
    }


def test_data_driven_models_come_with_intervals(paths_csv, tmp_path):
    output = tmp_path / "credits.csv"
    result = run("-m", "markov", "-i", str(paths_csv), "-o", str(output), "--bootstrap", "50", "--seed", "3")
    assert result.exit_code == 0, result.output
    credits = pd.read_csv(output)
    assert {"conversions_low", "conversions_high", "conversion_value_low", "conversion_value_high"} <= set(credits)
    assert credits.conversions.sum() == pytest.approx(7)
    assert (credits.conversions_low <= credits.conversions + 1e-9).all()


def test_model_options_and_stdout(paths_csv):
    result = run("-m", "markov", "-i", str(paths_csv), "--order", "2", "--bootstrap", "0", "--details")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0] == ("channel,conversions,conversion_value,removal_effect,removal_effect_value")
    assert "markov: 4 channels, 4 distinct paths, 19 journeys, 7 conversions" in result.stderr
    shapley = run("-m", "shapley", "-i", str(paths_csv), "--value-function", "conversion_rate", "--exact")
    assert shapley.exit_code == 0, shapley.output


def test_errors_name_what_to_fix(paths_csv, tmp_path):
    missing = run("-m", "linear", "-i", str(tmp_path / "nope.csv"))
    assert missing.exit_code == 1 and "no such file" in missing.output
    no_days = run("-m", "time_decay", "-i", str(paths_csv))
    assert no_days.exit_code == 1 and "days_before_conversion" in no_days.output
    wrong_option = run("-m", "markov", "-i", str(paths_csv), "--half-life", "3")
    assert wrong_option.exit_code == 2 and "--half-life applies to --model time_decay only" in wrong_option.output
    unknown = run("-m", "markv", "-i", str(paths_csv))
    assert unknown.exit_code == 2 and "'markv' is not one of" in unknown.output
    bad = tmp_path / "bad.csv"
    bad.write_text("path,total_conversions\nemail,-1\n")
    negative = run("-m", "linear", "-i", str(bad), "-o", str(tmp_path / "out.csv"))
    assert negative.exit_code == 1 and "line 2: total_conversions is -1" in negative.output
    assert not (tmp_path / "out.csv").exists()


def test_python_dash_m(paths_csv, tmp_path):
    output = tmp_path / "credits.csv"
    done = subprocess.run(
        [sys.executable, "-m", "attribution", "--model", "linear", "--input", str(paths_csv), "--output", str(output)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert pd.read_csv(output).conversions.sum() == pytest.approx(7)


def test_without_input_or_warehouse_names_both(paths_csv):
    result = run("--input", str(paths_csv))
    assert result.exit_code == 2
    assert "give --model and --input (a path CSV), or --warehouse" in result.output


@pytest.mark.parametrize(
    ("extra", "named"),
    [(["--model", "markov"], "--model"), (["--order", "2"], "--order"), (["--bootstrap", "10"], "--bootstrap")],
)
def test_warehouse_mode_refuses_file_options(extra, named):
    result = run("--warehouse", *extra)
    assert result.exit_code == 2
    assert f"--warehouse runs the warehouse's configured models; drop {named}" in result.output
