"""The shop as a Progressive Web App: the manifest, the service worker and the offline page.

- /manifest.webmanifest: the brand's name and colour (settings.OMNICANAL BRAND_*), the PNG icons
  drawn from the logo by tools/make_pwa_icons.py (192, 512 and a maskable 512), start_url "/",
  display standalone. It is what makes the shop installable ("add to home screen").
- /sw.js: served from the site root so its scope is the whole shop (`Service-Worker-Allowed: /`
  says so explicitly), never cached by the browser's HTTP cache (a new version must be picked up).
  It precaches the shell (CSS, logo, icons, the registration script, /offline/) under a cache
  named after a digest of those URLs (hashed static names change it), answers navigations from
  the network and falls back to /offline/ when there is none; it never stores a page, the API,
  the account, the tracking page or the console: only the shell's static files.
- /offline/: what a navigation shows without a network.

The registration script (static storefront/pwa.js, CSP-safe: no inline code) is included by
storefront/base.html; it also shows an "Install" button when the browser offers it.
"""

from __future__ import annotations

import hashlib
import json

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from omnicanal.storefront.shell import brand, render_shop

ICONS = (("storefront/icons/icon-192.png", "192x192", "any"), ("storefront/icons/icon-512.png", "512x512", "any"),
         ("storefront/icons/maskable-512.png", "512x512", "maskable"))
OFFLINE_PATH = "/offline/"
# Paths the service worker leaves alone entirely (never answered from a cache, never stored).
NEVER_CACHED = ("/api/", "/account/", "/console/", "/track/", "/admin/", "/sign-in/", "/checkout/", "/cart/")
# Inside the worker's scope but not the shop: the worker never answers for them, not even offline.
NOT_THE_SHOP = ("/console/", "/admin/", "/api/")


def shell_urls() -> list[str]:
    """The static files every shop page needs, precached by the service worker."""
    return [static("storefront/shop.css"), static(brand().logo), static("storefront/pwa.js"),
            *(static(path) for path, _size, _purpose in ICONS)]


@require_safe
def manifest(request: HttpRequest) -> HttpResponse:
    shop = brand()
    body = {
        "name": shop.name,
        "short_name": shop.name[:12],
        "description": _("%(name)s: shop online, pick up in store or have it delivered.") % {"name": shop.name},
        "lang": get_language() or "es",
        "id": "/",
        "start_url": "/",
        "scope": "/",
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": shop.color,
        "icons": [{"src": static(path), "sizes": size, "type": "image/png", "purpose": purpose}
                  for path, size, purpose in ICONS],
    }
    response = HttpResponse(json.dumps(body, ensure_ascii=False), content_type="application/manifest+json")
    response["Cache-Control"] = "public, max-age=3600"
    return response


@require_safe
def service_worker(request: HttpRequest) -> HttpResponse:
    shell = [*shell_urls(), OFFLINE_PATH]
    version = hashlib.sha256(json.dumps([shell, brand().color, brand().name]).encode()).hexdigest()[:12]
    response = render(request, "storefront/pwa/sw.js", {
        "version": version, "shell": json.dumps(shell), "offline": json.dumps(OFFLINE_PATH),
        "never": json.dumps(list(NEVER_CACHED)), "foreign": json.dumps(list(NOT_THE_SHOP)), "static_prefix": json.dumps(static("storefront/")),
    }, content_type="text/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = "/"
    response["Cache-Control"] = "no-cache"
    return response


@require_safe
def offline(request: HttpRequest) -> HttpResponse:
    return render_shop(request, "storefront/pwa/offline.html", {"title": _("You are offline")})
