"""The order book's HTTP API (/api/v1), per API.md "Carts and orders". Handlers parse, check the
role (and a clerk's locations), call one service and answer; the middleware makes each write one
transaction and handles Idempotency-Key."""

from __future__ import annotations

from typing import Literal

from django.http import HttpRequest
from ninja import Router, Schema, Status
from pydantic import ConfigDict, Field

from omnicanal.core.auth import Principal, require_location
from omnicanal.core.auth import require_role as _require_role
from omnicanal.core.errors import (
    CouponExhausted,
    InsufficientBalance,
    InsufficientStock,
    InvalidTransition,
    NotFound,
    PaymentDue,
    ValidationFailed,
)
from omnicanal.core.money import Money
from omnicanal.core.openapi import errors
from omnicanal.core.schemas import AddressIn, InputSchema, MoneyIn, Quantity, answer
from omnicanal.customers import queries as customers
from omnicanal.loyalty import presence as loyalty_presence
from omnicanal.orders import pickup, queries, roles, services, visibility
from omnicanal.orders.models import CancelCause, Order
from omnicanal.orders.schemas import (
    CartOut,
    CheckoutOut,
    DisputeOut,
    FulfillmentOut,
    OrderOut,
    PaymentOut,
    PickupCodeOut,
    ReturnOut,
    ShortPickOut,
)

router = Router(tags=["orders"])

SELLERS, READERS, FLOOR = roles.SELLERS, roles.READERS, roles.FLOOR
SCOPE = "orders"  # what an integration key needs for anything here (core.auth scopes)


def require_role(request, *roles: str) -> Principal:
    return _require_role(request, *roles, scope=SCOPE)


class CartIn(Schema):
    channel: str = Field(min_length=1, max_length=30)
    customer_id: str | None = Field(default=None, max_length=32)
    device_id: str | None = Field(default=None, max_length=120)


class CartLineIn(Schema):
    sku: str = Field(min_length=1, max_length=64)
    quantity: Quantity = Field(ge=0, le=999)
    channel: str | None = Field(default=None, max_length=30)


class CartCustomerIn(Schema):
    customer_id: str = Field(min_length=1, max_length=32)


class LineIn(InputSchema):
    sku: str = Field(min_length=1, max_length=64)
    quantity: Quantity = Field(ge=1, le=999)


class DeliveryAddressIn(AddressIn):
    lat: float | None = Field(default=None, ge=-90, le=90)
    lon: float | None = Field(default=None, ge=-180, le=180)


class DeliveryIn(InputSchema):
    method: Literal["ship", "pickup", "curbside", "pickup_point", "carry_out"]
    location: str | None = Field(default=None, max_length=32)
    address: DeliveryAddressIn | None = None


class PaymentIn(InputSchema):
    method: Literal["card", "cash", "stored_value", "points", "gift_card", "store_credit", "wallet"]
    amount: MoneyIn | None = None
    gift_card_code: str | None = Field(default=None, max_length=40)
    pin: str | None = Field(default=None, max_length=20)
    up_to: bool = Field(default=False, description=(
        "Pay at most `amount`, less when less is left (cash received at the till: the rest is change); "
        "dropped when nothing is left"))


class PresenceIn(InputSchema):
    """Proof the customer is here, needed to pay with their points, store credit or wallet."""

    qr: str = Field(min_length=10, max_length=200, description="The customer's loyalty QR token, as scanned")


