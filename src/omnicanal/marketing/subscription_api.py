"""Subscriptions over HTTP: the staff API (/api/v1, mounted on marketing.api's router) and the
shopper's own (/api/store/v1, registered through storefront.registry). Parse, call one writer of
marketing.subscriptions in a transaction, answer."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from omnicanal.core.auth import current_principal, require_role
from omnicanal.core.errors import Forbidden, NotFound
from omnicanal.core.schemas import MoneyOut
from omnicanal.loyalty import presence
from omnicanal.marketing import roles, subscriptions
from omnicanal.marketing.models import Subscription
from omnicanal.orders import queries as order_queries
from omnicanal.orders import services as order_services
from omnicanal.storefront.auth import shopper_auth
from omnicanal.storefront.services import require_customer

router = Router(tags=["marketing"])
store_router = Router(tags=["store account"])


class SubscriptionLineIn(Schema):
    sku: str = Field(min_length=1, max_length=64)
    quantity: int = Field(1, ge=1, le=99)


class SubscriptionIn(Schema):
    lines: list[SubscriptionLineIn] = Field(min_length=1, max_length=subscriptions.MAX_LINES)
    interval_days: int = Field(ge=subscriptions.MIN_INTERVAL, le=subscriptions.MAX_INTERVAL)
    delivery_method: str = Field(max_length=12)  # ship | pickup
    location: str = Field("", max_length=20)  # the store, for pickup
    address: dict | None = None  # for ship, as orders take it
    next_date: dt.date | None = None  # the first order's date (default tomorrow)
    payment_source: str = Field("stored_value", max_length=20)  # stored_value | card
    card_id: str = Field("", max_length=32)  # with card: one of the customer's saved cards (GET /cards)


class StaffSubscriptionIn(SubscriptionIn):
    qr: str = Field(min_length=1, max_length=400)  # the customer's loyalty QR: their mandate, given here


class SubscriptionChangeIn(Schema):
    # the whole box: add, change a quantity or leave a line out (never all: cancelling is its own action)
    lines: list[SubscriptionLineIn] | None = Field(None, max_length=subscriptions.MAX_LINES)
    interval_days: int | None = Field(None, ge=subscriptions.MIN_INTERVAL, le=subscriptions.MAX_INTERVAL)
    delivery_method: str | None = Field(None, max_length=12)
    location: str | None = Field(None, max_length=20)
    address: dict | None = None  # where to ship (with delivery_method ship), as orders take it
    next_date: dt.date | None = None
    payment_source: str | None = Field(None, max_length=20)  # stored_value | card
    card_id: str | None = Field(None, max_length=32)


class SubscriptionLineOut(Schema):
    sku: str
    quantity: int


class SubscriptionOut(Schema):
    id: str
    customer_id: str
    lines: list[SubscriptionLineOut]
    interval_days: int
    delivery_method: str
    location: str
    address: dict | None  # where it ships (delivery_method ship), as orders take it
    payment_source: str  # stored_value | card
    card_id: str  # the saved card that pays it (payment_source card), else ""
    state: str  # active | paused | cancelled
    pause_reason: str
    next_date: dt.date
    estimate: MoneyOut  # the next order at today's prices, shipping aside
    failures: int
    last_order_id: str
    orders_placed: int


class SubscriptionsOut(Schema):
    items: list[SubscriptionOut]


class SubscriptionsQuery(Schema):
    customer_id: str = Field("", max_length=32)
    state: str = Field("", max_length=12)


def out(sub: Subscription) -> dict:
    return {"id": sub.public_id, "customer_id": sub.customer_id, "lines": sub.lines, "interval_days": sub.interval_days,
            "delivery_method": sub.delivery_method, "location": sub.location, "address": sub.address,
            "payment_source": sub.payment_source, "card_id": sub.card_id,
            "state": sub.state, "pause_reason": sub.pause_reason, "next_date": sub.next_date,
            "estimate": subscriptions.estimate(sub).as_dict(), "failures": sub.failures,
            "last_order_id": sub.last_order_id, "orders_placed": sub.orders_placed}


def _lines(items) -> list[subscriptions.LineSpec]:
    return [subscriptions.LineSpec(sku=i.sku, quantity=i.quantity) for i in items]


ACTIONS = {"skip": subscriptions.do_skip_next, "pause": subscriptions.do_pause, "resume": subscriptions.do_resume,
           "cancel": subscriptions.do_cancel}


def _act(action: str, subscription_id: str, by: str) -> Subscription:
    with transaction.atomic():
        return ACTIONS[action](subscription_id=subscription_id, by=by)


# --- staff --------------------------------------------------------------------------------------------


@router.get("/subscriptions", response=SubscriptionsOut, summary="Subscriptions, by customer or state")
def list_subscriptions(request, query: Query[SubscriptionsQuery]):
    """Subscriptions, soonest next order first (at most 500): one customer's, or those in a state."""
    require_role(request, *roles.SUBSCRIPTIONS)
    return {"items": [out(s) for s in subscriptions.listed(customer_id=query.customer_id, state=query.state)]}


@router.post("/customers/{customer_id}/subscriptions", response={201: SubscriptionOut},
             summary="Subscribe a customer (at the POS: their loyalty QR is their consent to be charged)")
