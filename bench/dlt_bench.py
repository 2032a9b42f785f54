"""dlt, a benchmark peer only (never a project dependency): the same records into the same PostgreSQL.

dlt loads the rows the loader benchmark loads (``bench.records.contacts``, same count, same seed) into the same
warehouse, in the raw table's shape: ``natural_key``, the record as a ``json`` column (jsonb in PostgreSQL),
``source_updated_at`` and the batch columns, ``write_disposition="merge"`` on ``natural_key``. That is dlt doing
our loader's job; its default relational flattening of the record is another job and not measured. Each trial
starts from a new pipeline and an empty dataset; timed is ``pipeline.run`` (extract, normalize, load) for the
first load and for a re-load of the same rows, with dlt's own loader file formats for PostgreSQL: ``insert_values``
(its default) and ``csv`` (COPY).

Runs in ``.venv-bench`` (``make bench`` builds it: the project's lock plus ``bench/requirements.txt``):

    .venv-bench/bin/python -m bench.dlt_bench [--records 100000] [--trials 3] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.harness import bench_warehouse, machine, median, settle, timed
from bench.records import contacts
from connectors.hubspot import CONTACTS
from purchase_path.warehouse import Warehouse

T0 = datetime(2026, 11, 1, tzinfo=UTC)
DATASET = "bench_dlt"
FORMATS = ("insert_values", "csv")


def raw_rows(records: Sequence[dict]) -> list[dict]:
    """The records as raw-table rows, built before the timing (our loader gets dicts as well)."""
    return [
        {
            "natural_key": CONTACTS.primary_key(record),
            "payload": record,
            "source_updated_at": CONTACTS.cursor(record),
            "extracted_at": T0,
            "batch_id": "bench.dlt",
            "interval_start": T0 - timedelta(days=1),
            "interval_end": T0,
        }
        for record in records
    ]


def credentials(warehouse: Warehouse) -> dict[str, object]:
    """The warehouse as dlt's PostgreSQL credentials. dlt builds a URL from them; a Unix socket folder (the
    embedded warehouse's) cannot be its host, so it goes in the query, where libpq lets it override the host."""
    params = warehouse.params
    host = params.get("host", "localhost")
    socket = host.startswith("/")
    return {
        "database": params.get("dbname"),
        "username": params.get("user"),
        "password": params.get("password", ""),
        "host": "localhost" if socket else host,
        "port": int(params.get("port", 5432)),
        "query": {"host": host} if socket else {},
    }


def drop_dataset(warehouse: Warehouse) -> None:
    with warehouse.connect(autocommit=True) as conn:
        for (schema,) in conn.execute(
            "select quote_ident(nspname) from pg_namespace where nspname like %s", (f"{DATASET}%",)
        ).fetchall():
            conn.execute(f"drop schema {schema} cascade")


def measure(warehouse: Warehouse, shape: str, records_count: int, trials: int) -> list[dict]:
    import dlt

    rows = raw_rows(contacts(records_count, shape))

    @dlt.resource(
        name="contacts",
        write_disposition="merge",
        primary_key="natural_key",
        columns={"payload": {"data_type": "json"}},
    )
    def raw_contacts() -> Iterator[list[dict]]:
        yield rows

    results = []
    for file_format in FORMATS:
        first, again = [], []
        for _ in range(trials):
            drop_dataset(warehouse)
            with tempfile.TemporaryDirectory(prefix="dlt-bench-") as pipelines_dir:
                pipeline = dlt.pipeline(
                    pipeline_name="bench_dlt",
                    pipelines_dir=pipelines_dir,
                    destination=dlt.destinations.postgres(credentials=credentials(warehouse)),
                    dataset_name=DATASET,
                    progress=None,
                )
                settle(warehouse)
                first.append(timed(lambda: pipeline.run(raw_contacts(), loader_file_format=file_format)))  # noqa: B023
                settle(warehouse)
                again.append(timed(lambda: pipeline.run(raw_contacts(), loader_file_format=file_format)))  # noqa: B023
            with warehouse.connect(autocommit=True) as conn:
                landed, distinct = conn.execute(
                    f"select count(*), count(distinct natural_key) from {DATASET}.contacts"
                ).fetchone()
            if not landed == distinct == records_count:
                raise AssertionError(f"dlt landed {landed} rows ({distinct} keys), not {records_count}")
        results.append(
            {
                "shape": shape,
                "records": records_count,
                "loader_file_format": file_format,
                "trials": trials,
                "dlt_per_s": records_count / median(first),
                "dlt_reload_per_s": records_count / median(again),
                "dlt_version": dlt.__version__,
            }
        )
        print(json.dumps(results[-1]), file=sys.stderr, flush=True)
    drop_dataset(warehouse)
    return results


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--trials", type=int, default=3)
    parser.add_argument("--shapes", default="portal,sandbox")
    parser.add_argument("--json", type=Path, help="write the results to this file as JSON")
    args = parser.parse_args(argv)
    os.environ.setdefault("RUNTIME__DLTHUB_TELEMETRY", "false")
    # dlt would look for its configuration in Airflow Variables, since Airflow is installed here.
    os.environ.setdefault("PROVIDERS__ENABLE_AIRFLOW_SECRETS", "false")
    try:
        import dlt  # noqa: F401
    except ImportError:
        sys.exit("dlt is not installed here: run this with .venv-bench/bin/python (make bench builds it).")
    with bench_warehouse() as warehouse:
        results = {"machine": machine(warehouse), "dlt": []}
        for shape in args.shapes.split(","):
            results["dlt"] += measure(warehouse, shape, args.records, args.trials)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    else:
        for row in results["dlt"]:
            print(
                f"{row['shape']:8} dlt {row['dlt_version']} ({row['loader_file_format']}): "
                f"{row['dlt_per_s']:,.0f}/s, re-load {row['dlt_reload_per_s']:,.0f}/s"
            )


if __name__ == "__main__":
    main()
