"""Carts: one per customer across devices and channels, checkout holds, abandonment.
"""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext as _

from omnicanal.core import clock, outbox
from omnicanal.core.errors import Conflict, InvalidTransition, NotFound, ValidationFailed
from omnicanal.customers import queries as customers
from omnicanal.inventory import services as inventory
from omnicanal.inventory.services import ReserveLine
from omnicanal.orders import events, locks, pricing
from omnicanal.orders.models import (
    Cart,
    CartLine,
    CartStatus,
)
from omnicanal.orders.services.common import MAX_QUANTITY, check_channel

CHECKOUT_HOLD = dt.timedelta(minutes=15)
ABANDONED_AFTER = dt.timedelta(hours=24)


def do_create_cart(*, channel: str, customer_id: str = "", device_id: str = "") -> Cart:
    """The customer's one active cart (whichever channel made it), or a new one; anonymous carts
    belong to a device."""
    check_channel(channel)
    now = clock.now()
    if customer_id:
        customer_id = customers.resolve_id(customer_id)
        existing = (Cart.objects.filter(customer_id=customer_id, status__in=(CartStatus.ACTIVE, CartStatus.ABANDONED))
                    .order_by("status", "-updated_at").first())  # "active" sorts first
        if existing is not None:
            if existing.status == CartStatus.ABANDONED and not Cart.objects.filter(
                    customer_id=customer_id, status=CartStatus.ACTIVE).exists():
                existing.status, existing.abandoned_at = CartStatus.ACTIVE, None
            existing.channel, existing.updated_at = channel, now
            existing.save(update_fields=["status", "abandoned_at", "channel", "updated_at"])
            return existing
    return Cart.objects.create(channel=channel, customer_id=customer_id, device_id=device_id[:120], created_at=now,
                               updated_at=now)


def _active_cart(cart_id: str) -> Cart:
    cart = Cart.objects.filter(public_id=cart_id).first()
    if cart is None:
        raise NotFound(detail=_("No cart %(id)s.") % {"id": cart_id})
    if cart.status == CartStatus.ABANDONED:
        if cart.customer_id and Cart.objects.filter(customer_id=cart.customer_id, status=CartStatus.ACTIVE).exists():
            raise Conflict(detail=_("The customer has a newer cart."))
        cart.status = CartStatus.ACTIVE
    if cart.status != CartStatus.ACTIVE:
        raise Conflict(detail=_("The cart %(id)s is %(status)s.") % {"id": cart_id, "status": cart.status})
    return cart


def do_set_cart_line(*, cart_id: str, sku: str, quantity: int, channel: str = "") -> Cart:
    """Set a line's quantity (0 removes it). The channel that touches the cart last prices it."""
    cart = _active_cart(cart_id)
    if not isinstance(quantity, int) or not 0 <= quantity <= MAX_QUANTITY:
        raise ValidationFailed.on("quantity", _("must be from 0 to %(max)d") % {"max": MAX_QUANTITY})
    if channel:
        cart.channel = check_channel(channel)
    if quantity == 0:
        CartLine.objects.filter(cart=cart, sku=sku).delete()
    else:
        pricing.price_skus([sku], cart.channel, field="sku")  # unknown or unpublished: 422
        CartLine.objects.update_or_create(cart=cart, sku=sku, defaults={"quantity": quantity})
    cart.updated_at = clock.now()
    cart.abandoned_at = None
    cart.save(update_fields=["status", "channel", "updated_at", "abandoned_at"])
    return cart


def _combine(into: Cart, other: Cart) -> None:
    """Lines combined, never duplicated: one line per SKU, the larger quantity of the two (the same
    shoe added on the phone and on the laptop is one pair)."""
    have = {line.sku: line for line in CartLine.objects.filter(cart=into)}
    for line in CartLine.objects.filter(cart=other):
        mine = have.get(line.sku)
        if mine is None:
            CartLine.objects.create(cart=into, sku=line.sku, quantity=line.quantity)
        elif line.quantity > mine.quantity:
            CartLine.objects.filter(pk=mine.pk).update(quantity=line.quantity)
    now = clock.now()
    Cart.objects.filter(pk=other.pk).update(status=CartStatus.MERGED, order_id=into.public_id, updated_at=now)
    Cart.objects.filter(pk=into.pk).update(updated_at=now)


def do_attach_cart(*, cart_id: str, customer_id: str) -> Cart:
    """The device's anonymous cart meets its customer: merged into their active cart, or becomes it."""
    cart = _active_cart(cart_id)
    customer_id = customers.resolve_id(customer_id)
    if cart.customer_id == customer_id:
        return cart
    existing = Cart.objects.filter(customer_id=customer_id, status=CartStatus.ACTIVE).exclude(pk=cart.pk).first()
    if existing is None:
        cart.customer_id, cart.updated_at = customer_id, clock.now()
        cart.save(update_fields=["customer_id", "status", "updated_at"])
        return cart
    locks.carts([cart.pk, existing.pk])
    _combine(existing, cart)
    existing.refresh_from_db()
    return existing


def do_checkout_hold(*, cart_id: str) -> dict:
    """A short reservation at checkout (CHECKOUT_HOLD), released when the order is placed."""
    cart = _active_cart(cart_id)
    lines = list(CartLine.objects.filter(cart=cart))
    if not lines:
        raise ValidationFailed.on("lines", _("the cart is empty"))
    try:
        inventory.do_release(reference=cart.public_id, reason="renewed")
    except (NotFound, InvalidTransition):
        pass
    reservation = inventory.do_reserve(reference=cart.public_id, channel=cart.channel, expires_in=CHECKOUT_HOLD,
                                       lines=[ReserveLine(line.sku, line.quantity) for line in lines])
    return {"reservation_id": reservation.id, "expires_at": reservation.expires_at}


def do_mark_abandoned(*, idle: dt.timedelta = ABANDONED_AFTER) -> int:
    """Carts with lines untouched for `idle` are abandoned (engagement reminds the customer)."""
    now = clock.now()
    carts = list(Cart.objects.filter(status=CartStatus.ACTIVE, updated_at__lte=now - idle, lines__isnull=False)
                 .exclude(customer_id="").distinct()[:1000])
    Cart.objects.filter(pk__in=[c.pk for c in carts]).update(status=CartStatus.ABANDONED, abandoned_at=now)
    if carts:
        outbox.emit_many([events.CartAbandoned(cart_id=c.public_id, customer_id=c.customer_id, channel=c.channel)
                          for c in carts])
    return len(carts)
