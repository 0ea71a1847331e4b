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

Nothing lean runs when a database has ATOMIC_REQUESTS (Django wraps views in a transaction in its
own handler; the full chain does it).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.handlers.exception import convert_exception_to_response
from django.http import HttpRequest, HttpResponse
from django.urls import Resolver404, get_resolver, get_urlconf
from django.utils import translation
from django.utils.module_loading import import_string

MARK = "omnicanal_lean_route"


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
        if any(db.get("ATOMIC_REQUESTS") for db in settings.DATABASES.values()):
            self.prefixes = ()
        self.language = settings.LANGUAGE_CODE
        chain: Callable[[HttpRequest], Any] = convert_exception_to_response(self._view)
        for path in reversed(getattr(settings, "LEAN_ROUTE_MIDDLEWARE", ())):
            chain = convert_exception_to_response(import_string(path)(chain))
        self.lean = chain

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if self.prefixes and request.path_info.startswith(self.prefixes):
            try:
                match = get_resolver(get_urlconf()).resolve(request.path_info)
            except Resolver404:
                return self.get_response(request)
            if is_lean(match.func):
                request.resolver_match = match
                translation.activate(self.language)
                return self.lean(request)  # sync: every middleware in LEAN_ROUTE_MIDDLEWARE is
        return self.get_response(request)

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
