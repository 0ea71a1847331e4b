"""The console's subscriptions page: marketers and managers list them (by state or customer) and
skip, pause, resume or cancel one; store staff (and they) subscribe a customer who is at the till,
whose loyalty QR scanned into the form identifies them and is their mandate to be charged; and the
customer 360's panel of one customer's subscriptions (registered by subscription_hooks.py)."""

from __future__ import annotations

from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from omnicanal.catalog import queries as catalog
from omnicanal.core.auth import role_allows
from omnicanal.core.console import principal, show_problem, staff_required
from omnicanal.core.errors import Forbidden, Problem
from omnicanal.loyalty import presence
from omnicanal.marketing import roles, subscriptions
from omnicanal.marketing.models import Subscription, SubscriptionState
from omnicanal.marketing.subscription_api import ACTIONS
from omnicanal.orders import queries as order_queries

# The API's field paths → this form's boxes (show_problem puts each error beside its box).
FORM_FIELDS = {"qr": "qr", "lines": "sku", "lines.0.sku": "sku", "lines.0.quantity": "quantity",
               "interval_days": "interval_days", "location": "location", "delivery_method": "location",
               "next_date": ""}


def paid_with(subs: list[Subscription]) -> dict[str, str]:
    """How each subscription pays, in words ("Card Visa •••• 4242", the stored value, or a card
    since removed), its cards read in one go from orders' stored cards."""
    cards = order_queries.stored_cards_by_id(s.card_id for s in subs if s.payment_source == "card")
    words = {}
    for sub in subs:
        if sub.payment_source != "card":
            words[sub.public_id] = str(_("Stored value"))
        elif sub.card_id in cards:
            words[sub.public_id] = str(_("Card %(card)s") % {"card": cards[sub.card_id].label})
        else:
            words[sub.public_id] = str(_("A card no longer saved"))
    return words


@staff_required(*roles.SUBSCRIBE)
def subscription_list(request: HttpRequest):
    who = principal(request)
    may_manage = role_allows(who, roles.SUBSCRIPTIONS)
    if request.method == "POST":
        try:
            sub = _subscribe_at_the_till(request, who)
            messages.success(request, _("Subscribed: first order on %(date)s.") % {"date": sub.next_date})
            return redirect("marketing:subscriptions")
        except (Problem, ValueError) as problem:
            if isinstance(problem, Problem):
                show_problem(request, problem, fields=FORM_FIELDS)
            else:
                messages.error(request, _("Check the numbers."))
    state = request.GET.get("state", "")
    customer_id = request.GET.get("customer", "").strip()[:40]
    rows, error = [], ""
    if may_manage:
        try:
            rows = subscriptions.listed(customer_id=customer_id, state=state if state in SubscriptionState.values else "",
                                        limit=200)
        except Problem as problem:
            error = str(problem.detail)
    stores = sorted(who.locations) if who.locations is not None else []
    pays = paid_with(rows)
    return render(request, "marketing/subscriptions.html", {
        "title": _("Subscriptions"), "rows": [{"sub": sub, "paid_with": pays[sub.public_id]} for sub in rows], "may_manage": may_manage, "state": state, "customer_id": customer_id,
        "states": SubscriptionState.values, "error": error, "stores": stores,
    })


def _subscribe_at_the_till(request: HttpRequest, who) -> Subscription:
    proven = presence.from_qr(request.POST.get("qr", "").strip())
    location = request.POST.get("location", "").strip().upper()
    if who.locations is not None and location not in who.locations:
        raise Forbidden(detail=str(_("This credential may not take subscriptions for another store.")))
    with transaction.atomic():
        return subscriptions.do_subscribe(
            customer_id=proven.customer_id,
            lines=[subscriptions.LineSpec(request.POST.get("sku", "").strip(), int(request.POST.get("quantity") or 1))],
            interval_days=int(request.POST.get("interval_days") or 30), delivery_method="pickup", location=location,
            channel="pos", by="staff", actor=who)


@require_POST
@staff_required(*roles.SUBSCRIPTIONS)
def subscription_action(request: HttpRequest, subscription_id: str, action: str):
    if action in ACTIONS:
        try:
            with transaction.atomic():
                ACTIONS[action](subscription_id=subscription_id, by="staff")
            messages.success(request, _("Subscription updated."))
        except Problem as problem:
            show_problem(request, problem)
    return redirect("marketing:subscriptions")


def render_360(request: HttpRequest, customer_id: str) -> str:
    """The 360's panel: the customer's subscriptions (state, next order, products, how each pays), for whoever reads
    the 360 (an agent asked "when is my next order?"); acting on them stays on the subscriptions page."""
    who = principal(request)
    if not role_allows(who, roles.PANEL):
        return ""
    rows = subscriptions.listed(customer_id=customer_id, limit=20)
    skus = sorted({line["sku"] for sub in rows for line in sub.lines})
    titles = {sku: price.title for sku, price in catalog.channel_prices(skus, "web").items()} if skus else {}
    pays = paid_with(rows)
    return render_to_string("marketing/_subscriptions_360.html", {
        "rows": [{"sub": sub, "items": [(line["quantity"], titles.get(line["sku"], line["sku"])) for line in sub.lines],
                  "paid_with": pays[sub.public_id]} for sub in rows],
        "may_manage": role_allows(who, roles.SUBSCRIPTIONS), "customer_id": customer_id,
    }, request=request)
