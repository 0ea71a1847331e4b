"""Subscribing and changing a subscription from the shop (issue 18, item 8): the product page's
"subscribe and get it every N days" panel (filled into storefront.registry by subscription_hooks.py:
the storefront never imports marketing) and its form, and what the account page's change form
shares with it: where the orders go (a pickup store or one of the customer's saved addresses, in
one select so it works without JavaScript) and which intervals are offered.

Only a product whose category is replenishable (catalog's purchase cycle) is offered: a bicycle
every 30 days is not a subscription. The interval offered first is the customer's learned cycle in
that category (marketing.queries), else the category's default."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from omnicanal.catalog import queries as catalog
from omnicanal.core.errors import NotFound, Problem, ValidationFailed
from omnicanal.customers import queries as customers
from omnicanal.inventory import queries as inventory
from omnicanal.marketing import queries, subscriptions
from omnicanal.marketing.flow_shop import posting_shopper
from omnicanal.orders import queries as order_queries
from omnicanal.storefront import auth

INTERVALS = (7, 14, 21, 30, 45, 60, 90)  # days; the customer's own cycle is added when it is none of these
FALLBACK_DAYS = 30  # a replenishable category that sets no default


@dataclass(frozen=True)
class Place:
    value: str  # "pickup:<store code>" | "ship:<adr_…>": one select's option
    label: str


def places(customer_id: str, channel: str) -> tuple[list[Place], list[Place]]:
    """(pickup stores, saved addresses) the customer may choose for their orders."""
    stores = [Place(f"pickup:{s.code}", s.name) for s in inventory.pickup_locations(channel=channel)]
    book = [Place(f"ship:{a.id}", ", ".join(p for p in (a.label, a.line1, a.city) if p))
            for a in customers.address_book(customer_id)] if customer_id else []
    return stores, book


def parse_place(value: str, customer_id: str) -> tuple[str, str, dict | None]:
    """(delivery_method, location, address) from a place's value; 422 on `place` for anything else."""
    kind, _sep, ref = (value or "").partition(":")
    if kind == "pickup" and ref:
        return "pickup", ref, None
    if kind == "ship" and ref:
        try:
            return "ship", "", customers.book_address(customer_id, ref).as_delivery()
        except NotFound:
            pass
    raise ValidationFailed.on("place", _("choose a store or one of your addresses"))


def place_of(sub, customer_id: str) -> str:
    """The place value a subscription's orders go to now ("" when its address is in no saved entry)."""
    if sub.delivery_method == "pickup":
        return f"pickup:{sub.location}"
    for entry in customers.address_book(customer_id):
        if entry.as_delivery() == sub.address:
            return f"ship:{entry.id}"
    return ""


STORED_VALUE = "stored_value"  # the "pay with" option of the balance; a saved card's is "card:<crd_…>"


def pay_choices(customer_id: str, cards: list | None = None) -> list[Place]:
    """How the customer may pay a subscription: their balance, then each card they saved (`cards`,
    when the caller read them already)."""
    if cards is None:
        cards = order_queries.stored_cards(customer_id) if customer_id else []
    return [Place(STORED_VALUE, _("Your balance (store credit and wallet)")),
            *(Place(f"card:{c.id}", _("Card %(card)s") % {"card": c.label}) for c in cards)]


def parse_pay(value: str) -> tuple[str, str]:
    """(payment_source, card_id) from a "pay with" option; the writer checks the card is theirs."""
    kind, _sep, ref = (value or STORED_VALUE).partition(":")
    return ("card", ref) if kind == "card" else (STORED_VALUE, "")


def pay_of(sub) -> str:
    return f"card:{sub.card_id}" if sub.payment_source == "card" else STORED_VALUE


def addable(channel: str, language: str) -> list[Place]:
    """The products a subscription on `channel` may take in (the account page's "add a product"):
    the variants of replenishable products sold there, by name (a few queries, whatever the box)."""
    names = [p for p in catalog.product_names() if catalog.product_cycle(p.handle) is not None]
    prices = catalog.channel_prices([sku for p in names for sku in p.skus], channel)
    return [Place(sku, f"{p.name_en if language == 'en' and p.name_en else p.name_es}"
                       f"{f' ({sku})' if len(p.skus) > 1 else ''} · {prices[sku].price.format()}")
            for p in names for sku in p.skus
            if sku in prices and prices[sku].active and prices[sku].published]


def interval_choices(current: int) -> list[int]:
    return sorted({*INTERVALS, current})


