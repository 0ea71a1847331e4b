"""Problems: every error a caller can act on, and how it reads as RFC 9457 problem+json.

Domain services raise these; the API turns them into `application/problem+json` answers and the
console into messages. The `type` is a relative URI under /problems/ that documents itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass
class FieldError:
    field: str
    message: str | Promise  # a lazy translation is welcome


@dataclass
class Problem(Exception):
    """Base of every expected failure. Subclasses fix status, slug and title."""

    detail: str = ""
    errors: list[FieldError] = field(default_factory=list)
    extra: dict = field(default_factory=dict)

    status = 400
    slug = "bad-request"
    title = _("Bad request")

    def __str__(self) -> str:
        return f"{self.slug}: {self.detail}"

    @property
    def type(self) -> str:
        return f"/problems/{self.slug}"

    def as_dict(self, instance: str | None = None) -> dict:
        body: dict = {"type": self.type, "title": str(self.title), "status": self.status, "detail": str(self.detail)}
        if instance:
            body["instance"] = instance
        if self.errors:
            body["errors"] = [{"field": e.field, "message": str(e.message)} for e in self.errors]
        body.update(self.extra)
        return body


class ValidationFailed(Problem):
    status = 422
    slug = "validation"
    title = _("The request has invalid fields")

    @classmethod
    def on(cls, field_name: str, message: str | Promise) -> ValidationFailed:
        return cls(detail=str(message), errors=[FieldError(field_name, message)])


class MalformedRequest(Problem):
    status = 400
    slug = "malformed"
    title = _("The request could not be read")


class PayloadTooLarge(Problem):
    status = 413
    slug = "payload-too-large"
    title = _("The request body is too large")


class UnsupportedMediaType(Problem):
    status = 415
    slug = "unsupported-media-type"
    title = _("The body's media type is not accepted here")


class Unauthorized(Problem):
    status = 401
    slug = "unauthorized"
    title = _("Authentication is required")


class Forbidden(Problem):
    status = 403
    slug = "forbidden"
    title = _("You may not do this")


class CsrfFailed(Forbidden):
    slug = "csrf-failed"
    title = _("The request's cross-site check failed")


class NotFound(Problem):
    status = 404
    slug = "not-found"
    title = _("Not found")


class MethodNotAllowed(Problem):
    status = 405
    slug = "method-not-allowed"
    title = _("Method not allowed")


class Conflict(Problem):
    status = 409
    slug = "conflict"
    title = _("The request conflicts with the current state")


class InsufficientStock(Conflict):
    slug = "insufficient-stock"
    title = _("Not enough stock")


class CouponExhausted(Conflict):
    slug = "coupon-exhausted"
    title = _("The coupon cannot be used any more")


class InsufficientBalance(Conflict):
    slug = "insufficient-balance"
    title = _("The balance is not enough")


class InvalidTransition(Conflict):
    slug = "invalid-transition"
    title = _("That step is not possible now")


class PaymentDue(Conflict):
    """Goods may not leave (ship, handover) while the order is not paid; `amount_due` says how much."""

    slug = "payment-due"
    title = _("The order is not paid yet")


class RequestInProgress(Conflict):
    slug = "request-in-progress"
    title = _("The same request is still being processed; retry shortly")


class IdempotencyConflict(Problem):
    status = 422
    slug = "idempotency-conflict"
    title = _("This Idempotency-Key was used with another request")


@dataclass
class TooManyRequests(Problem):
    """A throttle refused: too many attempts of one kind from one subject (core.throttle)."""

    retry_after: int = 1  # seconds, sent as the Retry-After header

    status = 429
    slug = "too-many-requests"
    title = _("Too many attempts")


class ServerError(Problem):
    status = 500
    slug = "server-error"
    title = _("Something went wrong on our side")


PROBLEM_CLASSES: list[type[Problem]] = [
    ValidationFailed,
    MalformedRequest,
    PayloadTooLarge,
    UnsupportedMediaType,
    Unauthorized,
    Forbidden,
    CsrfFailed,
    NotFound,
    MethodNotAllowed,
    Conflict,
    InsufficientStock,
    CouponExhausted,
    InsufficientBalance,
    InvalidTransition,
    PaymentDue,
    RequestInProgress,
    IdempotencyConflict,
    TooManyRequests,
    ServerError,
]


# Files (core.uploads): refused by their content, or too large for the channel.
class FileTypeRefused(ValidationFailed):
    slug = "file-type-refused"
    title = _("Files of this kind are not accepted")

    @classmethod
    def on(cls, field_name: str, message: str | Promise, **extra) -> FileTypeRefused:
        return cls(detail=str(message), errors=[FieldError(field_name, message)], extra=extra)


class FileTooLarge(Problem):
    status = 413
    slug = "file-too-large"
    title = _("The file is too large")

    @classmethod
    def on(cls, field_name: str, message: str | Promise, **extra) -> FileTooLarge:
        return cls(detail=str(message), errors=[FieldError(field_name, message)], extra=extra)


PROBLEM_CLASSES += [FileTypeRefused, FileTooLarge]