class OrderIn(InputSchema):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"channel": "web", "customer_id": "cus_8f3k2m9q1x7z",
         "lines": [{"sku": "ZAP-TRAIL-38", "quantity": 1}, {"sku": "MOCH-30L-NEG", "quantity": 1}],
         "delivery": {"method": "pickup", "location": "SCL-CENTRO"}, "coupon": "BIENVENIDA10",
         "payments": [{"method": "points", "amount": {"amount": "5000", "currency": "CLP"}}, {"method": "card"}]},
        {"channel": "app", "customer_id": "cus_8f3k2m9q1x7z", "lines": [{"sku": "PARKA-PRO-M-VER", "quantity": 1}],
         "delivery": {"method": "ship", "address": {"line1": "Av. Providencia 1234, depto 56", "city": "Santiago",
                                                    "region": "RM", "country": "CL"}},
         "payments": [{"method": "card"}]},
    ]})

    channel: str = Field(min_length=1, max_length=30)
    customer_id: str | None = Field(default=None, max_length=32)
    cart_id: str | None = Field(default=None, max_length=32)
    lines: list[LineIn] | None = Field(default=None, max_length=100)
    delivery: DeliveryIn
    coupon: str | None = Field(default=None, max_length=40)
    payments: list[PaymentIn] | None = Field(default=None, max_length=10)
    contact: dict[str, str] | None = None
    presence: PresenceIn | None = None


def _presence(body) -> loyalty_presence.Presence | None:
    if body.presence is None:
        return None
    try:
        return loyalty_presence.from_qr(body.presence.qr)
    except ValidationFailed as problem:
        raise ValidationFailed.on("presence.qr", problem.errors[0].message) from None


class CollectIn(Schema):
    """Pay at pickup: what the desk takes. `amount` omitted: all that is due."""

    method: Literal["cash", "card", "card_present", "stored_value", "store_credit", "points", "gift_card"]
    amount: MoneyIn | None = None
    location: str | None = Field(default=None, max_length=32)
    gift_card_code: str | None = Field(default=None, max_length=40)
    pin: str | None = Field(default=None, max_length=20)
    presence: PresenceIn | None = None


class CancelIn(Schema):
    reason: str = Field(default="", max_length=200, description="Words as given; kept on the order only (erasure "
                        "blanks them). Without `cause`, a reason that is a cause code counts as it, any other as `other`.")
    cause: CancelCause | None = Field(default=None, description="Why, as a code: what reports count.")


class RefundIn(Schema):
    amount: MoneyIn
    to: Literal["original", "store_credit"] = "original"
    reason: str = Field(default="", max_length=200)


class ActionIn(Schema):
    carrier: str | None = Field(default=None, max_length=60)
    tracking: str | None = Field(default=None, max_length=100)
    code: str | None = Field(default=None, max_length=12)
    parking_spot: str | None = Field(default=None, max_length=40)


class ShortIn(Schema):
    sku: str = Field(min_length=1, max_length=64)
    missing: Quantity = Field(ge=1, le=999)


class ReturnLineIn(Schema):
    sku: str = Field(min_length=1, max_length=64)
    quantity: Quantity = Field(ge=1, le=999)
    reason: str = Field(min_length=1, max_length=60)


class ReturnIn(Schema):
    order_id: str = Field(min_length=1, max_length=32)
    location: str = Field(min_length=1, max_length=32)
    lines: list[ReturnLineIn] = Field(min_length=1, max_length=100)
    refund_to: Literal["original", "store_credit"] = "original"
    by_mail: bool = False


class ReceiveLineIn(Schema):
    sku: str = Field(min_length=1, max_length=64)
    quantity: Quantity = Field(ge=0, le=999)
    condition: Literal["resellable", "damaged"]


class ReceiveIn(Schema):
    lines: list[ReceiveLineIn] | None = Field(default=None, max_length=100)
    exchange: list[LineIn] | None = Field(default=None, max_length=100)
    location: str | None = Field(default=None, max_length=32)  # where it arrived (default: its destination)


class SentIn(Schema):
    tracking: str | None = Field(default=None, max_length=40)


class DisputeIn(Schema):
    kind: Literal["not_received", "defective"]
    note: str = Field(default="", max_length=2000)


class DecisionIn(Schema):
    decision: Literal["refund", "partial_refund", "replacement", "reject"]
    amount: MoneyIn | None = None
    note: str = Field(default="", max_length=500)


def _order_for(request: HttpRequest, order_id: str, *roles: str) -> tuple[Principal, Order]:
    """The order, if the principal may see it (visibility.py); another store's order is 404."""
    principal = require_role(request, *roles)
    return principal, visibility.order_for(principal, queries.get_order(order_id))


