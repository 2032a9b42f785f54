"""The sandbox's fixed credentials, all in one place.

These are not secrets: the sandbox serves synthetic data on loopback, and tests and the demo need to know
them. Anything else presented as a credential is rejected with the vendor's own authentication error.
"""

from __future__ import annotations

# HubSpot private app access token, sent as ``Authorization: Bearer <token>`` (real ones: pat-na1-<uuid>).
HUBSPOT_TOKEN = "pat-sandbox-0000"

# Matomo token_auth (32 hex characters, as Matomo issues them), sent as the token_auth request parameter
# (preferably in a POST body), and the one site the sandbox's Matomo tracks.
MATOMO_TOKEN_AUTH = "5ad0b0c5a9d7e1f3b2c4d6e8f0a1b3c5"
MATOMO_SITE_ID = "1"

# GA4 Data API: an OAuth 2.0 access token (real ones start with "ya29."), sent as Authorization: Bearer, and the
# GA4 property it may read.
GA4_ACCESS_TOKEN = "ya29.sandbox-ga4-0000"
GA4_PROPERTY_ID = "400000001"
