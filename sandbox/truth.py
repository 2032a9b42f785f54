"""The world's ground truth as CSV files: what the warehouse should find if it infers everything right.

- ``buyers.csv``: one row per true buyer: the normalised email, stage times, the ids each vendor knows the buyer
  by (empty where that vendor never saw them), touch counts, the model's conversion probability, the advocate's
  own referral code and, for a referred buyer, the advocate who referred them (``referred_by``).
- ``identities.csv``: every identifier a source shows (normalised email, HubSpot contact id, Matomo visitor ids,
  web user id, gclid, fbclid, Mailchimp ``mc_eid``, loyalty id) -> the true buyer, with when it first appeared and
  which systems show it.
- ``touches.csv``: every true touch: buyer, instant, channel, what kind of touch, the buyer's stage, whether it
  came before the first purchase, the systems that recorded it, and the ids it carried.
- ``purchases.csv``: one row per true purchase, with the HubSpot deal behind a B2B sale or the web-shop order id
  and Matomo visit of a consumer's order.
- ``channel_contributions.csv``: per channel, the conversion model's weights, the expected conversions without
  the channel and the channel's true contribution (see :mod:`sandbox.conversion`), next to what first- and
  last-touch counting would credit it with.
- ``world.json``: the parameters that regenerate the world, the Matomo setting the visitor ids follow, and the
  model's totals.

Matomo's visitor ids depend on one of its settings, ``enable_userid_overwrites_visitorid`` (see
:mod:`sandbox.vendors.matomo`): the truth is written for one value of it, ``userid_overwrites_visitorid``, by default
the one our docs recommend (off: a logged-in visit keeps the device's cookie id). Write it with the value the
sandbox's Matomo serves (``MatomoOptions.userid_overwrites_visitorid``) so that the two agree.

Buyers are generated and written in chunks, in index order, so the files are written for any number of buyers in
bounded memory; with ``workers > 1`` chunks are generated in parallel processes and written in the same order (the
bytes do not depend on the number of workers). Times are ISO 8601 UTC with milliseconds; amounts are plain
decimal strings in the purchase's own currency.
"""

from __future__ import annotations

import csv
import io
import json
from collections import defaultdict, deque
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from sandbox import conversion as model
from sandbox import identifiers as ids
from sandbox import offline
from sandbox.credentials import GA4_PROPERTY_ID, MATOMO_SITE_ID
from sandbox.timefmt import MS_PER_DAY, iso_ms
from sandbox.vendors import questionpro
from sandbox.vendors.hubspot_crm import contact_id_for, deal_id_for
from sandbox.web_visits import ga4_sees, matomo_visit_id
from sandbox.world import Buyer, Touch, World, WorldConfig

BUYER_COLUMNS = (
    "buyer_id",
    "email",
    "email_as_typed",
    "first_name",
    "last_name",
    "company",
    "is_b2b",
    "currency",
    "first_touch_channel",
    "first_touch_campaign",
    "first_touch_at",
    "consideration_at",
    "first_purchase_at",
    "retention_at",
    "advocacy_at",
    "furthest_stage",
    "crm_known_at",
    "hubspot_contact_id",
    "decision_at",
    "subscribed_at",
    "mc_eid",
    "user_id",
    "loyalty_id",
    "devices",
    "touches",
    "touches_before_first_purchase",
    "intent",
    "conversion_probability",
    "referral_code",
    "referred_by",
)
IDENTITY_COLUMNS = ("identifier_type", "identifier", "buyer_id", "first_seen_at", "systems")
TOUCH_COLUMNS = (
    "buyer_id",
    "touch_seq",
    "touched_at",
    "channel",
    "touch_type",
    "stage",
    "before_first_purchase",
    "systems",
    "campaign",
    "source",
    "term",
    "landing_page",
    "device_type",
    "visitor_id",
    "user_id",
    "gclid",
    "fbclid",
    "mc_eid",
    "matomo_visit_id",
    "actions",
)
PURCHASE_COLUMNS = (
    "buyer_id",
    "purchase_seq",
    "purchased_at",
    "amount",
    "currency",
    "kind",
    "is_repeat",
    "hubspot_deal_id",
    "order_id",
    "matomo_visit_id",
)
CONTRIBUTION_COLUMNS = (
    "channel",
    "consider_weight",
    "convert_weight",
    "touches",
    "touches_before_first_purchase",
    "buyers_exposed",
    "expected_conversions_without",
    "contribution",
    "contribution_share",
    "first_touch_conversions",
    "last_touch_conversions",
)
FILES = ("buyers.csv", "identities.csv", "touches.csv", "purchases.csv")
CHUNK = 1000

