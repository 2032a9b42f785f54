"""Referrals in the world: advocates who referred new buyers, the codes the CRM records, and the ground truth's
``referred_by`` naming the same pairs."""

from __future__ import annotations

import csv
from dataclasses import replace

from sandbox.vendors.hubspot_crm import CONTACT_ID_BASE
from sandbox.world import World, _generate_without_referral, generate_buyer


def referred(world: World):
    return [b for b in world.iter_buyers() if b.referred_by is not None]


def test_a_referrer_advocated_before_the_referred_buyers_first_touch(demo_world):
    found = referred(demo_world)
    assert len(found) >= 5
    by_id = {b.buyer_id: b for b in demo_world.iter_buyers()}
    for buyer in found:
        referrer = by_id[buyer.referred_by]
        assert buyer.first_touch.channel == "referral"
        assert referrer.advocated_at is not None and referrer.advocated_at < buyer.first_touch.at
        assert buyer.referred_by_code == referrer.referral_code


def test_every_advocate_has_a_code_of_their_own(demo_world):
    codes = [b.referral_code for b in demo_world.iter_buyers() if b.advocated_at is not None]
    assert codes and all(codes) and len(set(codes)) == len(codes)
    assert all(b.referral_code is None for b in demo_world.iter_buyers() if b.advocated_at is None)


def test_referral_only_adds_to_a_buyer(demo_world):
    """The step draws from its own stream: everything else about the buyer is as without it."""
    for buyer in referred(demo_world):
        plain = _generate_without_referral(demo_world.config, buyer.index)
        assert replace(buyer, referred_by=None, referred_by_code=None) == plain
        assert generate_buyer(demo_world.config, buyer.index) == buyer  # alone, the same buyer


def test_the_truth_names_the_pairs_the_crm_does(truth_dir, hubspot, demo_world):
    with (truth_dir / "buyers.csv").open(newline="", encoding="utf-8") as file:
        truth = {row["buyer_id"]: row for row in csv.DictReader(file)}
    truth_pairs = {(b, row["referred_by"]) for b, row in truth.items() if row["referred_by"]}
    assert truth_pairs == {(b.buyer_id, b.referred_by) for b in referred(demo_world)}

    def search(name: str) -> list[dict]:
        body = {
            "filterGroups": [{"filters": [{"propertyName": name, "operator": "HAS_PROPERTY"}]}],
            "properties": ["referral_code", "referred_by_code"],
            "limit": 200,
        }
        return hubspot.search_all("contacts", body)

    buyer_of = {c["properties"]["referral_code"]: c["id"] for c in search("referral_code")}
    crm_pairs = set()
    for contact in search("referred_by_code"):
        referrer_contact = buyer_of.get(contact["properties"]["referred_by_code"])
        referred_id = demo_world.buyer(int(contact["id"]) - CONTACT_ID_BASE).buyer_id
        referrer_id = demo_world.buyer(int(referrer_contact) - CONTACT_ID_BASE).buyer_id if referrer_contact else None
        crm_pairs.add((referred_id, referrer_id))
    # Every referred contact is a true referral; the CRM names the referrer whenever the advocate is a contact.
    contacts = {b for b, row in truth.items() if row["hubspot_contact_id"]}
    expected = {(b, referrer if referrer in contacts else None) for b, referrer in truth_pairs if b in contacts}
    assert crm_pairs == expected and crm_pairs
    assert all(
        truth[b]["referral_code"] == code
        for code, b in ((code, demo_world.buyer(int(c) - CONTACT_ID_BASE).buyer_id) for code, c in buyer_of.items())
    )