def _clamp(days: float) -> int:
    return max(subscriptions.MIN_INTERVAL, min(subscriptions.MAX_INTERVAL, round(days)))


def default_interval(customer_id: str, category: str, category_days: int | None) -> int:
    """The customer's learned interval in the category when they bought in it, else its default."""
    if customer_id:
        for cycle in queries.learned_cycles(customer_id):
            if cycle.category == category and cycle.interval_days:
                return _clamp(cycle.interval_days)
    return _clamp(category_days or FALLBACK_DAYS)


def _replenishable(handle: str, channel: str, language: str) -> tuple[list, str, int | None]:
    """(variants sold on the channel, category, its default days) of a replenishable product, else
    ([], "", None). Any other product costs no query (catalog memoizes which are replenishable)."""
    cycle = catalog.product_cycle(handle)
    if cycle is None:
        return [], "", None
    variants = catalog.variants_of(handle, language=language)
    prices = catalog.channel_prices([v.sku for v in variants], channel)
    sold = [v for v in variants if v.sku in prices and prices[v.sku].active and prices[v.sku].published]
    return (sold, cycle.slug, cycle.default_days) if sold else ([], "", None)


def render_panel(request: HttpRequest, handle: str) -> str:
    """The product page's "subscribe and get it every N days" form (a sign-in link when anonymous)."""
    shopper = auth.shopper_from_cookie(request)
    channel = shopper.channel if shopper else "web"
    variants, category, days = _replenishable(handle, channel, (getattr(request, "LANGUAGE_CODE", "") or "es")[:2])
    if not variants:
        return ""
    customer_id = shopper.customer_id if shopper and shopper.signed_in else ""
    interval = default_interval(customer_id, category, days)
    stores, book = places(customer_id, channel)
    return render_to_string("marketing/_subscribe.html", {
        "handle": handle, "variants": variants, "signed_in": bool(customer_id), "interval": interval,
        "intervals": interval_choices(interval), "stores": stores, "book": book,
        "pays": pay_choices(customer_id),
        "failed": FAILED.get(request.GET.get("field", ""), _("We could not subscribe you: try again."))
        if request.GET.get("subscribe") == "error" else "",
    }, request=request)


def whole(raw: str, field: str) -> int:
    """A form's number; 422 on `field` when it is not a whole number (the writer checks its range)."""
    try:
        return int(raw)
    except (TypeError, ValueError):
        raise ValidationFailed.on(field, _("must be a whole number")) from None


# What the product page says when subscribing failed, by the field the writer named.
FAILED = {"lines.0.quantity": gettext_lazy("Choose between 1 and 99 units."),
          "interval_days": gettext_lazy("Choose how often: every 7 to 180 days."),
          "place": gettext_lazy("Choose a store or one of your addresses."),
          "location": gettext_lazy("That store does not hand over orders: choose another."),
          "lines.0.sku": gettext_lazy("This product cannot be subscribed to on this channel."),
          "card_id": gettext_lazy("Choose one of your saved cards."),
          "payment_source": gettext_lazy("Choose how to pay.")}


@require_POST
def subscribe_page(request: HttpRequest) -> HttpResponse:
    """The panel's form: subscribing in the shopper's own session is the mandate to pay each order
    with their balance or the saved card chosen (as the Store API's POST /subscriptions); then the
    account's subscriptions."""
    shopper, back, sign_in = posting_shopper(request)
    if sign_in is not None or shopper is None:
        return sign_in or HttpResponseRedirect(back)
    try:
        method, location, address = parse_place(request.POST.get("place", ""), shopper.customer_id)
        payment_source, card_id = parse_pay(request.POST.get("pay", ""))
        lines = [subscriptions.LineSpec(sku=request.POST.get("sku", ""),
                                        quantity=whole(request.POST.get("quantity", ""), "lines.0.quantity"))]
        with transaction.atomic():
            subscriptions.do_subscribe(
                customer_id=shopper.customer_id, lines=lines, interval_days=whole(
                    request.POST.get("interval_days", ""), "interval_days"),
                delivery_method=method, location=location, address=address, channel=shopper.channel,
                payment_source=payment_source, card_id=card_id, by="customer")
    except Problem as problem:
        field = problem.errors[0].field if problem.errors else ""
        return HttpResponseRedirect(f"{back}?{urlencode({'subscribe': 'error', 'field': field})}#subscribe-title")
    return HttpResponseRedirect(f"{reverse('shop-subscriptions')}?{urlencode({'done': 'subscribe'})}")