def subscribe_customer(request, customer_id: str, body: StaffSubscriptionIn):
    """Staff subscribe a customer who is there: the customer's loyalty QR (`qr`) proves it and is the
    mandate to pay every cycle's order with their stored value."""
    require_role(request, *roles.SUBSCRIBE)
    principal = current_principal(request)
    presence.check_presence(presence.from_qr(body.qr), customer_id)
    if principal.locations is not None and body.delivery_method == "pickup" and \
            body.location.strip().upper() not in principal.locations:
        raise Forbidden(detail=_("This credential may not take subscriptions for another store."))
    with transaction.atomic():
        sub = subscriptions.do_subscribe(
            customer_id=customer_id, lines=_lines(body.lines), interval_days=body.interval_days,
            delivery_method=body.delivery_method, location=body.location, address=body.address,
            next_date=body.next_date, payment_source=body.payment_source, card_id=body.card_id, by="staff",
            actor=principal)
    return Status(201, out(sub))


@router.post("/subscriptions/{subscription_id}/{action}", response=SubscriptionOut,
             summary="Skip the next order, pause, resume or cancel a subscription")
def act_on_subscription(request, subscription_id: str, action: str):
    """`action`: skip (the next order does not happen), pause, resume, cancel."""
    require_role(request, *roles.SUBSCRIPTIONS)
    if action not in ACTIONS:
        raise NotFound(detail=_("No action %(action)s.") % {"action": action})
    return out(_act(action, subscription_id, "staff"))


# --- the shopper's own (Store API) ----------------------------------------------------------------------


def _own(request: HttpRequest, subscription_id: str) -> str:
    shopper = require_customer(request.shopper)  # type: ignore[attr-defined]  # set by ShopperAuth
    if not subscriptions.owned_by(subscription_id, shopper.customer_id):
        raise NotFound(detail=_("No subscription %(id)s.") % {"id": subscription_id})
    return shopper.customer_id


@store_router.get("/subscriptions", response=SubscriptionsOut, auth=shopper_auth, summary="Your subscriptions")
def my_subscriptions(request: HttpRequest):
    """The signed-in customer's subscriptions, cancelled ones last."""
    shopper = require_customer(request.shopper)  # type: ignore[attr-defined]
    return {"items": [out(s) for s in subscriptions.listed(customer_id=shopper.customer_id)]}


@store_router.post("/subscriptions", response={201: SubscriptionOut}, auth=shopper_auth,
                   summary="Subscribe: these products every N days, paid with your balance or a saved card")
def my_subscribe(request: HttpRequest, body: SubscriptionIn):
    """Subscribing in your own session is your mandate to pay each order with your stored value, or
    (`payment_source` card) with the saved card `card_id`."""
    shopper = require_customer(request.shopper)  # type: ignore[attr-defined]
    with transaction.atomic():
        sub = subscriptions.do_subscribe(
            customer_id=shopper.customer_id, lines=_lines(body.lines), interval_days=body.interval_days,
            delivery_method=body.delivery_method, location=body.location, address=body.address,
            next_date=body.next_date, channel=shopper.channel, payment_source=body.payment_source,
            card_id=body.card_id, by="customer")
    return Status(201, out(sub))


@store_router.patch("/subscriptions/{subscription_id}", response=SubscriptionOut, auth=shopper_auth,
                    summary="Change your subscription: products, interval, store or address, next date")
def my_change(request: HttpRequest, subscription_id: str, body: SubscriptionChangeIn):
    """Change one of the shopper's own subscriptions: its products, interval, where it goes (a
    pickup `location`, or an `address` to ship to), next date or how it is paid (`payment_source`,
    `card_id`); 422 names each bad field."""
    _own(request, subscription_id)
    with transaction.atomic():
        sub = subscriptions.do_change(
            subscription_id=subscription_id, by="customer", lines=_lines(body.lines) if body.lines is not None else None,
            interval_days=body.interval_days, delivery_method=body.delivery_method, location=body.location,
            address=body.address, next_date=body.next_date, payment_source=body.payment_source,
            card_id=body.card_id)
    return out(sub)


@store_router.post("/subscriptions/{subscription_id}/{action}", response=SubscriptionOut, auth=shopper_auth,
                   summary="Skip your next order, pause, resume or cancel your subscription")
def my_action(request: HttpRequest, subscription_id: str, action: str):
    """Skip the next order, pause, resume or cancel one of the shopper's own subscriptions."""
    _own(request, subscription_id)
    if action not in ACTIONS:
        raise NotFound(detail=_("No action %(action)s.") % {"action": action})
    return out(_act(action, subscription_id, "customer"))


class CardOut(Schema):
    id: str
    card_type: str
    last4: str
    created_at: dt.datetime


class CardsOut(Schema):
    items: list[CardOut]


@store_router.get("/cards", response=CardsOut, auth=shopper_auth, summary="Your saved cards (to pay subscriptions)")
def my_cards(request: HttpRequest):
    """The signed-in customer's saved cards (Webpay Oneclick): brand and last four digits only. A
    card is saved through the shop's account page (Transbank's own form takes the number)."""
    shopper = require_customer(request.shopper)  # type: ignore[attr-defined]
    return {"items": [{"id": c.id, "card_type": c.card_type, "last4": c.last4, "created_at": c.created_at}
                      for c in order_queries.stored_cards(shopper.customer_id)]}


@store_router.delete("/cards/{card_id}", response={204: None}, auth=shopper_auth, summary="Remove a saved card")
def my_card_removed(request: HttpRequest, card_id: str):
    """Forget one of the shopper's saved cards, here and at Transbank; the subscriptions paying with
    it are paused (`card_removed`) and the customer told. 404 for a card that is not theirs."""
    shopper = require_customer(request.shopper)  # type: ignore[attr-defined]
    with transaction.atomic():
        order_services.do_remove_card(customer_id=shopper.customer_id, card_id=card_id)
    return Status(204, None)
