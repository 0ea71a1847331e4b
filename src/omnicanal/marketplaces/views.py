"""The console's marketplace accounts: token status, last sync, errors and what waits."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from django.shortcuts import render
from django.urls import path
from django.utils.translation import gettext_lazy as _

from omnicanal.core.console import staff_required
from omnicanal.marketplaces import queries, roles


@staff_required(*roles.READ)
def accounts(request: HttpRequest):
    return render(request, "marketplaces/accounts.html", {
        "title": _("Marketplaces"), "business_tz": settings.OMNICANAL["TIME_ZONE"], "accounts": queries.accounts(),
    })


urlpatterns = [
    path("accounts/", accounts, name="accounts"),
]
