"""The customer's tracking link: an order's signed token, and what the tracking page shows.

The link is the one the notifications carry (order confirmed, ready for pickup, shipped): anyone
holding it may follow the order without signing in, as they may read the message that carried it.
So it is signed (django.core.signing, a salt of its own, so no other signed value of the site opens
it), names one order by its public id, and never expires: the messages that hold it live for ever in
the customer's inbox. A tampered or foreign token names no order (None); the page answers 404.

`tracking_view` is the page's one query: a frozen TrackingView with the order, its fulfilments
(place, today's hours, the timeline in the place's time zone, carrier and tracking number, the
pickup code once it is ready, whether "I'm here" may be pressed) and its returns. The page lives in
the shop (storefront), at TRACK_PATH; orders owns the link, so the notifier never builds it.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.utils.translation import gettext as _

from omnicanal.core import clock, hours
from omnicanal.core.errors import NotFound
from omnicanal.core.money import Money
from omnicanal.inventory import queries as inventory
from omnicanal.orders.models import (
    Fulfillment,
    FulfillmentLine,
    FulfillmentMethod,
    FulfillmentStatus,
    Order,
    OrderLine,
    OrderStatus,
    Return,
    ReturnStatus,
)

SALT = "omnicanal.orders.tracking"
TRACK_PATH = "/track/{token}/"  # served by the shop (storefront.urls "shop-track")
# Methods the customer collects, and the states in which the code opens the handover.
COLLECTED = (FulfillmentMethod.PICKUP, FulfillmentMethod.CURBSIDE, FulfillmentMethod.PICKUP_POINT,
             FulfillmentMethod.SHIP_TO_STORE)
CODE_SHOWN = (FulfillmentStatus.READY, FulfillmentStatus.ARRIVED)


def _signer() -> signing.Signer:
    return signing.Signer(salt=SALT)


def tracking_token(order: Order) -> str:
    return _signer().sign(order.public_id)


def order_for_tracking(token: str) -> Order | None:
    """The order a genuine token names; None for a tampered, truncated or foreign one."""
    try:
        public_id = _signer().unsign((token or "").strip())
    except signing.BadSignature:
        return None
    return Order.objects.filter(public_id=public_id).first()


def tracking_path(order: Order) -> str:
    return TRACK_PATH.format(token=tracking_token(order))


def tracking_url(order: Order) -> str:
    """The customer's link as messages carry it: absolute from PUBLIC_URL (else the path alone)."""
    return f"{settings.OMNICANAL.get('PUBLIC_URL') or ''}{tracking_path(order)}"


def tracking_url_for(order_id: str) -> str:
    """The link of an order named by its public id (callers holding no Order row)."""
    order = Order.objects.filter(public_id=order_id).first()
    if order is None:
        raise NotFound(detail=_("No order %(id)s.") % {"id": order_id})
    return tracking_url(order)


# --- the page's view ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class TrackingStep:
    status: str
    label: str
    at: dt.datetime  # in the place's time zone


@dataclass(frozen=True)
class TrackingPlace:
    code: str
    name: str
    address: str
    timezone: str
    hours_today: str  # "10:00–20:00", "" when closed today
    open_now: bool
    holiday_today: str = ""  # "Navidad": why today's hours are not the week's
    exceptions: tuple = ()  # inventory.queries.HoursException after today: holidays and special hours ahead


@dataclass(frozen=True)
class TrackingLine:
    sku: str
    title: str
    quantity: int
    total: Money


@dataclass(frozen=True)
class TrackingFulfilment:
    id: str
    method: str
    method_label: str
    status: str
    status_label: str
    place: TrackingPlace | None  # where the customer collects it (none for a delivery)
    timeline: tuple[TrackingStep, ...]
    carrier: str
    tracking: str
    pickup_code: str  # only once it is ready to collect
    parking_spot: str
    may_arrive: bool  # curbside, ready: the "I'm here" button
    arrived: bool
    lines: tuple[TrackingLine, ...]


@dataclass(frozen=True)
class TrackingReturn:
    id: str
    status: str
    status_label: str
    created_at: dt.datetime


@dataclass(frozen=True)
class TrackingView:
    order_id: str
    number: str
    status: str
    status_label: str
    placed_at: dt.datetime  # in the business's time zone
    total: Money
    lines: tuple[TrackingLine, ...]
    fulfilments: tuple[TrackingFulfilment, ...]
    returns: tuple[TrackingReturn, ...]


