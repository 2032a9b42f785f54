"""Attribution on 1,000,000 journeys: our models against ChannelAttribution and marketing-attribution-models.

Run in the bench venv, where the peers are installed (``make bench`` builds it; bench/requirements.txt):

    .venv-bench/bin/python -m bench.attribution_bench [--journeys 1000000] [--write docs/benchmarks.md]

The journeys are ``attribution.synthetic`` (seeded, 10 channels, repeats, a conversion model with one effect per
channel). What is timed:

- **ours, end to end**: what the Airflow task ``attribute`` does, minus the dbt rebuild: the 1,000,000 journeys sit
  in a warehouse table shaped like ``core.int_attribution_paths`` (one row per journey); ``attribution.warehouse.run``
  aggregates them in PostgreSQL, streams the paths out with COPY, runs Markov order 1 and 2 and Shapley, and writes
  per-path credits and channel totals back with COPY, in one transaction. Once without and once with the bootstrap
  intervals (200 replicates per model) that the task computes by default.
- **ours, in memory**: each model on the aggregated paths, as ``attribution.attribute``.
- **ChannelAttribution** (2.2.5, its defaults: ``nsim_start=1e5``, ``ncore=1``) ``markov_model`` order 1 and 2 and
  ``heuristic_models``, given the same aggregated paths in memory (no warehouse I/O: the comparison favours it).
- **marketing-attribution-models** (MAM, ``mam``) heuristics and ``run_markov`` on the same aggregated paths in its
  ``grouped_journey`` format (one row per path and outcome with its count), in memory.

Agreement: Markov removal effects against ChannelAttribution's, whose own run-to-run scatter (two seeds) measures
its Monte-Carlo tolerance; first touch, last touch and linear credits against both peers'.
Results are printed and, with ``--write``, replace the "## Attribution" section of the given file.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import json
import os
import re
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

import attribution
from attribution import warehouse as dd
from attribution.synthetic import synthetic_journeys
from bench.harness import bench_warehouse, machine, settle
from purchase_path.settings import PROJECT_ROOT

SECTION = "## Attribution"
RESULTS = PROJECT_ROOT / ".data" / "bench" / "attribution.json"
SCHEMA = "bench_attribution"
SEEDS = (0, 1, 2, 3, 4)  # ChannelAttribution runs per order: their spread is its Monte-Carlo tolerance
JOURNEYS = f"{SCHEMA}.journeys"


def clock(action):
    started = time.perf_counter()
    result = action()
    return result, time.perf_counter() - started


@contextlib.contextmanager
def quiet():
    """ChannelAttribution prints to stdout from C++; keep the bench's own output readable."""
    stdout = os.dup(1)
    with open(os.devnull, "w") as devnull:
        os.dup2(devnull.fileno(), 1)
        try:
            yield
        finally:
            sys.stdout.flush()
            os.dup2(stdout, 1)
            os.close(stdout)


def journeys_frame(n: int, seed: int) -> pd.DataFrame:
    """One row per journey: path (``>``-joined, no spaces, as the warehouse writes it), converted, revenue."""
    frame = synthetic_journeys(n, n_channels=10, seed=seed, aggregate=False)
    return pd.DataFrame(
        {
            "channel_path": frame["path"].str.replace(" > ", ">", regex=False),
            "is_converted": frame["total_conversions"] > 0,
            "revenue": frame["total_conversion_value"].where(frame["total_conversions"] > 0),
        }
    )


def load_journeys(warehouse, frame: pd.DataFrame) -> None:
    with warehouse.connect() as conn:
        conn.execute(f"drop schema if exists {SCHEMA} cascade")
        conn.execute(f"create schema {SCHEMA}")
        conn.execute(
            f"create table {JOURNEYS} (journey_id text, conversion_id text, customer_key text, "
            "is_converted boolean, revenue numeric, ended_at timestamptz, touch_count integer, channel_path text)"
        )
        text = frame.assign(journey_id=np.arange(len(frame)).astype(str)).to_csv(
            index=False, header=False, columns=["journey_id", "channel_path", "is_converted", "revenue"]
        )
        with conn.cursor().copy(
            f"copy {JOURNEYS} (journey_id, channel_path, is_converted, revenue) from stdin with (format csv)"
        ) as copy:
            copy.write(text)
        conn.execute(f"analyze {JOURNEYS}")