def _return_for(principal: Principal, return_id: str):
    return visibility.return_for(principal, queries.get_return(return_id))


# --- carts ---------------------------------------------------------------------------------------------


@router.post("/carts", response={201: CartOut}, exclude_unset=True, summary="The customer's one cart, or a device's anonymous cart")
def create_cart(request: HttpRequest, body: CartIn):
    """The customer's one active cart across devices and channels, or an anonymous cart for a device."""
    require_role(request, *SELLERS)
    cart = services.do_create_cart(channel=body.channel, customer_id=body.customer_id or "",
                                   device_id=body.device_id or "")
    return Status(201, queries.cart_dict(cart))


@router.get("/carts/{cart_id}", response=CartOut, exclude_unset=True)
def get_cart(request: HttpRequest, cart_id: str):
    """A cart with its lines, availability and totals."""
    require_role(request, *READERS)
    return queries.cart_dict(queries.get_cart(cart_id))


@router.put("/carts/{cart_id}/lines", response=CartOut, exclude_unset=True, summary="Set a line's quantity (0 removes it)")
def put_cart_line(request: HttpRequest, cart_id: str, body: CartLineIn):
    """Sets a line's quantity in the cart (0 removes it); the answer is the cart with its totals."""
    require_role(request, *SELLERS)
    cart = services.do_set_cart_line(cart_id=cart_id, sku=body.sku, quantity=body.quantity, channel=body.channel or "")
    return queries.cart_dict(cart)


@router.post("/carts/{cart_id}/customer", response=CartOut, exclude_unset=True, summary="Identify: the device cart joins the customer's")
def attach_cart(request: HttpRequest, cart_id: str, body: CartCustomerIn):
    """Identifies the shopper: the device's anonymous cart joins the customer's one cart, lines merged."""
    require_role(request, *SELLERS)
    return queries.cart_dict(services.do_attach_cart(cart_id=cart_id, customer_id=body.customer_id))


@router.post("/carts/{cart_id}/checkout", response=CheckoutOut, exclude_unset=True, summary="Hold the cart's stock for a few minutes")
def checkout_cart(request: HttpRequest, cart_id: str):
    """Holds the cart's stock for a few minutes before payment (a reservation), so that placing the order
    cannot fail for stock."""
    require_role(request, *SELLERS)
    hold = services.do_checkout_hold(cart_id=cart_id)
    return {**queries.cart_dict(queries.get_cart(cart_id)), "hold": {
        "reservation_id": hold["reservation_id"], "expires_at": hold["expires_at"].isoformat()}}


@router.get("/customers/{customer_id}/cart", response=CartOut, exclude_unset=True, summary="The customer's one active cart")
def customer_cart(request: HttpRequest, customer_id: str):
    """The customer's one active cart, whichever channel or device last touched it."""
    require_role(request, *READERS)
    cart = queries.active_cart(customers.resolve_id(customer_id))
    if cart is None:
        raise NotFound(detail=f"Customer {customer_id} has no cart.")
    return queries.cart_dict(cart)


# --- orders --------------------------------------------------------------------------------------------


@router.post("/orders", response={201: OrderOut, **errors(InsufficientStock, CouponExhausted, InsufficientBalance)},
             exclude_unset=True, summary="Place an order on any channel, with any delivery method")
def place_order(request: HttpRequest, body: OrderIn):
    """Places an order on any channel from a cart or from lines: priced with the channel's listing, the coupon
    and points; sourced to the locations that can serve the delivery method; stock reserved under row locks;
    payments captured or left pending. Send an `Idempotency-Key`: a retry answers the first order. 409
    `insufficient-stock` when it cannot be promised."""
    principal = require_role(request, *SELLERS)
    delivery = body.delivery.dict()
    if body.delivery.method == "carry_out" and body.delivery.location:
        require_location(principal, body.delivery.location.upper())
    order = services.do_place_order(
        channel=body.channel, customer_id=body.customer_id or "", cart_id=body.cart_id or "",
        lines=[services.LineIn(sku=line.sku, quantity=line.quantity) for line in body.lines or []],
        delivery=delivery, coupon=body.coupon or "", contact=body.contact, actor=principal, presence=_presence(body),
        payments=[services.PaymentIn(method=p.method, amount=p.amount.money() if p.amount else None,
                                     gift_card_code=p.gift_card_code or "", pin=p.pin or "", up_to=p.up_to)
                  for p in body.payments or []] or None,
        last_in_transaction=True,  # the request writes nothing after it
    )
    return answer(OrderOut, queries.order_dict(order, full=False, viewer=principal), 201)  # as ninja would, cheaper


