"""Store API: sessions, cart, checkout, orders, returns and loyalty (mounted by store_api).

Handlers parse, call one storefront service or an owner's query, answer. Every write is one
transaction and a creating POST may carry an Idempotency-Key (core.middleware, under /api/).
Customer-only endpoints answer an anonymous session 401; another customer's order 404.
"""

from __future__ import annotations

from typing import Literal

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status
from pydantic import Field

from omnicanal.core import throttle
from omnicanal.core.errors import (
    CouponExhausted,
    InsufficientBalance,
    InsufficientStock,
    Problem,
    TooManyRequests,
)
from omnicanal.core.openapi import errors
from omnicanal.core.schemas import AddressIn, MoneyIn, MoneyOut, Out, Quantity, Timestamp
from omnicanal.loyalty import qr as loyalty_qr
from omnicanal.loyalty import queries as loyalty_queries
from omnicanal.orders import queries as orders_queries
from omnicanal.orders import services as orders
from omnicanal.orders.schemas import CartLineOut, CartTotalsOut, FulfillmentOut, OrderOut, ReturnOut
from omnicanal.storefront import checkout_payments, services
from omnicanal.storefront.auth import mark_secret, shopper_auth
from omnicanal.storefront.queries import Shopper

router = Router(tags=["store"])


def _shopper(request: HttpRequest) -> Shopper:
    return request.shopper  # type: ignore[attr-defined]  # set by ShopperAuth


class SessionIn(Schema):
    channel: Literal["web", "app"] = "web"


class TokenOut(Schema):
    token: str


class ContactIn(Schema):
    email: str | None = Field(default=None, max_length=254)
    phone: str | None = Field(default=None, max_length=32)


class VerifyIn(ContactIn):
    code: str = Field(min_length=1, max_length=12)


class CartLineIn(Schema):
    sku: str = Field(min_length=1, max_length=64)
    quantity: Quantity = Field(ge=0, le=999)


class DeliveryIn(Schema):
    # No carry_out: that is a sale at the counter, never the shopper's own.
    method: Literal["ship", "pickup", "curbside", "pickup_point"]
    location: str | None = Field(default=None, max_length=32)
    address: AddressIn | None = None


class PaymentIn(Schema):
    method: Literal["card", "stored_value", "points", "gift_card", "store_credit", "wallet"]
    amount: MoneyIn | None = None
    gift_card_code: str | None = Field(default=None, max_length=40)
    pin: str | None = Field(default=None, max_length=20)
    up_to: bool = Field(default=False, description=(
        "At most `amount` (none: as much as the points, store credit or gift card cover), less when less "
        "is left of the total, skipped when nothing is; on a card without amount: the rest, if any"))


class CheckoutIn(Schema):
    delivery: DeliveryIn
    coupon: str | None = Field(default=None, max_length=40)
    payments: list[PaymentIn] | None = Field(default=None, max_length=10)


class ArrivedIn(Schema):
    spot: str | None = Field(default=None, max_length=40)


class ReturnLineIn(Schema):
    sku: str = Field(min_length=1, max_length=64)
    quantity: Quantity = Field(ge=1, le=999)
    reason: str = Field(min_length=1, max_length=60)


class ReturnIn(Schema):
    order_id: str = Field(min_length=1, max_length=32)
    lines: list[ReturnLineIn] = Field(min_length=1, max_length=100)
    method: Literal["store", "mail"]
    location: str | None = Field(default=None, max_length=32)


class DetailOut(Out):
    detail: str


class SignedInOut(Out):
    customer_id: str


class RevokedOut(Out):
    revoked: int


class StoreCartOut(Out):
    """orders' cart (CartOut); before the first line there is no cart yet: id, totals and
    updated_at are null."""

    id: str | None
    customer_id: str | None
    channel: str
    status: str
    lines: list[CartLineOut]
    totals: CartTotalsOut | None
    updated_at: Timestamp | None


class StoreOrderOut(OrderOut):
    tracking_url: str = ""


class LoyaltyOut(Out):
    points: int
    tier: str | None
    stored_value: MoneyOut
    card_qr_url: str
    card_expires_at: Timestamp


