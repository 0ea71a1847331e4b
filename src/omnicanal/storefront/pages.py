"""The shop's pages: parse, ask the owners' queries, render (mobile first, no JavaScript required)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from omnicanal.storefront.shell import render_shop


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    return render_shop(request, "storefront/home.html")
