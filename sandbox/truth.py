"""The world's ground truth as CSV files: what the warehouse should find if it infers everything right.

``buyers.csv``: one row per true buyer, with the normalised email, the stage times, and the id each vendor
knows the buyer by (empty where that vendor never saw them). ``purchases.csv``: one row per true purchase,
with the id of the HubSpot deal behind it when it was a B2B sale. ``world.json``: the parameters that
regenerate the world.

Rows are written while buyers are generated, so the files can be written for any number of buyers in bounded
memory. Times are ISO 8601 UTC with milliseconds; amounts are plain decimal strings in the purchase's own
currency.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from pathlib import Path

from sandbox.timefmt import iso_ms
from sandbox.vendors.hubspot_crm import contact_id_for, deal_id_for
from sandbox.world import Buyer, World

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
)


def _when(ms: int | None) -> str:
    return iso_ms(ms) if ms is not None else ""


def buyer_row(buyer: Buyer) -> dict[str, str]:
    return {
        "buyer_id": buyer.buyer_id,
        "email": buyer.email,
        "email_as_typed": buyer.email_typed,
        "first_name": buyer.first_name,
        "last_name": buyer.last_name,
        "company": buyer.company or "",
        "is_b2b": str(buyer.is_b2b).lower(),
        "currency": buyer.currency,
        "first_touch_channel": buyer.first_touch.channel,
        "first_touch_campaign": buyer.first_touch.campaign or "",
        "first_touch_at": _when(buyer.awareness_at),
        "consideration_at": _when(buyer.considered_at),
        "first_purchase_at": _when(buyer.first_purchase_at),
        "retention_at": _when(buyer.retained_at),
        "advocacy_at": _when(buyer.advocated_at),
        "furthest_stage": buyer.furthest_stage,
        "crm_known_at": _when(buyer.crm.known_at if buyer.crm else None),
        "hubspot_contact_id": contact_id_for(buyer) or "",
    }


def purchase_rows(buyer: Buyer) -> Iterable[dict[str, str]]:
    opportunities = {o.seq: o for o in buyer.opportunities}
    for purchase in buyer.purchases:
        opportunity = opportunities.get(purchase.opportunity_seq) if purchase.opportunity_seq is not None else None
        yield {
            "buyer_id": buyer.buyer_id,
            "purchase_seq": str(purchase.seq),
            "purchased_at": iso_ms(purchase.at),
            "amount": format(purchase.amount.normalize(), "f"),
            "currency": purchase.currency,
            "kind": purchase.kind,
            "is_repeat": str(purchase.is_repeat).lower(),
            "hubspot_deal_id": deal_id_for(buyer, opportunity) if opportunity is not None else "",
        }


def write_truth(world: World, out_dir: Path | str) -> list[Path]:
    """Write ``buyers.csv``, ``purchases.csv`` and ``world.json`` into ``out_dir`` (created if missing)."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    buyers_path, purchases_path, manifest_path = out / "buyers.csv", out / "purchases.csv", out / "world.json"
    with (
        buyers_path.open("w", newline="", encoding="utf-8") as buyers_file,
        purchases_path.open("w", newline="", encoding="utf-8") as purchases_file,
    ):
        buyers_csv = csv.DictWriter(buyers_file, BUYER_COLUMNS, lineterminator="\n")
        purchases_csv = csv.DictWriter(purchases_file, PURCHASE_COLUMNS, lineterminator="\n")
        buyers_csv.writeheader()
        purchases_csv.writeheader()
        for buyer in world.iter_buyers():
            buyers_csv.writerow(buyer_row(buyer))
            purchases_csv.writerows(purchase_rows(buyer))
    config = world.config
    manifest = {
        "seed": config.seed,
        "buyers": config.buyers,
        "start": config.start.isoformat(),
        "days": config.days,
        "start_at": iso_ms(world.start_ms),
        "end_at": iso_ms(world.end_ms),
    }
    manifest_path.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return [buyers_path, purchases_path, manifest_path]
