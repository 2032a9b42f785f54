"""One module per emulated vendor API, and the list of them that the sandbox server serves.

Each vendor app is built from a :class:`VendorContext` (the world, the clock, the shared web log) and its own
options object (``None``: the defaults), answers ``handle(request) -> Response | None`` (``None``: not mine),
states the Airflow connection a connector needs to reach it (``airflow_connection(base_url)``) and lists its
endpoints for people (``endpoints()``). Adding a vendor is one module and one line in :data:`VENDORS`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sandbox.web import Clock, VendorApp
from sandbox.web_visits import WebLog
from sandbox.world import World


@dataclass(frozen=True, slots=True)
class VendorContext:
    world: World
    clock: Clock
    web_log: WebLog  # every web-analytics tag sees the same visits; indexed on first use


def _hubspot(context: VendorContext, options: Any) -> VendorApp:
    from sandbox.vendors.hubspot import HubSpotApi

    return HubSpotApi(context.world, context.clock, options)


def _matomo(context: VendorContext, options: Any) -> VendorApp:
    from sandbox.vendors.matomo import MatomoApi

    return MatomoApi(context.world, context.clock, options, web_log=context.web_log)


def _ga4(context: VendorContext, options: Any) -> VendorApp:
    from sandbox.vendors.ga4 import Ga4Api

    return Ga4Api(context.world, context.clock, options, web_log=context.web_log)


def _questionpro(context: VendorContext, options: Any) -> VendorApp:
    from sandbox.vendors.questionpro import QuestionProApi

    return QuestionProApi(context.world, context.clock, options)


def _mailchimp(context: VendorContext, options: Any) -> VendorApp:
    from sandbox.vendors.mailchimp import MailchimpApi

    return MailchimpApi(context.world, context.clock, options)


def _meta_ads(context: VendorContext, options: Any) -> VendorApp:
    from sandbox.vendors.meta_ads import MetaAdsApi

    return MetaAdsApi(context.world, context.clock, options)


def _google_ads(context: VendorContext, options: Any) -> VendorApp:
    from sandbox.vendors.google_ads import GoogleAdsApi

    return GoogleAdsApi(context.world, context.clock, options)


# Vendor name (also the source name and the Airflow connection ``<name>_default``) → how to build its app.
VENDORS: dict[str, Callable[[VendorContext, Any], VendorApp]] = {
    "hubspot": _hubspot,
    "matomo": _matomo,
    "ga4": _ga4,
    "mailchimp": _mailchimp,
    "questionpro": _questionpro,
    "meta_ads": _meta_ads,
    "google_ads": _google_ads,
}


def build_apps(context: VendorContext, options: Mapping[str, Any]) -> dict[str, VendorApp]:
    unknown = set(options) - set(VENDORS)
    if unknown:
        raise ValueError(f"no sandbox vendor named {', '.join(sorted(unknown))}; known: {', '.join(VENDORS)}")
    return {name: build(context, options.get(name)) for name, build in VENDORS.items()}
