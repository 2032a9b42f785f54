"""Offline CSV drops: badge scans, sales calls and store visits that other systems export into a landing folder.

There is no API: the "pages" of a stream are the landing folder's files for the window, one page per file, so each
file loads in one transaction with the bookmark that covers it. The core (sync, loader, state) does the rest, as
for any HTTP source.

- ``event_scans`` (files ``event_scans_YYYY-MM-DD.csv``): key ``event_scans`` + event name + email + ``scanned_at``,
  cursor ``scanned_at``;
- ``calls`` (``calls_YYYY-MM-DD.csv``): key ``calls`` + email + ``called_at``, cursor ``called_at``;
- ``store_visits`` (``store_visits_YYYY-MM-DD.csv``): key ``store_visits`` + loyalty id + ``visited_at``, cursor
  ``visited_at``.

Key parts are normalised (trimmed, lower-cased; loyalty ids upper-cased) so that a corrected export that only
fixes white space or case replaces its rows instead of adding new ones. Times are UTC (``YYYY-MM-DD HH:MM:SS`` or
ISO 8601).

- **A row is the payload**: the row as a JSON object keyed by the header's column names (trimmed, lower-cased),
  plus where it came from: ``_file``, ``_line`` and ``_sha256`` (the file's checksum). Extra columns are kept and
  reported as schema drift.
- **A malformed row** (wrong number of fields, an empty identity, a time or duration that does not parse) is
  quarantined by the core with a reason naming the file and the line; the rest of the file loads. A file whose
  header lacks a column, or that is not UTF-8 text, stops the sync with a message naming the file (what was loaded
  before it stays loaded).
- **Re-drops**: a file whose checksum is the one already loaded (or already quarantined) is skipped. A corrected
  export of a day (a new checksum) is loaded again: its rows replace those with the same identity, and staging
  keeps only the rows carrying the newest version of each file, so a row the correction removed disappears too.
- **Window**: the files dated from the window's start (less the 3-day lookback, for exports that land late) up to
  its end; with no bookmark, every file before the end.

Connection ``offline_default``: ``conn_type`` ``fs``, ``extra.landing_dir`` = the landing folder.
"""

from __future__ import annotations

import csv
import functools
import hashlib
import io
import logging
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from connectors.core.errors import ConnectorError
from connectors.core.stream import Page, Record, Stream, Window
from purchase_path.warehouse import Warehouse

log = logging.getLogger(__name__)

NAME = "offline"
LOOKBACK = timedelta(days=3)
PROVENANCE = ("_file", "_line", "_sha256")


@dataclass(frozen=True)
class FileKind:
    """One kind of export: its columns, which of them name the row, which holds its time."""

    stream: str
    columns: tuple[str, ...]
    identity: tuple[str, ...]  # the columns (besides the time) that say which record the row is
    time_column: str
    integer_columns: tuple[str, ...] = ()


KINDS = {
    kind.stream: kind
    for kind in (
        FileKind(
            "event_scans", ("event_name", "scanned_at", "email", "company"), ("event_name", "email"), "scanned_at"
        ),
        FileKind(
            "calls",
            ("called_at", "email", "duration_seconds", "outcome"),
            ("email",),
            "called_at",
            integer_columns=("duration_seconds",),
        ),
        FileKind("store_visits", ("visited_at", "store", "loyalty_id"), ("loyalty_id",), "visited_at"),
    )
}

# For each stream: file name → checksum of the version of that file already loaded (or quarantined).
LoadedVersions = Callable[[str], Mapping[str, str]]


def parse_time(text: str) -> datetime:
    """``2026-07-14 10:32:05`` (or ISO 8601, ``Z`` allowed) as UTC; ValueError otherwise."""
    value = text.strip()
    if value.endswith(("Z", "z")):
        value = value[:-1] + "+00:00"
    moment = datetime.fromisoformat(value)
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _where(record: Record) -> str:
    return f"{record.get('_file')} line {record.get('_line')}"


def _identity(kind: FileKind) -> Callable[[Record], str]:
    """The natural key of a row; raises ValueError naming the file and line when the row is malformed, so the core
    quarantines it with that reason."""

    def key(record: Record) -> str:
        if record.get("_error"):
            raise ValueError(f"{_where(record)}: {record['_error']}")
        parts = [kind.stream]
        for column in kind.identity:
            value = str(record.get(column) or "").strip()
            if not value:
                raise ValueError(f"{_where(record)}: {column} is empty")
            parts.append(value.upper() if column == "loyalty_id" else value.lower())
        for column in kind.integer_columns:
            if not str(record.get(column) or "").strip().isdigit():
                raise ValueError(f"{_where(record)}: {column} {record.get(column)!r} is not a whole number")
        parts.append(_time(kind, record).isoformat())
        return "|".join(parts)

    return key


def _time(kind: FileKind, record: Record) -> datetime:
    value = record.get(kind.time_column)
    try:
        return parse_time(str(value or ""))
    except ValueError:
        raise ValueError(
            f"{_where(record)}: {kind.time_column} {value!r} is not a date-time (YYYY-MM-DD HH:MM:SS, UTC)"
        ) from None


