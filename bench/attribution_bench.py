"""Attribution on 1,000,000 journeys: our models against ChannelAttribution and marketing-attribution-models.

Run in the bench venv, where the peers are installed (``make bench`` builds it; bench/requirements.txt):

    .venv-bench/bin/python -m bench.attribution_bench [--journeys 1000000] [--write docs/benchmarks.md]

The journeys are ``attribution.synthetic`` (seeded, 10 channels, repeats, a conversion model with one effect per
channel). What is timed:

- **ours, end to end**: what the Airflow task ``attribute`` does, minus the dbt rebuild: the 1,000,000 journeys sit
  in a warehouse table shaped like ``core.int_attribution_paths`` (one row per journey); ``attribution.warehouse.run``
  aggregates them in PostgreSQL, streams the paths out with COPY, runs Markov order 1 and 2 and Shapley, and writes
  per-path credits and channel totals back with COPY, in one transaction. With the bootstrap intervals (200
  replicates, one set of resampled journeys shared by the three models) that the task computes by default, and
  without them; the median of ``--trials`` runs each.
- **ours, in memory**: each model on the aggregated paths, as ``attribution.attribute``.
- **ChannelAttribution** (2.2.5, its defaults: ``nsim_start=1e5``, ``ncore=1``) ``markov_model`` order 1 and 2 and
  ``heuristic_models``, given the same aggregated paths in memory (no warehouse I/O: the comparison favours it).
- **marketing-attribution-models** (MAM, ``mam``) heuristics and ``run_markov`` on the same aggregated paths in its
  ``grouped_journey`` format (one row per path and outcome with its count), in memory.

Agreement: ChannelAttribution estimates the Markov chain's removal effects by simulation, so its answer depends on its
seed. Its Monte-Carlo tolerance is measured, not assumed: ``markov_model`` runs per order with seeds 0, 1, 2, ...
until ten give distinct results (its seed is coarse: several seeds repeat one simulation exactly), and per channel
its credit shares' mean, standard deviation and the 95 % band of one run (mean ± t₀.₉₇₅,₉ · sd · √(1 + 1/10), a
prediction interval) are set against our exact shares: inside the band means our answer is one ChannelAttribution
could have printed. First touch, last touch and linear credits are compared with both peers'.
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
RUNS = 10  # distinct ChannelAttribution runs per order: their spread is its Monte-Carlo tolerance
MAX_SEEDS = 40  # seeds tried to find them (several seeds give the very same simulation, see channel_attribution)
CONFIDENCE = 0.95  # of the band one ChannelAttribution run falls in
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

    out: dict = {
        "version": _version("ChannelAttribution"),
        "times": {},
        "removal_effects": {},
        "shares": {},
        "credits": {},
    }
    for order in (1, 2):
        # ChannelAttribution's seed is deterministic but coarse: different seeds often give the very same simulation
        # (seeds 1-4 all printed identical numbers at order 2). Identical runs say nothing about its Monte-Carlo
        # error, so seeds 0, 1, 2, ... are tried until RUNS of them give distinct results.
        seen, repeated = [], []
        for seed in range(MAX_SEEDS):
            if len(seen) == RUNS:
                break
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
            if seed == 0:
                out["times"][f"markov_order_{order}"] = seconds
            effects = result["removal_effects"].set_index("channel_name").iloc[:, 0]
            if any(effects.equals(earlier) for earlier in seen):
                repeated.append(seed)
                continue
            seen.append(effects)
            out["removal_effects"][f"order_{order}_seed_{seed}"] = effects.to_dict()
            credited = result["result"].set_index("channel_name")["total_conversions"]
            out["shares"][f"order_{order}_seed_{seed}"] = (credited / credited.sum()).to_dict()
        out.setdefault("repeated_seeds", {})[f"order_{order}"] = repeated
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
        results["end_to_end"] = []
        for _ in range(args.trials):  # alternate, so that a burst of load on the shared machine hits both kinds
            results["end_to_end"].append(ours_end_to_end(warehouse, 200 if args.bootstrap else 0))
            if args.bootstrap:
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
    results["load_average_after"] = " ".join(f"{value:.1f}" for value in os.getloadavg())
    return results


def render(results: dict, command: str) -> str:
    ours, ca, mm = results["ours"], results.get("channel_attribution", {}), results.get("mam", {})
    plain = [r for r in results["end_to_end"] if r["replicates"] == 0]
    boot = [r for r in results["end_to_end"] if r["replicates"]]
    m = results["machine"]
    lines = [
        SECTION,
        "",
        f"_Written by `{command}` on {datetime.date.today().isoformat()}; change the benchmark, not these numbers._",
        "",
        f"Machine: {m.get('cpu', '?')}, {m.get('memory', '?')}, {m.get('os', '?')}, Python {m.get('python', '?')}, "
        f"PostgreSQL {m.get('postgresql', '?')}; load average when it started {m.get('load_average', '?')}"
        + (f", when it ended {results['load_average_after']}" if results.get("load_average_after") else "")
        + " (a shared machine: times vary between runs).",
        "",
        f"{results['journeys']:,} synthetic journeys (`attribution.synthetic`, seed {results['seed']}, 10 channels, "
        f"{results['touches']:,} touches, {results['conversions']:,} conversions, {results['distinct_paths']:,} "
        "distinct paths).",
        "",
        "### End to end in the warehouse",
        "",
        "What the Airflow task `attribute` does (without its dbt rebuild): PostgreSQL aggregates the journeys table "
        "(one row per journey), the paths come out with COPY, Markov order 1 and 2 and Shapley run, their bootstrap "
        "intervals are computed (200 replicates, one set of resampled journeys shared by the three models), and "
        "per-path credits and channel totals go back with COPY in one transaction.",
        "",
        "| run (median of its kind) | read | markov order 1 | markov order 2 | shapley | intervals | write | total |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for runs in (boot, plain):
        if not runs:
            continue
        run = _median_run(runs)
        step = run["seconds"]
        label = (
            f"with {run['replicates']} bootstrap replicates ({len(runs)} runs)"
            if run["replicates"]
            else f"no intervals ({len(runs)} runs)"
        )
        lines.append(
            f"| {label} | {step['read']:.2f} s | {step.get('markov_order_1', 0):.2f} s | "
            f"{step.get('markov_order_2', 0):.2f} s | {step.get('shapley', 0):.2f} s | "
            f"{step.get('intervals', 0):.2f} s | {step['write']:.2f} s | **{run['total_seconds']:.2f} s** |"
        )
    headline = _median_run(boot or plain)
    met = headline["total_seconds"] < 10
    lines += [
        "",
        f"{results['journeys']:,} journeys end to end "
        + ("with every data-driven credit's interval" if boot else "without intervals")
        + f": **{headline['total_seconds']:.2f} s** ({headline['path_credit_rows']:,} path credits written); "
        f"target under 10 s: {'met' if met else 'not met'}. Times vary by run: "
        + ", ".join(f"{r['total_seconds']:.1f}" for r in results["end_to_end"])
        + " s in the order they ran.",
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


def _median_run(runs: list[dict]) -> dict:
    return sorted(runs, key=lambda run: run["total_seconds"])[len(runs) // 2]


def agreement(results: dict) -> list[str]:
    ours, ca, mm = results["ours"], results.get("channel_attribution", {}), results.get("mam", {})
    lines = ["Agreement:", ""]
    if ca.get("removal_effects"):
        for order in (1, 2):
            seeds = _seeds(ca, order)
            tolerance = tolerance_table(ours, ca, order)
            inside = int(tolerance["inside"].sum())
            runs = pd.DataFrame(
                {seed: pd.Series(ca["removal_effects"][f"order_{order}_seed_{seed}"]) for seed in _seeds(ca, order)}
            ).reindex(tolerance.index)
            mine = pd.Series(ours["removal_effects"][f"order_{order}"]).reindex(tolerance.index)
            spread = float((runs.max(axis=1) - runs.min(axis=1)).max())
            offset = float((mine - runs.mean(axis=1)).abs().max())
            repeated = ca.get("repeated_seeds", {}).get(f"order_{order}", [])
            lines.append(
                f"- Markov order {order}, {len(seeds)} distinct ChannelAttribution runs (seeds {_seed_list(seeds)}"
                + (
                    f"; {len(repeated)} other seeds tried repeated an earlier seed's simulation exactly"
                    if repeated
                    else ""
                )
                + "): our "
                f"exact credit shares lie inside the {CONFIDENCE:.0%} band of one of its runs for {inside} of "
                f"{len(tolerance)} channels; its shares scatter with a standard deviation of up to "
                f"{tolerance['sd'].max() * 100:.2f} pp per channel, and ours differ from its mean by at most "
                f"{tolerance['gap'].abs().max() * 100:.2f} pp. Removal effects: its runs spread over up to "
                f"{spread:.4f} per channel; ours differ from its mean by at most {offset:.4f}."
            )
        lines.append(
            "- At order 1 marketing-attribution-models solves the same chain exactly and agrees with ours to "
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
    if ca.get("shares"):
        lines += ["", *tolerance_markdown(ours, ca, 2)]
    return lines


def _seed_list(seeds: list[int]) -> str:
    return ", ".join(str(seed) for seed in seeds)


def _seeds(ca: dict, order: int) -> list[int]:
    prefix = f"order_{order}_seed_"
    return sorted(int(key[len(prefix) :]) for key in ca["removal_effects"] if key.startswith(prefix))


def tolerance_table(ours: dict, ca: dict, order: int) -> pd.DataFrame:
    """Per channel: our exact share, ChannelAttribution's mean share over its seeds, their standard deviation, the
    band one more of its runs falls in with probability CONFIDENCE (a t prediction interval), and whether ours is
    inside it. ``z`` is our distance from its mean in standard errors of that mean: far beyond ±2 on many channels
    would mean the two estimate different chains, not the same chain with noise."""
    from scipy import stats

    mine = pd.Series(ours["credits"][f"markov_order_{order}"])
    mine = mine / mine.sum()
    seeds = _seeds(ca, order)
    runs = pd.DataFrame({seed: pd.Series(ca["shares"][f"order_{order}_seed_{seed}"]) for seed in seeds})
    runs = runs.reindex(mine.index)
    n = len(seeds)
    mean, sd = runs.mean(axis=1), runs.std(axis=1, ddof=1)
    half = stats.t.ppf((1 + CONFIDENCE) / 2, n - 1) * sd * np.sqrt(1 + 1 / n)
    table = pd.DataFrame({"ours": mine, "mean": mean, "sd": sd, "low": mean - half, "high": mean + half})
    table["inside"] = (table["ours"] >= table["low"]) & (table["ours"] <= table["high"])
    table["gap"] = table["ours"] - table["mean"]
    table["z"] = table["gap"] / (sd / np.sqrt(n)).where(sd > 0)
    return table


def tolerance_markdown(ours: dict, ca: dict, order: int) -> list[str]:
    table = tolerance_table(ours, ca, order)
    n = len(_seeds(ca, order))
    lines = [
        f"Markov order {order} per channel: our exact credit share against {n} distinct ChannelAttribution runs (its "
        f"defaults, seeds as above). The band is where one more of its runs falls with {CONFIDENCE:.0%} "
        f"probability (mean ± t · sd · √(1 + 1/{n})); z is our distance from its mean in standard errors of that mean.",
        "",
        "| channel | ours | ChannelAttribution mean | its sd | its 95 % band | ours inside | z |",
        "| --- | ---: | ---: | ---: | --- | --- | ---: |",
    ]
    for channel, row in table.iterrows():
        lines.append(
            f"| {channel} | {row['ours'] * 100:.2f} % | {row['mean'] * 100:.2f} % | {row['sd'] * 100:.2f} pp | "
            f"{row['low'] * 100:.2f}–{row['high'] * 100:.2f} % | {'yes' if row['inside'] else '**no**'} | "
            f"{row['z']:+.1f} |"
        )
    far = int((table["z"].abs() > 2).sum())
    lines += [
        "",
        f"Ours lie inside its band for {int(table['inside'].sum())} of {len(table)} channels. |z| > 2 on {far} "
        f"channel{'s' if far != 1 else ''}, where chance alone would give about {0.0455 * len(table):.1f} if its runs "
        "were independent and unbiased. Its seed is coarse (many seeds repeat one run exactly), so its distinct runs "
        "may not be fully independent either, which would narrow its spread and inflate z.",
    ]
    return lines


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
