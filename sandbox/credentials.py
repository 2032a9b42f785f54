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

# QuestionPro API v2: the API key, sent in the ``api-key`` request header; the account's user id and its two surveys
# (post-purchase NPS, lost-deal feedback).
QUESTIONPRO_API_KEY = "qp-sandbox-0000-0000-0000-000000000000"
QUESTIONPRO_USER_ID = "5170001"
QUESTIONPRO_NPS_SURVEY_ID = "9100001"
QUESTIONPRO_LOST_DEAL_SURVEY_ID = "9100002"

# Mailchimp Marketing API: an API key (32 hex characters, then "-" and the data centre), sent as the password of
# HTTP Basic auth with any user name; an OAuth 2.0 access token (Authorization: Bearer) works too. The account's one
# audience (list) id.
MAILCHIMP_API_KEY = "3f9a1c7e5b2d4f6a8c0e1b3d5f7a9c1e-us21"
MAILCHIMP_OAUTH_TOKEN = "mc-oauth-sandbox-0000"
MAILCHIMP_LIST_ID = "b7c3e1f2a9"

# Google Ads API: a developer token (sent as the developer-token header on every call), an OAuth 2.0 client and
# refresh token that the sandbox's token endpoint exchanges for the access token (real ones start with "ya29."),
# the manager account a login-customer-id header may name, and the two client accounts (USD and EUR) it manages.
GOOGLE_ADS_DEVELOPER_TOKEN = "SANDBOX-DEV-TOKEN-0000"
GOOGLE_ADS_CLIENT_ID = "000000000000-sandbox.apps.googleusercontent.com"
GOOGLE_ADS_CLIENT_SECRET = "GOCSPX-sandbox-google-ads-0000"
GOOGLE_ADS_REFRESH_TOKEN = "1//sandbox-google-ads-refresh-0000"
GOOGLE_ADS_ACCESS_TOKEN = "ya29.sandbox-google-ads-0000"
GOOGLE_ADS_MANAGER_ID = "5550000001"
GOOGLE_ADS_CUSTOMER_ID_USD = "5550001001"
GOOGLE_ADS_CUSTOMER_ID_EUR = "5550001002"

# Meta Marketing API (Graph API): a system user's access token (real ones start with "EAA"), sent as the
# access_token parameter or Authorization: Bearer, and the two ad accounts it manages (USD and EUR).
META_ACCESS_TOKEN = "EAAsandboxMetaAds0000"
META_AD_ACCOUNT_USD = "1027384950617283"
META_AD_ACCOUNT_EUR = "1093847561029384"
