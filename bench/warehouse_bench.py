"""The warehouse at N buyers: a full dbt build of the history against one daily incremental run, timed.

Issue 5: "full build vs one daily incremental run at 1,000,000 buyers (10M+ touchpoints). Target: the daily
incremental run costs at most 10% of the full build." Results go to docs/benchmarks.md, section "Warehouse build".

Raw data for a million buyers cannot come through the sandbox's HTTP server (its emulations index the whole world
in memory, docs/sandbox.md "Limits"), so this benchmark builds the raw tables the connectors would have loaded,
without sockets:

1. **Generate** (``--workers`` processes, chunks of ``--chunk`` buyers, bounded memory). Each chunk's buyers are
   generated once (``sandbox.world.generate_buyer``) into a :class:`ChunkWorld`, and each vendor app of
   ``sandbox/vendors`` is built over that chunk and asked for its records through its own record builders, so the
   payloads are the ones it serves: Matomo ``MatomoApi._visible``/``_visit`` (``Live.getLastVisitsDetails`` with
   actions), HubSpot ``HubSpotApi._served`` (search results with the connector's properties, the batch read with
   ``propertiesWithHistory`` for the stage-history child streams) and the v4 association read's result shape,
   Mailchimp ``MailchimpApi._member``/``_recipient``/``_campaign``, QuestionPro ``QuestionProApi._record``, and
   the offline CSV rows of ``sandbox.offline.buyer_rows`` as the offline connector reads them. Keys and cursors come
   from each connector's own ``Stream`` declarations. Rows go to spool files per stream: the *history* (every
   record as it stood at the start of day D, the world's last day) in PostgreSQL's COPY text format, and *day D*
   (what the daily run for day D pulls at the end of D) as JSON lines.
2. **Load the history** with plain ``COPY`` into the raw tables (created empty by
   ``connectors.registry.ensure_raw_tables``, truncated first). Each row's ``extracted_at`` is the end of the day
   its cursor falls in (when the daily run would have pulled it; for Mailchimp's re-pulled activity, the day of the
   recipient's last action, as the loader leaves the later, unchanged re-pulls as stored), so dbt's incremental
   lookback (``incremental_lookback_days``) sees the history as history. ``payload_hash`` is the loader's digest.
3. **Full build**: ``dbt build --full-refresh`` (models, seeds, snapshot and data tests; what a first deployment and
   the weekly full build run). Like Airflow's dbt tasks, both builds leave the dbt unit tests out (they test SQL,
   not data: ``purchase_path.transform.PRODUCTION_BUILD_FLAGS``).
4. **Load day D** with the project's loader (``connectors.core.loader.merge_records``, merged on the natural key,
   pages of 10,000, as a sync does) and run the **daily incremental build**: ``dbt build``, what the daily DAG runs
   (Cosmos runs each node with ``dbt build``).

Where the bench departs from the HTTP path, and why it does not change the cost measured:

- QuestionPro numbers its responses in time order over the whole world; a chunk cannot know the global order, so
  response ids here are ``81_000_001 + 16 * buyer index + n`` (unique, same shape).
- Mailchimp campaigns carry counts over every recipient (``emails_sent``, ``report_summary``); they are summed
  over the chunks with the app's own formula (``_report_summary``) and written once.
- Offline rows carry ``_file`` as the daily file they would come in, ``_line`` numbered per chunk and a fixed
  ``_sha256``: provenance only, never read by dbt.
- GA4, Google Ads and Meta Ads are left empty: their raw rows are day × campaign (× dimension) aggregates whose
  count does not grow with buyers (the apps index the whole world to aggregate, which is the memory limit above).
  Google Ads ``click_view`` (one row per click) is the one per-buyer stream left out.

Run: ``python -m bench.warehouse_bench --buyers 100000 [--workers 2]``; or in two steps, so that the builds are
timed on an otherwise quiet machine: ``--load-only`` (generate and load the history), then ``--reuse-raw``. It uses the
embedded PostgreSQL under ``$PURCHASE_PATH_HOME`` (or ``WAREHOUSE_URL``) and dbt's ``DBT_TARGET_PATH``; results
are also kept as JSON under ``<home>/warehouse_bench/``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson

from connectors import hubspot as hubspot_connector
from connectors import mailchimp as mailchimp_connector
from connectors import matomo as matomo_connector
from connectors import offline as offline_connector
from connectors import questionpro as questionpro_connector
from connectors.core.loader import COLUMNS, Batch, merge_records, payload_hash
from connectors.core.stream import Stream
from sandbox import offline as offline_export
from sandbox.timefmt import from_ms
from sandbox.vendors import hubspot_crm
from sandbox.vendors.hubspot import HubSpotApi
from sandbox.vendors.mailchimp import MailchimpApi, _campaign_status
from sandbox.vendors.matomo import MatomoApi
from sandbox.vendors.questionpro import FIRST_RESPONSE_ID, SURVEYS, QuestionProApi, buyer_responses
from sandbox.web import Clock
from sandbox.web_visits import WebLog
from sandbox.world import Buyer, World, WorldConfig, generate_buyer

CORE_TABLES = (
    "intermediate.int_identities_stitched",
    "core.fct_touchpoints",
    "core.fct_conversions",
    "core.fct_web_sessions",
    "core.fct_email_activity",
    "core.fct_ad_spend_daily",
    "core.fct_lifecycle_stage_history",
    "core.fct_deal_stage_history",
    "core.dim_customers",
    "core.dim_campaigns",
    "core.dim_channels",
)
DAY_PAGE = 10_000  # records per merge on the day-D load, as a sync's page
EXTRACT_DELAY = timedelta(minutes=15)  # the daily run starts a little after midnight


# -- the world, a chunk at a time ------------------------------------------------------------------------------


class ChunkWorld(World):
    """The world seen through some of its buyers: the vendor apps index only these, any other is generated."""

    def __init__(self, config: WorldConfig, buyers: Sequence[Buyer]) -> None:
        super().__init__(config)
        self._chunk = {buyer.index: buyer for buyer in buyers}

    def buyer(self, index: int) -> Buyer:
        found = self._chunk.get(index)
        return found if found is not None else super().buyer(index)

    def iter_buyers(self) -> Iterator[Buyer]:
        yield from self._chunk.values()


@dataclass(frozen=True)
class Split:
    """Day D (the incremental run's day) and the instants that bound it."""

    day: date

    @property
    def start(self) -> datetime:
        return datetime(self.day.year, self.day.month, self.day.day, tzinfo=UTC)

    @property
    def end(self) -> datetime:
        return self.start + timedelta(days=1)

    @property
    def start_ms(self) -> int:
        return int(self.start.timestamp() * 1000)

    @property
    def end_ms(self) -> int:
        return int(self.end.timestamp() * 1000)


def pulled_after(moment: datetime | None, split: Split) -> tuple[datetime, datetime, datetime]:
    """(extracted_at, interval_start, interval_end) of the daily run that pulled a history record: the run for the
    day its cursor falls in. A record without a cursor counts as pulled by the last history run."""
    day_start = (moment or split.start - timedelta(days=1)).astimezone(UTC)
    day_start = day_start.replace(hour=0, minute=0, second=0, microsecond=0)
    day_start = min(day_start, split.start - timedelta(days=1))
    return day_start + timedelta(days=1) + EXTRACT_DELAY, day_start, day_start + timedelta(days=1)


# -- spool files -------------------------------------------------------------------------------------------------

_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_field(value: str | None) -> str:
    return "\\N" if value is None else value.translate(_COPY_ESCAPES)


class Spool:
    """One chunk's output: per raw table, a COPY text file (history) and a JSON-lines file (day D)."""

    def __init__(self, folder: Path, chunk: int, split: Split) -> None:
        self.folder, self.chunk, self.split = folder, chunk, split
        self._files: dict[tuple[str, str], Any] = {}
        self.counts: dict[str, list[int]] = {}  # table → [history rows, day-D rows]
        self._stack = ExitStack()

    def _file(self, table: str, kind: str):
        key = (table, kind)
        if key not in self._files:
            path = self.folder / kind / f"{table}.{self.chunk:06d}"
            path.parent.mkdir(parents=True, exist_ok=True)
            self._files[key] = self._stack.enter_context(path.open("w", encoding="utf-8"))
        return self._files[key]

    def history(self, source: str, stream: Stream, record: dict[str, Any], extracted: datetime | None = None) -> None:
        table = f"{source}__{stream.name}"
        cursor = stream.cursor(record)
        extracted_at, interval_start, interval_end = pulled_after(cursor, self.split)
        if extracted is not None:  # stored by a later run than its cursor's day (a lookback re-pull that changed it)
            extracted_at, interval_start = extracted, extracted - EXTRACT_DELAY - timedelta(days=1)
            interval_end = interval_start + timedelta(days=1)
        payload = orjson.dumps(record)
        fields = (
            str(stream.primary_key(record)),
            payload.decode(),
            cursor.isoformat() if cursor else None,
            extracted_at.isoformat(),
            f"bench-{interval_start.date()}",
            interval_start.isoformat(),
            interval_end.isoformat(),
            str(int.from_bytes(payload_hash(payload), "big", signed=True)),  # as the loader stores it
        )
        self._file(table, "history").write("\t".join(_copy_field(f) for f in fields) + "\n")
        self.counts.setdefault(table, [0, 0])[0] += 1

    def day(self, source: str, stream: Stream, record: dict[str, Any]) -> None:
        table = f"{source}__{stream.name}"
        self._file(table, "day").write(orjson.dumps(record).decode() + "\n")
        self.counts.setdefault(table, [0, 0])[1] += 1

    def close(self) -> None:
        self._stack.close()


# -- the vendors' records of one chunk ----------------------------------------------------------------------------


def matomo_records(world: ChunkWorld, split: Split, spool: Spool) -> None:
    """Visits with their actions, as ``Live.getLastVisitsDetails`` serves them: finished by the start of D (as the
    clock then showed them) into the history; those whose last action falls on D into day D."""
    stream = matomo_connector.MatomoSource.streams[0]
    clock = Clock(split.start_ms)
    api = MatomoApi(world, clock, web_log=WebLog(world))
    for _, record, detail in api._visible(split.start_ms, 0, split.start_ms):
        spool.history("matomo", stream, api._visit(record, detail, split.start_ms, True))
    clock.set(split.end_ms)
    for _, record, detail in api._visible(split.end_ms, split.start_ms, split.end_ms):
        spool.day("matomo", stream, api._visit(record, detail, split.end_ms, True))


def hubspot_records(world: ChunkWorld, split: Split, spool: Spool) -> None:
    """Contacts and deals as the search serves them with the connector's properties, their stage history as the
    batch read serves it, and each deal's contacts as the v4 association read does. Day D: the records that
    changed on D, as they stand at its end."""
    api = HubSpotApi(world, Clock(split.end_ms))
    streams = {
        "contacts": (hubspot_connector.CONTACTS, hubspot_connector.CONTACT_PROPERTIES),
        "deals": (hubspot_connector.DEALS, hubspot_connector.DEAL_PROPERTIES),
    }
    for kind, (stream, properties) in streams.items():
        names = api._property_names(kind, properties)
        history_stream_name, _, history_property, modified = hubspot_connector.HISTORIES[kind]
        history_stream = next(s for s in stream.children if s.name == history_stream_name)
        history_names = api._property_names(kind, [history_property, modified])
        for crm_object in api.portal.all_objects(kind):
            for clock, is_day, write in ((split.start_ms, False, spool.history), (split.end_ms, True, spool.day)):
                state = crm_object.state_at(clock)
                if state is None:
                    continue
                if is_day and state is crm_object.state_at(split.start_ms):
                    continue  # unchanged on D: the daily run's window does not see it
                served = api._served(kind, crm_object, state, names, (), clock)
                write("hubspot", stream, served)
                write(
                    "hubspot",
                    history_stream,
                    api._served(kind, crm_object, state, history_names, (), clock, [history_property]),
                )
                if kind == "deals":
                    contacts = api.portal.associated("deals", crm_object.id, "contacts", clock)
                    if contacts and is_day:
                        spool.day("hubspot", hubspot_connector.DEAL_CONTACTS, deal_contacts(crm_object.id, contacts))
                    elif contacts:  # no cursor of its own: pulled with its deal
                        extracted = pulled_after(hubspot_connector.updated_at(served), split)[0]
                        spool.history(
                            "hubspot",
                            hubspot_connector.DEAL_CONTACTS,
                            deal_contacts(crm_object.id, contacts),
                            extracted=extracted,
                        )


def deal_contacts(deal_id: str, contact_ids: Sequence[str]) -> dict[str, Any]:
    """One result of ``POST /crm/v4/associations/deals/contacts/batch/read`` (the app's own shape)."""
    type_id = hubspot_crm.ASSOCIATION_TYPE_IDS[("deals", "contacts")]
    association = [{"category": "HUBSPOT_DEFINED", "typeId": type_id, "label": None}]
    return {
        "from": {"id": deal_id},
        "to": [{"toObjectId": int(i), "associationTypes": association} for i in contact_ids],
    }


@dataclass
class CampaignTotals:
    """A campaign's counts over every recipient, summed chunk by chunk (MailchimpApi._report_summary's terms)."""

    recipients: int = 0
    opens: int = 0
    unique_opens: int = 0
    clicks: int = 0
    subscriber_clicks: int = 0
    delivered: int = 0

    def add(self, other: CampaignTotals) -> None:
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))


