"""Order tracking without signing in: the page the notifications' signed link opens (/track/<token>/).

orders owns the link and its facts (orders.queries.tracking_view: a frozen TrackingView); this page
renders them, mobile first and without JavaScript: the order's fulfilments with their timeline in the
place's time zone, the carrier's tracking number, the pickup code as text and as a QR code, and for a
curbside pickup the "I'm here" form, which posts to orders' service (do_customer_arrived: the store's
curbside queue). A bad or tampered token is a plain 404 page that says nothing about any order. The
form is throttled ("track_arrived": per client address and per order).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from omnicanal.core import throttle
from omnicanal.core.errors import InvalidTransition, NotFound, TooManyRequests
from omnicanal.orders import queries as orders_queries
from omnicanal.orders import services as orders_services
from omnicanal.storefront.shell import render_shop

# Until every fulfilment is done the page follows the order (static/storefront/tracking.js; without
# JavaScript an "Update now" link); not while the curbside form is shown, so a half-typed parking
# spot is never wiped.
REFRESH_SECONDS = 60  # OMNICANAL["TRACK_REFRESH_SECONDS"] overrides it


def _refresh_seconds() -> int:
    return int(settings.OMNICANAL.get("TRACK_REFRESH_SECONDS") or REFRESH_SECONDS)
DONE = ("delivered", "picked_up", "cancelled")


def _qr(text: str) -> str:
    """The pickup code as an inline SVG QR code (segno, pure Python; nothing fetched)."""
    import segno

    return segno.make(text, error="m").svg_inline(scale=5, dark="#000", light="#fff", omitsize=False)


def _not_found(request: HttpRequest) -> HttpResponse:
    return render_shop(request, "storefront/tracking/not_found.html", {"title": _("Link not found")}, status=404)


@require_safe
@never_cache
def track(request: HttpRequest, token: str) -> HttpResponse:
    view = orders_queries.tracking_view(token)
    if view is None:
        return _not_found(request)
    curbside_form = any(f.may_arrive or f.arrived for f in view.fulfilments)
    done = view.status == "cancelled" or all(f.status in DONE for f in view.fulfilments)
    return render_shop(request, "storefront/tracking/track.html", {
        "title": _("Order %(number)s") % {"number": view.number}, "order": view, "token": token,
        "fulfilments": [(f, _qr(f.pickup_code) if f.pickup_code else "") for f in view.fulfilments],
        "refresh": 0 if (done or curbside_form) else _refresh_seconds(),
    })


@require_POST
def arrived(request: HttpRequest, token: str) -> HttpResponse:
    """The customer's "I'm here": the fulfilment (of the token's order) is arrived, with the spot."""
    view = orders_queries.tracking_view(token)
    if view is None:
        return _not_found(request)
    try:
        throttle.attempt("track_arrived", f"address:{throttle.client_address(request)}")
        throttle.attempt("track_arrived", f"order:{view.order_id}")
    except TooManyRequests:
        return render_shop(request, "storefront/tracking/not_found.html", {
            "title": _("Too many attempts"), "too_many": True}, status=429)
    fulfillment_id = str(request.POST.get("fulfillment") or "")[:40]
    spot = str(request.POST.get("parking_spot") or "")[:40]
    try:
        with transaction.atomic():
            orders_services.do_customer_arrived(order_id=view.order_id, fulfillment_id=fulfillment_id,
                                                parking_spot=spot)
    except NotFound:
        messages.error(request, _("That pickup is not part of this order."))
    except InvalidTransition as problem:
        messages.error(request, str(problem.detail))
    else:
        messages.success(request, _("Thank you! The store knows you are here and will bring your order out."))
    return redirect("shop-track", token=token)
