"""The storefront's staff-side endpoint under /api/v1 (web.discovery mounts `router`): an app or a
partner front-end with its own sign-in signs a shopper session in as a customer."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from ninja import Router, Schema, Status
from pydantic import Field

from omnicanal.core.auth import require_role
from omnicanal.core.schemas import Out
from omnicanal.storefront import roles, services
from omnicanal.storefront.auth import mark_secret

router = Router(tags=["storefront"])


class TokenOut(Out):
    token: str


class SignInAsIn(Schema):
    token: str | None = Field(default=None, max_length=100)
    channel: str = Field(default="app", pattern="^(web|app)$")


@router.post("/customers/{customer_id}/sessions", response={201: TokenOut},
             summary="Sign a shopper session (or a new one) in as the customer (admin, integration; audited)")
def sign_in_as(request: HttpRequest, response: HttpResponse, customer_id: str, body: SignInAsIn | None = None):
    """Staff side (admin or integration): signs a shopper session (or a new one) in as the customer, exactly as
    a verified sign-in does (the cart merges); for an app or partner front-end with its own sign-in.
    Audited."""
    # customers-pii: the key acts as the customer, who sees their own personal data.
    principal = require_role(request, *roles.SIGN_IN_AS, scope=roles.SIGN_IN_AS_SCOPE)
    mark_secret(response)
    started = services.do_sign_in_as(customer_id=customer_id, token=(body.token if body else None) or "",
                                     channel=body.channel if body else "app", actor=principal)
    return Status(201, {"token": started.token})
