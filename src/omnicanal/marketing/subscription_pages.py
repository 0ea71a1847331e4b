"""The shop's "your subscriptions" page (a marketing page in the shop's layout: storefront.shell):
the signed-in customer's subscriptions with their next order, what it should cost, and buttons to
skip the next one, pause, resume or cancel. Plain forms (POST, then redirect); works without
JavaScript; phone first."""

from __future__ import annotations

from urllib.parse import urlencode

from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from omnicanal.catalog import queries as catalog
from omnicanal.core.errors import Problem
from omnicanal.marketing import subscriptions
from omnicanal.marketing.subscription_api import ACTIONS
from omnicanal.storefront import auth
from omnicanal.storefront.shell import render_shop

DONE = {"skip": gettext_lazy("Done: the next order is skipped."), "pause": gettext_lazy("Your subscription is paused."),
        "resume": gettext_lazy("Your subscription is active again."),
        "cancel": gettext_lazy("Your subscription is cancelled.")}


def _row(sub) -> dict:
    prices = catalog.channel_prices([line["sku"] for line in sub.lines], sub.channel)
    items = [(line["quantity"], prices[line["sku"]].title if line["sku"] in prices else line["sku"]) for line in sub.lines]
    return {"sub": sub, "items": items, "estimate": subscriptions.estimate(sub)}


@require_http_methods(["GET", "POST"])
def my_subscriptions(request: HttpRequest) -> HttpResponse:
    shopper = auth.shopper_from_cookie(request)
    if shopper is None or not shopper.signed_in:
        return HttpResponseRedirect(f"{reverse('shop-sign-in')}?{urlencode({'next': request.get_full_path()})}")
    error = ""
    if request.method == "POST":
        action, subscription_id = request.POST.get("action", ""), request.POST.get("subscription_id", "")
        if action in ACTIONS and subscriptions.owned_by(subscription_id, shopper.customer_id):
            try:
                with transaction.atomic():
                    ACTIONS[action](subscription_id=subscription_id, by="customer:web")
            except Problem as problem:
                error = problem.detail
            else:
                return HttpResponseRedirect(f"{reverse('shop-subscriptions')}?{urlencode({'done': action})}")
        else:
            error = _("That subscription is not yours.")
    return render_shop(request, "marketing/shop_subscriptions.html", {
        "title": _("Your subscriptions"), "error": error, "done": DONE.get(request.GET.get("done", ""), ""),
        "rows": [_row(s) for s in subscriptions.listed(customer_id=shopper.customer_id)],
    }, status=409 if error else 200)
