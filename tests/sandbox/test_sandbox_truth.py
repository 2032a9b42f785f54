"""The ground truth agrees with what the APIs serve."""

from __future__ import annotations

import csv
import json
from decimal import Decimal

from click.testing import CliRunner

from sandbox.cli import sandbox


def read_csv(path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as file:
        return list(csv.DictReader(file))


def test_truth_matches_what_hubspot_serves_at_the_worlds_end(tmp_path, hubspot, demo_world):
    seed, size = demo_world.seed, len(demo_world)
    result = CliRunner().invoke(sandbox, ["truth", "--seed", str(seed), "--buyers", str(size), "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    buyers = read_csv(tmp_path / "buyers.csv")
    purchases = read_csv(tmp_path / "purchases.csv")
    manifest = json.loads((tmp_path / "world.json").read_text())
    assert manifest["seed"] == seed and manifest["buyers"] == size
    assert len(buyers) == size

    # Every closed-won deal served is a true purchase, same amount, currency and time; and vice versa.
    won_query = {
        "filterGroups": [{"filters": [{"propertyName": "dealstage", "operator": "EQ", "value": "closedwon"}]}],
        "properties": ["amount", "deal_currency_code", "closedate"],
        "limit": 200,
    }
    won = {d["id"]: d["properties"] for d in hubspot.search_all("deals", won_query)}
    deal_purchases = {p["hubspot_deal_id"]: p for p in purchases if p["kind"] == "deal"}
    assert won and set(won) == set(deal_purchases)
    for deal_id, properties in won.items():
        purchase = deal_purchases[deal_id]
        assert Decimal(properties["amount"]) == Decimal(purchase["amount"])
        assert properties["deal_currency_code"] == purchase["currency"]
        assert properties["closedate"] == purchase["purchased_at"]
    assert all(p["hubspot_deal_id"] == "" for p in purchases if p["kind"] == "ecommerce")

    # Every contact served is a true buyer, and the normalised email is the served email, normalised.
    contacts = {r["id"]: r["properties"]["email"] for page in hubspot.list_all("contacts", limit=100) for r in page}
    known = {b["hubspot_contact_id"]: b for b in buyers if b["hubspot_contact_id"]}
    assert set(contacts) == set(known)
    for contact_id, email in contacts.items():
        assert email.strip().lower() == known[contact_id]["email"]
    assert any(b["email"] != b["email_as_typed"] for b in buyers)

    # Buyers' stage times agree with their purchases.
    first_purchase = {}
    for purchase in purchases:
        first_purchase.setdefault(purchase["buyer_id"], purchase["purchased_at"])
        first_purchase[purchase["buyer_id"]] = min(first_purchase[purchase["buyer_id"]], purchase["purchased_at"])
    assert {b["buyer_id"]: b["first_purchase_at"] for b in buyers if b["first_purchase_at"]} == first_purchase


def test_truth_files_are_deterministic(tmp_path):
    runner = CliRunner()
    for name in ("a", "b"):
        args = ["truth", "--seed", "5", "--buyers", "300", "--out", str(tmp_path / name)]
        assert runner.invoke(sandbox, args).exit_code == 0
    for file in ("buyers.csv", "purchases.csv", "world.json"):
        assert (tmp_path / "a" / file).read_bytes() == (tmp_path / "b" / file).read_bytes()