def _stream(kind: FileKind) -> Stream:
    return Stream(
        name=kind.stream,
        primary_key=_identity(kind),
        cursor=lambda record: _time(kind, record),
        lookback=LOOKBACK,
        known_fields=frozenset(kind.columns + PROVENANCE),
    )


STREAMS = tuple(_stream(kind) for kind in KINDS.values())
_FILE_NAME = re.compile(r"^(event_scans|calls|store_visits)_(\d{4}-\d{2}-\d{2})\.csv$")


class OfflineSource:
    """The offline connector: files in a landing folder, read as pages of their streams."""

    name = NAME
    streams: Sequence[Stream] = STREAMS

    def __init__(self, landing_dir: Path, loaded_versions: LoadedVersions) -> None:
        self.landing_dir = landing_dir
        self.loaded_versions = loaded_versions

    @classmethod
    def from_connection(cls, conn, conn_id: str) -> OfflineSource:
        folder = (conn.extra_dejson or {}).get("landing_dir")
        if not folder:
            raise ConnectorError(
                f"offline: Airflow connection '{conn_id}' names no landing folder; set extra landing_dir to the "
                "folder the CSV exports are dropped into."
            )
        landing_dir = Path(folder)
        if not landing_dir.is_dir():
            raise ConnectorError(
                f"offline: the landing folder {landing_dir} of Airflow connection '{conn_id}' does not exist or is "
                "not a folder; create it or fix extra landing_dir."
            )
        return cls(landing_dir, warehouse_versions)

    def use_warehouse(self, warehouse: Warehouse) -> None:
        """Ask ``warehouse`` (the one this sync loads into) which file versions it holds."""
        self.loaded_versions = functools.partial(warehouse_versions, warehouse=warehouse)

    def close(self) -> None:
        pass

    def files(self, stream: str, window: Window) -> list[tuple[date, Path]]:
        """The stream's files dated inside the window, oldest first."""
        found = []
        for path in self.landing_dir.iterdir():
            match = _FILE_NAME.match(path.name)
            if match is None or match.group(1) != stream or not path.is_file():
                continue
            day = date.fromisoformat(match.group(2))
            day_start = datetime(day.year, day.month, day.day, tzinfo=UTC)
            if day_start >= window.end:
                continue
            if window.start is not None and day < window.start.astimezone(UTC).date():
                continue
            found.append((day, path))
        return sorted(found)

    def pages(self, stream: Stream, window: Window) -> Iterator[Page]:
        kind = KINDS[stream.name]
        loaded = self.loaded_versions(stream.name)
        for _day, path in self.files(stream.name, window):
            data = path.read_bytes()
            checksum = hashlib.sha256(data).hexdigest()
            if loaded.get(path.name) == checksum:
                log.info("offline.%s: %s already loaded (same checksum); skipped", stream.name, path.name)
                continue
            records = read_rows(kind, path.name, data, checksum)
            if records:
                yield Page(records)


def read_rows(kind: FileKind, file_name: str, data: bytes, checksum: str) -> list[Record]:
    """The rows of one export as records; a row that cannot be read carries ``_error`` (quarantined by the key)."""
    try:
        text = data.decode("utf-8-sig")  # spreadsheet tools often start UTF-8 files with a byte-order mark
    except UnicodeDecodeError as error:
        raise ConnectorError(
            f"offline: {file_name} is not UTF-8 text (byte {error.start}); export it again as UTF-8 CSV."
        ) from None
    reader = csv.reader(io.StringIO(text, newline=""))
    header_row = next(reader, None)
    if header_row is None:
        return []
    header = [name.strip().lower().replace(" ", "_") for name in header_row]
    missing = [column for column in kind.columns if column not in header]
    if missing:
        raise ConnectorError(
            f"offline: {file_name} has no column {', '.join(missing)} in its header ({', '.join(header_row)}); "
            f"a {kind.stream} export needs {', '.join(kind.columns)} (any order; other columns are kept)."
        )
    records = []
    line = reader.line_num
    for row in reader:
        first_line, line = line + 1, reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        record: Record = dict(zip(header, row, strict=False))
        if len(row) != len(header):
            record["_error"] = f"expected {len(header)} fields, found {len(row)}"
        record.update({"_file": file_name, "_line": first_line, "_sha256": checksum})
        records.append(record)
    return records


def warehouse_versions(stream: str, warehouse: Warehouse | None = None) -> dict[str, str]:
    """File name → checksum of the version the warehouse holds: the newest loaded into raw, else a quarantined one.

    ``warehouse``: the one the sync loads into (the sync hands it over); None: the configured one."""
    from psycopg import sql

    from connectors.core.loader import raw_table
    from purchase_path.warehouse import LOADER, resolve

    with (warehouse or resolve()).connect(LOADER, autocommit=True) as conn:
        quarantined = conn.execute(
            """
            select distinct payload->>'_file', payload->>'_sha256' from ops.quarantine
            where source = %s and stream = %s
            """,
            (NAME, stream),
        ).fetchall()
        newest = conn.execute(
            sql.SQL(
                """
                select distinct on (payload->>'_file') payload->>'_file', payload->>'_sha256' from {table}
                order by payload->>'_file', extracted_at desc
                """
            ).format(table=raw_table(NAME, stream))
        ).fetchall()
    return {**dict(quarantined), **dict(newest)}
