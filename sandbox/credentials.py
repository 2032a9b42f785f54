"""The sandbox's fixed credentials, all in one place.

These are not secrets: the sandbox serves synthetic data on loopback, and tests and the demo need to know
them. Anything else presented as a credential is rejected with the vendor's own authentication error.
"""

from __future__ import annotations

# HubSpot private app access token, sent as ``Authorization: Bearer <token>`` (real ones: pat-na1-<uuid>).
HUBSPOT_TOKEN = "pat-sandbox-0000"