def mailchimp_records(world: ChunkWorld, split: Split, spool: Spool) -> dict[tuple[str, int], CampaignTotals]:
    """Members and per-recipient email activity. The daily run re-pulls the whole activity of every campaign sent
    within the connector's lookback (14 days), so day D holds all of those recipients again; the loader writes
    those whose activity changed."""
    members_stream, _, activity_stream = mailchimp_connector.streams(mailchimp_connector.DEFAULT_LOOKBACK, {})
    lookback_ms = int(mailchimp_connector.DEFAULT_LOOKBACK.total_seconds() * 1000)
    api = MailchimpApi(world, Clock(split.end_ms))
    totals: dict[tuple[str, int], CampaignTotals] = {}
    for member in api.members:
        for clock, is_day, write in ((split.start_ms, False, spool.history), (split.end_ms, True, spool.day)):
            if member.subscribed_at > clock:
                continue
            if is_day and member.last_changed(split.end_ms) < split.start_ms:
                continue  # not changed on D
            write("mailchimp", members_stream, api._member(member, clock))
    for send in sorted(api._sends.values(), key=lambda s: s.at):
        sent = from_ms(send.at)
        for clock, is_day in ((split.start_ms, False), (split.end_ms, True)):
            if _campaign_status(send, clock) != "sent":
                continue
            if is_day and send.at < split.start_ms - lookback_ms:
                continue  # outside the lookback: the daily run leaves it alone
            counts = totals.setdefault((send.campaign_id, clock), CampaignTotals())
            last_pull = min(sent + mailchimp_connector.DEFAULT_LOOKBACK, split.start) + EXTRACT_DELAY
            for member in api._recipients(send):
                actions = [a for a in member.received[send.seq] if a.at <= clock]
                record = api._recipient(send, member, actions)
                if not is_day:
                    # The loader leaves a re-pull that did not change as stored: the row keeps the extract time
                    # of the first run that saw the recipient's last action.
                    changed = pulled_after(from_ms(max((a.at for a in actions), default=send.at)), split)[0]
                    extracted = min(changed, last_pull)
                    spool.history("mailchimp", _activity_at(activity_stream, sent), record, extracted=extracted)
                else:
                    spool.day("mailchimp", activity_stream, record)
                opens = sum(a.kind == "open" for a in actions)
                clicks = sum(a.kind == "click" for a in actions)
                counts.recipients += 1
                counts.opens += opens
                counts.unique_opens += bool(opens)
                counts.clicks += clicks
                counts.subscriber_clicks += bool(clicks)
                counts.delivered += not any(a.kind == "bounce" for a in actions)
    return totals


