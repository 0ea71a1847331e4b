"""The shop's "your subscriptions" page (a marketing page in the shop's layout: storefront.shell):
the signed-in customer's subscriptions with their next order, what it should cost, buttons to
skip the next one, pause, resume or cancel, and a form to change the box (quantities, a line
removed but never the last, a replenishable product added), the interval,
where the orders go (a store or a saved address), the next date and how it is paid (the balance or
a saved card): a 422 names each bad field beside it. A subscription whose card is no longer saved
(paused `card_removed`) is resumed with another card or the balance, chosen beside "Resume". Plain forms (POST, then redirect); works
without JavaScript; phone first.

Its "Your saved cards" section saves a card through Transbank's own form (Webpay Oneclick: the
number is typed there, never here): "Save a card" opens the inscription (orders' service) and sends
the browser to Transbank by a form POST of TBK_TOKEN; Transbank sends it back to orders' return
(/payments/oneclick/return), which keeps the card and comes back here with card=saved|failed."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode, urlsplit

from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from omnicanal.catalog import queries as catalog
from omnicanal.core.errors import Problem, ValidationFailed
from omnicanal.core.security_headers import policy
from omnicanal.customers import queries as customers
from omnicanal.marketing import subscription_shop, subscriptions
from omnicanal.marketing.subscription_api import ACTIONS
from omnicanal.orders import queries as order_queries
from omnicanal.orders import services as orders
from omnicanal.storefront import auth
from omnicanal.storefront.shell import render_shop

DONE = {"skip": gettext_lazy("Done: the next order is skipped."), "pause": gettext_lazy("Your subscription is paused."),
        "resume": gettext_lazy("Your subscription is active again."),
        "cancel": gettext_lazy("Your subscription is cancelled."),
        "subscribe": gettext_lazy("Done: you are subscribed. We will remind you before each order."),
        "change": gettext_lazy("Your subscription is changed."),
        "remove_card": gettext_lazy("The card is removed.")}
CARD_SAVED = gettext_lazy("Your card is saved: choose it to pay a subscription.")
CARD_FAILED = gettext_lazy("The card was not saved. You can try again.")
CARD_ACTIONS = ("save_card", "remove_card")
KEEP = "keep"  # the place option "where it goes now" when that address is none of the saved ones
PLACE_FIELDS = ("place", "delivery_method", "location", "address")


def _row(sub, customer_id: str, places: tuple[list, list], addable: list,
         errors: dict[str, str] | None = None) -> dict:
    prices = catalog.channel_prices([line["sku"] for line in sub.lines], sub.channel)
    items = [(line["quantity"], prices[line["sku"]].title if line["sku"] in prices else line["sku"]) for line in sub.lines]
    stores, book = places
    errors = errors or {}
    boxed = {line["sku"] for line in sub.lines}
    return {"sub": sub, "items": items, "estimate": subscriptions.estimate(sub), "errors": errors,
            "lines": [{"field": f"lines.{i}.quantity", "remove": f"lines.{i}.remove", "title": title,
                       "quantity": quantity,
                       "error": errors.get(f"lines.{i}.quantity") or errors.get(f"lines.{i}.sku", "")}
                      for i, (quantity, title) in enumerate(items)],
            "charging": bool(sub.charging_order_id) and subscriptions.coming_date(sub) != sub.next_date,
            "can_remove": len(items) > 1 or "lines" in errors, "lines_error": errors.get("lines", ""),
            "addable": [p for p in addable if p.value not in boxed],
            "add_error": errors.get("add.sku") or errors.get("add.quantity", ""),
            "intervals": subscription_shop.interval_choices(sub.interval_days), "stores": stores, "book": book,
            "place": subscription_shop.place_of(sub, customer_id) or KEEP, "pay": subscription_shop.pay_of(sub),
            "place_error": next((errors[f] for f in PLACE_FIELDS if f in errors), ""),
            "pay_error": errors.get("card_id") or errors.get("payment_source", "")}


def _box(sub, form) -> tuple[list[subscriptions.LineSpec], list[str]]:
    """The change form's box: each line's quantity unless ticked to remove, and the product to add
    (`add.sku`, `add.quantity`); with, for each line passed on, the form field it came from."""
    lines, origin = [], []
    for i, line in enumerate(sub.lines):
        if form.get(f"lines.{i}.remove"):
            continue
        lines.append(subscriptions.LineSpec(sku=line["sku"], quantity=subscription_shop.whole(
            form.get(f"lines.{i}.quantity", ""), f"lines.{i}.quantity")))
        origin.append(f"lines.{i}")
    if form.get("add.sku"):
        lines.append(subscriptions.LineSpec(sku=form["add.sku"], quantity=subscription_shop.whole(
            form.get("add.quantity", ""), "add.quantity")))
        origin.append("add")
    return lines, origin


def _named_by_form(failed: ValidationFailed, origin: list[str]) -> ValidationFailed:
    """The writer names the box's lines by their place in it; the page by the form's boxes."""
    for error in failed.errors:
        index, _sep, part = error.field.removeprefix("lines.").partition(".")
        if error.field.startswith("lines.") and index.isdigit() and int(index) < len(origin):
            error.field = f"{origin[int(index)]}.{part}"
    return failed


def _change(sub, customer_id: str, form) -> None:
    """The change form's fields to do_change (only a moved date or place is passed: a paused one's
    past date stays until it resumes); ValidationFailed names the first bad field."""
    lines, origin = _box(sub, form)
    interval = subscription_shop.whole(form.get("interval_days", ""), "interval_days")
    delivery: dict = {}
    if form.get("place", KEEP) not in (KEEP, subscription_shop.place_of(sub, customer_id)):
        method, location, address = subscription_shop.parse_place(form["place"], customer_id)
        delivery = {"delivery_method": method, "location": location, "address": address}
    try:
        next_date = dt.date.fromisoformat(form.get("next_date", ""))
    except ValueError:
        raise ValidationFailed.on("next_date", _("is not a date")) from None
    payment: dict = {}
    if form.get("pay") and form["pay"] != subscription_shop.pay_of(sub):
        source, card_id = subscription_shop.parse_pay(form["pay"])
        payment = {"payment_source": source, "card_id": card_id}
    try:
        subscriptions.do_change(subscription_id=sub.public_id, by="customer:web", lines=lines, interval_days=interval,
                                next_date=next_date if next_date != sub.next_date else None, **delivery, **payment)
    except ValidationFailed as failed:
        raise _named_by_form(failed, origin) from None


def _act(action: str, subscription_id: str, customer_id: str, form) -> None:
    with transaction.atomic():
        if action == "change":
            _change(subscriptions.one(subscription_id), customer_id, form)
        else:
            if action == "resume" and form.get("pay"):  # its card is gone: resumed with the one chosen beside
                source, card_id = subscription_shop.parse_pay(form["pay"])
                subscriptions.do_change(subscription_id=subscription_id, by="customer:web", payment_source=source,
                                        card_id=card_id)
            ACTIONS[action](subscription_id=subscription_id, by="customer:web")


def _save_card(request: HttpRequest, customer_id: str) -> HttpResponse:
    """Open the inscription and send the browser to Transbank's form (our CSP lets this one form
    leave for Transbank's host); raises a Problem when it cannot start."""
    summary = customers.customer_summary(customer_id)
    redirect = orders.do_start_card_inscription(
        customer_id=customer_id, email=summary.email or "", return_base=request.build_absolute_uri("/"),
        next_path=reverse("shop-subscriptions") + "#cards-title")
    response = render(request, "marketing/card_redirect.html", {"title": _("Save a card"), "redirect": redirect})
    target = urlsplit(redirect.url)
    if target.scheme and target.netloc:
        nonce = getattr(request, "csp_nonce", "")
        response["Content-Security-Policy"] = policy(nonce, request).replace(
            "form-action 'self'", f"form-action 'self' {target.scheme}://{target.netloc}")
    return response


