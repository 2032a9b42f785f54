"""Realistic records for the loader benchmark, in three sizes.

- ``portal``: HubSpot CRM v3 contacts of about 1 KB each. The sandbox's contacts carry the ten properties our
  connector asks for (~470 bytes). A production HubSpot portal asks for more: address, company, job, phone, consent
  and analytics properties, so a contact search result is nearer 1 KB. These records have that size and shape
  (``id``, ``properties`` of strings or nulls, ``createdAt``, ``updatedAt``, ``archived``), a little non-ASCII text.
- ``sandbox``: the same contacts with only the properties our connector asks for (~470 bytes).
- ``activity``: Mailchimp's per-recipient email activity (``GET /reports/{campaign_id}/email-activity``: campaign
  and list ids, the subscriber hash, the address, the ``activity`` array of sends, opens and clicks), ~300 bytes:
  the most numerous records a sync loads (tens per buyer), keyed ``<campaign_id>:<email_id>`` and cursored by the
  campaign's send time, as ``connectors/mailchimp.py`` does.

All are a pure function of ``(shape, count, seed)``; :data:`STREAMS` gives each shape's key and cursor.
"""

from __future__ import annotations

import hashlib
import random
from datetime import UTC, datetime, timedelta

from connectors.core.stream import Record, Stream
from connectors.hubspot import CONTACT_PROPERTIES, CONTACTS

FIRST = ("Ana", "Jakob", "Mei", "Oluwaseun", "Zoë", "François", "Priya", "Mateusz", "Sofía", "Liam", "Björn", "Aiko")
LAST = ("Gonzalez", "Müller", "Okafor", "Nakamura", "Dubois", "Kowalski", "Smith", "Haddad", "Rossi", "Ødegaard")
CITIES = (("Berlin", "DE"), ("Lyon", "FR"), ("Austin", "US"), ("Kraków", "PL"), ("Osaka", "JP"), ("Porto", "PT"))
SOURCES = ("PAID_SEARCH", "PAID_SOCIAL", "ORGANIC_SEARCH", "EMAIL_MARKETING", "REFERRALS", "DIRECT_TRAFFIC")
STAGES = ("subscriber", "lead", "marketingqualifiedlead", "salesqualifiedlead", "opportunity", "customer")
T0 = datetime(2026, 7, 1, tzinfo=UTC)


