"""Every API error answers RFC 9457 problem+json; installed on the NinjaAPI by the web root."""

from __future__ import annotations

import logging
from decimal import InvalidOperation

from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.db import DataError, IntegrityError
from django.http import Http404, HttpRequest
from django.http.multipartparser import MultiPartParserError
from django.http.request import RawPostDataException
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
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


# Pydantic's messages are English only: each error type it raises on our schemas, in the reader's
# language (LocaleMiddleware: the language the user chose, else Accept-Language). Parameters come
# from the error's `ctx`. A type not named here keeps pydantic's own text.
_WHOLE = _("must be a whole number")
_NUMBER = _("must be a number")
_OBJECT = _("must be an object")
_DATE = _("must be a date (YYYY-MM-DD)")
_DATETIME = _("must be a date and time (ISO 8601, with its offset)")
_CHOICE = _("must be one of: %(expected)s")
_TRUE_FALSE = _("must be true or false")
_URL = _("must be a URL")
_UUID = _("must be a UUID")
_REQUIRED = _("is required")
PYDANTIC_MESSAGES: dict[str, Promise] = {
    "missing": _REQUIRED, "missing_argument": _REQUIRED,
    "extra_forbidden": _("is not a field of this request"),
    "string_type": _("must be text"),
    "string_too_short": _("must have at least %(min_length)s characters"),
    "string_too_long": _("must have at most %(max_length)s characters"),
    "string_pattern_mismatch": _("does not have the expected form"),
    "int_type": _WHOLE, "int_parsing": _WHOLE, "int_from_float": _WHOLE,
    "float_type": _NUMBER, "float_parsing": _NUMBER, "decimal_type": _NUMBER, "decimal_parsing": _NUMBER,
    "finite_number": _("must be a finite number"),
    "decimal_max_digits": _("has more than %(max_digits)s digits"),
    "decimal_max_places": _("has more than %(decimal_places)s decimal places"),
    "decimal_whole_digits": _("has too many digits before the decimal point"),
    "bool_type": _TRUE_FALSE, "bool_parsing": _TRUE_FALSE,
    "greater_than": _("must be greater than %(gt)s"),
    "greater_than_equal": _("must be at least %(ge)s"),
    "less_than": _("must be less than %(lt)s"),
    "less_than_equal": _("must be at most %(le)s"),
    "literal_error": _CHOICE, "enum": _CHOICE,
    "too_short": _("must have at least %(min_length)s items"),
    "too_long": _("must have at most %(max_length)s items"),
    "list_type": _("must be a list"),
    "dict_type": _OBJECT, "model_type": _OBJECT, "model_attributes_type": _OBJECT,
    "date_type": _DATE, "date_parsing": _DATE, "date_from_datetime_parsing": _DATE,
    "datetime_type": _DATETIME, "datetime_parsing": _DATETIME, "datetime_from_date_parsing": _DATETIME,
    "timezone_aware": _DATETIME,
    "url_type": _URL, "url_parsing": _URL, "url_scheme": _("must be an http or https URL"),
    "uuid_type": _UUID, "uuid_parsing": _UUID,
}


def _message(error: dict) -> str:
    """The field error's message in the reader's language."""
    known = PYDANTIC_MESSAGES.get(error.get("type", ""))
    if known is not None:
        params = {k: str(v) for k, v in (error.get("ctx") or {}).items()}
        if "expected" in params:  # "'ship', 'pickup' or 'curbside'": pydantic's English "or"
            params["expected"] = params["expected"].replace(" or ", ", ")
        try:
            return str(known) % params if "%(" in str(known) else str(known)
        except (KeyError, ValueError):
            pass
    message = error.get("msg") or str(_("is invalid"))
    return message.removeprefix("Value error, ").removeprefix("Assertion failed, ")


def problem_from_validation(exc: NinjaValidationError) -> Problem:
    errors = []
    for error in exc.errors:
        if error.get("type") == "json_invalid":
            return MalformedRequest(detail=str(_("The body is not valid JSON.")))
        errors.append(FieldError(field_name(error.get("loc", ())), _message(error)))
    summary = "; ".join(f"{e.field}: {e.message}" for e in errors[:5])
    return ValidationFailed(detail=summary or str(_("The request is invalid.")), errors=errors)


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
        response = respond(request, Unauthorized(detail=str(_("Send 'Authorization: Bearer <API key>'."))))
        response["WWW-Authenticate"] = 'Bearer realm="omnicanal"'
        return response

    @api.exception_handler(AuthorizationError)
    def on_authorization(request, exc):
        return respond(request, Forbidden(detail=str(exc) or str(_("You may not do this."))))

    @api.exception_handler(PermissionDenied)
    def on_permission_denied(request, exc):
        return respond(request, Forbidden(detail=str(exc) or str(_("You may not do this."))))

    @api.exception_handler(Http404)
    def on_not_found(request, exc):
        return respond(request, NotFound(detail=str(exc) or str(_("Not found."))))

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
        return respond(request, MalformedRequest(detail=str(_("The multipart body could not be read: %(reason)s")) % {"reason": exc}))

    @api.exception_handler(RawPostDataException)
    def on_body_read_twice(request, exc):
        return respond(request, MalformedRequest(detail=str(_("Send the file as multipart/form-data or JSON, as documented."))))

    @api.exception_handler(RequestDataTooBig)
    def on_too_big(request, exc):
        return respond(request, PayloadTooLarge(detail=str(_("The request body is too large."))))

    @api.exception_handler(RecursionError)
    def on_recursion(request, exc):
        return respond(request, MalformedRequest(detail=str(_("The request nests too deeply."))))

    @api.exception_handler(InvalidOperation)
    def on_bad_decimal(request, exc):
        return respond(request, ValidationFailed(detail=str(_("A number is out of range or not a number."))))

    @api.exception_handler(OverflowError)
    def on_overflow(request, exc):
        return respond(request, ValidationFailed(detail=str(_("A number is out of range."))))

    @api.exception_handler(DataError)
    def on_data_error(request, exc):
        # PostgreSQL refuses what Python let through: a zone offset beyond ±15:59, a date before year 1
        # in a zone, a number past its column. The caller's value, not our fault.
        log.warning("data error on %s %s: %s", request.method, request.path, exc)
        return respond(request, ValidationFailed(detail=str(_("A value is out of the range that can be stored "
                                                              "(a date, its time zone offset or a number)."))))

    @api.exception_handler(IntegrityError)
    def on_integrity(request, exc):
        log.warning("integrity error on %s %s: %s", request.method, request.path, exc)
        return respond(request, Conflict(detail=str(_("The request breaks a rule of the stored data; nothing was changed."))))

    @api.exception_handler(Exception)
    def on_unexpected(request, exc: Exception):
        log.exception("unexpected error on %s %s", request.method, request.path)
        return respond(request, ServerError(detail=str(_("An unexpected error occurred; it has been logged."))))
