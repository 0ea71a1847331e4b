"""The Content-Security-Policy of every HTML page we serve, with a fresh nonce per request.

Scripts run only from our own static files (`script-src 'self'`) or from a tag carrying the request's
nonce; there are no inline scripts nor inline event handlers in our templates (behaviour lives in
static JS such as web/console.js, wired by data- attributes). `<style>` elements need the nonce too;
`style="…"` attributes are allowed (`style-src-attr 'unsafe-inline'`): they cannot run code nor
select other elements, and keeping them spares rewriting every template. Templates read the nonce as
`{{ csp_nonce }}` (context processor below; django-htmx's `{% htmx_script %}` uses it as well).

A response that already carries a policy (an attachment served sandboxed) keeps its own.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.http import HttpRequest, HttpResponse


def policy(nonce: str, request: HttpRequest) -> str:
    host = request.get_host()
    sockets = f"wss://{host}" if request.is_secure() else f"ws://{host} wss://{host}"
    directives = [
        "default-src 'self'",
        f"script-src 'self' 'nonce-{nonce}'",
        f"style-src 'self' 'nonce-{nonce}'",
        "style-src-attr 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self'",
        f"connect-src 'self' {sockets}",
        "media-src 'self'",
        "object-src 'none'",
        "frame-src 'self'",
        "frame-ancestors 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        *settings.CSP_EXTRA_DIRECTIVES,
    ]
    return "; ".join(directives)


class ContentSecurityPolicyMiddleware:
    """Sets `request.csp_nonce` and the policy header on HTML answers (report-only when configured)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        nonce = secrets.token_urlsafe(18)
        request.csp_nonce = nonce  # type: ignore[attr-defined]  # read by templates (core context processor)
        response = self.get_response(request)
        header = "Content-Security-Policy-Report-Only" if settings.CSP_REPORT_ONLY else "Content-Security-Policy"
        content_type = response.get("Content-Type", "")
        if (content_type.startswith("text/html") and "Content-Security-Policy" not in response
                and header not in response):
            response[header] = policy(nonce, request)
        return response


def csp_nonce(request: HttpRequest) -> dict:
    """Template context: `csp_nonce` for `<script nonce>` / `<style nonce>`."""
    return {"csp_nonce": getattr(request, "csp_nonce", "")}
