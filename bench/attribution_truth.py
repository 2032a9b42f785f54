"""Which attribution model to trust: every model's channel shares against the sandbox world's true contributions.

The sandbox world states its conversion model (sandbox/conversion.py) and publishes each channel's true
contribution: the expected first purchases lost if the channel's touches were removed, an exact expectation over
the conversion draws (``channel_contributions.csv`` of ``purchase-path sandbox truth``). This script takes the
same world's true journeys (touches.csv: every web visit and event scan of a buyer before their first purchase,
with perfect identity), runs every model of the ``attribution`` package on them, and scores each model's channel
shares against the true shares with :func:`attribution.truth.score` (the stakeholder report uses the same score):

- **share error**: half the sum over channels of |model share − true share| (total variation distance, in
  percentage points): the share of all credit the model puts on the wrong channels. 0 is perfect.
- **largest miss**: the channel whose share is furthest off, and by how much.
- **rank correlation**: Spearman's ρ between the model's and the true channel ranking.

Reproduce: ``python -m bench.attribution_truth --buyers 20000 --seed 42 --write docs/attribution.md`` rewrites the
"## Which model to trust" section of docs/attribution.md (and only that section). The world is regenerated from
its seed, so the table is the same on every machine.

This scores the models on perfect journeys. The warehouse's journeys add identity stitching and channel rules on
top; scoring the warehouse's own credits (``core.data_driven_channel_credits`` and ``mart_attribution``) against
the same truth is the end-to-end check, once every source feeds the core.
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

import attribution
from attribution.truth import score

SECTION = "## Which model to trust"
MODELS: tuple[tuple[str, str, dict], ...] = (
    ("first_touch", "first_touch", {}),
    ("last_touch", "last_touch", {}),
    ("last_non_direct", "last_non_direct", {}),
    ("linear", "linear", {}),
    ("time_decay (7 d)", "time_decay", {"half_life": 7.0}),
    ("position_based", "position_based", {}),
    ("markov order 1", "markov", {"order": 1}),
    ("markov order 2", "markov", {"order": 2}),
    ("shapley", "shapley", {}),
    ("shapley (conversion rate)", "shapley", {"value_function": "conversion_rate"}),
)


def true_journeys(truth: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The world's journeys to a first purchase, one row per journey, and its channel contributions."""
    touches = pd.read_csv(
        truth / "touches.csv",
        usecols=["buyer_id", "touch_seq", "touched_at", "channel", "before_first_purchase"],
        dtype={"before_first_purchase": str},
    )
    buyers = pd.read_csv(truth / "buyers.csv", usecols=["buyer_id", "first_purchase_at"])
    contributions = pd.read_csv(truth / "channel_contributions.csv")
    touches = touches[touches["before_first_purchase"].str.lower() == "true"]
    touches = touches.merge(buyers, on="buyer_id", how="left").sort_values(["buyer_id", "touch_seq"])
    touched = pd.to_datetime(touches["touched_at"], utc=True)
    purchased = pd.to_datetime(touches["first_purchase_at"], utc=True)
    last_touch = touched.groupby(touches["buyer_id"]).transform("max")
    touches["days"] = ((purchased.fillna(last_touch) - touched).dt.total_seconds() / 86400).clip(lower=0)
    journeys = touches.groupby("buyer_id", sort=False).agg(
        path=("channel", " > ".join),
        days_before_conversion=("days", lambda d: " > ".join(f"{x:.4f}" for x in d)),
        converted=("first_purchase_at", lambda p: p.notna().any()),
    )
    journeys["total_conversions"] = journeys["converted"].astype(int)
    journeys["total_null"] = 1 - journeys["total_conversions"]
    return journeys.reset_index(drop=True), contributions