def ours_end_to_end(warehouse, replicates: int) -> dict:
    settle(warehouse)
    with warehouse.connect() as conn:
        summary, seconds = clock(
            lambda: dd.run(
                conn,
                run_label="bench",
                replicates=replicates,
                journeys=JOURNEYS,
                path_credits=f"{SCHEMA}.path_credits",
                channel_credits=f"{SCHEMA}.channel_credits",
            )
        )
    return {**summary.as_dict(), "total_seconds": seconds, "replicates": replicates}


def ours_in_memory(paths: attribution.Paths) -> tuple[dict, dict]:
    times, credits = {}, {}
    for label, model, options in (
        ("first_touch", "first_touch", {}),
        ("last_touch", "last_touch", {}),
        ("linear", "linear", {}),
        ("position_based", "position_based", {}),
        ("markov_order_1", "markov", {"order": 1}),
        ("markov_order_2", "markov", {"order": 2}),
        ("shapley", "shapley", {}),
    ):
        result, times[label] = clock(lambda model=model, options=options: attribute(paths, model, **options))
        credits[label] = result
    return times, credits


def attribute(paths, model, **options):
    return attribution.attribute(paths, model, **options)


def by_channel(credits: attribution.Credits, column: str = "conversions") -> pd.Series:
    frame = credits.to_frame(details=True).set_index("channel")
    return frame[column]


def channel_attribution(aggregated: pd.DataFrame) -> dict:
    import ChannelAttribution as ca

    out: dict = {"version": _version("ChannelAttribution"), "times": {}, "removal_effects": {}, "credits": {}}
    for order in (1, 2):
        for seed in SEEDS:
            with quiet():
                result, seconds = clock(
                    lambda order=order, seed=seed: ca.markov_model(
                        aggregated,
                        "path",
                        "total_conversions",
                        var_value="total_conversion_value",
                        var_null="total_null",
                        order=order,
                        out_more=True,
                        verbose=False,
                        seed=seed,
                    )
                )
            effects = result["removal_effects"].set_index("channel_name").iloc[:, 0]
            out["removal_effects"][f"order_{order}_seed_{seed}"] = effects.to_dict()
            if seed == 0:
                out["times"][f"markov_order_{order}"] = seconds
    with quiet():
        heuristics, out["times"]["heuristics"] = clock(
            lambda: ca.heuristic_models(aggregated, "path", "total_conversions", var_value="total_conversion_value")
        )
    heuristics = heuristics.set_index("channel_name")
    for ours, theirs in (("first_touch", "first_touch"), ("last_touch", "last_touch"), ("linear", "linear_touch")):
        out["credits"][ours] = heuristics[f"{theirs}_conversions"].to_dict()
    return out


def mam(aggregated: pd.DataFrame) -> dict:
    from mam import MAM

    paths = aggregated["path"].str.replace(">", " > ", regex=False)
    rows = pd.concat(
        [
            pd.DataFrame({"path": paths, "converted": True, "occurrences": aggregated["total_conversions"]}),
            pd.DataFrame({"path": paths, "converted": False, "occurrences": aggregated["total_null"]}),
        ],
        ignore_index=True,
    )
    rows = rows[rows["occurrences"] > 0].reset_index(drop=True)
    out: dict = {"version": _version("marketing-attribution-models"), "times": {}, "credits": {}}
    model, out["times"]["prepare"] = clock(lambda: MAM(rows, "grouped_journey", "path", "converted"))
    for label, method in (
        ("first_touch", "run_first_click"),
        ("last_touch", "run_last_click"),
        ("linear", "run_linear"),
        ("position_based", "run_position_based"),
        ("markov_order_1", "run_markov"),
    ):
        result, out["times"][label] = clock(lambda method=method: getattr(model, method)())
        frame = result.to_pandas().set_index("channels")["attribution"]
        out["credits"][label] = frame.to_dict()
        if label == "markov_order_1":
            out["removal_effects"] = result.metadata["removal_effect"]["removal_effect"].to_dict()
    return out