def _activity_at(stream: Stream, sent: datetime) -> Stream:
    """The activity stream with its cursor bound to the campaign's send time (the connector fills it from the
    campaigns it listed)."""
    return Stream(name=stream.name, primary_key=stream.primary_key, cursor=lambda _record: sent)


def mailchimp_campaigns(config: WorldConfig, split: Split, totals: dict[tuple[str, int], CampaignTotals], spool: Spool):
    """Each sent campaign once, with its counts over every chunk's recipients."""
    _, campaigns_stream, _ = mailchimp_connector.streams(mailchimp_connector.DEFAULT_LOOKBACK, {})
    api = MailchimpApi(ChunkWorld(config, []), Clock(split.end_ms))
    for (campaign_id, clock), counts in sorted(totals.items()):
        send = api._sends[campaign_id]
        record = api._campaign(send, clock)
        record["emails_sent"] = counts.recipients
        record["recipients"]["recipient_count"] = counts.recipients
        delivered = counts.delivered or 1
        record["report_summary"] = {
            "opens": counts.opens,
            "unique_opens": counts.unique_opens,
            "open_rate": round(counts.unique_opens / delivered, 6),
            "clicks": counts.clicks,
            "subscriber_clicks": counts.subscriber_clicks,
            "click_rate": round(counts.subscriber_clicks / delivered, 6),
        }
        if clock == split.start_ms:
            last_pull = min(from_ms(send.at) + mailchimp_connector.DEFAULT_LOOKBACK, split.start) + EXTRACT_DELAY
            spool.history("mailchimp", campaigns_stream, record, extracted=last_pull)
        else:
            spool.day("mailchimp", campaigns_stream, record)


