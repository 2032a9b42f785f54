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
    "Partner Roadshow Paris",
    "Analytics Breakfast Chicago",
    "Ecommerce Meetup Amsterdam",
    "CX Forum Toronto",
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

# -- the web site, as the analytics tools see it ----------------------------------------------------------------

# Page path -> title. The first group are landing pages (LANDING_PAGES above); the rest are visited later on.
PAGE_TITLES: dict[str, str] = {
    "/": "Purchase Path - every touch that sells",
    "/pricing": "Pricing - Purchase Path",
    "/product/attribution": "Attribution you can check - Purchase Path",
    "/product/journeys": "Journeys from first touch to advocacy - Purchase Path",
    "/blog/seven-touches": "Why buyers need seven touches - Purchase Path blog",
    "/blog/roi-by-channel": "ROI by channel, honestly - Purchase Path blog",
    "/compare": "Purchase Path vs. the rest",
    "/demo": "Book a demo - Purchase Path",
    "/webinar": "Webinar: attribution without guesswork",
    "/customers": "Customer stories - Purchase Path",
    "/security": "Security and privacy - Purchase Path",
    "/docs/getting-started": "Getting started - Purchase Path docs",
    "/shop": "Shop - Purchase Path",
    "/shop/personal-plan": "Personal plan - Purchase Path shop",
    "/shop/templates": "Dashboard templates - Purchase Path shop",
    "/cart": "Your cart - Purchase Path",
    "/checkout": "Checkout - Purchase Path",
    "/checkout/complete": "Thank you for your order - Purchase Path",
    "/newsletter/thanks": "You are subscribed - Purchase Path",
    "/demo/thanks": "We will be in touch - Purchase Path",
    "/contact/thanks": "Thanks for your message - Purchase Path",
    "/signup": "Create your account - Purchase Path",
    "/signup/welcome": "Welcome aboard - Purchase Path",
    "/account": "Your account - Purchase Path",
    "/account/billing": "Billing - Purchase Path",
    "/changelog": "What is new - Purchase Path",
}
BROWSE_PAGES: dict[str, tuple[str, ...]] = {
    "awareness": ("/", "/blog/seven-touches", "/blog/roi-by-channel", "/product/attribution", "/product/journeys"),
    "consideration": ("/pricing", "/compare", "/customers", "/product/attribution", "/security", "/demo", "/shop"),
    "purchase": ("/pricing", "/shop/personal-plan", "/shop/templates", "/cart", "/compare"),
    "retention": ("/account", "/docs/getting-started", "/changelog", "/account/billing", "/blog/roi-by-channel"),
}
RETENTION_LANDING_PAGES: tuple[str, ...] = ("/", "/account", "/docs/getting-started", "/changelog")

# Matomo goals (id, name); ecommerce orders are Matomo's goal 0.
GOALS: dict[str, tuple[int, str]] = {
    "subscribe": (1, "Newsletter sign-up"),
    "form": (2, "Lead form"),
    "signup": (3, "Account sign-up"),
}

# What the web shop sells to consumers: (SKU, name, category).
SHOP_ITEMS: tuple[tuple[str, str, str], ...] = (
    ("PP-PERSONAL-12", "Personal plan (12 months)", "Plans"),
    ("PP-TEMPLATES", "Dashboard template pack", "Templates"),
    ("PP-COURSE", "Attribution course", "Courses"),
)

# Search engines and social networks as referrers: name -> (referrer URL, Matomo's referrer name).
SEARCH_ENGINE_REFERRERS: dict[str, tuple[str, str]] = {
    "google": ("https://www.google.com/", "Google"),
    "bing": ("https://www.bing.com/search", "Bing"),
    "duckduckgo": ("https://duckduckgo.com/", "DuckDuckGo"),
    "ecosia": ("https://www.ecosia.org/search", "Ecosia"),
}
SOCIAL_REFERRERS: dict[str, tuple[str, str, str]] = {  # network -> (referrer URL, Matomo name, GA4 source)
    "LinkedIn": ("https://www.linkedin.com/", "LinkedIn", "linkedin.com"),
    "Facebook": ("https://m.facebook.com/", "Facebook", "m.facebook.com"),
    "Instagram": ("https://l.instagram.com/", "Instagram", "l.instagram.com"),
    "X": ("https://t.co/", "Twitter", "t.co"),
    "Reddit": ("https://www.reddit.com/", "reddit", "reddit.com"),
    "YouTube": ("https://www.youtube.com/", "YouTube", "youtube.com"),
}

# Devices people browse on: (Matomo deviceType, GA4 deviceCategory, OS, OS code, OS version, browser, browser
# code, browser version, resolution).
DEVICE_PROFILES: dict[str, tuple[tuple[str, str, str, str, str, str, str, str, str], ...]] = {
    "desktop": (
        ("Desktop", "desktop", "Windows", "WIN", "11", "Chrome", "CH", "126.0", "1920x1080"),
        ("Desktop", "desktop", "Mac", "MAC", "14.5", "Safari", "SF", "17.5", "1440x900"),
        ("Desktop", "desktop", "Windows", "WIN", "10", "Microsoft Edge", "PS", "125.0", "1366x768"),
    ),
    "smartphone": (
        ("Smartphone", "mobile", "iOS", "IOS", "17.5", "Mobile Safari", "MF", "17.5", "390x844"),
        ("Smartphone", "mobile", "Android", "AND", "14", "Chrome Mobile", "CM", "126.0", "412x915"),
    ),
    "tablet": (("Tablet", "tablet", "iPadOS", "IOS", "17.5", "Mobile Safari", "MF", "17.5", "820x1180"),),
}

# Where buyers are: (continent, continent code, country, country code, region, region code, city, latitude,
# longitude, language code). USD buyers are in North America, EUR buyers in Europe.
LOCATIONS_USD: tuple[tuple[str, str, str, str, str, str, str, float, float, str], ...] = (
    ("North America", "amn", "United States", "us", "New York", "NY", "New York", 40.71, -74.01, "en-us"),
    ("North America", "amn", "United States", "us", "California", "CA", "San Francisco", 37.77, -122.42, "en-us"),
    ("North America", "amn", "United States", "us", "Texas", "TX", "Austin", 30.27, -97.74, "en-us"),
    ("North America", "amn", "United States", "us", "Illinois", "IL", "Chicago", 41.88, -87.63, "en-us"),
    ("North America", "amn", "Canada", "ca", "Ontario", "ON", "Toronto", 43.65, -79.38, "en-ca"),
)
LOCATIONS_EUR: tuple[tuple[str, str, str, str, str, str, str, float, float, str], ...] = (
    ("Europe", "eur", "Germany", "de", "Land Berlin", "BE", "Berlin", 52.52, 13.40, "de-de"),
    ("Europe", "eur", "France", "fr", "Ile-de-France", "IDF", "Paris", 48.86, 2.35, "fr-fr"),
    ("Europe", "eur", "Netherlands", "nl", "North Holland", "NH", "Amsterdam", 52.37, 4.90, "nl-nl"),
    ("Europe", "eur", "Portugal", "pt", "Lisbon", "11", "Lisbon", 38.72, -9.14, "pt-pt"),
    ("Europe", "eur", "Spain", "es", "Madrid", "MD", "Madrid", 40.42, -3.70, "es-es"),
)