@router.get("/orders", response=list[OrderOut], exclude_unset=True, summary="Orders, newest first; filters as the console's")
def list_orders(request: HttpRequest, channel: str = "", status: str = "", location: str = "", method: str = "",
                customer_id: str = "", limit: int = 50):
    """Orders, newest first, filtered by channel, status, location, delivery method or customer; a store clerk
    sees only their stores' orders."""
    principal = require_role(request, *READERS)
    qs = queries.search_orders(q=customer_id, channel=channel, status=status, location=location, method=method,
                               locations=principal.locations)
    return [queries.order_dict(o, full=False, viewer=principal) for o in qs[: max(1, min(limit, 200))]]


@router.get("/orders/{order_id}", response=OrderOut, exclude_unset=True, summary="The order with fulfillments, payments and returns")
def get_order(request: HttpRequest, order_id: str):
    """The order with its lines, totals, fulfillments (with pickup codes for staff), payments, returns and
    refunds."""
    principal, order = _order_for(request, order_id, *READERS)
    return queries.order_dict(order, viewer=principal)


@router.post("/orders/{order_id}/cancel", response={200: OrderOut, **errors(InvalidTransition)}, exclude_unset=True,
             summary="Release stock, refund, reverse points")
def cancel_order(request: HttpRequest, order_id: str, body: CancelIn | None = None):
    """Cancels an order not yet completed: stock is released, payments refunded and points reversed; 409
    `invalid-transition` otherwise. `cause` is the code reports count (customer_request, out_of_stock,
    suspected_fraud, other, …); `reason` the words, kept on the order only."""
    principal, order = _order_for(request, order_id, *roles.CANCELLERS)
    services.do_cancel_order(order=order, reason=body.reason if body else "",
                             cause=body.cause.value if body and body.cause else "", actor=principal)
    return queries.order_dict(queries.get_order(order.public_id), viewer=principal)


@router.post("/orders/{order_id}/payments", response={201: PaymentOut, **errors(InvalidTransition)}, exclude_unset=True,
             summary="Pay at pickup: the desk collects what the order owes (cash, card, points, gift card, store credit)")
def collect_payment(request: HttpRequest, order_id: str, body: CollectIn):
    """The desk collects what an order still owes (cash, card-present, points, gift card with its
    PIN, store credit; points and store credit need the customer's loyalty QR, as at the till). It
    never takes more than is due; once nothing is due a pending online card is voided and the order
    may be handed over."""
    principal, order = _order_for(request, order_id, *FLOOR)
    if body.location:
        require_location(principal, body.location.upper())
    pay = services.do_collect_payment(
        order=order, method=body.method, amount=body.amount.money() if body.amount else None,
        location=(body.location or "").upper(), gift_card_code=body.gift_card_code or "", pin=body.pin or "",
        presence=_presence(body), actor=principal)
    return Status(201, {"id": pay.public_id, "method": pay.method, "provider": pay.provider, "status": pay.status,
                        "amount": Money(pay.amount, order.currency).as_dict(),
                        "refunded": Money(pay.refunded, order.currency).as_dict()})


@router.post("/orders/{order_id}/refund", response={201: OrderOut}, exclude_unset=True, summary="Refund (never more than was paid)")
def refund_order(request: HttpRequest, order_id: str, body: RefundIn):
    """Refunds an amount of an order to its payments; never more than was paid."""
    principal, order = _order_for(request, order_id, *roles.REFUNDERS)
    services.do_refund(order=order, amount=body.amount.money(), to=body.to, reason=body.reason,
                       reference="manual", actor=principal)
    return Status(201, queries.order_dict(order, viewer=principal))


