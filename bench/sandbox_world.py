"""Benchmark: generate a sandbox world and write its ground truth, measuring time and peak memory.

    python bench/sandbox_world.py --buyers 1000000 [--workers 2] [--seed 42] [--out DIR] [--keep]

Runs ``World(config).write_truth(...)`` (the same code as ``purchase-path sandbox truth``) into a temporary folder
and reports wall time, buyers per second, CPU time (user + system, of this process and of its workers), the
files' sizes and row counts, the load average when it started and ended, and peak resident memory of this
process and of its worker processes (``resource.getrusage``: ``ru_maxrss`` is the largest resident set any one of
them reached, in KiB on Linux). The truth is streamed in chunks of buyers, so peak memory should not grow with
the number of buyers: run it at two sizes to see that.

    python bench/sandbox_world.py --buyers 1000000 --referral-share 20000

measures instead what the referral step (``generate_buyer`` over ``_generate_without_referral``: finding the
referrer of a buyer who arrived through a referral) adds to generating the first 20,000 buyers of a world that big,
chunk by chunk, with and without the step alternating, so that a change in the machine's load hits both alike.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sandbox.world import World, WorldConfig, _generate_without_referral, generate_buyer  # noqa: E402


def _lines(path: Path) -> int:
    with path.open("rb") as file:
        return sum(chunk.count(b"\n") for chunk in iter(lambda: file.read(1 << 20), b""))


def referral_share(config: WorldConfig, buyers: int, chunk: int = 500) -> dict:
    """What the referral step adds to generating buyers 0..buyers-1, in CPU seconds of this process (wall time on a
    shared machine measures the neighbours too): each chunk is generated without the step and with it, in
    alternating order, and the median of the chunks' ratios is the answer."""
    plain, whole, ratios = 0.0, 0.0, []
    for number, first in enumerate(range(0, buyers, chunk)):
        indices = range(first, min(first + chunk, buyers))
        seconds = {}
        for name, generate in (("plain", _generate_without_referral), ("whole", generate_buyer))[
            :: -1 if number % 2 else 1
        ]:
            started = time.process_time()
            for index in indices:
                generate(config, index)
            seconds[name] = time.process_time() - started
        plain, whole = plain + seconds["plain"], whole + seconds["whole"]
        ratios.append(seconds["whole"] / seconds["plain"])
    return {
        "world_buyers": config.buyers,
        "buyers_generated": buyers,
        "without_referral_cpu_s": round(plain, 2),
        "with_referral_cpu_s": round(whole, 2),
        "referral_step_adds": round(statistics.median(ratios) - 1, 3),
        "referral_step_adds_in_total": round(whole / plain - 1, 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--buyers", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--days", type=int, default=120)
    parser.add_argument("--workers", type=int, default=1, help="processes generating buyers (default 1)")
    parser.add_argument("--out", type=Path, help="where to write the truth (default: a temporary folder)")
    parser.add_argument("--keep", action="store_true", help="keep the written files")
    parser.add_argument("--json", action="store_true", help="print the result as one JSON line")
    parser.add_argument("--referral-share", type=int, metavar="N", help="measure the referral step on N buyers")
    args = parser.parse_args()

    if args.referral_share:
        config = WorldConfig(seed=args.seed, buyers=args.buyers, start=date(2026, 7, 1), days=args.days)
        print(json.dumps(referral_share(config, args.referral_share)))
        return
    out = args.out or Path(tempfile.mkdtemp(prefix="pp-bench-world-"))
    config = WorldConfig(seed=args.seed, buyers=args.buyers, start=date(2026, 7, 1), days=args.days)
    load_at_start = os.getloadavg()
    started = time.perf_counter()
    paths = World(config).write_truth(out, workers=args.workers)
    seconds = time.perf_counter() - started
    load_at_end = os.getloadavg()
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    files = {p.name: {"bytes": p.stat().st_size, "rows": _lines(p) - 1} for p in paths if p.suffix == ".csv"}
    result = {
        "buyers": args.buyers,
        "workers": args.workers,
        "seconds": round(seconds, 1),
        "buyers_per_second": round(args.buyers / seconds) if seconds else None,
        "peak_rss_mib_main": round(own.ru_maxrss / 1024, 1),
        "peak_rss_mib_worker": round(children.ru_maxrss / 1024, 1) if args.workers > 1 else None,
        # CPU seconds, user + system: on a busy machine the wall time says more about the neighbours than the code.
        "cpu_seconds_main": round(own.ru_utime + own.ru_stime, 1),
        "cpu_seconds_workers": round(children.ru_utime + children.ru_stime, 1),
        "files": files,
        "total_mib": round(sum(f["bytes"] for f in files.values()) / 2**20, 1),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        # The machine may be shared: how busy it was (1, 5, 15-minute load averages) when this started and ended.
        "load_average_at_start": [round(value, 1) for value in load_at_start],
        "load_average_at_end": [round(value, 1) for value in load_at_end],
    }
    if not args.keep and args.out is None:
        shutil.rmtree(out)
    if args.json:
        print(json.dumps(result))
        return
    print(
        f"{args.buyers:,} buyers, {args.workers} worker(s): {seconds:,.1f} s ({result['buyers_per_second']:,} buyers/s)"
    )
    print(
        f"load average (1, 5, 15 min) at start {result['load_average_at_start']}, "
        f"at end {result['load_average_at_end']}"
    )
    print(f"CPU: main {result['cpu_seconds_main']} s, workers {result['cpu_seconds_workers']} s")
    print(
        f"peak RSS: main {result['peak_rss_mib_main']} MiB"
        + (f", largest worker {result['peak_rss_mib_worker']} MiB" if args.workers > 1 else "")
    )
    for name, info in files.items():
        print(f"  {name:28s} {info['rows']:>12,} rows {info['bytes'] / 2**20:>10,.1f} MiB")
    print(
        f"  {'total':28s} {'':>17} {result['total_mib']:>10,.1f} MiB" + ("" if args.keep or args.out else " (deleted)")
    )


if __name__ == "__main__":
    main()
