"""Lean routes: a signed provider webhook skips the middleware that does nothing for it (issue 23).

A WhatsApp webhook (hundreds a second from Meta) is csrf-exempt, reads no session, no user, no
cookie, renders no page and answers JSON. The full chain (settings.MIDDLEWARE, 19 of them) still
made it open a lazy session and user, parse Accept-Language and activate a language, set up the
reader's time zone, read the CSRF cookie, wrap messages and htmx, resolve its URL again, run every
process_view: about a fifth of the request's Python calls (bench/bench_inbound_cpu.py).

`LeanRouteMiddleware` sits in settings.MIDDLEWARE after the middleware every request needs (request
id, metrics, SecurityMiddleware's HTTPS redirect and headers, the CSP, static files, the body size
limit: what keeps a webhook's security properties). For a path under settings.LEAN_ROUTE_PREFIXES
whose view is marked with `@lean_route`, it resolves the URL once and calls the view through
settings.LEAN_ROUTE_MIDDLEWARE (the throttle's scope, X-Frame-Options) instead of the rest of the
chain; every other request goes on through the full chain unchanged. Only a view that needs none of
the skipped middleware may be marked: it verifies its caller itself (a signature), is csrf-exempt,
never reads request.session, request.user or request.htmx, and answers without a template. The
language is settings.LANGUAGE_CODE (no Accept-Language): what a provider's refusals are written in.

API keys (issue 23's flash sale: every buyer a POST /api/v1/orders). A request under
settings.LEAN_API_PREFIX that carries an API key (`Authorization: Bearer ok_…`, core.auth) and no
session cookie, for a route of the API (URL namespace "api"), goes through settings.LEAN_API_MIDDLEWARE
instead: the reader's language (LocaleMiddleware: problem+json in the client's Accept-Language, with
Content-Language and Vary as before), X-Frame-Options, the throttle's scope and the API's transaction
and idempotency (ApiTransactionMiddleware). What it skips does nothing for such a request: without a
session cookie the user is anonymous (request.user is set to AnonymousUser, as AuthenticationMiddleware
would resolve it) and the key is the credential (core.auth.ApiKeyAuth); ninja's views are csrf-exempt
and a key needs no CSRF token; the API writes no messages, reads no htmx, the console's language and
local time middleware skip /api/ already; the route resolved, so CommonMiddleware would not redirect.
A console session calling the API (its cookie, with or without a header) keeps the full chain, and so
does every other credential (a shopper's `Bearer shp_…`).

Nothing lean runs when a database has ATOMIC_REQUESTS (Django wraps views in a transaction in its
own handler; the full chain does it).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.handlers.exception import convert_exception_to_response
from django.http import HttpRequest, HttpResponse
from django.urls import Resolver404, get_resolver, get_urlconf
from django.utils import translation
from django.utils.module_loading import import_string

from omnicanal.core.auth import KEY_PREFIX

MARK = "omnicanal_lean_route"
API_NAMESPACE = "api"  # web/api.py's urls_namespace
API_KEY_HEADER = f"Bearer {KEY_PREFIX}_"  # `Authorization: Bearer ok_<prefix>_<secret>` (core.auth)


def lean_route(view: Callable) -> Callable:
    """Mark a view the lean chain may answer (the module's docstring says which may be)."""
    setattr(view, MARK, True)
    return view


def is_lean(view: Callable) -> bool:
    return bool(getattr(view, MARK, False))


class LeanRouteMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response
        self.prefixes = tuple(getattr(settings, "LEAN_ROUTE_PREFIXES", ()))
        self.api_prefix = str(getattr(settings, "LEAN_API_PREFIX", ""))
        if any(db.get("ATOMIC_REQUESTS") for db in settings.DATABASES.values()):
            self.prefixes, self.api_prefix = (), ""
        self.session_cookie = settings.SESSION_COOKIE_NAME
        self.language = settings.LANGUAGE_CODE
        self.lean = self._chain(getattr(settings, "LEAN_ROUTE_MIDDLEWARE", ()))
        self.api = self._chain(getattr(settings, "LEAN_API_MIDDLEWARE", ()))

    def _chain(self, paths) -> Callable[[HttpRequest], Any]:
        chain: Callable[[HttpRequest], Any] = convert_exception_to_response(self._view)
        for path in reversed(paths):
            chain = convert_exception_to_response(import_string(path)(chain))
        return chain  # sync: every middleware listed in LEAN_ROUTE_MIDDLEWARE and LEAN_API_MIDDLEWARE is

    def __call__(self, request: HttpRequest) -> HttpResponse:
        path = request.path_info
        if self.prefixes and path.startswith(self.prefixes):
            match = _resolve(path)
            if match is not None and is_lean(match.func):
                request.resolver_match = match
                translation.activate(self.language)
                return self.lean(request)
        elif self.api_prefix and path.startswith(self.api_prefix) and self.keyed(request):
            match = _resolve(path)
            if match is not None and API_NAMESPACE in match.namespaces:
                request.resolver_match = match
                request.user = AnonymousUser()  # no session cookie: what AuthenticationMiddleware gives
                return self.api(request)
        return self.get_response(request)

    def keyed(self, request: HttpRequest) -> bool:
        """An API key and no console session: the one credential is the key (the module's docstring)."""
        return (request.META.get("HTTP_AUTHORIZATION", "").startswith(API_KEY_HEADER)
                and self.session_cookie not in request.COOKIES)

    @staticmethod
    def _view(request: HttpRequest) -> HttpResponse:
        match = request.resolver_match
        assert match is not None  # set by __call__
        response = match.func(request, *match.args, **match.kwargs)
        if response is None:
            raise ValueError(f"The view {match.func.__module__}.{match.func.__name__} didn't return an HttpResponse.")
        if not response.streaming and not response.has_header("Content-Length"):
            response.headers["Content-Length"] = str(len(response.content))  # as CommonMiddleware
        return response


def _resolve(path: str):
    """The route of `path`, None when there is none (the full chain answers the 404)."""
    try:
        return get_resolver(get_urlconf()).resolve(path)
    except Resolver404:
        return None