def questionpro_records(world: ChunkWorld, split: Split, spool: Spool) -> None:
    api = QuestionProApi(world, Clock(split.end_ms))
    stream = questionpro_connector.RESPONSES
    for buyer in world.iter_buyers():
        for n, drawn in enumerate(buyer_responses(world, buyer)):
            response = type(drawn)(
                drawn.survey_id,
                drawn.buyer_index,
                drawn.at,
                drawn.time_taken,
                drawn.answers,
                drawn.custom,
                FIRST_RESPONSE_ID + 16 * buyer.index + n,
            )
            if response.at >= split.end_ms:
                continue
            record = api._record(SURVEYS[response.survey_id], response)
            if response.at < split.start_ms:
                spool.history("questionpro", stream, record)
            else:
                spool.day("questionpro", stream, record)


def offline_records(world: ChunkWorld, split: Split, spool: Spool) -> None:
    streams = {stream.name: stream for stream in offline_connector.STREAMS}
    lines: dict[str, int] = {}
    for buyer in world.iter_buyers():
        for row in offline_export.buyer_rows(world, buyer):
            if row.at >= split.end_ms:
                continue
            file_name = offline_export.file_name(row.kind, from_ms(row.at).date())
            lines[file_name] = lines.get(file_name, 1) + 1
            record: dict[str, Any] = dict(zip(offline_export.COLUMNS[row.kind], row.values, strict=True))
            record.update({"_file": file_name, "_line": lines[file_name], "_sha256": "bench"})
            if row.at < split.start_ms:
                spool.history("offline", streams[row.kind], record)
            else:
                spool.day("offline", streams[row.kind], record)


