"""Realistic HubSpot-sized records for the loader benchmark: CRM v3 contacts of about 1 KB each.

The sandbox's contacts carry the ten properties our connector asks for (~470 bytes). A production HubSpot portal
asks for more: address, company, job, phone, consent and analytics properties, so a contact search result is
nearer 1 KB. These records have that size and shape (``id``, ``properties`` of strings or nulls, ``createdAt``,
``updatedAt``, ``archived``), a little non-ASCII text, and are a pure function of ``(seed, count)``.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from connectors.core.stream import Record
from connectors.hubspot import CONTACT_PROPERTIES

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
SHAPES = ("portal", "sandbox")


def contacts(count: int, shape: str = "portal", seed: int = 4) -> list[Record]:
    """``count`` distinct contacts: ``portal`` ones of about 1 KB of JSON, or ``sandbox`` ones (~470 bytes) with
    only the properties our connector asks for."""
    if shape not in SHAPES:
        raise ValueError(f"shape must be one of {SHAPES}")
    rng = random.Random(seed)
    records = [contact(rng, index) for index in range(count)]
    if shape == "sandbox":
        for record in records:
            record["properties"] = {k: v for k, v in record["properties"].items() if k in SANDBOX_PROPERTIES}
    return records
