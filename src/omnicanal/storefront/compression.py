"""gzip for the shop's browse pages, and only for those whose body holds no secret of the shopper.

BREACH: a page that echoes what the request says (the search box) beside a secret, sent compressed
over TLS, lets whoever can make the victim's browser send requests guess the secret from the sizes.
So only the browse pages (home, categories, category, search, product) are compressed, and only
while no customer is signed in: then the body's only secrets are the CSRF token, which Django masks
afresh in every response, and the CSP nonce, new in every response; a signed-in customer's page
carries their chat identity (an HMAC) and is sent as it is. Account, cart, checkout and tracking
pages are never compressed. Django's gzip also pads each response with random bytes (Heal The
Breach). Static files are compressed ahead of time (web/staticfiles.py).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.http import HttpRequest, HttpResponse
from django.middleware.gzip import GZipMiddleware
from django.utils.cache import patch_vary_headers

_gzip = GZipMiddleware(lambda request: HttpResponse())


def compressed_when_public(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        response = view(request, *args, **kwargs)
        shopper = getattr(request, "shopper", None)  # read by the page's render (storefront.auth)
        patch_vary_headers(response, ("Accept-Encoding",))  # the same URL answers either way
        if not getattr(shopper, "customer_id", ""):
            response = _gzip.process_response(request, response)
        return response

    return wrapped
