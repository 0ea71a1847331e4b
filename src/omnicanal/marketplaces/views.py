"""The console's marketplace accounts (token status, last sync, errors and what waits) and the
OAuth round trip that connects a Mercado Libre seller: *Connect* sends the admin to Mercado Libre's
authorization page; its redirect brings a code back here, exchanged for the seller's tokens."""

from __future__ import annotations

import secrets
import urllib.parse

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from omnicanal.core import audit
from omnicanal.core.auth import role_allows
from omnicanal.core.console import principal, show_problem, staff_required
from omnicanal.core.errors import Problem
from omnicanal.inventory import queries as inventory
from omnicanal.marketplaces import client, queries, roles, services, tasks


def _callback_url(request: HttpRequest) -> str:
    return request.build_absolute_uri(reverse("marketplaces:oauth_callback"))


@staff_required(*roles.READ)
def accounts(request: HttpRequest):
    return render(request, "marketplaces/accounts.html", {
        "title": _("Marketplaces"), "business_tz": settings.OMNICANAL["TIME_ZONE"], "accounts": queries.accounts(),
        "can_connect": bool(client.config().get("CLIENT_ID")),
    })


@staff_required(*roles.MANAGE)
def connect(request: HttpRequest):
    state = secrets.token_urlsafe(16)
    request.session["mercadolibre_oauth_state"] = state
    query = urllib.parse.urlencode({"response_type": "code", "client_id": client.config()["CLIENT_ID"],
                                    "redirect_uri": _callback_url(request), "state": state})
    return redirect(f"{client.config()['AUTH_URL']}?{query}")


@staff_required(*roles.MANAGE)
def oauth_callback(request: HttpRequest):
    expected = request.session.pop("mercadolibre_oauth_state", None)
    if not expected or request.GET.get("state") != expected or not request.GET.get("code"):
        messages.error(request, _("The authorization did not come from this console; connect again."))
        return redirect(reverse("marketplaces:accounts"))
    try:
        with transaction.atomic():
            account = services.do_authorize(code=request.GET["code"], redirect_uri=_callback_url(request))
        messages.success(request, _("Seller %(seller)s connected.") % {"seller": account.seller_id})
    except client.ApiError as exc:
        messages.error(request, _("Mercado Libre refused the authorization: %(error)s") % {"error": exc})
    except Problem as problem:
        show_problem(request, problem)
    return redirect(reverse("marketplaces:accounts"))


def _send_after_commit(account_pk: int) -> None:
    transaction.on_commit(lambda: tasks.send_calls(account_pk))


@staff_required(*roles.READ)
def product_lookup(request: HttpRequest):
    ref = request.GET.get("ref", "").strip()
    if not ref:
        return redirect(reverse("marketplaces:accounts"))
    return redirect(reverse("marketplaces:product", args=[ref]))


@staff_required(*roles.READ)
def product(request: HttpRequest, ref: str):
    """Item 5: one product's publication on every seller account: each variant's item, its state
    there, the last price and quantity pushed, why it is held, the last error; publish, pause, resume."""
    found, rows = queries.publications(ref)
    return render(request, "marketplaces/product.html", {
        "title": _("Publication of %(name)s") % {"name": found.name_es}, "product": found, "rows": rows,
        "accounts": queries.accounts(), "business_tz": settings.OMNICANAL["TIME_ZONE"],
        "unpublished": {(r.account.id) for r in rows if r.listing is None or not (r.listing.item_id or r.listing.created_here)},
    })


@require_POST
@staff_required(*roles.MANAGE)
def publish(request: HttpRequest, ref: str, account_id: str):
    try:
        with transaction.atomic():
            account = services.get_account(account_id)
            skus = [request.POST["sku"]] if request.POST.get("sku") else queries.product_skus(ref)
            services.do_create_listings(account=account, skus=skus, category_id=request.POST.get("category_id", ""),
                                        listing_type_id=request.POST.get("listing_type_id") or "gold_special",
                                        condition=request.POST.get("condition") or "new")
            audit.record(actor=principal(request), action="marketplace.publish", target_type="marketplace_account",
                         target_id=account.public_id, after={"skus": skus})
            _send_after_commit(account.pk)
        messages.success(request, _("Publication queued: the marketplace answers in a moment."))
    except Problem as problem:
        show_problem(request, problem)
    return redirect(reverse("marketplaces:product", args=[ref]))


@require_POST
@staff_required(*roles.MANAGE)
def pause(request: HttpRequest, ref: str, account_id: str, sku: str, action: str):
    paused = action == "pause"
    try:
        with transaction.atomic():
            account = services.get_account(account_id)
            if services.do_set_paused(listing=queries.get_listing(account, sku), paused=paused):
                _send_after_commit(account.pk)
            audit.record(actor=principal(request), action=f"marketplace.{action}", target_type="marketplace_listing",
                         target_id=f"{account.public_id}:{sku}")
        messages.success(request, _("Paused.") if paused else _("Active again."))
    except Problem as problem:
        show_problem(request, problem)
    return redirect(reverse("marketplaces:product", args=[ref]))


@staff_required(*roles.READ)
def warehouses(request: HttpRequest, account_id: str):
    """Multi-origin stock: which of our locations is which of the seller's Mercado Libre warehouses."""
    account = services.get_account(account_id)
    if request.method == "POST":
        if not role_allows(principal(request), roles.MANAGE):
            raise PermissionDenied
        pairs = [(code, request.POST.get(f"store_{code}", "").strip())
                 for code in inventory.location_infos() if request.POST.get(f"store_{code}", "").strip()]
        try:
            with transaction.atomic():
                services.do_set_warehouses(account=account, multi_warehouse=request.POST.get("multi_warehouse") == "on",
                                           warehouses=pairs)
                audit.record(actor=principal(request), action="marketplace.warehouses",
                             target_type="marketplace_account", target_id=account.public_id,
                             after={"warehouses": pairs})
                transaction.on_commit(lambda: tasks.push_stock.schedule(delay=1.0))
            messages.success(request, _("Warehouses saved: the stock is pushed again."))
        except Problem as problem:
            show_problem(request, problem, fields={"warehouses": ""})
        return redirect(reverse("marketplaces:warehouses", args=[account.public_id]))
    mapped = queries.warehouses(account)
    stores = {row["location"]: row["store_id"] for row in mapped["warehouses"]}
    return render(request, "marketplaces/warehouses.html", {
        "title": _("Warehouses of %(seller)s") % {"seller": account.nickname or account.seller_id}, "account": account,
        "multi_warehouse": mapped["multi_warehouse"],
        "locations": [(info, stores.get(code, "")) for code, info in inventory.location_infos().items()],
    })


urlpatterns = [
    path("accounts/", accounts, name="accounts"),
    path("accounts/<str:account_id>/warehouses/", warehouses, name="warehouses"),
    path("products/", product_lookup, name="product_lookup"),
    path("products/<str:ref>/", product, name="product"),
    path("products/<str:ref>/<str:account_id>/publish/", publish, name="publish"),
    path("products/<str:ref>/<str:account_id>/<str:sku>/pause/", pause, {"action": "pause"}, name="pause"),
    path("products/<str:ref>/<str:account_id>/<str:sku>/resume/", pause, {"action": "resume"}, name="resume"),
    path("mercadolibre/connect", connect, name="connect"),
    path("mercadolibre/callback", oauth_callback, name="oauth_callback"),
]