# Systems that record each kind of web click, beyond the web analytics (Matomo always; GA4 when it saw the visit).
_AD_SYSTEMS = {"paid_search": "google_ads", "display": "google_ads"}
_SOCIAL_AD_SYSTEMS = {"Facebook": "meta_ads", "Instagram": "meta_ads", "LinkedIn": "linkedin_ads"}


@lru_cache(maxsize=4096)
def _day_text(day: int) -> str:
    return iso_ms(day * MS_PER_DAY)[:10]


def _iso(ms: int) -> str:
    """``timefmt.iso_ms`` without building a datetime (the truth writes tens of millions of instants)."""
    day, rest = divmod(ms, MS_PER_DAY)
    hours, rest = divmod(rest, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    seconds, millis = divmod(rest, 1000)
    return f"{_day_text(day)}T{hours:02d}:{minutes:02d}:{seconds:02d}.{millis:03d}Z"


def _when(ms: int | None) -> str:
    return _iso(ms) if ms is not None else ""


def _flag(value: bool) -> str:
    return "true" if value else "false"


def buyer_row(buyer: Buyer, probability: float) -> list[str]:
    before = buyer.touches_before_first_purchase
    return [
        buyer.buyer_id,
        buyer.email,
        buyer.email_typed,
        buyer.first_name,
        buyer.last_name,
        buyer.company or "",
        _flag(buyer.is_b2b),
        buyer.currency,
        buyer.first_touch.channel,
        buyer.first_touch.campaign or "",
        _when(buyer.awareness_at),
        _when(buyer.considered_at),
        _when(buyer.first_purchase_at),
        _when(buyer.retained_at),
        _when(buyer.advocated_at),
        buyer.furthest_stage,
        _when(buyer.crm.known_at if buyer.crm else None),
        contact_id_for(buyer) or "",
        _when(buyer.decided_at),
        _when(buyer.subscribed_at),
        buyer.mc_eid or "",
        buyer.user_id or "",
        buyer.loyalty_id or "",
        str(len({t.device for t in buyer.touches if t.device is not None})),
        str(len(buyer.touches)),
        "" if before is None else str(before),
        f"{buyer.intent:.6f}",
        f"{probability:.6f}",
        buyer.referral_code or "",
        buyer.referred_by or "",
    ]


def touch_systems(seed: int, buyer: Buyer, touch: Touch) -> list[str]:
    """The systems that recorded a touch (emulated or not yet)."""
    if not touch.is_web:
        return ["offline_events"]
    systems = ["matomo"]
    if ga4_sees(seed, buyer.index, touch.seq):
        systems.append("ga4")
    if touch.channel in _AD_SYSTEMS:
        systems.append(_AD_SYSTEMS[touch.channel])
    elif touch.channel == "paid_social" and touch.source in _SOCIAL_AD_SYSTEMS:
        systems.append(_SOCIAL_AD_SYSTEMS[touch.source])
    elif touch.channel == "email":
        systems.append("mailchimp")
    if any(m.kind == "form" for m in touch.moments):
        systems.append("hubspot")
    return systems


def touch_rows(seed: int, buyer: Buyer, userid_overwrites_visitorid: bool = False) -> Iterator[list[str]]:
    first_purchase = buyer.first_purchase_at
    for touch in buyer.touches:
        device = buyer.devices[touch.device].kind if touch.device is not None else ""
        yield [
            buyer.buyer_id,
            str(touch.seq),
            _iso(touch.at),
            touch.channel,
            "web_visit" if touch.is_web else "event_scan",
            touch.stage,
            _flag(first_purchase is None or touch.at < first_purchase),
            ";".join(touch_systems(seed, buyer, touch)),
            touch.campaign or "",
            touch.source or "",
            touch.term or "",
            touch.landing_page,
            device,
            buyer.visitor_id(touch, userid_overwrites_visitorid) or "",
            buyer.user_id if touch.logged_in and buyer.user_id else "",
            touch.gclid or "",
            touch.fbclid or "",
            buyer.mc_eid if touch.channel == "email" and buyer.mc_eid else "",
            str(matomo_visit_id(buyer.index, touch.seq)) if touch.is_web else "",
            ";".join(f"{m.kind}@{_iso(m.at)}" for m in touch.moments),
        ]


def purchase_rows(seed: int, buyer: Buyer) -> Iterator[list[str]]:
    opportunities = {o.seq: o for o in buyer.opportunities}
    for purchase in buyer.purchases:
        opportunity = opportunities.get(purchase.opportunity_seq) if purchase.opportunity_seq is not None else None
        is_order = purchase.kind == "ecommerce"
        yield [
            buyer.buyer_id,
            str(purchase.seq),
            _iso(purchase.at),
            format(purchase.amount.normalize(), "f"),
            purchase.currency,
            purchase.kind,
            _flag(purchase.is_repeat),
            deal_id_for(buyer, opportunity) if opportunity is not None else "",
            ids.order_id(seed, buyer.index, purchase.seq) if is_order else "",
            str(matomo_visit_id(buyer.index, purchase.touch_seq))
            if is_order and purchase.touch_seq is not None
            else "",
        ]


def identity_rows(world: World, buyer: Buyer, userid_overwrites_visitorid: bool = False) -> Iterator[list[str]]:
    """Every identifier the sources show for a buyer, with when it first appeared and where.

    The email shows in HubSpot (a contact), Mailchimp (a member), the offline exports (badge scans, sales calls) and
    QuestionPro (a survey answer); the web account id in Matomo (logged-in visits) and on the HubSpot contact
    (``app_user_id``); the loyalty card on the contact and in the loyalty system's store visits. An identifier no
    system shows by the world's end is not listed.
    """
    rows: list[tuple[str, str, int, list[str]]] = []
    offline_seen: dict[str, list[int]] = defaultdict(list)
    for record in offline.buyer_rows(world, buyer):
        offline_seen[record.kind].append(record.at)
    email_seen = {
        "hubspot": [buyer.crm.known_at] if buyer.crm else [],
        "mailchimp": [buyer.subscribed_at] if buyer.subscribed_at is not None else [],
        "offline_events": offline_seen["event_scans"] + offline_seen["calls"],
        "questionpro": [response.at for response in questionpro.buyer_responses(world, buyer)],
    }
    _add_seen(rows, "email", buyer.email, email_seen)
    if buyer.crm is not None:
        rows.append(("hubspot_contact_id", contact_id_for(buyer) or "", buyer.crm.known_at, ["hubspot"]))
    visitors: dict[str, int] = {}
    user_seen = None
    for touch in buyer.touches:
        if not touch.is_web:
            continue
        visitor = buyer.visitor_id(touch, userid_overwrites_visitorid)
        if visitor is not None and visitor not in visitors:
            visitors[visitor] = touch.at
        if touch.logged_in and user_seen is None:
            user_seen = touch.at
        if touch.gclid:
            rows.append(("gclid", touch.gclid, touch.at, ["matomo", "google_ads"]))
        if touch.fbclid:
            rows.append(("fbclid", touch.fbclid, touch.at, ["matomo"]))
    rows += [("matomo_visitor_id", visitor, at, ["matomo"]) for visitor, at in visitors.items()]
    if buyer.user_id is not None:
        # HubSpot's contact carries the account id from sign-up (sandbox.vendors.hubspot_crm.contact_changes).
        synced = buyer.crm is not None and buyer.signed_up_at is not None
        user_seen_in = {
            "matomo": [user_seen] if user_seen is not None else [],
            "hubspot": [max(buyer.signed_up_at, buyer.crm.known_at)] if synced else [],
        }
        _add_seen(rows, "user_id", buyer.user_id, user_seen_in)
    if buyer.mc_eid is not None and buyer.subscribed_at is not None:
        clicked = any(t.channel == "email" for t in buyer.touches)
        rows.append(
            ("mc_eid", buyer.mc_eid, buyer.subscribed_at, ["mailchimp", "matomo"] if clicked else ["mailchimp"])
        )
    if buyer.loyalty_id is not None and buyer.first_purchase_at is not None:
        # The contact gets the card from the first purchase on; the loyalty system shows it at store visits.
        loyalty_seen = {
            "hubspot": [max(buyer.first_purchase_at, buyer.crm.known_at)] if buyer.crm is not None else [],
            "offline_events": offline_seen["store_visits"],
        }
        _add_seen(rows, "loyalty_id", buyer.loyalty_id, loyalty_seen)
    rows.sort(key=lambda r: (r[2], r[0], r[1]))
    for kind, identifier, at, systems in rows:
        yield [kind, identifier, buyer.buyer_id, _iso(at), ";".join(systems)]


def _add_seen(rows: list, kind: str, identifier: str, seen: dict[str, list[int]]) -> None:
    """One identity row for an identifier shown by the systems in ``seen`` (system -> instants), if any shows it."""
    systems = [system for system, instants in seen.items() if instants]
    if systems:
        rows.append((kind, identifier, min(min(seen[system]) for system in systems), systems))


@dataclass(slots=True)
class _Chunk:
    texts: dict[str, str]
    tally: model.ContributionTally


def _tally_buyer(tally: model.ContributionTally, buyer: Buyer, contribution: model.BuyerContribution) -> None:
    tally.add(contribution)
    first_purchase = buyer.first_purchase_at
    for touch in buyer.touches:
        channel_tally = tally.channels[touch.channel]
        channel_tally.touches += 1
        if first_purchase is not None and touch.at < first_purchase:
            channel_tally.touches_before_purchase += 1
    if first_purchase is not None:
        tally.observed += 1
        before = [t for t in buyer.touches if t.at < first_purchase]
        tally.channels[before[0].channel].first_touch_conversions += 1
        tally.channels[before[-1].channel].last_touch_conversions += 1


def _render_chunk(world: World, low: int, high: int, userid_overwrites_visitorid: bool) -> _Chunk:
    config = world.config
    buffers = {name: io.StringIO() for name in FILES}
    writers = {name: csv.writer(buffer, lineterminator="\n") for name, buffer in buffers.items()}
    tally = model.ContributionTally()
    for index in range(low, high):
        buyer = world.buyer(index)
        contribution = model.buyer_contribution(buyer.exposures, buyer.intent, config.end_ms)
        _tally_buyer(tally, buyer, contribution)
        writers["buyers.csv"].writerow(buyer_row(buyer, model.from_fixed(contribution.expected)))
        writers["identities.csv"].writerows(identity_rows(world, buyer, userid_overwrites_visitorid))
        writers["touches.csv"].writerows(touch_rows(config.seed, buyer, userid_overwrites_visitorid))
        writers["purchases.csv"].writerows(purchase_rows(config.seed, buyer))
    return _Chunk({name: buffer.getvalue() for name, buffer in buffers.items()}, tally)


def _render_streamed_chunk(config: WorldConfig, low: int, high: int, userid_overwrites_visitorid: bool) -> _Chunk:
    """The same chunk, generated in a worker process from the config alone (buyers are pure functions of it)."""
    return _render_chunk(World(config), low, high, userid_overwrites_visitorid)


def _chunks(world: World, workers: int, userid_overwrites_visitorid: bool) -> Iterator[_Chunk]:
    bounds = [(low, min(low + CHUNK, len(world))) for low in range(0, len(world), CHUNK)]
    if workers <= 1:
        for low, high in bounds:
            yield _render_chunk(world, low, high, userid_overwrites_visitorid)
        return
    with ProcessPoolExecutor(max_workers=workers) as pool:
        pending: deque[Future[_Chunk]] = deque()
        queued = iter(bounds)
        for low, high in queued:  # keep a bounded window of chunks in flight: memory stays flat
            pending.append(pool.submit(_render_streamed_chunk, world.config, low, high, userid_overwrites_visitorid))
            if len(pending) >= 2 * workers:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()


def write_truth(
    world: World, out_dir: Path | str, workers: int = 1, *, userid_overwrites_visitorid: bool = False
) -> list[Path]:
    """Write the ground truth files into ``out_dir`` (created if missing); return their paths.

    ``userid_overwrites_visitorid`` is the Matomo setting the served visits follow (see the module docstring).
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    headers = {
        "buyers.csv": BUYER_COLUMNS,
        "identities.csv": IDENTITY_COLUMNS,
        "touches.csv": TOUCH_COLUMNS,
        "purchases.csv": PURCHASE_COLUMNS,
    }
    paths = {name: out / name for name in FILES}
    files = {name: path.open("w", newline="", encoding="utf-8") for name, path in paths.items()}
    tally = model.ContributionTally()
    try:
        for name, file in files.items():
            csv.writer(file, lineterminator="\n").writerow(headers[name])
        for chunk in _chunks(world, workers, userid_overwrites_visitorid):
            for name, text in chunk.texts.items():
                files[name].write(text)
            tally.merge(chunk.tally)
    finally:
        for file in files.values():
            file.close()
    contributions_path = out / "channel_contributions.csv"
    _write_contributions(contributions_path, tally)
    manifest_path = out / "world.json"
    _write_manifest(manifest_path, world, tally, userid_overwrites_visitorid)
    return [*paths.values(), contributions_path, manifest_path]


def _write_contributions(path: Path, tally: model.ContributionTally) -> None:
    total = sum(max(0, tally.contribution(c)) for c in model.CHANNELS)
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file, lineterminator="\n")
        writer.writerow(CONTRIBUTION_COLUMNS)
        for channel in model.CHANNELS:
            weights = model.CHANNEL_MODEL[channel]
            channel_tally = tally.channels[channel]
            contribution = tally.contribution(channel)
            writer.writerow(
                [
                    channel,
                    f"{weights.consider:g}",
                    f"{weights.convert:g}",
                    channel_tally.touches,
                    channel_tally.touches_before_purchase,
                    channel_tally.buyers_exposed,
                    f"{model.from_fixed(channel_tally.expected_without):.6f}",
                    f"{model.from_fixed(contribution):.6f}",
                    f"{contribution / total:.6f}" if total else "",
                    channel_tally.first_touch_conversions,
                    channel_tally.last_touch_conversions,
                ]
            )


def _write_manifest(
    path: Path, world: World, tally: model.ContributionTally, userid_overwrites_visitorid: bool
) -> None:
    config = world.config
    contributions = sum(tally.contribution(c) for c in model.CHANNELS)
    manifest = {
        "seed": config.seed,
        "buyers": config.buyers,
        "start": config.start.isoformat(),
        "days": config.days,
        "start_at": iso_ms(world.start_ms),
        "end_at": iso_ms(world.end_ms),
        "matomo_site_id": MATOMO_SITE_ID,
        "ga4_property_id": GA4_PROPERTY_ID,
        "matomo_userid_overwrites_visitorid": userid_overwrites_visitorid,
        "conversion_model": {
            "conversion": "first purchase landing before end_at",
            "expected_conversions": round(model.from_fixed(tally.expected), 6),
            "observed_conversions": tally.observed,
            "sum_of_contributions": round(model.from_fixed(contributions), 6),
            "intent": f"Gamma(shape={model.INTENT_SHAPE}, scale=1/{model.INTENT_SHAPE})",
            "hazard": "1 - exp(-intent * weight) per touch; consider first, then convert at a later touch",
            "weights": {
                c: {"consider": model.CHANNEL_MODEL[c].consider, "convert": model.CHANNEL_MODEL[c].convert}
                for c in model.CHANNELS
            },
        },
    }
    path.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
