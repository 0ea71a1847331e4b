"""Reads of the storefront: who is shopping (a session token, a cookie) and their sessions.

`Shopper` is what the Store API and the shop pages put on `request.shopper`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

from omnicanal.core import clock
from omnicanal.inventory import queries as inventory
from omnicanal.orders import queries as orders
from omnicanal.storefront.models import ShopperSession, ViewedProduct

TOKEN_PREFIX = "shp_"
# A device unused this long signs in again (its anonymous cart stays the device's until then).
IDLE_LIMIT = dt.timedelta(days=90)


@dataclass(frozen=True)
class Shopper:
    session_id: str
    channel: str  # web | app: the sales channel the session prices and orders on
    customer_id: str  # "" while anonymous
    cart_id: str  # the cart the session shops with ("" before the first line)
    cart_count: int = 0  # units in that cart

    @property
    def signed_in(self) -> bool:
        return bool(self.customer_id)


@dataclass(frozen=True)
class SessionInfo:
    session_id: str
    channel: str
    created_at: dt.datetime
    last_seen_at: dt.datetime


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def live_session(token: str) -> ShopperSession | None:
    """The unrevoked, recently used session a token opens; None for anything else (a staff key, a
    revoked or forgotten token)."""
    if not token or not token.startswith(TOKEN_PREFIX) or len(token) > 100:
        return None
    row = ShopperSession.objects.filter(token_hash=hash_token(token), revoked_at__isnull=True).first()
    if row is None or clock.now() - row.last_seen_at > IDLE_LIMIT:
        return None
    return row


def cart_of(row: ShopperSession) -> str:
    """The cart a session shops with: the customer's one cart once signed in, else the device's."""
    if row.customer_id:
        cart = orders.active_cart(row.customer_id)
        return cart.public_id if cart is not None else ""
    return row.cart_id


def shopper_of(row: ShopperSession) -> Shopper:
    cart_id = cart_of(row)
    return Shopper(session_id=row.public_id, channel=row.channel, customer_id=row.customer_id, cart_id=cart_id,
                   cart_count=orders.cart_units(cart_id) if cart_id else 0)


def shopper_for_token(token: str) -> Shopper | None:
    row = live_session(token)
    return shopper_of(row) if row is not None else None


def sessions_of(customer_id: str) -> list[SessionInfo]:
    """The customer's signed-in devices, most recently used first."""
    rows = ShopperSession.objects.filter(customer_id=customer_id, revoked_at__isnull=True).order_by("-last_seen_at")
    return [SessionInfo(r.public_id, r.channel, r.created_at, r.last_seen_at) for r in rows[:50]]


@dataclass(frozen=True)
class PickupStore:
    code: str
    name: str
    pickup_today: bool  # open (or opening again) later today with every line in stock


def pickup_stores(lines: list[tuple[str, int]], channel: str) -> list[PickupStore]:
    """Stores where the whole cart can be collected now on this channel (each line in stock there),
    those open today first: the checkout's pickup choice."""
    if not lines:
        return []
    stock = inventory.availability_many(skus=[sku for sku, _quantity in lines], channel=channel)
    per_store: dict[str, list] = {}
    for sku, quantity in lines:
        for place in stock[sku].locations if sku in stock else []:
            if place.pickup and place.available >= quantity:
                per_store.setdefault(place.code, []).append(place)
    stores = [PickupStore(code=code, name=places[0].name, pickup_today=all(p.pickup_today for p in places))
              for code, places in per_store.items() if len(places) == len(lines)]
    return sorted(stores, key=lambda s: (not s.pickup_today, s.name))


@dataclass(frozen=True)
class ViewedItem:
    """A product a signed-in customer viewed (their "recently viewed", at most the latest few each)."""

    customer_id: str
    handle: str
    viewed_at: dt.datetime


def viewed_products(*, customer_id: str = "") -> list[ViewedItem]:
    """Every signed-in customer's (or one customer's) viewed products, oldest first (co-view)."""
    rows = ViewedProduct.objects.all()
    if customer_id:
        rows = rows.filter(customer_id=customer_id)
    return [ViewedItem(customer_id=cid, handle=handle, viewed_at=at)
            for cid, handle, at in rows.order_by("viewed_at", "pk").values_list("customer_id", "handle", "viewed_at")]