def _card_action(request: HttpRequest, action: str, customer_id: str) -> HttpResponse:
    if action == "save_card":
        return _save_card(request, customer_id)
    with transaction.atomic():
        orders.do_remove_card(customer_id=customer_id, card_id=request.POST.get("card_id", ""))
    return HttpResponseRedirect(f"{reverse('shop-subscriptions')}?{urlencode({'done': action})}#cards-title")


@require_http_methods(["GET", "POST"])
def my_subscriptions(request: HttpRequest) -> HttpResponse:
    shopper = auth.shopper_from_cookie(request)
    if shopper is None or not shopper.signed_in:
        return HttpResponseRedirect(f"{reverse('shop-sign-in')}?{urlencode({'next': request.get_full_path()})}")
    error, status, failed_id, errors = "", 200, "", {}
    if request.method == "POST":
        action, subscription_id = request.POST.get("action", ""), request.POST.get("subscription_id", "")
        if action in CARD_ACTIONS:
            try:
                return _card_action(request, action, shopper.customer_id)
            except Problem as problem:
                error, status = capfirst(str(problem.errors[0].message)) if problem.errors else problem.detail, problem.status
        elif (action in ACTIONS or action == "change") and subscriptions.owned_by(subscription_id, shopper.customer_id):
            try:
                _act(action, subscription_id, shopper.customer_id, request.POST)
            except Problem as problem:
                error, status, failed_id = problem.detail, problem.status, subscription_id
                errors = {e.field: str(e.message) for e in problem.errors}
            else:
                return HttpResponseRedirect(f"{reverse('shop-subscriptions')}?{urlencode({'done': action})}")
        else:
            error, status = _("That subscription is not yours."), 409
    places = subscription_shop.places(shopper.customer_id, shopper.channel)  # read once for every row's form
    cards = order_queries.stored_cards(shopper.customer_id)
    pays = subscription_shop.pay_choices(shopper.customer_id, cards)
    language = (getattr(request, "LANGUAGE_CODE", "") or "es")[:2]
    addable = subscription_shop.addable(shopper.channel, language)  # read once for every row's form
    rows = [_row(s, shopper.customer_id, places, addable if s.channel == shopper.channel
                 else subscription_shop.addable(s.channel, language), errors if s.public_id == failed_id else None)
            for s in subscriptions.listed(customer_id=shopper.customer_id)]
    for row in rows:  # paid with a card no longer saved: resuming asks for another one or the balance
        row["card_gone"] = row["pay"] != subscription_shop.STORED_VALUE and row["pay"] not in {p.value for p in pays}
    return render_shop(request, "marketing/shop_subscriptions.html", {
        "title": _("Your subscriptions"), "error": "" if errors else error, "keep": KEEP, "rows": rows,
        "done": DONE.get(request.GET.get("done", ""), "") or (CARD_SAVED if request.GET.get("card") == "saved" else ""),
        "card_failed": CARD_FAILED if request.GET.get("card") == "failed" else "",
        "cards": cards, "pays": pays, "pay_values": [p.value for p in pays],
    }, status=status)