@router.post("/orders/{order_id}/disputes", response={201: DisputeOut}, exclude_unset=True)
def open_dispute(request: HttpRequest, order_id: str, body: DisputeIn):
    """Opens a dispute on an order on the customer's behalf."""
    principal, order = _order_for(request, order_id, *roles.DISPUTE_OPENERS)
    dispute = services.do_open_dispute(order=order, kind=body.kind, note=body.note, actor=principal)
    return Status(201, queries.dispute_dict(dispute))


@router.get("/disputes", response=list[DisputeOut], exclude_unset=True, summary="Disputes, oldest first: status open|decided, kind")
def list_disputes(request: HttpRequest, status: Literal["open", "decided", ""] = "open",
                  kind: Literal["not_received", "defective", ""] = ""):
    """Disputes, oldest first, by status (open, decided) and kind."""
    require_role(request, *roles.DISPUTE_READERS)
    return [queries.dispute_dict(d) for d in queries.disputes_queue(status=status, kind=kind)]


@router.get("/disputes/{dispute_id}", response=DisputeOut, exclude_unset=True)
def get_dispute(request: HttpRequest, dispute_id: str):
    """A dispute with its kind, status, messages and decision."""
    require_role(request, *roles.DISPUTE_READERS)
    return queries.dispute_dict(queries.get_dispute(dispute_id))


@router.post("/disputes/{dispute_id}/decide", response=DisputeOut, exclude_unset=True, summary="A manager's decision (audited)")
def decide_dispute(request: HttpRequest, dispute_id: str, body: DecisionIn):
    """A manager decides an open dispute, with a note; the decision is audited."""
    principal = require_role(request, *roles.DISPUTE_DECIDERS)
    dispute = services.do_decide_dispute(dispute_id=dispute_id, decision=body.decision, note=body.note,
                                         amount=body.amount.money() if body.amount else None, actor=principal)
    return {**queries.dispute_dict(dispute), "amount": Money(dispute.amount, dispute.order.currency).as_dict()}


# --- fulfilments ---------------------------------------------------------------------------------------

HANDOVER_ACTIONS = ("ready", "arrived", "handover")


@router.post("/fulfillments/{fulfillment_id}/short", response=ShortPickOut, exclude_unset=True, summary="Units missing at picking")
def short_pick(request: HttpRequest, fulfillment_id: str, body: ShortIn):
    """Records units found missing while picking a fulfillment, so that what cannot be picked is not promised.
    """
    principal = require_role(request, *FLOOR)
    f = queries.get_fulfillment(fulfillment_id)
    visibility.order_for(principal, f.order)
    require_location(principal, f.location)
    outcome = services.do_short_pick(fulfillment_id=fulfillment_id, sku=body.sku, missing=body.missing,
                                     actor=principal)
    return {**outcome, "order": queries.order_dict(queries.get_order(f.order.public_id), viewer=principal)}


@router.post("/fulfillments/{fulfillment_id}/pickup-code", response=PickupCodeOut, exclude_unset=True,
             summary="A new pickup code (the old one stops working; the customer is sent the new one)")
def reissue_pickup_code(request: HttpRequest, fulfillment_id: str):
    """A new pickup code for a fulfillment; the old one stops working and the customer is sent the new one.
    """
    principal = require_role(request, *roles.REISSUE)
    f = pickup.do_reissue_pickup_code(fulfillment_id=fulfillment_id, actor=principal)
    return {"id": f.public_id, "status": f.status, "reissued": True}


# After the fixed paths under /fulfillments/{id}/: Django tries URL patterns in order.
@router.post("/fulfillments/{fulfillment_id}/{action}",
             response={200: FulfillmentOut, **errors(InvalidTransition, PaymentDue)},
             exclude_unset=True,
             summary="pick, pack, ship {carrier, tracking}, ready, arrived, handover {code}, deliver")
