"""Limits on what a request may bring in, checked at the edge before anything reads the body.

- **Size**: a body larger than its path's limit answers 413 before it is read (settings
  `API_MAX_BODY_BYTES` for /api/, `WEBHOOK_MAX_BODY_BYTES` for /webhooks/, `UPLOAD_MAX_BODY_BYTES`
  for any multipart body, `MAX_BODY_BYTES` elsewhere: console forms, web chat). The Content-Length decides:
  Django reads no more than it announces.
- **Media type**: an API write that carries a body sends `application/json` (or `+json`), or
  `multipart/form-data` where the endpoint takes files; anything else answers 415. A JSON endpoint
  refuses multipart too (`JsonParser`).
- **NUL**: PostgreSQL stores no text holding U+0000: an API path, query parameter or JSON text with
  one answers 422 on that field.
- **JSON**: `loads()` is the one JSON reader of request bodies (the API and every webhook): it
  refuses nesting deeper than `MAX_JSON_DEPTH` before the recursive parser sees it, NaN and
  Infinity, and a body that is not UTF-8.

The API answers problem+json; other paths (webhooks, web chat) answer `{"error": slug, "detail"}`.
"""

from __future__ import annotations

import json
import re
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from ninja.parser import Parser

from omnicanal.core.errors import (
    MalformedRequest,
    PayloadTooLarge,
    Problem,
    UnsupportedMediaType,
    ValidationFailed,
)

MAX_JSON_DEPTH = 64
BODY_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
JSON_TYPES = {"application/json"}

_STRINGS = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.S)
_NOT_BRACKETS = re.compile(rb"[^\[\]{}]+")
_OPEN = {ord("["), ord("{")}


class UnreadableJson(ValueError):
    """The body is not JSON we read: malformed, too deep, NaN/Infinity, or not UTF-8."""


def is_json(content_type: str | None) -> bool:
    main = (content_type or "").split(";")[0].strip().lower()
    return main in JSON_TYPES or (main.startswith("application/") and main.endswith("+json"))


def too_deep(body: bytes, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether the brackets outside strings nest deeper than `limit` (a linear scan, no recursion)."""
    brackets = _NOT_BRACKETS.sub(b"", _STRINGS.sub(b"", body))
    depth = 0
    for byte in brackets:
        if byte in _OPEN:
            depth += 1
            if depth > limit:
                return True
        else:
            depth -= 1
    return False


def _no_constant(name: str):
    raise UnreadableJson(f"{name} is not a number JSON allows")


def loads(body: bytes | str, *, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """json.loads for untrusted bodies; raises UnreadableJson (a ValueError) for what it refuses."""
    raw = body.encode() if isinstance(body, str) else bytes(body)
    if too_deep(raw, max_depth):
        raise UnreadableJson(f"the JSON nests deeper than {max_depth} levels")
    try:
        return json.loads(raw.decode("utf-8"), parse_constant=_no_constant)
    except UnicodeDecodeError as exc:
        raise UnreadableJson("the body is not UTF-8") from exc
    except RecursionError as exc:  # belt and braces: the scan above should have caught it
        raise UnreadableJson(f"the JSON nests deeper than {max_depth} levels") from exc
    except UnreadableJson:
        raise
    except ValueError as exc:
        raise UnreadableJson(f"the body is not valid JSON ({exc})") from exc


def nul_at(value: Any, path: str = "") -> str | None:
    """The field path ("lines.0.sku"; "body" for the top) of the first text holding a NUL character,
    which PostgreSQL cannot store, or None."""
    if isinstance(value, str):
        return (path or "body") if "\x00" in value else None
    if isinstance(value, dict):
        for key, item in value.items():
            if "\x00" in key:
                return path or "body"
            if (found := nul_at(item, f"{path}.{key}" if path else key)) is not None:
                return found
    if isinstance(value, list):
        for index, item in enumerate(value):
            if (found := nul_at(item, f"{path}.{index}" if path else str(index))) is not None:
                return found
    return None


def _nul_refused(field: str) -> ValidationFailed:
    return ValidationFailed.on(field, _("must not contain the NUL character (U+0000)"))


class JsonParser(Parser):
    """The NinjaAPI's body parser: JSON bodies only, read with `loads()`; a text holding NUL is a
    422 on its field (JSON escapes it as \\u0000: the walk runs only when that appears)."""

    def parse_body(self, request: HttpRequest):
        if not is_json(request.content_type):
            raise UnsupportedMediaType(detail=_("Send the body as application/json."))
        try:
            data = loads(request.body)
        except UnreadableJson as exc:
            raise MalformedRequest(detail=_("The body could not be read: %(reason)s.") % {"reason": exc}) from exc
        if b"\\u0000" in request.body and (field := nul_at(data)) is not None:
            raise _nul_refused(field)
        return data


_MULTIPART_OVERHEAD = 64 * 1024  # boundaries, headers and the text beside the file


def body_limit(request: HttpRequest) -> int:
    if request.path.startswith("/webchat/"):
        # Anonymous visitors: refused by Content-Length before the file is taken in, not after.
        return settings.UPLOAD_MAX_BYTES["webchat"] + _MULTIPART_OVERHEAD
    if (request.content_type or "").lower() == "multipart/form-data":
        return settings.UPLOAD_MAX_BODY_BYTES
    if request.path.startswith("/api/"):
        return settings.API_MAX_BODY_BYTES
    if request.path.startswith("/webhooks/"):
        return settings.WEBHOOK_MAX_BODY_BYTES
    return settings.MAX_BODY_BYTES


def refusal(problem: Problem, request: HttpRequest) -> HttpResponse:
    """problem+json under /api/; the webhooks' own `{"error", "detail"}` shape elsewhere."""
    if request.path.startswith("/api/"):
        from omnicanal.core.middleware import problem_response

        return problem_response(problem, request)
    return JsonResponse({"error": problem.slug, "detail": str(problem.detail)}, status=problem.status)


def _nul_in_query(request: HttpRequest) -> Problem | None:
    if "\x00" in request.path:
        return _nul_refused("path")
    for key, values in request.GET.lists():
        if "\x00" in key or any("\x00" in value for value in values):
            return _nul_refused(key.replace("\x00", "") or "query")
    return None


def check_request(request: HttpRequest) -> Problem | None:
    if request.path.startswith("/api/") and (problem := _nul_in_query(request)) is not None:
        return problem
    if request.method not in BODY_METHODS:
        return None
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return MalformedRequest(detail=_("The Content-Length header is not a number."))
    limit = body_limit(request)
    if length > limit:
        return PayloadTooLarge(detail=_("The body is %(length)s bytes; at most %(limit)s are accepted here.")
                               % {"length": length, "limit": limit},
                               extra={"limit": limit})
    if length and request.path.startswith("/api/"):
        content_type = (request.content_type or "").lower()
        if not is_json(content_type) and content_type != "multipart/form-data":
            return UnsupportedMediaType(
                detail=_("Send the body as application/json (multipart/form-data where an endpoint takes files)."))
    return None


class RequestLimitsMiddleware:
    """Refuses too large bodies (413), non-JSON API bodies (415) and an API path or query holding NUL
    (422) before anything reads them."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        problem = check_request(request)
        if problem is not None:
            return refusal(problem, request)
        return self.get_response(request)
