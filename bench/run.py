"""Run the extract-and-load benchmarks and write their section of docs/benchmarks.md.

Each benchmark runs in its own process (``python -m bench.<name> --json``) with this interpreter, so one cannot
warm or slow another; ``make bench`` runs this with ``.venv-bench/bin/python``, which holds the project's pinned
dependencies plus the peers (dlt). Progress goes to stderr; with ``--write`` the "## Extract and load" section of
the given file is replaced (and only that section); the section is always printed.

    python -m bench.run [--write docs/benchmarks.md] [--quick]
    python -m bench.run --render-only --write docs/benchmarks.md   # the last run's numbers, text changed
    python -m bench.run --extract-only --write docs/benchmarks.md  # re-measure the per-source syncs only
    python -m bench.run --loader-only --write docs/benchmarks.md   # re-measure the loader only (up to dlt's part)
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import re
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

from purchase_path.settings import PROJECT_ROOT

SECTION = "## Extract and load"
COMMAND = "make bench"
RESULTS = PROJECT_ROOT / ".data" / "bench" / "extract_and_load.json"  # the last run's measurements


def run(module: str, *args: str) -> dict:
    """Run ``python -m bench.<module> --json FILE ARGS`` and return the JSON it wrote."""
    with tempfile.TemporaryDirectory(prefix="bench-") as folder:
        results = Path(folder) / f"{module}.json"
        command = [sys.executable, "-m", f"bench.{module}", "--json", str(results), *args]
        print(f"$ python {' '.join(command[1:])}", file=sys.stderr, flush=True)
        subprocess.run(command, stdout=sys.stderr, check=True)
        return json.loads(results.read_text())


def dlt_available() -> str | None:
    """None when dlt can be imported here, else why not."""
    done = subprocess.run(
        [sys.executable, "-c", "import dlt; print(dlt.__version__)"], capture_output=True, text=True, check=False
    )
    return None if done.returncode == 0 else (done.stderr.strip().splitlines() or ["unknown error"])[-1]


def rate(value: float) -> str:
    return f"{value:,.0f}"


def percent(value: float) -> str:
    return f"{value:.0%}"


def render(results: dict, args: list[str]) -> str:
    loader, extract, dlt, dlt_missing = results["loader"], results["extract"], results["dlt"], results["dlt_missing"]
    machine = loader["machine"]
    rows = loader["loader"]
    by_shape: dict[str, list[dict]] = {}
    for row in rows:
        by_shape.setdefault(row["shape"], []).append(row)
    lines = [
        SECTION,
        "",
        f"_Written by `{COMMAND}` (`bench/run.py{' ' + ' '.join(args) if args else ''}`) on "
        f"{datetime.date.today().isoformat()}; change the benchmarks, not these numbers._",
        "",
        f"Machine: {machine['cpu']}, {machine['memory']}, {machine['os']}, Python {machine['python']}; "
        f"PostgreSQL {machine.get('postgresql', '?')}. Load average (1, 5, 15 min) when the benchmarks started: "
        f"{machine['load_average']}; when they ended: {results.get('load_average_at_end', '?')} (the machine is "
        "shared with other work, which takes cores from the client and the server alike: numbers vary by tens of "
        "percent between runs, ratios less)." + busy(machine["load_average"], results.get("load_average_at_end")),
        "",
    ]
    lines += render_loader(by_shape, rows)
    lines += ["### dlt loading the same records", ""]
    if dlt is None:
        lines += [f"dlt could not be measured: `{dlt_missing}`. `make bench` installs it into `.venv-bench`.", ""]
    else:
        dlt_rows = dlt["dlt"]
        version = dlt_rows[0]["dlt_version"]
        lines += [
            f"`bench/dlt_bench.py`: dlt {version} (a benchmark peer only, installed in `.venv-bench`, never a project "
            "dependency) loads the same records into the same PostgreSQL in the raw table's shape (the record as a "
            '`json` column, i.e. jsonb), `write_disposition="merge"` on the key: our loader\'s job. Timed is '
            "`pipeline.run` (extract, normalize, load) from a new pipeline into an empty dataset, then again "
            f"(re-load), with dlt's defaults otherwise. Medians of {dlt_rows[0]['trials']} runs. Records/s:",
            "",
            "| contacts | dlt, insert_values (its default) | dlt, csv (COPY) | dlt re-load, best format "
            "| our loader, page 10,000 | ours ÷ dlt's best |",
            "| --- | ---: | ---: | ---: | ---: | ---: |",
        ]
        for shape in by_shape:
            formats = {row["loader_file_format"]: row for row in dlt_rows if row["shape"] == shape}
            if not formats:
                continue
            best = max(formats.values(), key=lambda row: row["dlt_per_s"])
            ours = max(by_shape[shape], key=lambda row: row["page"])
            lines.append(
                f"| {shape} | {rate(formats['insert_values']['dlt_per_s'])} | {rate(formats['csv']['dlt_per_s'])} "
                f"| {rate(max(row['dlt_reload_per_s'] for row in formats.values()))} "
                f"| {rate(ours['loader_per_s'])} | {ours['loader_per_s'] / best['dlt_per_s']:.1f}× |"
            )
        lines.append("")
    lines += render_extract(extract)
    return wrapped("\n".join(lines).rstrip())


LOADER_SUBSECTION = "### The loader against plain COPY (same rows, same table shape, same PostgreSQL, same run)"
NEXT_SUBSECTION = "### dlt loading the same records"
SHAPE_WORDS = {
    "portal": "HubSpot contacts with 29 properties, as a production portal's",
    "sandbox": "HubSpot contacts with the 10 properties our connector asks for, as the sandbox's",
    "activity": "Mailchimp per-recipient email activity rows",
}


def busy(*load_averages: str | None) -> str:
    """A warning when the 1-minute load average was 3 or more (on 2 cores) at the start or the end."""
    ones = [float(value.split()[0]) for value in load_averages if value and value != "?"]
    if not ones or max(ones) < 3:
        return ""
    return (
        f" **Measured on a busy machine** (1-minute load up to {max(ones):.1f} on {os.cpu_count()} cores: other "
        "engineers' benchmarks and tests): the rates are a fraction of a quiet machine's and differences under "
        "about 25% between columns are within the noise; re-run `python -m bench.run --loader-only --write "
        "docs/benchmarks.md` when `uptime` shows a load under 3."
    )


def render_loader(by_shape: dict[str, list[dict]], rows: list[dict]) -> list[str]:
    """The loader subsection: the loader against plain COPY, where the time goes, the targets."""
    sizes = {shape: shape_rows[0]["json_mb"] * 1e6 / shape_rows[0]["records"] for shape, shape_rows in by_shape.items()}
    shapes = "; ".join(
        f"*{shape}*: {SHAPE_WORDS.get(shape, shape)} (~{sizes[shape]:,.0f} bytes of JSON each)" for shape in by_shape
    )
    lines = [
        LOADER_SUBSECTION,
        "",
        f"`bench/loader_bench.py`: {rows[0]['records']:,} records of each shape (`bench/records.py`: {shapes}) loaded "
        "into `raw.bench__*` tables created by `ensure_raw_table` (the raw table's columns, primary key and "
        "`extracted_at` index). The "
        "loader starts from Python dicts and runs as a sync drives it (`sync_stream` over a source serving pages of "
        "the given size): schema check, pages gathered into commits of 2,000 records or 0.2 s (`CommitPolicy`), each "
        "commit with its bookmark and audit row. *A commit per page*: `merge_records` and a commit per page, as a sync "
        "loaded before it gathered pages. The peer is one `COPY raw.bench__peer (columns) FROM STDIN` of rows "
        "serialised before the timing, in COPY's text or binary format, into an empty table. Re-load: the same rows "
        "again, found stored and unchanged (the loader compares their `payload_hash` and writes none of them). "
        f"Medians of {rows[0]['trials']} runs, the steps' order rotated between runs, a "
        "checkpoint before each timing. Records/s:",
        "",
        "| records | page | loader | loader, re-load | loader, a commit per page | plain COPY, text "
        "| plain COPY, binary | loader ÷ COPY text | loader ÷ COPY binary | loader, synchronous commit |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for row in rows:
        lines.append(
            f"| {row['shape']} | {row['page']:,} | **{rate(row['loader_per_s'])}** "
            f"| {rate(row['loader_reload_per_s'])} | {rate(row['loader_page_commits_per_s'])} "
            f"| {rate(row['plain_copy_text_per_s'])} | {rate(row['plain_copy_binary_per_s'])} "
            f"| {percent(row['loader_per_s'] / row['plain_copy_text_per_s'])} "
            f"| {percent(row['loader_per_s'] / row['plain_copy_binary_per_s'])} "
            f"| {rate(row['loader_synchronous_commit_per_s'])} |"
        )
    lines += [
        "",
        "Where the time goes, each part alone (records/s, medians; the server's parts take the rows serialised "
        "beforehand): the loader's Python for a batch without a server (keys, cursors, the binary COPY data); plain "
        "binary COPY into the raw table (its median over the page sizes above), into the same table without its "
        "indexes, into an unlogged table without them; PostgreSQL's jsonb input function with nothing else to do; "
        "and both cores on one atomic batch: two sessions COPY one half each into an unlogged side table at once, "
        "then one transaction moves the rows into the raw table.",
        "",
        "| records | client alone | COPY binary into raw | without its indexes | unlogged, without indexes "
        "| jsonb input alone | 2 sessions into a side table, then one move |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for shape, shape_rows in by_shape.items():
        row = shape_rows[0]
        copy_binary = median_of([r["plain_copy_binary_per_s"] for r in shape_rows])
        lines.append(
            f"| {shape} | {rate(row['client_only_per_s'])} | {rate(copy_binary)} "
            f"| {rate(row['copy_binary_no_key_per_s'])} | {rate(row['copy_binary_unlogged_no_key_per_s'])} "
            f"| {rate(row['jsonb_input_per_s'])} | {rate(row['parallel_side_then_move_per_s'])} |"
        )
    return [*lines, "", *targets(by_shape), ""]


def median_of(values: list[float]) -> float:
    values = sorted(values)
    middle = len(values) // 2
    return values[middle] if len(values) % 2 else (values[middle - 1] + values[middle]) / 2


def render_extract(results: dict) -> list[str]:
    """The per-source subsection, from ``bench/extract_bench.py``'s results (its own machine load included)."""
    extract = results["extract"]
    lines = ["### Extract and load per source against the sandbox", ""]
    sources = extract["sources"]
    if not sources:
        return [*lines, "No source was measured.", ""]
    drops = extract["offline_drops"]
    load = results.get("load_1min")
    during = f"; 1-minute load average during it {load['min']:.1f}–{load['max']:.1f} (median {load['median']:.1f})"
    lines += [
        f"`bench/extract_bench.py --buyers {extract['buyers']} --trials {extract['trials']}`: a full-history sync "
        "(`connectors.registry.extract`, the CLI's and the DAG's path) of every source, from empty raw tables, over "
        f"`World.generate(seed={extract['seed']}, buyers={extract['buyers']:,})` (generated in "
        f"{extract['world_generation_s']} s, not timed): the HTTP sources against an in-process `SandboxServer`, "
        f"`offline` over a landing folder holding the world's {drops['files']:,} daily CSV drops ({drops['mib']} MiB, "
        f"written by `sandbox.offline.write_drops` in {drops['seconds']} s, not timed). The sandbox shares the "
        "Python process (and its GIL) with the connector, and the machine's 2 cores with the warehouse and other "
        "work: read the rates as floors. Records are the rows landed in the raw tables (a stream's child streams "
        "included); a source's seconds include opening it (token exchange, discovery). Medians of "
        f"{extract['trials']} runs, per stream and per source each on its own. Load average (1, 5, 15 min) when it "
        f"started: {results['machine']['load_average']}; when it ended: {results.get('load_average_at_end', '?')}"
        + (during if load else "")
        + "."
        + (f" {results['note']}" if results.get("note") else ""),
        "",
        "| source | stream | records landed | pages | seconds | records/s | share of the time in the loader |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for row in sources:
        lines.append(
            f"| **{row['source']}** | all | {row['records']:,} | {row['pages']:,} | {row['seconds']:.1f} "
            f"| **{rate(row['records_per_s'])}** | {percent(row['loader_share'])} |"
        )
        for stream in row["streams"]:
            name = stream["stream"] + (f" (+ {', '.join(stream['children'])})" if stream["children"] else "")
            lines.append(
                f"| | {name} | {stream['records']:,} | {stream['pages']:,} | {stream['seconds']:.1f} "
                f"| {rate(stream['records_per_s'] or 0)} | {percent(stream['loader_share'])} |"
            )
    for source, why in extract.get("not_measured", {}).items():
        lines.append(f"| {source} | – | not measured: {why} | | | | |")
    lines += ["", *extract_findings(sources), ""]
    return lines


def extract_findings(sources: list[dict]) -> list[str]:
    """What the per-source numbers say, worded from the numbers themselves."""
    shares = sorted(sources, key=lambda row: row["loader_share"])
    slowest = min(sources, key=lambda row: row["records_per_s"])
    fastest = max(sources, key=lambda row: row["records_per_s"])
    bound = "extraction, not loading, bounds" if shares[-1]["loader_share"] < 0.5 else "the loader bounds some of"
    lines = [
        f"- The loader's share of a sync is {percent(shares[0]['loader_share'])} ({shares[0]['source']}) to "
        f"{percent(shares[-1]['loader_share'])} ({shares[-1]['source']}): {bound} these syncs. The rest is getting "
        "the records: the request and the sandbox building its answer in the same process (or reading the files), "
        "parsing, paging and the schema check.",
        f"- Fastest: {fastest['source']}, {rate(fastest['records_per_s'])} records/s; slowest: {slowest['source']}, "
        f"{rate(slowest['records_per_s'])} records/s in pages of "
        f"{slowest['records'] / max(slowest['pages'], 1):,.0f} records on average.",
    ]
    short = [row["source"] for row in sources if row["seconds"] < 2]
    if short:
        lines.append(
            f"- Under 2 s at this size: {', '.join(short)}; a short sync's rate carries more noise and a larger "
            "share of fixed costs (opening the source, the first requests, one transaction per page)."
        )
    return lines


def serial_rates(by_shape: dict[str, list[dict]]) -> str:
    """Per shape: the rate of the client's work and the server's binary COPY done one after the other."""
    parts = []
    for shape, rows in by_shape.items():
        copy_binary = median_of([row["plain_copy_binary_per_s"] for row in rows])
        serial = 1 / (1 / rows[0]["client_only_per_s"] + 1 / copy_binary)
        parts.append(f"{shape} {rate(serial)}/s (the loader's best {rate(max(row['loader_per_s'] for row in rows))}/s)")
    return ", ".join(parts)


def targets(by_shape: dict[str, list[dict]]) -> list[str]:
    """What the numbers say about issue 4's targets, worded from the numbers themselves."""
    lines = ["Against issue 4's targets on this machine:", ""]
    every = [row for rows in by_shape.values() for row in rows]

    def met(peer: str, rows: list[dict]) -> list[str]:
        return [f"{row['shape']} page {row['page']:,}" for row in rows if row["loader_per_s"] >= 0.6 * row[peer]]

    def listed(names: list[str]) -> str:
        return f" ({', '.join(names)})" if names and len(names) < len(every) else ""

    met_text, met_binary = met("plain_copy_text_per_s", every), met("plain_copy_binary_per_s", every)
    page_commits = [{**row, "loader_per_s": row["loader_page_commits_per_s"]} for row in every]
    before = met("plain_copy_binary_per_s", page_commits)
    lines.append(
        f"- **≥ 60 % of plain COPY**: reached against text COPY in {len(met_text)} of {len(every)} cases"
        f"{listed(met_text)}; against binary COPY, the faster peer, in {len(met_binary)} of {len(every)}"
        f"{listed(met_binary)} (with a commit per page: {len(before)} of {len(every)}). What is left of the gap is "
        "our Python (the schema check, keys, cursors, serialisation) and each commit's own statements: the loader "
        "runs at about the rate of the client's work and the server's COPY one after the other, "
        f"1 / (1 / client alone + 1 / COPY binary into raw): {serial_rates(by_shape)}. They hardly overlap: the "
        "client encodes a chunk while the server parses the previous one only as far as the socket's buffer "
        "holds it. A writer thread to overlap them (psycopg's `QueuedLibpqWriter`) measured 10–20% slower on "
        "2026-12-07 (its thread hand-offs under the GIL cost more than the overlap gains), so the loader writes "
        "from its own thread."
    )
    batching = ", ".join(
        f"{row['shape']} page {row['page']:,} {row['loader_per_s'] / row['loader_page_commits_per_s'] - 1:+.0%}"
        for row in every
    )
    lines.append(
        "- Pages gathered into commits of 2,000 records (`CommitPolicy`, the loader column) against a commit per page "
        f"(`merge_records` alone): {batching}. At page 10,000 both commit every page (a page holds more than 2,000 "
        "records), so what differs there is the sync's own work (the schema check, the bookmark and audit rows) "
        "and the machine's noise."
    )
    reached = [row for row in every if row["loader_per_s"] >= 150_000]
    fastest = max(every, key=lambda row: row["loader_per_s"])
    best_by_shape = {shape: max(rows, key=lambda row: row["loader_per_s"]) for shape, rows in by_shape.items()}
    ceiling = {shape: max(row["plain_copy_binary_per_s"] for row in rows) for shape, rows in by_shape.items()}
    short = [shape for shape, value in ceiling.items() if value < 150_000]
    parallel = {shape: rows[0]["parallel_side_then_move_per_s"] for shape, rows in by_shape.items()}
    lines.append(
        f"- **≥ 150,000 JSON records/s into jsonb**: {'reached for ' if reached else 'not reached; '}"
        + (
            ", ".join(f"{row['shape']} page {row['page']:,} ({rate(row['loader_per_s'])}/s)" for row in reached)
            if reached
            else f"the best is {rate(fastest['loader_per_s'])}/s ({fastest['shape']}, page {fastest['page']:,})"
        )
        + ". Best per shape: "
        + ", ".join(f"{shape} {rate(row['loader_per_s'])}/s" for shape, row in best_by_shape.items())
        + ". "
        + (
            f"For {' and '.join(short)} records it is out of reach of any loader that writes one atomic batch with "
            "one server process here: plain binary COPY of the same rows, serialised beforehand, peaks at "
            + ", ".join(f"{rate(ceiling[shape])}/s ({shape})" for shape in short)
            + ". The server's time is the jsonb parse, the heap and WAL writes and the two indexes (the table "
            "above: each removed raises the rate). Using both cores for one atomic batch (two sessions into an "
            "unlogged side table, then one move) manages "
            + ", ".join(f"{rate(value)}/s ({shape})" for shape, value in parallel.items())
            + ": the move writes every row a second time, heap, WAL and indexes, and costs more than the parallel "
            "parse saves; the loader does not do it. Two sessions committing disjoint key ranges separately would "
            "use both cores, but a kill between their commits would leave part of a batch without its bookmark "
            "(no gap and no double, as the next run merges the rows again, but not the old state or the new one)."
            if short
            else ""
        )
    )
    gains = ", ".join(
        f"{row['shape']} page {row['page']:,} {row['loader_per_s'] / row['loader_synchronous_commit_per_s'] - 1:+.0%}"
        for row in every
    )
    lines.append(
        "- `synchronous_commit = off` for the load transaction (why it is safe: connectors/core/loader.py), against "
        f"the loader without it (last column): {gains}. With pages gathered into fewer commits, the WAL flush it "
        "saves counts for less than it did with a commit per page."
    )
    return lines


def wrapped(markdown: str, width: int = 120) -> str:
    """Paragraphs and list items wrapped at ``width`` (tables and headings as they are), like the rest of docs/."""
    out = []
    for line in markdown.splitlines():
        if len(line) <= width or line.startswith(("|", "#")):
            out.append(line)
            continue
        indent = "  " if line.startswith("- ") else ""
        out += textwrap.wrap(
            line, width=width, subsequent_indent=indent, break_long_words=False, break_on_hyphens=False
        )
    return "\n".join(out) + "\n"


def replace_section(path: Path, section: str) -> None:
    text = path.read_text()
    start = text.index(SECTION)
    following = re.search(r"^## ", text[start + len(SECTION) :], flags=re.MULTILINE)
    end = start + len(SECTION) + following.start() if following else len(text)
    path.write_text(text[:start] + section + ("\n" + text[end:] if following else ""))


def replace_loader_subsection(path: Path, section: str) -> None:
    """Replace the section's start (the machine, the load averages) and the loader's subsection, up to dlt's."""
    text = path.read_text()
    new = section[: section.index(NEXT_SUBSECTION)]
    start = text.index(SECTION)
    end = text.index(NEXT_SUBSECTION, start)
    path.write_text(text[:start] + new + text[end:])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", type=Path, help="rewrite this file's 'Extract and load' section")
    parser.add_argument("--quick", action="store_true", help="fewer records and runs: a smoke test, not numbers")
    parser.add_argument("--results", type=Path, default=RESULTS, help="where to keep the measurements")
    parser.add_argument("--render-only", action="store_true", help="write the section from --results, measure nothing")
    parser.add_argument(
        "--loader-only",
        action="store_true",
        help="measure only the loader benchmark and, with --write, replace only its subsection (the rest of the "
        "section, measured by others, stays as it is)",
    )
    parser.add_argument("--loader-trials", type=int, help="with --loader-only: runs per loader measurement")
    parser.add_argument(
        "--extract-only",
        action="store_true",
        help="measure only the per-source extract benchmark; the loader's and dlt's numbers stay those in --results",
    )
    args = parser.parse_args()
    if args.render_only:
        results = json.loads(args.results.read_text())
    elif args.loader_only:
        results = json.loads(args.results.read_text())
        measured = ["--records", "5000", "--trials", "1"] if args.quick else []
        if args.loader_trials and not args.quick:
            measured = ["--trials", str(args.loader_trials)]
        results["loader"] = run("loader_bench", *measured)
        results["load_average_at_end"] = " ".join(f"{value:.1f}" for value in os.getloadavg())
        trials = ["--loader-trials", str(args.loader_trials)] if args.loader_trials and not args.quick else []
        results["args"] = ["--loader-only", *(["--quick"] if args.quick else trials)]
        args.results.write_text(json.dumps(results, indent=2))
    elif args.extract_only:
        results = json.loads(args.results.read_text())
        results["extract"] = run("extract_bench", *(["--buyers", "2000", "--trials", "1"] if args.quick else []))
        args.results.write_text(json.dumps(results, indent=2))
    else:
        quick = ["--records", "5000", "--trials", "1"] if args.quick else []
        results = {"loader": run("loader_bench", *quick)}
        results["extract"] = run("extract_bench", *(["--buyers", "2000", "--trials", "1"] if args.quick else []))
        results["dlt_missing"] = dlt_available()
        results["dlt"] = None if results["dlt_missing"] else run("dlt_bench", *quick)
        results["load_average_at_end"] = " ".join(f"{value:.1f}" for value in os.getloadavg())
        results["args"] = ["--quick"] if args.quick else []
        args.results.parent.mkdir(parents=True, exist_ok=True)
        args.results.write_text(json.dumps(results, indent=2))
    section = render(results, results.get("args", []))
    print(section)
    if args.write and args.loader_only:
        replace_loader_subsection(args.write, section)
    elif args.write:
        replace_section(args.write, section)
        print(f"wrote the '{SECTION[3:]}' section of {args.write}", file=sys.stderr)


if __name__ == "__main__":
    main()