def _label(choices, value: str) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return value


def business_zone() -> str:
    return str(settings.OMNICANAL.get("TIME_ZONE") or settings.TIME_ZONE)


def _zone(name: str) -> zoneinfo.ZoneInfo:
    try:
        return hours.zone(name)
    except Exception:  # an unknown zone stored by hand: the business's own
        return zoneinfo.ZoneInfo(business_zone())


def _place(code: str, now: dt.datetime) -> TrackingPlace | None:
    """The store's address and today's hours, as inventory (their owner) tells a customer."""
    store = inventory.store_hours_of(code, at=now)
    if store is None:
        return None
    address = ", ".join(p for p in (store.address, store.region) if p)
    return TrackingPlace(code=store.code, name=store.name, address=address, timezone=store.timezone,
                         hours_today=store.hours_today, open_now=store.open_now, holiday_today=store.holiday_today,
                         exceptions=tuple(e for e in store.exceptions if e.date != store.today))


def _timeline(f: Fulfillment, tz: zoneinfo.ZoneInfo) -> tuple[TrackingStep, ...]:
    steps = []
    for entry in f.history or []:
        try:
            at = dt.datetime.fromisoformat(entry["at"])
        except (KeyError, TypeError, ValueError):
            continue
        status = str(entry.get("status") or "")
        steps.append(TrackingStep(status=status, label=_label(FulfillmentStatus, status), at=at.astimezone(tz)))
    return tuple(steps)


def tracking_view(token: str) -> TrackingView | None:
    """The tracking page's facts for a genuine token; None otherwise (the page's 404)."""
    order = order_for_tracking(token)
    return view_of(order) if order is not None else None


def view_of(order: Order) -> TrackingView:
    now, currency = clock.now(), order.currency
    lines = list(OrderLine.objects.filter(order=order))
    by_pk = {line.pk: line for line in lines}
    f_lines: dict[int, list[TrackingLine]] = {}
    for row in FulfillmentLine.objects.filter(fulfillment__order=order).order_by("pk"):
        line = by_pk.get(row.order_line_id)
        if line is not None and row.quantity:
            f_lines.setdefault(row.fulfillment_id, []).append(TrackingLine(
                sku=row.sku, title=line.title, quantity=row.quantity,
                total=Money(line.total * row.quantity / line.quantity, currency)))
    places: dict[str, TrackingPlace | None] = {}
    fulfilments = []
    for f in Fulfillment.objects.filter(order=order).order_by("pk"):
        collected = f.method in COLLECTED
        where = (f.handover_location or f.location) if collected else ""
        if where and where not in places:
            places[where] = _place(where, now)
        place = places.get(where) if where else None
        tz = _zone(place.timezone) if place else _zone(business_zone())
        ready = f.status in CODE_SHOWN and order.status != OrderStatus.CANCELLED
        fulfilments.append(TrackingFulfilment(
            id=f.public_id, method=f.method, method_label=_label(FulfillmentMethod, f.method), status=f.status,
            status_label=_label(FulfillmentStatus, f.status), place=place, timeline=_timeline(f, tz),
            carrier=f.carrier, tracking=f.tracking, pickup_code=f.pickup_code if collected and ready else "",
            parking_spot=f.parking_spot,
            may_arrive=f.method == FulfillmentMethod.CURBSIDE and f.status == FulfillmentStatus.READY
            and order.status != OrderStatus.CANCELLED,
            arrived=f.status == FulfillmentStatus.ARRIVED, lines=tuple(f_lines.get(f.pk, ()))))
    returns = tuple(TrackingReturn(id=r.public_id, status=r.status, status_label=_label(ReturnStatus, r.status),
                                   created_at=r.created_at.astimezone(_zone(business_zone())))
                    for r in Return.objects.filter(order=order).order_by("pk"))
    return TrackingView(
        order_id=order.public_id, number=order.number, status=order.status,
        status_label=_label(OrderStatus, order.status),
        placed_at=order.placed_at.astimezone(_zone(business_zone())), total=Money(order.total, currency),
        lines=tuple(TrackingLine(sku=line.sku, title=line.title, quantity=line.quantity,
                                 total=Money(line.total, currency)) for line in lines),
        fulfilments=tuple(fulfilments), returns=returns)
