"""Benchmark: generate a sandbox world and write its ground truth, measuring time and peak memory.

    python bench/sandbox_world.py --buyers 1000000 [--workers 2] [--seed 42] [--out DIR] [--keep]

Runs ``World(config).write_truth(...)`` (the same code as ``purchase-path sandbox truth``) into a temporary folder
and reports wall time, buyers per second, the files' sizes and row counts, and peak resident memory of this
process and of its worker processes (``resource.getrusage``: ``ru_maxrss`` is the largest resident set any one of
them reached, in KiB on Linux). The truth is streamed in chunks of buyers, so peak memory should not grow with
the number of buyers: run it at two sizes to see that.
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import shutil
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sandbox.world import World, WorldConfig  # noqa: E402


def _lines(path: Path) -> int:
    with path.open("rb") as file:
        return sum(chunk.count(b"\n") for chunk in iter(lambda: file.read(1 << 20), b""))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--buyers", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--days", type=int, default=120)
    parser.add_argument("--workers", type=int, default=1, help="processes generating buyers (default 1)")
    parser.add_argument("--out", type=Path, help="where to write the truth (default: a temporary folder)")
    parser.add_argument("--keep", action="store_true", help="keep the written files")
    parser.add_argument("--json", action="store_true", help="print the result as one JSON line")
    args = parser.parse_args()

    out = args.out or Path(tempfile.mkdtemp(prefix="pp-bench-world-"))
    config = WorldConfig(seed=args.seed, buyers=args.buyers, start=date(2026, 7, 1), days=args.days)
    started = time.perf_counter()
    paths = World(config).write_truth(out, workers=args.workers)
    seconds = time.perf_counter() - started
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    files = {p.name: {"bytes": p.stat().st_size, "rows": _lines(p) - 1} for p in paths if p.suffix == ".csv"}
    result = {
        "buyers": args.buyers,
        "workers": args.workers,
        "seconds": round(seconds, 1),
        "buyers_per_second": round(args.buyers / seconds) if seconds else None,
        "peak_rss_mib_main": round(own / 1024, 1),
        "peak_rss_mib_worker": round(children / 1024, 1) if args.workers > 1 else None,
        "files": files,
        "total_mib": round(sum(f["bytes"] for f in files.values()) / 2**20, 1),
        "python": platform.python_version(),
        "cpus": __import__("os").cpu_count(),
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