def compare(journeys: pd.DataFrame, contributions: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per model: channel shares and the scores."""
    paths = attribution.from_frame(journeys, source="truth")
    truth = contributions.set_index("channel")["contribution_share"]
    channels = list(truth.index)
    shares = {"truth": truth}
    scores = []
    for label, model, options in MODELS:
        credits = attribution.attribute(paths, model, **options).to_frame().set_index("channel")["conversions"]
        credits = credits.reindex(channels, fill_value=0.0)
        shares[label] = credits / credits.sum()
        scores.append({"model": label, **score(shares[label], truth)})
    table = pd.DataFrame(shares)
    return table, pd.DataFrame(scores).sort_values("share_error").reset_index(drop=True)


def render(table: pd.DataFrame, scores: pd.DataFrame, meta: dict) -> str:
    lines = [
        SECTION,
        "",
        f"_Written by `python -m bench.attribution_truth {meta['args']}` on {meta['date']}; change the script, not "
        "these numbers._",
        "",
        f"The sandbox world (seed {meta['seed']}, {meta['buyers']:,} buyers, {meta['journeys']:,} journeys, "
        f"{meta['conversions']:,} first purchases) knows each channel's true contribution: the expected first "
        "purchases lost without the channel's touches (sandbox/conversion.py). Each model ran on the world's true "
        "journeys (every web visit and event scan before the first purchase, perfect identity). **Share error** is "
        "half the summed absolute difference between the model's channel shares and the true shares, in percentage "
        "points (the share of credit on the wrong channels; 0 is perfect); **ρ** is the rank correlation of the "
        "channel order.",
        "",
        "| model | share error (pp) | largest miss (pp) | ρ |",
        "| --- | ---: | --- | ---: |",
    ]
    for row in scores.itertuples():
        lines.append(f"| {row.model} | {row.share_error:.1f} | {row.largest_miss} | {row.rank_correlation:.2f} |")
    lines += ["", "Channel shares (%), truth first:", ""]
    header = ["channel", *table.columns]
    lines.append("| " + " | ".join(header) + " |")
    lines.append("| --- |" + " ---: |" * len(table.columns))
    for channel, row in table.iterrows():
        lines.append(f"| {channel} | " + " | ".join(f"{100 * value:.1f}" for value in row) + " |")
    best, worst = scores.iloc[0], scores.iloc[-1]
    lines += [
        "",
        f"On this world {best.model} comes closest ({best.share_error:.1f} pp of the credit misplaced) and "
        f"{worst.model} is furthest off ({worst.share_error:.1f} pp). The models' shares carry the sampling noise of "
        f"{meta['conversions']:,} realised conversions; the truth is an exact expectation and carries none. The "
        "truth is one world's conversion model (additive hazards per touch, sandbox/conversion.py): a model that "
        "scores well here is not proven right for every market, but one that scores badly on a known answer "
        "deserves doubt. The stakeholder report's section on this comparison comes later.",
        "",
    ]
    return "\n".join(lines)


def replace_section(path: Path, section: str) -> None:
    """Replace this section of ``path`` (up to the next ``## `` heading), or append it when it is missing."""
    text = path.read_text()
    if SECTION not in text:
        path.write_text(text.rstrip("\n") + "\n\n" + section)
        return
    start = text.index(SECTION)
    following = re.search(r"^## ", text[start + len(SECTION) :], flags=re.MULTILINE)
    end = start + len(SECTION) + following.start() if following else len(text)
    path.write_text(text[:start] + section + ("\n" + text[end:] if following else ""))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--buyers", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--workers", type=int, default=2, help="processes generating the world")
    parser.add_argument("--truth", type=Path, help="an existing `sandbox truth` folder instead of generating one")
    parser.add_argument("--write", type=Path, help="rewrite this file's 'Which model to trust' section")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="attribution-truth-") as folder:
        truth = args.truth
        if truth is None:
            from sandbox.world import World

            truth = Path(folder)
            World.generate(seed=args.seed, buyers=args.buyers).write_truth(truth, workers=args.workers)
        journeys, contributions = true_journeys(truth)
    table, scores = compare(journeys, contributions)
    meta = {
        "args": f"--buyers {args.buyers} --seed {args.seed}",
        "date": date.today().isoformat(),
        "seed": args.seed,
        "buyers": args.buyers,
        "journeys": len(journeys),
        "conversions": int(journeys["total_conversions"].sum()),
    }
    section = render(table, scores, meta)
    print(section)
    print(f"({time.perf_counter() - started:.1f} s)", file=sys.stderr)
    if args.write:
        replace_section(args.write, section)
        print(f"wrote the '{SECTION[3:]}' section of {args.write}", file=sys.stderr)


if __name__ == "__main__":
    np.seterr(all="ignore")
    main()
