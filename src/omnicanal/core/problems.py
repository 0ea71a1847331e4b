"""Every API error answers RFC 9457 problem+json; installed on the NinjaAPI by the web root."""

from __future__ import annotations

import logging
from decimal import InvalidOperation

from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.db import IntegrityError
from django.http import Http404, HttpRequest
from django.http.multipartparser import MultiPartParserError
from django.http.request import RawPostDataException
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, AuthorizationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from omnicanal.core.errors import (
    Conflict,
    FieldError,
    Forbidden,
    MalformedRequest,
    MethodNotAllowed,
    NotFound,
    PayloadTooLarge,
    Problem,
    ServerError,
    Unauthorized,
    ValidationFailed,
)
from omnicanal.core.middleware import problem_response
from omnicanal.core.money import CurrencyError

log = logging.getLogger(__name__)

_SOURCES = {"body", "query", "path", "header", "cookie", "form", "file"}


def field_name(loc: list | tuple, body_params: set[str] | None = None) -> str:
    """('body', 'payload', 'lines', 0, 'sku') -> 'lines.0.sku'."""
    parts = list(loc)
    if parts and parts[0] in _SOURCES:
        source = parts.pop(0)
        # Ninja nests the body under the handler's parameter name.
        if source in {"body", "form"} and len(parts) > 1 and isinstance(parts[0], str) and (
            body_params is None or parts[0] in body_params
        ):
            parts.pop(0)
    return ".".join(str(p) for p in parts) or "body"


def _message(error: dict) -> str:
    message = error.get("msg", "is invalid")
    return message.removeprefix("Value error, ")


def problem_from_validation(exc: NinjaValidationError) -> Problem:
    errors = []
    for error in exc.errors:
        if error.get("type") == "json_invalid":
            return MalformedRequest(detail="The body is not valid JSON.")
        errors.append(FieldError(field_name(error.get("loc", ())), _message(error)))
    summary = "; ".join(f"{e.field}: {e.message}" for e in errors[:5])
    return ValidationFailed(detail=summary or "The request is invalid.", errors=errors)


def install(api: NinjaAPI) -> None:
    from omnicanal.core import openapi

    openapi.install(api)  # every error answer documented as problem+json

    def respond(request: HttpRequest, problem: Problem):
        return problem_response(problem, request)

    @api.exception_handler(Problem)
    def on_problem(request, exc: Problem):
        return respond(request, exc)

    @api.exception_handler(NinjaValidationError)
    def on_validation(request, exc: NinjaValidationError):
        return respond(request, problem_from_validation(exc))

    @api.exception_handler(AuthenticationError)
    def on_authentication(request, exc):
        response = respond(request, Unauthorized(detail="Send 'Authorization: Bearer <API key>'."))
        response["WWW-Authenticate"] = 'Bearer realm="omnicanal"'
        return response

    @api.exception_handler(AuthorizationError)
    def on_authorization(request, exc):
        return respond(request, Forbidden(detail=str(exc) or "You may not do this."))

    @api.exception_handler(PermissionDenied)
    def on_permission_denied(request, exc):
        return respond(request, Forbidden(detail=str(exc) or "You may not do this."))

    @api.exception_handler(Http404)
    def on_not_found(request, exc):
        return respond(request, NotFound(detail=str(exc) or "Not found."))

    @api.exception_handler(HttpError)
    def on_http_error(request, exc: HttpError):
        if isinstance(exc.__cause__, Problem):  # raised by our body parser (415, 400), wrapped by Ninja
            return respond(request, exc.__cause__)
        problem = {400: MalformedRequest, 401: Unauthorized, 403: Forbidden, 404: NotFound, 405: MethodNotAllowed}.get(
            exc.status_code, Problem
        )(detail=str(exc))
        if type(problem) is Problem:
            problem.status = exc.status_code
        return respond(request, problem)

    # Safety nets: input a schema let through but the data layer refuses is still the caller's
    # mistake (4xx), and the request's transaction is rolled back by the middleware.
    @api.exception_handler(CurrencyError)
    def on_currency(request, exc: CurrencyError):
        return respond(request, ValidationFailed(detail=str(exc), errors=[FieldError("currency", str(exc))]))

    @api.exception_handler(MultiPartParserError)
    def on_multipart(request, exc):
        return respond(request, MalformedRequest(detail=f"The multipart body could not be read: {exc}"))

    @api.exception_handler(RawPostDataException)
    def on_body_read_twice(request, exc):
        return respond(request, MalformedRequest(detail="Send the file as multipart/form-data or JSON, as documented."))

    @api.exception_handler(RequestDataTooBig)
    def on_too_big(request, exc):
        return respond(request, PayloadTooLarge(detail="The request body is too large."))

    @api.exception_handler(RecursionError)
    def on_recursion(request, exc):
        return respond(request, MalformedRequest(detail="The request nests too deeply."))

    @api.exception_handler(InvalidOperation)
    def on_bad_decimal(request, exc):
        return respond(request, ValidationFailed(detail="A number is out of range or not a number."))

    @api.exception_handler(OverflowError)
    def on_overflow(request, exc):
        return respond(request, ValidationFailed(detail="A number is out of range."))

    @api.exception_handler(IntegrityError)
    def on_integrity(request, exc):
        log.warning("integrity error on %s %s: %s", request.method, request.path, exc)
        return respond(request, Conflict(detail="The request breaks a rule of the stored data; nothing was changed."))

    @api.exception_handler(Exception)
    def on_unexpected(request, exc: Exception):
        log.exception("unexpected error on %s %s", request.method, request.path)
        return respond(request, ServerError(detail="An unexpected error occurred; it has been logged."))