# --- sessions ------------------------------------------------------------------------------------


@router.post("/sessions", response={201: TokenOut}, summary="A new anonymous session for this device")
def start_session(request: HttpRequest, response: HttpResponse, body: SessionIn | None = None):
    """A new anonymous session for this device (`web` or `app`); its token goes in `Authorization: Bearer`.
    """
    mark_secret(response)
    started = services.do_start_session(channel=body.channel if body else "web")
    return Status(201, {"token": started.token})


@router.post("/sessions/code", response={202: DetailOut}, auth=shopper_auth,
             summary="Send a one-time code to an email or phone (same answer whether or not it is known)")
def request_code(request: HttpRequest, body: ContactIn):
    """Sends a one-time sign-in code to an email or phone; the answer is the same whether or not the address is
    known."""
    services.do_request_code(session_id=_shopper(request).session_id, email=body.email or "",
                             phone=body.phone or "", client_address=throttle.client_address(request))
    return Status(202, {"detail": _("If the address can receive messages, a code is on its way.")})


@router.post("/sessions/verify", response={200: SignedInOut, **errors(TooManyRequests)}, auth=shopper_auth,
             summary="The code signs this session in; its cart merges into the customer's one cart")
def verify_code(request: HttpRequest, body: VerifyIn):
    """A correct one-time code signs this session in as the customer, and the session's cart merges into the
    customer's one cart. A wrong code is 422; after 5 wrong codes for an address, 429."""
    customer_id = services.do_verify_code(session_id=_shopper(request).session_id, code=body.code,
                                          email=body.email or "", phone=body.phone or "")
    return {"customer_id": customer_id}


@router.delete("/sessions", response={204: None}, auth=shopper_auth, summary="Sign this device out")
def sign_out(request: HttpRequest):
    """Signs this device's session out."""
    services.do_sign_out(session_id=_shopper(request).session_id)
    return Status(204, None)


@router.post("/sessions/revoke-all", response=RevokedOut, auth=shopper_auth,
             summary="Sign out everywhere: every session of the customer ends")
def sign_out_everywhere(request: HttpRequest):
    """Signs the customer out everywhere: every session of theirs ends."""
    return {"revoked": services.do_sign_out_everywhere(session_id=_shopper(request).session_id)}


# --- cart and checkout ---------------------------------------------------------------------------


def _cart(cart_id: str, channel: str) -> dict:
    if not cart_id:
        return {"id": None, "customer_id": None, "channel": channel, "status": "active", "lines": [],
                "totals": None, "updated_at": None}
    return orders_queries.cart_dict(orders_queries.get_cart(cart_id))


@router.get("/cart", response=StoreCartOut, auth=shopper_auth, summary="The shopper's one cart (lines, availability, totals)")
def get_cart(request: HttpRequest):
    """The shopper's one cart (the customer's, whichever device last touched it): lines, availability and
    totals."""
    shopper = _shopper(request)
    return _cart(shopper.cart_id, shopper.channel)


@router.put("/cart/lines", response=StoreCartOut, auth=shopper_auth, summary="Set a line's quantity (0 removes it)")
def put_cart_line(request: HttpRequest, body: CartLineIn):
    """Sets a line's quantity in the shopper's cart (0 removes it); the answer is the cart."""
    shopper = _shopper(request)
    cart_id = services.do_set_cart_line(shopper=shopper, sku=body.sku, quantity=body.quantity)
    return _cart(cart_id, shopper.channel)


@router.post("/checkout", response={201: OrderOut, **errors(InsufficientStock, CouponExhausted, InsufficientBalance)},
             exclude_unset=True, auth=shopper_auth,
             summary="Place the cart as an order (as GET /api/v1/orders/{id} shows it)")