def _version(distribution: str) -> str:
    from importlib.metadata import version

    return version(distribution)


def largest_gap(ours: pd.Series, theirs: dict) -> float:
    other = pd.Series(theirs, dtype=float).reindex(ours.index)
    return float((ours - other).abs().max())


def measure(args) -> dict:
    frame = journeys_frame(args.journeys, args.seed)
    aggregated = (
        frame.assign(conv=frame["is_converted"].astype(int), null=(~frame["is_converted"]).astype(int))
        .groupby("channel_path", sort=False)
        .agg(
            total_conversions=("conv", "sum"),
            total_conversion_value=("revenue", "sum"),
            total_null=("null", "sum"),
        )
        .reset_index()
        .rename(columns={"channel_path": "path"})
    )
    paths = attribution.from_frame(aggregated)
    results: dict = {
        "journeys": args.journeys,
        "conversions": int(frame["is_converted"].sum()),
        "distinct_paths": len(aggregated),
        "touches": int(paths.lengths.astype(np.int64) @ paths.journeys.astype(np.int64)),
        "seed": args.seed,
    }
    print(f"{args.journeys:,} journeys, {len(aggregated):,} distinct paths", file=sys.stderr, flush=True)
    with bench_warehouse() as warehouse:
        results["machine"] = machine(warehouse)
        load_journeys(warehouse, frame)
        results["end_to_end"] = [ours_end_to_end(warehouse, 0)] + [
            ours_end_to_end(warehouse, 200) for _ in range(1 if args.bootstrap else 0)
        ]
        for _ in range(args.trials - 1):
            results["end_to_end"].append(ours_end_to_end(warehouse, 0))
    print(
        "ours end to end:", [round(r["total_seconds"], 2) for r in results["end_to_end"]], file=sys.stderr, flush=True
    )
    times, credits = ours_in_memory(paths)
    results["ours"] = {
        "times": times,
        "removal_effects": {
            f"order_{k}": by_channel(credits[f"markov_order_{k}"], "removal_effect").to_dict() for k in (1, 2)
        },
        "credits": {label: by_channel(c).to_dict() for label, c in credits.items()},
    }
    print("ours in memory:", {k: round(v, 2) for k, v in times.items()}, file=sys.stderr, flush=True)
    for name, runner in (("channel_attribution", channel_attribution), ("mam", mam)):
        try:
            results[name] = runner(aggregated)
            print(name, {k: round(v, 2) for k, v in results[name]["times"].items()}, file=sys.stderr, flush=True)
        except ImportError as error:
            results[name] = {"missing": f"{type(error).__name__}: {error}"}
    return results