def generate_chunk(config: WorldConfig, split: Split, folder: Path, chunk: int, first: int, last: int) -> dict:
    """Every source's records of buyers [first, last) into the chunk's spool files."""
    started = time.perf_counter()
    world = ChunkWorld(config, [generate_buyer(config, index) for index in range(first, last)])
    spool = Spool(folder, chunk, split)
    try:
        matomo_records(world, split, spool)
        hubspot_records(world, split, spool)
        totals = mailchimp_records(world, split, spool)
        questionpro_records(world, split, spool)
        offline_records(world, split, spool)
    finally:
        spool.close()
    return {"counts": spool.counts, "totals": totals, "seconds": time.perf_counter() - started}


def generate(config: WorldConfig, split: Split, folder: Path, chunk_size: int, workers: int) -> dict:
    """Spool every chunk (in ``workers`` processes) and the campaigns; returns rows per table and the time."""
    started = time.perf_counter()
    counts: dict[str, list[int]] = {}
    totals: dict[tuple[str, int], CampaignTotals] = {}
    bounds = [
        (n, first, min(first + chunk_size, config.buyers))
        for n, first in enumerate(range(0, config.buyers, chunk_size))
    ]
    with ProcessPoolExecutor(max_workers=workers) as pool:
        futures = [pool.submit(generate_chunk, config, split, folder, n, first, last) for n, first, last in bounds]
        for done, future in enumerate(futures, 1):
            result = future.result()
            for table, (history, day) in result["counts"].items():
                found = counts.setdefault(table, [0, 0])
                found[0] += history
                found[1] += day
            for key, part in result["totals"].items():
                totals.setdefault(key, CampaignTotals()).add(part)
            if done % max(1, len(bounds) // 20) == 0:
                print(f"  generated {done}/{len(bounds)} chunks, {time.perf_counter() - started:.0f} s", flush=True)
    spool = Spool(folder, len(bounds), split)
    try:
        mailchimp_campaigns(config, split, totals, spool)
    finally:
        spool.close()
    for table, (history, day) in spool.counts.items():
        found = counts.setdefault(table, [0, 0])
        found[0] += history
        found[1] += day
    return {"rows": counts, "seconds": time.perf_counter() - started}


# -- loading ---------------------------------------------------------------------------------------------------

RAW_COLUMNS = ", ".join(COLUMNS)


def connector_streams(day_folder: Path) -> dict[str, tuple[str, Stream]]:
    """Raw table → (source, the connector's stream declaration), as the day-D load merges with them."""
    sent_at: dict[str, datetime] = {}
    campaigns = day_folder / "mailchimp__campaigns"
    for path in sorted(day_folder.glob("mailchimp__campaigns.*")) if day_folder.exists() else []:
        for line in path.read_text().splitlines():
            record = orjson.loads(line)
            sent_at[record["id"]] = mailchimp_connector.parse_time(record["send_time"])
    del campaigns
    streams: list[tuple[str, Stream]] = [
        ("matomo", matomo_connector.MatomoSource.streams[0]),
        ("questionpro", questionpro_connector.RESPONSES),
        *(("mailchimp", s) for s in mailchimp_connector.streams(mailchimp_connector.DEFAULT_LOOKBACK, sent_at)),
        *(("offline", s) for s in offline_connector.STREAMS),
    ]
    for parent in (hubspot_connector.CONTACTS, hubspot_connector.DEALS):
        streams.append(("hubspot", parent))
        streams.extend(("hubspot", child) for child in parent.children)
    return {f"{source}__{stream.name}": (source, stream) for source, stream in streams}


def load_history(warehouse, folder: Path) -> dict:
    """Truncate every raw table, then COPY the spooled history in; vacuum-analyse what was loaded.

    Chunks are generated apart, so two buyers' records can share a natural key (two people with one email calling
    in the same second: offline calls at 200,000 buyers). The raw table keeps one row per key, as the loader's
    merge would: each chunk's file is copied into a temporary table, then moved in with the later copies of a key
    skipped (counted in the result). A chunk at a time, so the copy never holds more than one chunk: a whole table
    twice over did not fit the disk at 1,000,000 buyers (Matomo's visits are 22 GB of COPY text).
    """
    from connectors.registry import ensure_raw_tables

    ensure_raw_tables(warehouse)
    started = time.perf_counter()
    tables = sorted({path.name.split(".")[0] for path in (folder / "history").iterdir()})
    skipped: dict[str, int] = {}
    with warehouse.connect() as conn:
        raw = [name for (name,) in conn.execute("select tablename from pg_tables where schemaname = 'raw'")]
        conn.execute("truncate " + ", ".join(f'raw."{name}"' for name in raw))
        for table in tables:
            conn.execute(f'create temporary table spooled (like raw."{table}") on commit drop')
            spooled = moved = 0
            for path in sorted((folder / "history").glob(f"{table}.*")):
                with conn.cursor() as cursor:
                    with cursor.copy(f"copy spooled ({RAW_COLUMNS}) from stdin") as copy, path.open("rb") as handle:
                        while block := handle.read(1 << 20):
                            copy.write(block)
                    spooled += cursor.rowcount
                moved += conn.execute(
                    f'insert into raw."{table}" ({RAW_COLUMNS}) select {RAW_COLUMNS} from spooled '
                    "on conflict (natural_key) do nothing"
                ).rowcount
                conn.execute("truncate spooled")
            if moved != spooled:
                skipped[table] = spooled - moved
            print(f"  history of {table}: {moved:,} rows, {time.perf_counter() - started:.0f} s", flush=True)
            conn.commit()
    copied = time.perf_counter() - started
    with warehouse.connect(autocommit=True) as conn:
        for table in tables:
            conn.execute(f'vacuum analyze raw."{table}"')
    return {
        "copy_seconds": copied,
        "vacuum_analyze_seconds": time.perf_counter() - started - copied,
        "duplicate_keys_skipped": skipped,
    }


def history_already_loaded(warehouse, split: Split) -> dict:
    """``--reuse-raw``: the raw tables hold an earlier run's history and nothing of day D (else the builds differ)."""
    from connectors.registry import ensure_raw_tables

    ensure_raw_tables(warehouse)
    with warehouse.connect() as conn:
        raw = [name for (name,) in conn.execute("select tablename from pg_tables where schemaname = 'raw'")]
        newest = max(
            (conn.execute(f'select max(extracted_at) from raw."{name}"').fetchone()[0] for name in raw),
            default=None,
            key=lambda value: value or datetime.min.replace(tzinfo=UTC),
        )
    if newest is None:
        raise SystemExit("--reuse-raw: the raw tables are empty; run without it to load the history")
    if newest >= split.end:
        raise SystemExit(f"--reuse-raw: raw holds rows extracted {newest}, after day D began: reload without it")
    return {"reused": True, "newest_extracted_at": str(newest)}


def load_day(warehouse, folder: Path, split: Split) -> dict:
    """Merge day D's records with the project's loader, a page of 10,000 at a time, as the daily syncs do."""
    started = time.perf_counter()
    day_folder = folder / "day"
    streams = connector_streams(day_folder)
    batch = Batch("bench-day", split.end + EXTRACT_DELAY, split.start, split.end)
    written = 0
    with warehouse.connect() as conn:
        for table in sorted({path.name.split(".")[0] for path in day_folder.iterdir()}):
            source, stream = streams[table]
            page: list[dict] = []
            for path in sorted(day_folder.glob(f"{table}.*")):
                with path.open("rb") as handle:
                    for line in handle:
                        page.append(orjson.loads(line))
                        if len(page) == DAY_PAGE:
                            written += merge_records(conn, source, stream, page, batch)
                            conn.commit()
                            page = []
            if page:
                written += merge_records(conn, source, stream, page, batch)
                conn.commit()
    return {"seconds": time.perf_counter() - started, "rows_written": written}


# -- dbt -------------------------------------------------------------------------------------------------------


def dbt_build(warehouse, *args: str) -> dict:
    """``dbt build`` with ``args``, timed; per-node times from dbt's run_results.json."""
    from purchase_path.settings import DBT_PROJECT_DIR
    from purchase_path.transform import DbtFailed, run_dbt

    load_before = os.getloadavg()
    started = time.perf_counter()
    failed = None
    try:
        run_dbt(["build", *args], warehouse)
    except DbtFailed as error:  # tests that fail at scale are a finding too; the timings still count
        failed = str(error)
    seconds = time.perf_counter() - started
    target = Path(os.environ.get("DBT_TARGET_PATH") or DBT_PROJECT_DIR / "target")
    results = json.loads((target / "run_results.json").read_text())["results"]
    nodes = {r["unique_id"]: {"seconds": r["execution_time"], "status": r["status"]} for r in results}
    return {
        "args": list(args),
        "seconds": seconds,
        "failed": failed,
        "load_before": load_before,
        "load_after": os.getloadavg(),
        "nodes": nodes,
    }


def row_counts(warehouse, tables: Sequence[str]) -> dict[str, int | None]:
    counts: dict[str, int | None] = {}
    with warehouse.connect(autocommit=True) as conn:
        for table in tables:
            schema, name = table.split(".")
            exists = conn.execute("select to_regclass(%s)", (f'"{schema}"."{name}"',)).fetchone()[0]
            counts[table] = conn.execute(f'select count(*) from "{schema}"."{name}"').fetchone()[0] if exists else None
    return counts


def raw_counts(warehouse) -> dict[str, int]:
    with warehouse.connect(autocommit=True) as conn:
        names = [n for (n,) in conn.execute("select tablename from pg_tables where schemaname = 'raw' order by 1")]
        return {n: conn.execute(f'select count(*) from raw."{n}"').fetchone()[0] for n in names}


def server_settings(warehouse) -> dict[str, str]:
    names = (
        "server_version",
        "shared_buffers",
        "work_mem",
        "maintenance_work_mem",
        "max_wal_size",
        "effective_cache_size",
        "max_parallel_workers_per_gather",
        "synchronous_commit",
        "jit",
    )
    with warehouse.connect(autocommit=True) as conn:
        return {name: conn.execute(f"show {name}").fetchone()[0] for name in names}


# -- the run ---------------------------------------------------------------------------------------------------


def measure(args: argparse.Namespace) -> dict:
    from purchase_path import warehouse as wh
    from purchase_path.settings import Settings
    from purchase_path.transform import PRODUCTION_BUILD_FLAGS

    config = WorldConfig(seed=args.seed, buyers=args.buyers, start=date.fromisoformat(args.start), days=args.days)
    split = Split(config.start + timedelta(days=config.days - 1))
    settings = Settings.from_env()
    folder = Path(args.spool or settings.home / "warehouse_bench" / f"spool-{args.buyers}")
    results: dict[str, Any] = {
        "buyers": args.buyers,
        "days": args.days,
        "seed": args.seed,
        "day_d": str(split.day),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
    }
    if (args.reuse_spool or args.reuse_raw) and (folder / "generated.json").exists():
        results["generate"] = json.loads((folder / "generated.json").read_text())
    else:
        print(f"generating {args.buyers:,} buyers into {folder}", flush=True)
        for kind in ("history", "day"):
            for path in (folder / kind).glob("*") if (folder / kind).exists() else []:
                path.unlink()
        results["generate"] = generate(config, split, folder, args.chunk, args.workers)
        results["generate"]["workers"] = args.workers
        (folder / "generated.json").write_text(json.dumps(results["generate"], default=str))
    print(f"generated in {results['generate']['seconds']:.0f} s", flush=True)

    warehouse = wh.ready(settings)
    results["postgres"] = server_settings(warehouse)
    if args.reuse_raw:
        results["load_history"] = history_already_loaded(warehouse, split)
    else:
        results["load_history"] = load_history(warehouse, folder)
    print(f"history loaded: {results['load_history']}", flush=True)
    if args.load_only:
        return results
    results["full"] = dbt_build(warehouse, "--full-refresh", *PRODUCTION_BUILD_FLAGS)
    print(f"full build {results['full']['seconds']:.0f} s failed={results['full']['failed']}", flush=True)
    if results["full"]["failed"]:
        # Day D not loaded yet: the raw history stays reusable once the cause (dbt's log says it) is fixed.
        write_results(settings, results)
        raise SystemExit("the full build failed: no daily run to time. Fix it, then re-run with --reuse-raw")
    results["rows_after_full"] = row_counts(warehouse, CORE_TABLES)
    results["load_day"] = load_day(warehouse, folder, split)
    print(f"day D loaded: {results['load_day']}", flush=True)
    results["incremental"] = dbt_build(warehouse, *PRODUCTION_BUILD_FLAGS)
    print(
        f"incremental build {results['incremental']['seconds']:.0f} s failed={results['incremental']['failed']}",
        flush=True,
    )
    results["rows_after_incremental"] = row_counts(warehouse, CORE_TABLES)
    results["raw_rows"] = raw_counts(warehouse)
    write_results(settings, results)
    return results


def write_results(settings, results: dict) -> None:
    out = settings.home / "warehouse_bench" / f"results-{results['buyers']}-{datetime.now(UTC):%Y%m%dT%H%M%S}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=1, default=str))
    print(f"results: {out}", flush=True)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--buyers", type=int, default=100_000)
    parser.add_argument("--days", type=int, default=120)
    parser.add_argument("--start", default="2026-07-01")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--chunk", type=int, default=2_000, help="buyers per generated chunk")
    parser.add_argument("--workers", type=int, default=1, help="processes generating chunks")
    parser.add_argument("--spool", help="folder for the generated raw rows (default under PURCHASE_PATH_HOME)")
    parser.add_argument("--reuse-spool", action="store_true", help="load what an earlier run generated")
    parser.add_argument(
        "--reuse-raw",
        action="store_true",
        help="the raw tables already hold the history an earlier run loaded (and no day D): build on them",
    )
    parser.add_argument(
        "--load-only",
        action="store_true",
        help="generate (or reuse the spool) and load the history, then stop: time the builds later with --reuse-raw",
    )
    args = parser.parse_args(argv)
    results = measure(args)
    if not args.load_only:
        print(summary(results))


def summary(results: dict) -> str:
    full, incremental = results["full"]["seconds"], results["incremental"]["seconds"]
    lines = [
        f"buyers {results['buyers']:,}: full {full:.1f} s, incremental {incremental:.1f} s "
        f"({incremental / full:.1%} of full)"
    ]
    slowest = sorted(results["incremental"]["nodes"].items(), key=lambda kv: -kv[1]["seconds"])[:15]
    lines += [
        f"  incr {node}: {v['seconds']:.1f} s (full {results['full']['nodes'].get(node, {}).get('seconds', 0):.1f} s)"
        for node, v in slowest
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
