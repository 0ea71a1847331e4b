"""The console's marketplace accounts (token status, last sync, errors and what waits) and the
OAuth round trip that connects a Mercado Libre seller: *Connect* sends the admin to Mercado Libre's
authorization page; its redirect brings a code back here, exchanged for the seller's tokens."""

from __future__ import annotations

import secrets
import urllib.parse

from django.conf import settings
from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _

from omnicanal.core.console import show_problem, staff_required
from omnicanal.core.errors import Problem
from omnicanal.marketplaces import client, queries, roles, services


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


urlpatterns = [
    path("accounts/", accounts, name="accounts"),
    path("mercadolibre/connect", connect, name="connect"),
    path("mercadolibre/callback", oauth_callback, name="oauth_callback"),
]
