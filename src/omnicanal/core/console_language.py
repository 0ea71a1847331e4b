"""The console speaks the business's language unless the staff member chose another.

Django's LocaleMiddleware falls back on the browser's Accept-Language, which suits the shop (a
customer's browser says what they read) and the API (a client asks), but not the console: a clerk
on a phone set up in English would meet a Spanish business's words translated away from the signs,
receipts and canned replies around them. So, for console pages only, the language is:

1. the one picked in the console's language menu (Django's set_language cookie);
2. else the staff member's own `language` (core.User: "My preferences" or the admin);
3. else the business's (settings.LANGUAGE_CODE, BUSINESS_LANGUAGE in the environment).

Runs after AuthenticationMiddleware (it reads request.user); LocaleMiddleware still sets the
response's Content-Language from what is active when the response leaves.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation

CONSOLE_PREFIXES = ("/console/", "/admin/")


def _supported(code: str | None) -> str | None:
    if not code:
        return None
    try:
        return translation.get_supported_language_variant(code)
    except LookupError:
        return None


def console_language(request: HttpRequest) -> str:
    """The language a console page is rendered in for this request (the rule above)."""
    chosen = _supported(request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME))
    if chosen:
        return chosen
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        own = _supported(getattr(user, "language", ""))
        if own:
            return own
    return _supported(settings.LANGUAGE_CODE) or settings.LANGUAGE_CODE


class ConsoleLanguageMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info.startswith(CONSOLE_PREFIXES):
            language = console_language(request)
            translation.activate(language)
            request.LANGUAGE_CODE = translation.get_language()
        return self.get_response(request)