def render(results: dict, command: str) -> str:
    ours, ca, mm = results["ours"], results.get("channel_attribution", {}), results.get("mam", {})
    plain = [r for r in results["end_to_end"] if r["replicates"] == 0]
    boot = [r for r in results["end_to_end"] if r["replicates"]]
    e2e = float(np.median([r["total_seconds"] for r in plain]))
    m = results["machine"]
    lines = [
        SECTION,
        "",
        f"_Written by `{command}` on {datetime.date.today().isoformat()}; change the benchmark, not these numbers._",
        "",
        f"Machine: {m.get('cpu', '?')}, {m.get('memory', '?')}, {m.get('os', '?')}, Python {m.get('python', '?')}, "
        f"PostgreSQL {m.get('postgresql', '?')}; load average when it started {m.get('load_average', '?')} (a "
        "shared machine: times vary between runs).",
        "",
        f"{results['journeys']:,} synthetic journeys (`attribution.synthetic`, seed {results['seed']}, 10 channels, "
        f"{results['touches']:,} touches, {results['conversions']:,} conversions, {results['distinct_paths']:,} "
        "distinct paths).",
        "",
        "### End to end in the warehouse",
        "",
        "What the Airflow task `attribute` does (without its dbt rebuild): PostgreSQL aggregates the journeys table "
        "(one row per journey), the paths come out with COPY, Markov order 1 and 2 and Shapley run, and per-path "
        "credits and channel totals go back with COPY in one transaction.",
        "",
        "| run | read | markov order 1 | markov order 2 | shapley | write | total |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    typical = sorted(plain, key=lambda run: run["total_seconds"])[len(plain) // 2]
    for run in [typical, *boot]:
        step = run["seconds"]
        label = (
            "no intervals (median run)"
            if run["replicates"] == 0
            else f"with {run['replicates']} bootstrap replicates per model"
        )
        lines.append(
            f"| {label} | {step['read']:.2f} s | {step.get('markov_order_1', 0):.2f} s | "
            f"{step.get('markov_order_2', 0):.2f} s | {step.get('shapley', 0):.2f} s | {step['write']:.2f} s | "
            f"**{run['total_seconds']:.2f} s** |"
        )
    lines += [
        "",
        f"Median of {len(plain)} runs without intervals: **{e2e:.2f} s** for {results['journeys']:,} journeys "
        f"({typical['path_credit_rows']:,} path credits written). Target: under 10 s. The bootstrap intervals the task "
        "computes by default cost most of their time in the order-2 chain, which is re-solved for every replicate.",
        "",
        "### Against the peers (same aggregated paths, in memory)",
        "",
        "| model | ours | ChannelAttribution | marketing-attribution-models |",
        "| --- | ---: | ---: | ---: |",
    ]
    ca_times, mam_times = ca.get("times", {}), mm.get("times", {})
    rows = [
        ("first touch", ours["times"]["first_touch"], ca_times.get("heuristics"), mam_times.get("first_touch")),
        ("last touch", ours["times"]["last_touch"], None, mam_times.get("last_touch")),
        ("linear", ours["times"]["linear"], None, mam_times.get("linear")),
        ("position-based", ours["times"]["position_based"], None, mam_times.get("position_based")),
        (
            "Markov order 1",
            ours["times"]["markov_order_1"],
            ca_times.get("markov_order_1"),
            mam_times.get("markov_order_1"),
        ),
        ("Markov order 2", ours["times"]["markov_order_2"], ca_times.get("markov_order_2"), None),
        ("Shapley", ours["times"]["shapley"], None, None),
    ]
    for name, a, b, c in rows:
        cells = [f"{a:.2f} s", _cell(b, "all heuristics in one call" if name == "first touch" else None), _cell(c)]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    if mam_times.get("prepare") is not None:
        lines.append(f"| (MAM's input preparation, once) | | | {mam_times['prepare']:.2f} s |")
    lines += ["", *agreement(results), ""]
    for name, peer in (("ChannelAttribution", ca), ("marketing-attribution-models", mm)):
        if peer.get("missing"):
            lines.append(f"{name} could not be run here: {peer['missing']}.")
    if ca.get("version") or mm.get("version"):
        lines.append(
            f"Versions: ChannelAttribution {ca.get('version', '-')}, marketing-attribution-models "
            f"{mm.get('version', '-')} (bench venv only; never project dependencies, ChannelAttribution is GPL)."
        )
    lines.append("")
    return "\n".join(lines)


def _cell(value: float | None, note: str | None = None) -> str:
    if value is None:
        return "–"
    return f"{value:.2f} s" + (f" ({note})" if note else "")


def agreement(results: dict) -> list[str]:
    ours, ca, mm = results["ours"], results.get("channel_attribution", {}), results.get("mam", {})
    lines = ["Agreement:", ""]
    if ca.get("removal_effects"):
        spreads = {}
        for order in (1, 2):
            mine = pd.Series(ours["removal_effects"][f"order_{order}"])
            runs = pd.DataFrame(
                {seed: pd.Series(ca["removal_effects"][f"order_{order}_seed_{seed}"]) for seed in SEEDS}
            ).reindex(mine.index)
            spreads[order] = float((runs.max(axis=1) - runs.min(axis=1)).max())
            outside = float(((mine - runs.max(axis=1)).clip(lower=0) + (runs.min(axis=1) - mine).clip(lower=0)).max())
            gap = float(runs.sub(mine, axis=0).abs().max().max())
            lines.append(
                f"- Markov order {order} removal effects over {len(SEEDS)} ChannelAttribution runs (seeds "
                f"{SEEDS[0]}–{SEEDS[-1]}): they spread over up to {spreads[order]:.4f} per channel; ours differ from "
                f"them by at most {gap:.4f} and lie "
                + (
                    "inside their range for every channel."
                    if outside == 0
                    else f"at most {outside:.4f} outside their range."
                )
            )
        tolerance = max(spreads.values())
        gap = max_gap(ours, ca)
        lines.append(
            f"- Against ChannelAttribution's Monte-Carlo tolerance (the widest spread of its own runs, "
            f"{tolerance:.4f}), ours differ from its runs by at most {gap:.4f}: "
            + ("within it." if round(gap, 4) <= round(tolerance, 4) else "more than its own runs differ.")
            + " At order 1 marketing-attribution-models solves the same chain exactly and agrees with ours to "
            "rounding (below)."
        )
        for label in ("first_touch", "last_touch", "linear"):
            gap = largest_gap(pd.Series(ours["credits"][label]), ca["credits"][label])
            lines.append(f"- {label.replace('_', ' ')}: largest credit difference from ChannelAttribution {gap:.2g}.")
    if mm.get("credits"):
        for label in ("first_touch", "last_touch", "linear", "position_based"):
            gap = largest_gap(pd.Series(ours["credits"][label]), mm["credits"][label])
            lines.append(f"- {label.replace('_', ' ')}: largest credit difference from MAM {gap:.2g}.")
        mine = pd.Series(ours["removal_effects"]["order_1"])
        gap = largest_gap(mine, mm["removal_effects"])
        lines.append(f"- Markov order 1 removal effects: largest difference from MAM {gap:.2g}.")
    return lines


def max_gap(ours: dict, ca: dict) -> float:
    """Largest difference between our removal effects and any ChannelAttribution run, over both orders."""
    gaps = []
    for order in (1, 2):
        mine = pd.Series(ours["removal_effects"][f"order_{order}"])
        for seed in SEEDS:
            theirs = pd.Series(ca["removal_effects"][f"order_{order}_seed_{seed}"]).reindex(mine.index)
            gaps.append(float((mine - theirs).abs().max()))
    return max(gaps)


def replace_section(path: Path, section: str) -> None:
    """Replace this section of ``path`` (up to the next ``## `` heading), or append it when missing."""
    text = path.read_text()
    if SECTION not in text.splitlines():
        path.write_text(text.rstrip("\n") + "\n\n" + section)
        return
    start = re.search(rf"^{re.escape(SECTION)}$", text, flags=re.MULTILINE).start()
    following = re.search(r"^## ", text[start + len(SECTION) :], flags=re.MULTILINE)
    end = start + len(SECTION) + following.start() if following else len(text)
    path.write_text(text[:start] + section + ("\n" + text[end:] if following else ""))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--journeys", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--trials", type=int, default=3, help="end-to-end runs without intervals (median)")
    parser.add_argument("--no-bootstrap", dest="bootstrap", action="store_false", help="skip the timed bootstrap")
    parser.add_argument("--write", type=Path, help="rewrite this file's 'Attribution' section")
    parser.add_argument("--render-only", action="store_true", help="render the last run's results, measure nothing")
    args = parser.parse_args()
    command = "python -m bench.attribution_bench" + (f" --journeys {args.journeys}" if args.journeys != 1e6 else "")
    if args.render_only:
        results = json.loads(RESULTS.read_text())
    else:
        results = measure(args)
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        RESULTS.write_text(json.dumps(results, indent=2, default=float))
    section = render(results, command)
    print(section)
    if args.write:
        replace_section(args.write, section)
        print(f"wrote the '{SECTION[3:]}' section of {args.write}", file=sys.stderr)


if __name__ == "__main__":
    main()