def checkout(request: HttpRequest, body: CheckoutIn):
    """Places the shopper's cart as an order with a delivery method, an optional coupon and payments; the
    answer is the order as `GET /api/v1/orders/{id}` shows it. Send an `Idempotency-Key`."""
    shopper = services.require_customer(_shopper(request))
    payments = checkout_payments.check_api_payments(
        [orders.PaymentIn(method=p.method, amount=p.amount.money() if p.amount else None,
                          gift_card_code=p.gift_card_code or "", pin=p.pin or "", up_to=p.up_to)
         for p in body.payments or []], shopper.customer_id)
    try:
        order = services.do_checkout(shopper=shopper, delivery=body.delivery.dict(), coupon=body.coupon or "",
                                     payments=payments or None)
    except Problem as problem:
        raise checkout_payments.api_balance_problem(problem, payments) from None
    return Status(201, orders_queries.order_dict(order, full=False))


# --- orders, returns, loyalty --------------------------------------------------------------------


@router.get("/orders", response=list[OrderOut], exclude_unset=True, auth=shopper_auth, summary="The signed-in customer's orders, newest first")
def list_orders(request: HttpRequest, limit: int = 20):
    """The signed-in customer's orders, newest first."""
    shopper = services.require_customer(_shopper(request))
    found = orders_queries.customer_orders(shopper.customer_id, limit=max(1, min(limit, 100)))
    return [orders_queries.order_dict(o, full=False) for o in found]


@router.get("/orders/{order_id}", response=StoreOrderOut, exclude_unset=True, auth=shopper_auth, summary="One of the customer's orders (else 404)")
def get_order(request: HttpRequest, order_id: str):
    """One of the signed-in customer's orders; anyone else's answers 404."""
    order = services.own_order(_shopper(request), order_id)
    return {**orders_queries.order_dict(order), "tracking_url": orders_queries.tracking_url(order.public_id)}


@router.post("/orders/{order_id}/arrived", response=FulfillmentOut, exclude_unset=True, auth=shopper_auth,
             summary="Curbside: I'm here (the fulfilment, now arrived)")
def arrived(request: HttpRequest, order_id: str, body: ArrivedIn | None = None):
    """Curbside: the customer says they are at the store (optionally their parking spot); the fulfilment
    becomes `arrived` and the staff are told."""
    f = services.do_arrived(shopper=_shopper(request), order_id=order_id, spot=(body.spot if body else None) or "")
    return orders_queries.fulfillment_dict(f, {s: q for s, q in orders_queries.fulfillment_skus([f]).get(f.pk, [])})


@router.post("/returns", response={201: ReturnOut}, exclude_unset=True, auth=shopper_auth,
             summary="Return lines of the customer's order at a store or by mail")
def create_return(request: HttpRequest, body: ReturnIn):
    """Returns lines of the signed-in customer's order, at a store or by mail (a prepaid label)."""
    ret = services.do_request_return(shopper=_shopper(request), order_id=body.order_id,
                                     lines=[line.dict() for line in body.lines], method=body.method,
                                     location=body.location or "")
    return Status(201, orders_queries.return_dict(ret, request))


@router.get("/loyalty", response=LoyaltyOut, auth=shopper_auth, summary="Points, tier, stored value and the QR card")
def loyalty(request: HttpRequest):
    """The signed-in customer's points, tier, stored value and the address of their loyalty QR card."""
    shopper = services.require_customer(_shopper(request))
    summary = loyalty_queries.summary(shopper.customer_id)
    token, expires_at = loyalty_qr.make_token(shopper.customer_id)
    return {
        "points": summary.points,
        "tier": summary.tier.name if summary.tier else None,
        "stored_value": summary.stored_value.as_dict(),
        "card_qr_url": request.build_absolute_uri(reverse("store_api:loyalty_card") + f"?token={token}"),
        "card_expires_at": expires_at.isoformat(),
    }


@router.get("/loyalty/card", url_name="loyalty_card", auth=None,
            summary="The signed loyalty QR card (SVG, or the token as text without the QR package)")
def loyalty_card(request: HttpRequest, token: str):
    """The signed loyalty QR card as SVG (or the token as text when the QR package is not installed)."""
    from django.http import HttpResponse

    loyalty_qr.read_token(token)  # expired or forged: 422
    svg = loyalty_qr.qr_svg(token)
    if svg is None:
        return HttpResponse(token, content_type="text/plain; charset=utf-8")
    return HttpResponse(svg, content_type="image/svg+xml")

