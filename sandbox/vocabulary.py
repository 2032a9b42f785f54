"""The words the synthetic world is made of: names, companies, domains, search terms, campaigns.

Plain data, kept apart from the generator so that the generator reads as logic. Changing a list changes every
world generated from it (the seed picks from these lists by position), so append rather than reorder.
"""

from __future__ import annotations

FIRST_NAMES: tuple[str, ...] = (
    "Ada",
    "Aiko",
    "Alejandro",
    "Amara",
    "Amelia",
    "Anders",
    "Ana",
    "Arjun",
    "Ayesha",
    "Beatriz",
    "Ben",
    "Camille",
    "Carlos",
    "Chen",
    "Chloe",
    "Dmitri",
    "Elena",
    "Emeka",
    "Emma",
    "Fatima",
    "Felix",
    "Grace",
    "Hana",
    "Hugo",
    "Ibrahim",
    "Ines",
    "Isla",
    "Jakob",
    "James",
    "Jonas",
    "Julia",
    "Kai",
    "Kenji",
    "Lara",
    "Leila",
    "Liam",
    "Lucas",
    "Maya",
    "Mateo",
    "Mei",
    "Mila",
    "Nadia",
    "Noah",
    "Nora",
    "Olivia",
    "Omar",
    "Priya",
    "Rafael",
    "Sara",
    "Sofia",
    "Tariq",
    "Theo",
    "Valentina",
    "Wei",
    "Yara",
    "Yusuf",
    "Zara",
    "Zoe",
)

LAST_NAMES: tuple[str, ...] = (
    "Adeyemi",
    "Andersson",
    "Bauer",
    "Bianchi",
    "Brown",
    "Castro",
    "Chen",
    "Costa",
    "Dubois",
    "Eriksen",
    "Fischer",
    "Garcia",
    "Gonzalez",
    "Haddad",
    "Hansen",
    "Hoffmann",
    "Ivanova",
    "Jansen",
    "Kim",
    "Kowalski",
    "Laurent",
    "Lee",
    "Lopez",
    "Martin",
    "Meyer",
    "Moreau",
    "Muller",
    "Nakamura",
    "Nguyen",
    "Novak",
    "Okafor",
    "Olsen",
    "Patel",
    "Petrov",
    "Rossi",
    "Santos",
    "Schmidt",
    "Silva",
    "Singh",
    "Smith",
    "Suzuki",
    "Tanaka",
    "Taylor",
    "Wagner",
    "Wang",
    "Weber",
    "Williams",
    "Wilson",
    "Yilmaz",
    "Zhang",
)

# Free-mail domains for consumers; business buyers use their company's domain.
CONSUMER_EMAIL_DOMAINS: tuple[str, ...] = (
    "gmail.example",
    "outlook.example",
    "yahoo.example",
    "proton.example",
    "icloud.example",
    "gmx.example",
)

COMPANY_PREFIXES: tuple[str, ...] = (
    "Acme",
    "Blue",
    "Bright",
    "Cedar",
    "Copper",
    "Delta",
    "Ember",
    "Fjord",
    "Granite",
    "Harbor",
    "Iris",
    "Juniper",
    "Kestrel",
    "Lumen",
    "Maple",
    "Nimbus",
    "Orbit",
    "Pioneer",
    "Quartz",
    "River",
    "Summit",
    "Tidal",
    "Umber",
    "Vertex",
    "Willow",
    "Zephyr",
)
COMPANY_SUFFIXES: tuple[str, ...] = (
    "Analytics",
    "Bank",
    "Bio",
    "Labs",
    "Logistics",
    "Media",
    "Motors",
    "Networks",
    "Retail",
    "Robotics",
    "Software",
    "Systems",
    "Foods",
    "Health",
    "Energy",
    "Works",
)

PRODUCTS: tuple[str, ...] = (
    "Starter plan",
    "Team plan",
    "Business plan",
    "Enterprise plan",
    "Onboarding package",
)

# What a buyer might have typed before clicking a search result or a search ad.
SEARCH_TERMS: tuple[str, ...] = (
    "path to purchase analytics",
    "marketing attribution tool",
    "customer journey software",
    "multi touch attribution",
    "crm analytics",
    "best attribution software",
    "marketing mix reporting",
    "b2b funnel analytics",
    "open source attribution",
    "campaign roi dashboard",
)
SEARCH_ENGINES: tuple[str, ...] = ("google", "bing", "duckduckgo", "ecosia")

SOCIAL_NETWORKS: tuple[str, ...] = ("LinkedIn", "Facebook", "Instagram", "X", "Reddit", "YouTube")
PAID_SOCIAL_NETWORKS: tuple[str, ...] = ("Facebook", "Instagram", "LinkedIn")

REFERRER_DOMAINS: tuple[str, ...] = (
    "news.ycombinator.example",
    "g2.example",
    "capterra.example",
    "martech-weekly.example",
    "dataengineering.example",
    "partner-agency.example",
    "medium.example",
)

LANDING_PAGES: tuple[str, ...] = (
    "/",
    "/pricing",
    "/product/attribution",
    "/product/journeys",
    "/blog/seven-touches",
    "/blog/roi-by-channel",
    "/compare",
    "/demo",
    "/webinar",
)

OFFLINE_EVENTS: tuple[str, ...] = (
    "Data Summit Berlin",
    "MarTech Expo London",
    "Growth Meetup Lisbon",
    "Retail Analytics Day NYC",
)

# Campaign names per paid or managed channel; ad platforms and email tools will serve these same names.
CAMPAIGNS: dict[str, tuple[str, ...]] = {
    "paid_search": ("Search - Brand", "Search - Attribution Generic", "Search - Competitors"),
    "paid_social": ("Social - Prospecting Q3", "Social - Retargeting", "Social - Lookalike Buyers"),
    "display": ("Display - Awareness Q3", "Display - Retargeting"),
    "email": ("Newsletter July", "Newsletter August", "Product launch", "Webinar invite"),
    "offline_event": OFFLINE_EVENTS,
}

# The brand's own web site, as its analytics and CRM see it.
SITE_URL = "https://www.purchasepath.example"
