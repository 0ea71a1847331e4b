"""Back in stock at my store, from the shop (issue 18, item 6): the product page's panel (a store and
a size to be told about) and its form, and the Store API's route. Both are filled into storefront's
registries by hooks.py (the storefront never imports marketing); both call
flows.do_subscribe_back_in_stock, which needs the back-in-stock flow enabled."""

from __future__ import annotations

from urllib.parse import urlencode

from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from ninja import Router, Schema, Status
from pydantic import Field

from omnicanal.catalog import queries as catalog
from omnicanal.core import memo
from omnicanal.core.errors import Problem, Unauthorized
from omnicanal.inventory import queries as inventory
from omnicanal.marketing import flows
from omnicanal.marketing.models import Flow, FlowKind
from omnicanal.storefront import auth
from omnicanal.storefront.auth import shopper_auth
from omnicanal.storefront.queries import Shopper

router = Router(tags=["store"])


class BackInStockIn(Schema):
    sku: str = Field(min_length=1, max_length=64)
    location: str = Field(min_length=1, max_length=20)


class BackInStockOut(Schema):
    sku: str
    location: str
    status: str  # waiting: told once units reach that store


@router.post("/back-in-stock", response={201: BackInStockOut}, auth=shopper_auth,
             summary="Tell me when this product is back at my store")
def subscribe_back_in_stock(request: HttpRequest, body: BackInStockIn):
    """The signed-in customer is told (on their consented marketing channel) when units of the SKU
    reach that store. 422 when the alert is not offered; 404 for an unknown SKU or store."""
    shopper = request.shopper  # type: ignore[attr-defined]  # set by ShopperAuth
    if not shopper.customer_id:
        raise Unauthorized(detail=_("Sign in to do this."))
    with transaction.atomic():
        entry = flows.do_subscribe_back_in_stock(customer_id=shopper.customer_id, sku=body.sku, location=body.location)
    return Status(201, {"sku": body.sku, "location": body.location, "status": entry.status})


# Whether back-in-stock alerts are on: read by every product page, changed a few times a year (the
# flows' post_save/post_delete forget it: MarketingConfig.ready).
BACK_IN_STOCK_ON = memo.Memo("marketing.back_in_stock_on")


def render_panel(request: HttpRequest, handle: str) -> str:
    """The product page's "tell me when it is back at my store" form, when the flow is on."""
    if not BACK_IN_STOCK_ON.get((), lambda: Flow.objects.filter(kind=FlowKind.BACK_IN_STOCK, enabled=True).exists()):
        return ""
    variants = catalog.variants_of(handle, language=(getattr(request, "LANGUAGE_CODE", "") or "es")[:2])
    shopper = auth.shopper_from_cookie(request)
    if not variants:
        return ""
    stores = inventory.pickup_locations(channel=shopper.channel if shopper else "web")
    if not stores:
        return ""
    return render_to_string("marketing/_back_in_stock.html", {
        "handle": handle, "variants": variants, "stores": stores, "signed_in": bool(shopper and shopper.signed_in),
        "done": request.GET.get("alert") == "ok",
    }, request=request)


def posting_shopper(request: HttpRequest) -> tuple[Shopper | None, str, HttpResponse | None]:
    """A product page panel's form: the signed-in shopper and the product page to go back to, or the
    sign-in page that returns there (a panel's form never acts for an anonymous visitor)."""
    handle = request.POST.get("handle", "")
    back = reverse("shop-product", args=[handle]) if handle else "/"
    shopper = auth.shopper_from_cookie(request)
    if shopper is None or not shopper.signed_in:
        return None, back, HttpResponseRedirect(f"{reverse('shop-sign-in')}?{urlencode({'next': back})}")
    return shopper, back, None


@require_POST
def subscribe_page(request: HttpRequest) -> HttpResponse:
    """The panel's form: subscribe, then back to the product page saying so."""
    shopper, back, sign_in = posting_shopper(request)
    if sign_in is not None or shopper is None:
        return sign_in or HttpResponseRedirect(back)
    try:
        with transaction.atomic():
            flows.do_subscribe_back_in_stock(customer_id=shopper.customer_id, sku=request.POST.get("sku", ""),
                                             location=request.POST.get("location", ""))
    except Problem:
        return HttpResponseRedirect(f"{back}?{urlencode({'alert': 'error'})}")
    return HttpResponseRedirect(f"{back}?{urlencode({'alert': 'ok'})}")
