"""The shop's "your subscriptions" page (a marketing page in the shop's layout: storefront.shell):
the signed-in customer's subscriptions with their next order, what it should cost, buttons to
skip the next one, pause, resume or cancel, and a form to change the quantities, the interval,
where the orders go (a store or a saved address) and the next date: a 422 names each bad field
beside it. Plain forms (POST, then redirect); works without JavaScript; phone first."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from omnicanal.catalog import queries as catalog
from omnicanal.core.errors import Problem, ValidationFailed
from omnicanal.marketing import subscription_shop, subscriptions
from omnicanal.marketing.subscription_api import ACTIONS
from omnicanal.storefront import auth
from omnicanal.storefront.shell import render_shop

DONE = {"skip": gettext_lazy("Done: the next order is skipped."), "pause": gettext_lazy("Your subscription is paused."),
        "resume": gettext_lazy("Your subscription is active again."),
        "cancel": gettext_lazy("Your subscription is cancelled."),
        "subscribe": gettext_lazy("Done: you are subscribed. We will remind you before each order."),
        "change": gettext_lazy("Your subscription is changed.")}
KEEP = "keep"  # the place option "where it goes now" when that address is none of the saved ones
PLACE_FIELDS = ("place", "delivery_method", "location", "address")


def _row(sub, customer_id: str, places: tuple[list, list], errors: dict[str, str] | None = None) -> dict:
    prices = catalog.channel_prices([line["sku"] for line in sub.lines], sub.channel)
    items = [(line["quantity"], prices[line["sku"]].title if line["sku"] in prices else line["sku"]) for line in sub.lines]
    stores, book = places
    errors = errors or {}
    return {"sub": sub, "items": items, "estimate": subscriptions.estimate(sub), "errors": errors,
            "lines": [{"field": f"lines.{i}.quantity", "title": title, "quantity": quantity,
                       "error": errors.get(f"lines.{i}.quantity", "")} for i, (quantity, title) in enumerate(items)],
            "intervals": subscription_shop.interval_choices(sub.interval_days), "stores": stores, "book": book,
            "place": subscription_shop.place_of(sub, customer_id) or KEEP,
            "place_error": next((errors[f] for f in PLACE_FIELDS if f in errors), "")}


def _change(sub, customer_id: str, form) -> None:
    """The change form's fields to do_change (only a moved date or place is passed: a paused one's
    past date stays until it resumes); ValidationFailed names the first bad field."""
    lines = [subscriptions.LineSpec(sku=line["sku"], quantity=subscription_shop.whole(
        form.get(f"lines.{i}.quantity", ""), f"lines.{i}.quantity")) for i, line in enumerate(sub.lines)]
    interval = subscription_shop.whole(form.get("interval_days", ""), "interval_days")
    delivery: dict = {}
    if form.get("place", KEEP) not in (KEEP, subscription_shop.place_of(sub, customer_id)):
        method, location, address = subscription_shop.parse_place(form["place"], customer_id)
        delivery = {"delivery_method": method, "location": location, "address": address}
    try:
        next_date = dt.date.fromisoformat(form.get("next_date", ""))
    except ValueError:
        raise ValidationFailed.on("next_date", _("is not a date")) from None
    subscriptions.do_change(subscription_id=sub.public_id, by="customer:web", lines=lines, interval_days=interval,
                            next_date=next_date if next_date != sub.next_date else None, **delivery)


def _act(action: str, subscription_id: str, customer_id: str, form) -> None:
    with transaction.atomic():
        if action == "change":
            _change(subscriptions.one(subscription_id), customer_id, form)
        else:
            ACTIONS[action](subscription_id=subscription_id, by="customer:web")


@require_http_methods(["GET", "POST"])
def my_subscriptions(request: HttpRequest) -> HttpResponse:
    shopper = auth.shopper_from_cookie(request)
    if shopper is None or not shopper.signed_in:
        return HttpResponseRedirect(f"{reverse('shop-sign-in')}?{urlencode({'next': request.get_full_path()})}")
    error, status, failed_id, errors = "", 200, "", {}
    if request.method == "POST":
        action, subscription_id = request.POST.get("action", ""), request.POST.get("subscription_id", "")
        if (action in ACTIONS or action == "change") and subscriptions.owned_by(subscription_id, shopper.customer_id):
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
    rows = [_row(s, shopper.customer_id, places, errors if s.public_id == failed_id else None)
            for s in subscriptions.listed(customer_id=shopper.customer_id)]
    return render_shop(request, "marketing/shop_subscriptions.html", {
        "title": _("Your subscriptions"), "error": "" if errors else error, "keep": KEEP, "rows": rows,
        "done": DONE.get(request.GET.get("done", ""), ""),
    }, status=status)