def iso(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def contact(rng: random.Random, index: int) -> Record:
    created = T0 + timedelta(seconds=rng.randrange(0, 120 * 86400), milliseconds=rng.randrange(1000))
    modified = created + timedelta(seconds=rng.randrange(0, 30 * 86400), milliseconds=rng.randrange(1000))
    first, last = rng.choice(FIRST), rng.choice(LAST)
    city, country = rng.choice(CITIES)
    company = f"{rng.choice(('Cedar', 'Northwind', 'Blue Fjord', 'Acme'))} {rng.choice(('Foods', 'GmbH', 'Labs'))}"
    object_id = str(100_000 + index)
    properties: dict[str, str | None] = {
        "address": f"{rng.randrange(1, 300)} {rng.choice(('Hauptstraße', 'Main Street', 'Rue de la Paix'))}",
        "city": city,
        "company": company,
        "country": country,
        "createdate": iso(created),
        "email": f"{first.lower()}.{last.lower()}.{index}@example.com",
        "firstname": first,
        "hs_analytics_first_url": f"https://www.example.com/pricing?utm_source=newsletter&utm_id={rng.randrange(10**6)}",
        "hs_analytics_num_page_views": str(rng.randrange(1, 80)),
        "hs_analytics_num_visits": str(rng.randrange(1, 20)),
        "hs_analytics_source": rng.choice(SOURCES),
        "hs_analytics_source_data_1": rng.choice(("google", "LinkedIn", "Newsletter", None)),
        "hs_analytics_source_data_2": rng.choice(("Brand - Exact", "Social - Prospecting Q3", None)),
        "hs_email_optout": rng.choice(("true", "false")),
        "hs_language": rng.choice(("en", "de", "fr", "ja")),
        "hs_lead_status": rng.choice(("NEW", "OPEN", "IN_PROGRESS", "CONNECTED", None)),
        "hs_object_id": object_id,
        "hubspot_owner_id": str(rng.randrange(10**8, 10**9)),
        "jobtitle": rng.choice(("Head of Marketing", "CFO", "Procurement Lead", "Data Engineer")),
        "lastmodifieddate": iso(modified),
        "lastname": last,
        "lifecyclestage": rng.choice(STAGES),
        "mobilephone": f"+49 15{rng.randrange(10**8, 10**9)}",
        "notes_last_updated": iso(modified - timedelta(days=rng.randrange(5))),
        "num_associated_deals": str(rng.randrange(0, 4)),
        "phone": f"+1 512 {rng.randrange(10**6, 10**7)}",
        "state": rng.choice(("TX", "BE", "Île-de-France", None)),
        "website": f"https://{company.lower().replace(' ', '-')}.example",
        "zip": str(rng.randrange(10000, 99999)),
    }
    return {
        "id": object_id,
        "properties": properties,
        "createdAt": iso(created),
        "updatedAt": iso(modified),
        "archived": False,
    }


# The properties our connector asks HubSpot for: the sandbox's contacts, ~470 bytes.
SANDBOX_PROPERTIES = frozenset(CONTACT_PROPERTIES)
SHAPES = ("portal", "sandbox", "activity")
CAMPAIGNS = 40
CAMPAIGN_SENT = {f"{index:010x}": T0 + timedelta(days=3 * index, hours=9) for index in range(CAMPAIGNS)}
ACTIONS = (("open",), ("open", "open"), ("open", "click"), ("bounce",), ())


def activity(rng: random.Random, index: int) -> Record:
    campaign = index % CAMPAIGNS
    campaign_id = f"{campaign:010x}"
    email = f"{rng.choice(FIRST).lower()}.{rng.choice(LAST).lower()}.{index // CAMPAIGNS}@example.com"
    sent = CAMPAIGN_SENT[campaign_id]
    actions = []
    for kind in rng.choice(ACTIONS):
        item: dict[str, str] = {"action": kind, "timestamp": iso(sent + timedelta(minutes=rng.randrange(1, 9000)))}
        if kind == "bounce":
            item["type"] = "soft"
        else:
            item["ip"] = f"198.51.100.{rng.randrange(1, 255)}"
        if kind == "click":
            item["url"] = f"https://www.example.com/pricing?utm_source=newsletter&utm_campaign=c{campaign}"
        actions.append(item)
    return {
        "campaign_id": campaign_id,
        "list_id": "5f1c0a9e7d",
        "list_is_active": True,
        "email_id": hashlib.md5(email.encode()).hexdigest(),  # noqa: S324 - Mailchimp's subscriber hash is MD5
        "email_address": email,
        "activity": actions,
    }


STREAMS = {
    "portal": Stream(name="loader", primary_key=CONTACTS.primary_key, cursor=CONTACTS.cursor),
    "sandbox": Stream(name="loader", primary_key=CONTACTS.primary_key, cursor=CONTACTS.cursor),
    "activity": Stream(
        name="loader",
        primary_key=lambda r: f"{r['campaign_id']}:{r['email_id']}",
        cursor=lambda r: CAMPAIGN_SENT[r["campaign_id"]],
    ),
}


def contacts(count: int, shape: str = "portal", seed: int = 4) -> list[Record]:
    """``count`` distinct records of ``shape``: ``portal`` contacts of about 1 KB of JSON, ``sandbox`` ones
    (~470 bytes) with only the properties our connector asks for, or Mailchimp ``activity`` rows (~300 bytes)."""
    if shape not in SHAPES:
        raise ValueError(f"shape must be one of {SHAPES}")
    rng = random.Random(seed)
    if shape == "activity":
        return [activity(rng, index) for index in range(count)]
    records = [contact(rng, index) for index in range(count)]
    if shape == "sandbox":
        for record in records:
            record["properties"] = {k: v for k, v in record["properties"].items() if k in SANDBOX_PROPERTIES}
    return records
