"""More of the shopper's account: one order with its lines and a return form, and their loyalty.

The order page is only the signed-in customer's own (anyone else's is 404, as on the Store API). Its
return form offers the delivered lines still inside their window (orders.queries.returnable_lines,
the same counts and window the return service checks) and posts to the same storefront service as
the Store API's POST /returns: at a returns-capable store, or by mail with a prepaid label; refunded
to the original payment or as store credit when the store or warehouse receives it.
The loyalty page reads loyalty.queries only, and shows the signed QR card as an image from the Store
API's /loyalty/card (a fresh token on every visit; it expires as the program says).
"""

from __future__ import annotations

from decimal import Decimal
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_http_methods, require_safe

from omnicanal.core.errors import NotFound, Problem
from omnicanal.core.money import CurrencyError, Money
from omnicanal.customers import queries as customers_queries
from omnicanal.inventory import queries as inventory_queries
from omnicanal.loyalty import qr as loyalty_qr
from omnicanal.loyalty import queries as loyalty_queries
from omnicanal.orders import queries as orders_queries
from omnicanal.storefront import auth, services
from omnicanal.storefront.queries import Shopper
from omnicanal.storefront.shell import render_shop

RETURN_REASONS = (("size", gettext_lazy("Wrong size")), ("changed_mind", gettext_lazy("Changed my mind")),
                  ("defective", gettext_lazy("Defective")), ("other", gettext_lazy("Other")))
REFUND_TO = (("original", gettext_lazy("To my original payment")), ("store_credit", gettext_lazy("As store credit")))
RETURN_STATUS = {"requested": pgettext_lazy("return", "Requested"), "in_transit": gettext_lazy("On its way"),
                 "received": pgettext_lazy("return", "Received"), "cancelled": pgettext_lazy("return", "Cancelled")}
HISTORY = 30  # statement lines on the loyalty page


def _signed_in(request: HttpRequest) -> Shopper | None:
    shopper = auth.shopper_from_cookie(request)
    return shopper if shopper is not None and shopper.signed_in else None


def _to_sign_in(request: HttpRequest) -> HttpResponse:
    return HttpResponseRedirect(f"{reverse('shop-sign-in')}?{urlencode({'next': request.get_full_path()})}")


def _time_zone(customer_id: str) -> str:
    return customers_queries.customer_summary(customer_id).time_zone or settings.OMNICANAL["TIME_ZONE"]


# --- one order and its returns -----------------------------------------------------------------------


def _return_stores() -> list:
    """The stores a customer can walk a return into (warehouses take parcels by mail only)."""
    return sorted((loc for loc in inventory_queries.location_infos().values() if loc.returns and loc.kind == "store"),
                  key=lambda loc: loc.name)


def _wanted_lines(post, open_lines) -> list[dict]:
    """The form's quantities of the lines still returnable (a line left at 0 is not returned)."""
    reasons = {code for code, _label in RETURN_REASONS}
    wanted = []
    for line in open_lines:
        raw = post.get(f"qty_{line.sku}", "0")
        quantity = int(raw) if raw.isdigit() else 0
        if quantity > 0:
            reason = post.get(f"reason_{line.sku}", "other")
            wanted.append({"sku": line.sku, "quantity": quantity, "reason": reason if reason in reasons else "other"})
    return wanted


def _request_return(request: HttpRequest, shopper: Shopper, order, open_lines) -> str:
    """Create the return the form asks for; "" when done, else the error to show."""
    lines = _wanted_lines(request.POST, open_lines)
    if not lines:
        return _("Choose how many units of at least one product you are returning.")
    method = request.POST.get("method", "")
    if method not in ("store", "mail"):
        return _("Choose whether you bring it to a store or send it by mail.")
    location = request.POST.get("location", "") if method == "store" else ""
    if method == "store" and location not in {loc.code for loc in _return_stores()}:
        return _("Choose one of the stores listed.")
    refund_to = request.POST.get("refund_to", "original")
    try:
        with transaction.atomic():
            ret = services.do_request_return(shopper=shopper, order_id=order.public_id, lines=lines, method=method,
                                             location=location, refund_to=refund_to)
    except Problem as problem:
        if problem.errors:
            return "; ".join(str(e.message) for e in problem.errors)
        return str(problem.detail or problem.title)
    if ret.by_mail:
        messages.success(request, _("Your return is registered. Print the label below and send the parcel."))
    else:
        messages.success(request, _("Your return is registered. Bring the products to %(store)s.")
                         % {"store": next((s.name for s in _return_stores() if s.code == ret.location), ret.location)})
    return ""


@require_http_methods(["GET", "HEAD", "POST"])
def order(request: HttpRequest, order_id: str) -> HttpResponse:
    """One of the customer's orders: lines, deliveries, returns (label links), and the return form."""
    shopper = _signed_in(request)
    if shopper is None:
        return _to_sign_in(request)
    try:
        found = services.own_order(shopper, order_id)
    except NotFound:
        raise Http404(_("No such order.")) from None
    open_lines = [line for line in orders_queries.returnable_lines(found) if line.open]
    error = ""
    if request.method == "POST":
        error = _request_return(request, shopper, found, open_lines)
        if not error:
            return HttpResponseRedirect(reverse("shop-account-order", args=[found.public_id]))
    data = orders_queries.order_dict(found)
    stores = {loc.code: loc.name for loc in inventory_queries.location_infos(active_only=False).values()}
    returns = [{**orders_queries.return_dict(orders_queries.get_return(r["id"]), request),
                "status_label": RETURN_STATUS.get(r["status"], r["status"]),
                "refund_label": dict(REFUND_TO).get(r["refund_to"], r["refund_to"]),
                "location_name": stores.get(r["location"], r["location"])} for r in data["returns"]]
    return render_shop(request, "storefront/account/order.html", {
        "title": _("Order %(number)s") % {"number": found.number},
        "order": found, "data": data, "returns": returns,
        "open_lines": [(line, range(line.returnable + 1)) for line in open_lines],
        "stores": _return_stores(), "reasons": RETURN_REASONS, "refund_choices": REFUND_TO,
        "tracking_url": orders_queries.tracking_url(found.public_id),
        "time_zone": _time_zone(shopper.customer_id), "error": error,
        "dispute_kinds": orders_queries.openable_dispute_kinds(found),  # the claim form (account_profile.dispute)
    }, status=422 if error else 200)


# --- loyalty -------------------------------------------------------------------------------------------


def _amount(line) -> str:
    """A statement line's amount in its unit: money in its currency, points and coins as numbers."""
    try:
        return Money(line.amount, line.unit).format()
    except CurrencyError:  # points and coins are units, not currencies
        return f"{line.amount.quantize(Decimal(1)):+}"


@require_safe
def loyalty(request: HttpRequest) -> HttpResponse:
    """Points, tier, stored value (store credit, wallet), gift cards, history and the QR card."""
    shopper = _signed_in(request)
    if shopper is None:
        return _to_sign_in(request)
    summary = loyalty_queries.summary(shopper.customer_id)
    token, expires_at = loyalty_qr.make_token(shopper.customer_id)
    history = [(line, _amount(line)) for line in loyalty_queries.entries(shopper.customer_id, limit=HISTORY)]
    return render_shop(request, "storefront/account/loyalty.html", {
        "title": _("Your rewards"), "summary": summary, "gift_cards": loyalty_queries.customer_gift_cards(
            shopper.customer_id), "history": history,
        "card_url": f"{reverse('store_api:loyalty_card')}?{urlencode({'token': token})}",
        "card_expires_at": expires_at, "time_zone": _time_zone(shopper.customer_id),
    })
