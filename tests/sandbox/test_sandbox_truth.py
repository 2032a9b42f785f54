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


def test_truth_matches_what_hubspot_serves_at_the_worlds_end(tmp_path, hubspot, demo_world, truth_dir):
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

    # Streamed by the CLI or written from the materialised world: the same bytes.
    for file in TRUTH_FILES:
        assert (tmp_path / file).read_bytes() == (truth_dir / file).read_bytes(), file


TRUTH_FILES = (
    "buyers.csv",
    "identities.csv",
    "touches.csv",
    "purchases.csv",
    "channel_contributions.csv",
    "world.json",
)


def test_truth_files_are_deterministic_whatever_the_number_of_workers(tmp_path):
    runner = CliRunner()
    for name, workers in (("a", "1"), ("b", "1"), ("c", "2")):
        args = ["truth", "--seed", "5", "--buyers", "2300", "--days", "60", "--out", str(tmp_path / name)]
        result = runner.invoke(sandbox, [*args, "--workers", workers])
        assert result.exit_code == 0, result.output
    for file in TRUTH_FILES:
        a = (tmp_path / "a" / file).read_bytes()
        assert a == (tmp_path / "b" / file).read_bytes() == (tmp_path / "c" / file).read_bytes(), file
    other = ["truth", "--seed", "6", "--buyers", "2300", "--days", "60", "--out", str(tmp_path / "d")]
    assert runner.invoke(sandbox, other).exit_code == 0
    assert (tmp_path / "d" / "channel_contributions.csv").read_bytes() != (
        tmp_path / "a" / "channel_contributions.csv"
    ).read_bytes()


def test_every_true_touch_and_identity_names_a_true_buyer(truth_dir, demo_world):
    buyers = {b["buyer_id"]: b for b in read_csv(truth_dir / "buyers.csv")}
    touches = read_csv(truth_dir / "touches.csv")
    assert {t["buyer_id"] for t in touches} == set(buyers)  # everybody has a first touch
    per_buyer = {}
    for touch in touches:
        per_buyer.setdefault(touch["buyer_id"], []).append(touch)
    for buyer_id, rows in per_buyer.items():
        buyer = buyers[buyer_id]
        assert rows[0]["touched_at"] == buyer["first_touch_at"] and rows[0]["channel"] == buyer["first_touch_channel"]
        assert len(rows) == int(buyer["touches"])
        before = sum(r["before_first_purchase"] == "true" for r in rows)
        if buyer["first_purchase_at"]:
            assert before == int(buyer["touches_before_first_purchase"])
        for row in rows:
            assert row["systems"]
            if row["touch_type"] == "web_visit":
                assert row["systems"].split(";")[0] == "matomo" and row["visitor_id"] and row["device_type"]
            else:
                assert row["channel"] == "offline_event" and row["systems"] == "offline_events"
    identities = read_csv(truth_dir / "identities.csv")
    assert {i["identifier_type"] for i in identities} == {
        "email",
        "hubspot_contact_id",
        "matomo_visitor_id",
        "user_id",
        "gclid",
        "fbclid",
        "mc_eid",
        "loyalty_id",
    }
    assert all(i["buyer_id"] in buyers for i in identities)
    emails = {(i["identifier"], i["buyer_id"]) for i in identities if i["identifier_type"] == "email"}
    assert all(buyers[b]["email"] == e for e, b in emails)
    contacts = {i["identifier"] for i in identities if i["identifier_type"] == "hubspot_contact_id"}
    assert contacts == {b["hubspot_contact_id"] for b in buyers.values() if b["hubspot_contact_id"]}
