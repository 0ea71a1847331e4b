"""The shop's checkout page: every delivery method the order book takes, then the card payment.

Methods offered (only those the cart can be promised for, from inventory's availability):
- ship: to one of the customer's saved addresses (the address book) or a new one typed in (the
  default address prefilled) when the shipping locations hold every line;
- pickup: at a store holding every line now, or — ship-to-store — at another store a single location
  can send the whole cart to (orders' sourcing makes the transfer; ready in the promised days);
- curbside: the same, at stores with the curbside capability;
- pickup_point: a locker or partner point, when the cart can be shipped.
The order is placed through storefront.services.do_checkout (orders' placement decides for real: a
409 or 422 from it becomes a message next to the field). Points, a gift card and store credit are
storefront.checkout_payments' (the card pays the rest). A pending Webpay card payment sends the
shopper to Webpay's pay link, coming back to the order's tracking page.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode, urlparse

from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from omnicanal.core.errors import NotFound, Problem
from omnicanal.customers import queries as customers_queries
from omnicanal.inventory import queries as inventory
from omnicanal.orders import queries as orders_queries
from omnicanal.orders import webpay
from omnicanal.storefront import auth, checkout_payments, queries, services
from omnicanal.storefront.queries import Shopper
from omnicanal.storefront.shell import render_shop

METHODS = ("ship", "pickup", "curbside", "pickup_point")
ADDRESS_FIELDS = ("line1", "line2", "city", "region", "postal_code", "country")
REQUIRED_ADDRESS = ("line1", "city")
OWN_KINDS = ("warehouse", "store", "dark_store")  # locations that send whole carts (suppliers only drop-ship)


@dataclass(frozen=True)
class Place:
    """A location the shopper may choose: `ready` when it holds the whole cart now, else the days a
    ship-to-store transfer (or a pickup point's delivery) takes."""
    code: str
    name: str
    ready: bool
    today: bool
    days: int


@dataclass(frozen=True)
class Options:
    ship: bool
    pickup: tuple[Place, ...]
    curbside: tuple[Place, ...]
    pickup_point: tuple[Place, ...]
    ship_days: int

    @property
    def methods(self) -> list[str]:
        return [m for m in METHODS if getattr(self, m)]


def _days() -> dict[str, int]:
    return {p.method: p.days for p in orders_queries.delivery_promises(methods=("ship", "pickup_point", "ship_to_store"))}


def delivery_options(lines: list[tuple[str, int]], channel: str) -> Options:
    """What the cart can be promised for on `channel`: ship when the shipping locations hold every
    line between them, whole-cart senders for transfers, and the pickup/curbside/point locations."""
    stock = inventory.availability_many(skus=[sku for sku, _quantity in lines], channel=channel) if lines else {}
    infos = inventory.location_infos()
    shipped = {sku: [p for p in stock[sku].locations if p.ships and p.available > 0] if sku in stock else []
               for sku, _quantity in lines}
    ship = bool(lines) and all(sum(p.available for p in shipped[sku]) >= quantity for sku, quantity in lines)
    senders: set[str] | None = None  # own locations that can send the whole cart alone
    for sku, quantity in lines:
        here = {p.code for p in shipped[sku] if p.available >= quantity and p.kind in OWN_KINDS}
        senders = here if senders is None else senders & here
    days = _days()
    ready = {store.code: store for store in queries.pickup_stores(lines, channel)}
    stores: list[Place] = []
    points: list[Place] = []
    for info in inventory.pickup_locations(channel=channel):
        if info.kind == "pickup_point":
            if ship:
                points.append(Place(info.code, info.name, ready=False, today=False, days=days.get("pickup_point", 0)))
        elif info.code in ready:
            stores.append(Place(info.code, info.name, ready=True, today=ready[info.code].pickup_today, days=0))
        elif senders and senders - {info.code}:
            stores.append(Place(info.code, info.name, ready=False, today=False, days=days.get("ship_to_store", 0)))
    stores.sort(key=lambda p: (not p.ready, not p.today, p.name))
    curbside = tuple(p for p in stores if infos.get(p.code) is not None and infos[p.code].curbside)
    return Options(ship=ship, pickup=tuple(stores), curbside=curbside, pickup_point=tuple(points),
                   ship_days=days.get("ship", 0))


def _address_rows(address: dict[str, str], errors: dict[str, str], shipping: bool) -> list[dict[str, str]]:
    labels = {"line1": (_("Street and number"), "address-line1"), "line2": (_("Apartment, floor (optional)"), "address-line2"),
              "city": (_("City / commune"), "address-level2"), "region": (_("Region"), "address-level1"),
              "postal_code": (_("Postal code (optional)"), "postal-code"), "country": (_("Country code"), "country")}
    return [{"name": name, "label": labels[name][0], "autocomplete": labels[name][1],
             "value": address.get(name, "") or ("CL" if name == "country" else ""),
             "error": errors.get(name, "") if shipping else ""} for name in ADDRESS_FIELDS]


def _render(request: HttpRequest, context: dict, status: int = 200) -> HttpResponse:
    options: Options = context["options"]
    context["address_rows"] = _address_rows(context["address"], context["errors"], context["method"] == "ship")
    context["place_groups"] = [("pickup", options.pickup, _("Pick up in store")),
                               ("curbside", options.curbside, _("Curbside pickup: we bring it to your car")),
                               ("pickup_point", options.pickup_point, _("Pickup point"))]
    return render_shop(request, "storefront/account/checkout.html", context, status=status)


def _saved_address(customer_id: str) -> dict[str, str]:
    saved = customers_queries.customer_summary(customer_id).address
    return {name: getattr(saved, name) or "" for name in ADDRESS_FIELDS} if saved else {}


def _form_errors(problem: Problem) -> dict[str, str]:
    """problem+json field errors as messages next to the page's fields (delivery.location → location)."""
    errors: dict[str, str] = {}
    for error in problem.errors:
        name = str(error.field).removeprefix("delivery.").removeprefix("address.")
        errors.setdefault(name, str(error.message))
    if not errors:
        errors["form"] = str(problem.detail or problem.title)
    return errors


def _read_form(request: HttpRequest, options: Options) -> tuple[dict, str, dict[str, str]]:
    """The delivery and coupon the form asks for, or the field errors found before placing anything."""
    method = request.POST.get("method") or "pickup"
    errors: dict[str, str] = {}
    delivery: dict = {"method": method}
    if method not in options.methods:
        errors["method"] = _("Choose one of the delivery methods listed.")
    elif method == "ship" and request.POST.get("saved_address", "new") not in ("", "new"):
        delivery["saved_address"] = request.POST["saved_address"]  # one of the book's (_place reads it)
    elif method == "ship":
        address = {name: request.POST.get(name, "").strip() for name in ADDRESS_FIELDS}
        address["country"] = (address["country"] or "CL").upper()
        for name in REQUIRED_ADDRESS:
            if not address[name]:
                errors[name] = _("This field is required.")
        delivery["address"] = address
    else:
        location = request.POST.get(f"location_{method}") or request.POST.get("location", "")
        if location not in {place.code for place in getattr(options, method)}:
            errors["location"] = _("Choose one of the places listed.")
        delivery["location"] = location
    return delivery, request.POST.get("coupon", "").strip(), errors


def _after_placing(order) -> str:
    """Where the shopper goes next: Webpay's page for a pending Webpay card payment, else tracking."""
    tracking = urlparse(orders_queries.tracking_url(order.public_id))
    tracking_path = tracking.path + (f"?{tracking.query}" if tracking.query else "")
    pending = [p for p in order.payments.all() if p.status == "pending" and p.provider == webpay.NAME]
    return webpay.pay_link(pending[0].public_id, tracking_path) if pending else tracking_path


def _place(request: HttpRequest, shopper: Shopper, options: Options, context: dict) -> HttpResponse | None:
    delivery, coupon, errors = _read_form(request, options)
    context["saved_address"] = request.POST.get("saved_address", "")
    if "saved_address" in delivery:
        saved = delivery.pop("saved_address")
        try:
            delivery["address"] = customers_queries.book_address(shopper.customer_id, saved).as_delivery()
        except NotFound:
            errors["saved_address"] = _("Choose one of your addresses.")
    context.update(method=delivery["method"], coupon=coupon, errors=errors)
    if "address" in delivery:
        context["address"] = delivery["address"]
    elif "location" in delivery:
        context["location"] = delivery["location"]
    paying = checkout_payments.plan_from_form(request.POST, shopper.customer_id)
    context.update(paying={name: request.POST.get(name, "") for name in checkout_payments.FIELDS if name != "gift_card_pin"})
    errors.update(paying.errors)
    if errors:
        context["status"] = paying.status if paying.errors else 422
        return None
    try:
        with transaction.atomic():
            order = services.do_checkout(shopper=shopper, delivery=delivery, coupon=coupon,
                                         payments=paying.payments or None)
    except NotFound:
        # placement looks the coupon up last: an unknown code is its 404 (the shopper never learns
        # more than "cannot be used", as loyalty's check_coupon_quietly answers)
        errors["coupon" if coupon else "form"] = _("This coupon cannot be used.") if coupon else _("Try again.")
        return None
    except Problem as problem:
        errors.update(checkout_payments.form_errors(problem, paying) or _form_errors(problem))
        return None
    messages.success(request, _("Order %(number)s placed.") % {"number": order.number})
    return HttpResponseRedirect(_after_placing(order))


@require_http_methods(["GET", "HEAD", "POST"])
def checkout(request: HttpRequest) -> HttpResponse:
    """Choose how to get the order (only what the cart can be promised for), place it, then pay."""
    shopper = auth.shopper_from_cookie(request)
    if shopper is None or not shopper.signed_in:
        return HttpResponseRedirect(f"{reverse('shop-sign-in')}?{urlencode({'next': reverse('shop-checkout')})}")
    found = orders_queries.cart_dict(orders_queries.get_cart(shopper.cart_id)) if shopper.cart_id else None
    if not found or not found["lines"]:
        return HttpResponseRedirect(reverse("shop-cart"))
    options = delivery_options([(line["sku"], line["quantity"]) for line in found["lines"]], shopper.channel)
    methods = options.methods
    context = {
        "title": _("Checkout"), "cart": found, "options": options, "methods": methods,
        "method": request.GET.get("method") if request.GET.get("method") in methods else (methods or [""])[0],
        "address": _saved_address(shopper.customer_id), "location": "", "coupon": "", "errors": {},
        "wallet": checkout_payments.wallet(shopper.customer_id), "paying": {},
        "book": customers_queries.address_book(shopper.customer_id), "saved_address": "",
    }
    if request.method == "POST":
        placed = _place(request, shopper, options, context)
        if placed is not None:
            return placed
        return _render(request, context, status=context.get("status", 422))
    return _render(request, context)
