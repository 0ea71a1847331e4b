"""The Store API at /api/store/v1: everything the shop does, for the app and partner front-ends.

Routers by topic: api_browse (products, search), api_shopper (sessions, cart, checkout, orders,
returns, loyalty) and api_account (preferences, addresses, disputes, wishlist, recently viewed, my
data). Authentication is the shopper's session token (docs/storefront.md, "Store API").
"""

from django.utils.translation import gettext_lazy as _
from ninja import NinjaAPI

from omnicanal import __version__
from omnicanal.core import problems
from omnicanal.core.request_limits import JsonParser
from omnicanal.storefront import api_account, api_browse, api_shopper, registry

store_api = NinjaAPI(
    title="omnicanal Store API",
    version=f"store v1 ({__version__})",
    description=str(_(
        "The customer's own side, for the app and partner front-ends: a shopper session token "
        "(`POST /sessions`) in `Authorization: Bearer`; staff keys are refused here."
    )),
    parser=JsonParser(),
    urls_namespace="store_api",
    docs_url="/docs",
    openapi_url="/openapi.json",
)
problems.install(store_api)
store_api.add_router("", api_browse.router)
store_api.add_router("", api_shopper.router)
store_api.add_router("", api_account.router)
for _router in registry.store_routers():  # other domains' routes (storefront.registry: feedback's reviews)
    store_api.add_router("", _router)