def fulfillment_action(request: HttpRequest, fulfillment_id: str, action: str, body: ActionIn | None = None):
    """Moves a fulfillment one step: pick, pack, ship (`{carrier, tracking}`), ready, arrived, handover
    (`{code}`: the pickup code), deliver. A step out of order is 409 `invalid-transition`; handing over
    or shipping an order that still owes money is 409 `payment-due` (collect it first:
    `POST /orders/{id}/payments`)."""
    principal = require_role(request, *FLOOR)
    f = queries.get_fulfillment(fulfillment_id)
    visibility.order_for(principal, f.order)  # another store's order: 404
    where = f.handover_location if action in HANDOVER_ACTIONS and f.handover_location else f.location
    if action == "ready" and f.method == "ship_to_store":
        where = f.handover_location
    require_location(principal, where)
    f = services.do_transition(fulfillment_id=fulfillment_id, action=action,
                               data=body.dict() if body else {}, actor=principal)
    return queries.fulfillment_dict(f, {s: q for s, q in queries.fulfillment_skus([f]).get(f.pk, [])},
                                    viewer=principal)


# --- returns -------------------------------------------------------------------------------------------


@router.post("/returns", response={201: ReturnOut}, exclude_unset=True, summary="Any channel's order, at any returns-capable location")
def create_return(request: HttpRequest, body: ReturnIn):
    """Opens a return (RMA) for lines of an order of any channel, at any returns-capable location, refunding to
    the original payment or as store credit."""
    principal = require_role(request, *SELLERS)
    by_mail = body.by_mail or body.location.upper() == services.MAIL
    if not by_mail:  # a counter return happens at the clerk's store; a parcel travels to the warehouse
        require_location(principal, body.location.upper())
    order = queries.get_order(body.order_id)
    ret = services.do_request_return(order=order, location=body.location, lines=[line.dict() for line in body.lines],
                                     refund_to=body.refund_to, by_mail=by_mail, actor=principal)
    return Status(201, queries.return_dict(ret, request, viewer=principal))


@router.get("/returns/{return_id}", response=ReturnOut, exclude_unset=True)
def get_return(request: HttpRequest, return_id: str):
    """A return with its lines, status, receiving location and refund."""
    principal = require_role(request, *READERS)
    return queries.return_dict(_return_for(principal, return_id), request, viewer=principal)


@router.post("/returns/{return_id}/sent", response=ReturnOut, exclude_unset=True, summary="A mail return's parcel is on its way")
def return_sent(request: HttpRequest, return_id: str, body: SentIn | None = None):
    """Records that a mail return's parcel is on its way (tracking optional)."""
    principal = require_role(request, *SELLERS)
    _return_for(principal, return_id)
    ret = services.do_mark_return_sent(return_id=return_id, tracking=(body.tracking or "") if body else "",
                                       actor=principal)
    return queries.return_dict(ret, request, viewer=principal)


@router.post("/returns/{return_id}/receive", response=ReturnOut, exclude_unset=True, summary="Resellable units back in stock; refund issued")
def receive_return(request: HttpRequest, return_id: str, body: ReceiveIn | None = None):
    """Receives a return's units: resellable ones go back in stock where received, damaged ones do not, and the
    refund is issued."""
    principal = require_role(request, *FLOOR)
    ret = queries.get_return(return_id)
    if not (visibility.may_see_return(principal, ret) or body and body.location
            and principal.may_act_on(body.location.upper())):
        raise NotFound(detail="No such return.")  # a parcel may arrive at another desk than its label's
    where = ((body.location if body else None) or ret.location).upper()
    require_location(principal, where)
    ret = services.do_receive_return(return_id=return_id, lines=[line.dict() for line in body.lines]
                                     if body and body.lines else None, actor=principal, location=where,
                                     exchange=[services.LineIn(sku=x.sku, quantity=x.quantity)
                                               for x in body.exchange] if body and body.exchange else None)
    return queries.return_dict(ret, request, viewer=principal)
