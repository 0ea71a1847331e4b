"""Reads of the order book for the API, the console and other domains (no writes)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db.models import F, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from omnicanal.catalog import queries as catalog_queries
from omnicanal.core import clock, hours
from omnicanal.core.auth import Principal
from omnicanal.core.ids import has_prefix
from omnicanal.core.money import Money
from omnicanal.core.queries import get_or_404
from omnicanal.customers import queries as customers
from omnicanal.inventory import queries as inventory
from omnicanal.orders import labels, pricing, sourcing, tracking, visibility
from omnicanal.orders.causes import (  # re-exported: cancellation causes as codes (analytics)
    CANCEL_CAUSE_CODES as CANCEL_CAUSE_CODES,
)
from omnicanal.orders.causes import STAFF_CANCEL_CAUSES as STAFF_CANCEL_CAUSES
from omnicanal.orders.causes import cancel_cause_code as cancel_cause_code
from omnicanal.orders.facts import (  # re-exported: the order book as facts for reporting (analytics)
    CartTouch as CartTouch,
)
from omnicanal.orders.facts import FulfillmentFact as FulfillmentFact
from omnicanal.orders.facts import OrderFact as OrderFact
from omnicanal.orders.facts import PaymentFact as PaymentFact
from omnicanal.orders.facts import ReturnFact as ReturnFact
from omnicanal.orders.facts import ReturnLineFact as ReturnLineFact
from omnicanal.orders.facts import cart_touches as cart_touches
from omnicanal.orders.facts import order_fact as order_fact
from omnicanal.orders.facts import order_facts as order_facts
from omnicanal.orders.facts import order_locations as order_locations
from omnicanal.orders.facts import return_facts as return_facts
from omnicanal.orders.models import (
    NUMBER_OFFSET,
    Cart,
    CartLine,
    CartStatus,
    Dispute,
    DisputeStatus,
    Fulfillment,
    FulfillmentLine,
    FulfillmentStatus,
    Order,
    OrderLine,
    OrderStatus,
    Payment,
    Refund,
    Return,
    ReturnLine,
    ReturnStatus,
    money_field,
    number_prefix,
    pk_from_number,
)
from omnicanal.orders.proof import same_contact
from omnicanal.orders.purchases import STORE_VISIT_METHODS as STORE_VISIT_METHODS
from omnicanal.orders.purchases import PurchaseTotals as PurchaseTotals  # re-exported: segments' population
from omnicanal.orders.purchases import purchase_totals as purchase_totals
from omnicanal.orders.services.common import DISPUTE_KINDS, PROMISE_DAYS, dispute_refusal, return_closes_at
from omnicanal.orders.services.dues import allowed_actions as allowed_actions  # re-exported: the desk's rule
from omnicanal.orders.services.dues import amount_due

PICKUP_METHODS = ("pickup", "curbside", "pickup_point", "ship_to_store")
TrackingView = tracking.TrackingView  # the tracking page's facts (orders/tracking.py)


def order_number(raw: str) -> str | None:
    """The canonical order number ("AS-100123") a customer's "as100123", "#100123" or "100123"
    stands for, when it is well formed (no database read: it may not exist)."""
    cleaned = raw.strip().lstrip("#").replace(" ", "")
    prefix = number_prefix()
    if prefix and cleaned.upper().startswith(prefix.rstrip("-").upper()) and not cleaned.upper().startswith(prefix.upper()):
        cleaned = prefix + cleaned[len(prefix.rstrip("-")):]
    pk = pk_from_number(cleaned)
    return f"{prefix}{NUMBER_OFFSET + pk}" if pk is not None else None


def tracking_view(token: str) -> TrackingView | None:
    """What the customer's signed tracking link shows; None for a tampered or foreign token."""
    return tracking.tracking_view(token)


def tracking_url(order_id: str) -> str:
    """The customer's signed tracking link of an order (absolute from PUBLIC_URL), as messages carry it."""
    return tracking.tracking_url_for(order_id)


@dataclass(frozen=True)
class DeliveryPromise:
    """When an order placed now would reach the customer by `method`: the date the order book
    promises on its fulfilments (placed_at + PROMISE_DAYS), in the business's time zone."""
    method: str
    days: int
    by: dt.date


def delivery_promises(*, methods: tuple[str, ...] = ("ship", "pickup_point", "ship_to_store"),
                      at: dt.datetime | None = None) -> list[DeliveryPromise]:
    """The shop's "get it by" dates, from the same PROMISE_DAYS placement writes on a fulfilment."""
    at = at or clock.now()
    tz = hours.zone(settings.OMNICANAL["TIME_ZONE"])
    return [DeliveryPromise(method=m, days=PROMISE_DAYS[m], by=(at + dt.timedelta(days=PROMISE_DAYS[m])).astimezone(tz).date())
            for m in methods if m in PROMISE_DAYS]


def order_figures() -> dict[str, int]:
    """How many orders and ordered units are stored (invariants' counts: a drill's orders, none lost
    and none doubled, are the difference before and after)."""
    return {"orders": Order.objects.count(),
            "order_units": OrderLine.objects.aggregate(n=Sum("quantity"))["n"] or 0}


def get_order(ref: str) -> Order:
    """By public id (ord_…) or number (AS-100123)."""
    if has_prefix(ref, "ord"):
        return get_or_404(Order.objects.all(), f"No order {ref}.", public_id=ref)
    pk = pk_from_number(ref or "")
    return get_or_404(Order.objects.all(), f"No order {ref}.", pk=pk if pk is not None else 0)


def get_fulfillment(public_id: str) -> Fulfillment:
    return get_or_404(Fulfillment.objects.select_related("order"), f"No fulfillment {public_id}.", public_id=public_id)


def get_return(public_id: str) -> Return:
    return get_or_404(Return.objects.select_related("order"), f"No return {public_id}.", public_id=public_id)


def get_cart(public_id: str) -> Cart:
    return get_or_404(Cart.objects.all(), f"No cart {public_id}.", public_id=public_id)


def _m(amount, currency: str) -> dict:
    return Money(amount, currency).as_dict()


def reason_for_reader(order: Order, f_id: str, fallback: str) -> str:
    """The sourcing reason in the reader's language (stored language-neutral on the order)."""
    from django.utils.translation import gettext

    for entry in order.sourcing or []:
        if entry.get("fulfillment") == f_id and entry.get("why"):
            return gettext(entry["why"]["msg"]) % entry["why"]["params"]
    if known := sourcing.reason_from_text(fallback):  # stored as English text only
        return gettext(known["msg"]) % known["params"]
    return fallback


def fulfillment_dict(f: Fulfillment, lines: dict[str, int], currency: str = "CLP", *,
                     viewer: Principal | None = None) -> dict:
    """The wire form of a fulfilment; `viewer` (None: an internal reader) decides whether its pickup
    code shows (visibility.may_see_pickup_code): others get `pickup_code: null`."""
    out = {"id": f.public_id, "location": f.location, "handover_location": f.handover_location or None,
           "method": f.method, "status": f.status, "lines": [{"sku": s, "quantity": q} for s, q in lines.items()],
           "reason": f.reason, "carrier": f.carrier or None, "tracking": f.tracking or None,
           "transfer_id": f.transfer_id or None, "parking_spot": f.parking_spot or None,
           "promised_at": f.promised_at.isoformat() if f.promised_at else None,
           "order_id": f.order.public_id if "order" in f._state.fields_cache else None}
    if f.pickup_code:
        out["pickup_code"] = f.pickup_code if visibility.may_see_pickup_code(viewer, f) else None
    return out


def order_dict(order: Order, *, full: bool = True, viewer: Principal | None = None) -> dict:
    """The wire form of an order. Placement passes what it just wrote (no re-read). `viewer` is who
    reads it (None: an internal reader, e.g. the customer's export): pickup codes and personal data
    show only as visibility.py says."""
    c = order.currency
    lines = getattr(order, "_lines", None)
    if lines is None:
        lines = list(OrderLine.objects.filter(order=order))
    fulfillments = getattr(order, "_fulfillments", None)
    f_lines: dict[str, dict[str, int]] = getattr(order, "_fulfillment_lines", None) or {}
    if fulfillments is None:
        fulfillments = list(Fulfillment.objects.filter(order=order))
        f_lines = defaultdict(dict)
        for row in FulfillmentLine.objects.filter(fulfillment__order=order).select_related("fulfillment"):
            f_lines[row.fulfillment.public_id][row.sku] = row.quantity
    payments = getattr(order, "_payments", None)
    if payments is None:
        payments = list(Payment.objects.filter(order=order))
    paid = sum((p.amount for p in payments if p.status == "captured"), Decimal(0))
    refunds = list(Refund.objects.filter(order=order)) if full else []
    refunded = sum((r.amount for r in refunds), Decimal(0))
    out = {
        "id": order.public_id, "number": order.number, "status": order.status, "channel": order.channel,
        "customer_id": order.customer_id or None,
        "delivery": {"method": order.delivery_method, "location": order.delivery_location or None,
                     "address": order.address if visibility.sees_pii(viewer) else None},
        "lines": [{"sku": line.sku, "title": line.title, "quantity": line.quantity,
                   "unit_price": _m(line.unit_price, c), "discount": _m(line.discount, c), "total": _m(line.total, c),
                   "cancelled": line.cancelled, "returned": line.returned} for line in lines],
        "totals": {"subtotal": _m(order.subtotal, c), "shipping": _m(order.shipping, c),
                   "discount": _m(order.discount, c), "total": _m(order.total, c), "tax": _m(order.tax, c),
                   "tax_lines": order.tax_lines, "paid": _m(paid, c), "refunded": _m(refunded, c),
                   "due": amount_due(order, payments).as_dict()},
        "coupon": order.coupon or None,
        "fulfillments": [fulfillment_dict(f, dict(f_lines.get(f.public_id, {})), c, viewer=viewer)
                         for f in fulfillments],
        "payments": [{"id": p.public_id, "method": p.method, "provider": p.provider, "status": p.status,
                      "amount": _m(p.amount, c), "refunded": _m(p.refunded, c)} for p in payments],
        "sourcing": order.sourcing,
        "placed_at": order.placed_at.isoformat(),
    }
    if full:
        out["cancel_cause"] = order.cancel_cause or None
        out["cancelled_at"] = order.cancelled_at.isoformat() if order.cancelled_at else None
        out["refunds"] = [{"id": r.public_id, "to": r.to, "amount": _m(r.amount, c), "reason": r.reason,
                           "reference": r.reference, "payment_id": r.payment.public_id if r.payment is not None else None,
                           "at": r.created_at.isoformat()} for r in refunds]
        out["returns"] = [return_dict(r, viewer=viewer) for r in Return.objects.filter(order=order)]
        out["disputes"] = [{"id": d.public_id, "kind": d.kind, "status": d.status, "decision": d.decision or None,
                            "amount": _m(d.amount, c)} for d in Dispute.objects.filter(order=order)]
    return out


def return_dict(ret: Return, request=None, *, viewer: Principal | None = None) -> dict:
    """A return on the wire; by mail also its label: `carrier`, `tracking`, `ship_to` (the
    destination) and `label_url` (the customer's signed link, valid `label_expires_at`; null for a
    viewer who may not see personal data: the label prints the sender's name and address)."""
    out = {"id": ret.public_id, "order_id": ret.order.public_id, "location": ret.location, "status": ret.status,
           "refund_to": ret.refund_to, "refunded": _m(ret.refunded, ret.order.currency),
           "exchange_order_id": ret.exchange_order_id or None,
           "lines": [{"sku": rl.sku, "quantity": rl.quantity, "reason": rl.reason, "received": rl.received,
                      "condition": rl.condition or None} for rl in ReturnLine.objects.filter(ret=ret)],
           "created_at": ret.created_at.isoformat(), "by_mail": ret.by_mail,
           "received_location": ret.received_location or None,
           "received_at": ret.received_at.isoformat() if ret.received_at else None}
    if ret.by_mail:
        out.update({"carrier": ret.carrier, "tracking": ret.tracking, "ship_to": ship_to(ret.location),
                    "label_url": labels.url_for(ret.public_id, ret.created_at, request=request)
                    if visibility.sees_pii(viewer) else None,
                    "label_expires_at": labels.expires_at(ret.created_at).isoformat(),
                    "sent_at": ret.sent_at.isoformat() if ret.sent_at else None})
    return out


def ship_to(code: str) -> dict:
    """A return parcel's destination as printed on the label."""
    loc = inventory.location_info(code)
    if loc is None:
        return {"location": code, "name": code}
    return {"location": loc.code, "name": loc.name, "line1": loc.line1, "line2": loc.line2 or None,
            "city": loc.city, "region": loc.region or None, "postal_code": loc.postal_code or None,
            "country": loc.country or None}


def label_context(ret: Return) -> dict:
    """What a printed return label shows (the console's and the customer's page)."""
    order = ret.order
    return {"ret": ret, "order": order, "ship_to": ship_to(ret.location), "sender": order.address or {},
            "sender_name": (order.contact or {}).get("name", ""), "qr": labels.barcode_svg(ret.public_id),
            "lines": list(ReturnLine.objects.filter(ret=ret)), "expires_at": labels.expires_at(ret.created_at)}


@dataclass(frozen=True)
class ReturnableLine:
    """A line of an order as a return form offers it: the same counts and window the return service
    checks (orders.services.returns.do_request_return), so the form never offers what it refuses."""
    sku: str
    title: str
    handed: int  # units that reached the customer (delivered or picked up)
    returnable: int  # handed − already returned − in returns still requested
    closes_at: dt.datetime  # the return window of the line's category closes

    @property
    def open(self) -> bool:
        return self.returnable > 0 and clock.now() <= self.closes_at


def returnable_lines(order: Order) -> list[ReturnableLine]:
    """The order's lines that reached the customer, with what can still be returned and until when."""
    handed: dict[int, int] = defaultdict(int)
    for line_id, quantity in FulfillmentLine.objects.filter(
            fulfillment__order=order, fulfillment__status__in=(FulfillmentStatus.DELIVERED, FulfillmentStatus.PICKED_UP),
    ).values_list("order_line_id", "quantity"):
        handed[line_id] += quantity
    pending: dict[int, int] = defaultdict(int)
    for line_id, quantity in ReturnLine.objects.filter(ret__order=order, ret__status="requested").values_list(
            "order_line_id", "quantity"):
        pending[line_id] += quantity
    lines = list(OrderLine.objects.filter(order=order))
    windows = catalog_queries.return_windows(line.category for line in lines)
    default_window = int(settings.OMNICANAL.get("RETURN_WINDOW_DAYS", 30))
    return [ReturnableLine(sku=line.sku, title=line.title, handed=handed[line.pk],
                           returnable=max(handed[line.pk] - line.returned - pending[line.pk], 0),
                           closes_at=return_closes_at(order.placed_at, windows.get(line.category, default_window)))
            for line in lines if handed[line.pk]]


def mail_returns_on_the_way(*, destination: str = "", viewer: Principal | None = None) -> QuerySet[Return]:
    """Returns by mail not received yet (label made, or parcel in transit), oldest first; by
    destination; only those the viewer may see (a clerk: addressed to their stores)."""
    qs = visibility.visible_returns(
        Return.objects.select_related("order").filter(by_mail=True, status__in=("requested", "in_transit")), viewer)
    if destination:
        qs = qs.filter(location=destination)
    return qs.order_by("created_at", "pk")


DECIDED = ("resolved", "rejected")


def disputes_queue(*, status: str = "open", kind: str = "", limit: int = 200) -> list[Dispute]:
    """The disputes console: open (or decided) disputes, oldest first, with their order and what the
    order's captured payments came to (`paid`)."""
    captured = (Payment.objects.filter(order_id=OuterRef("order_id"), status="captured").order_by()
                .values("order_id").annotate(total=Sum("amount")).values("total"))
    qs = Dispute.objects.select_related("order").annotate(
        paid=Coalesce(Subquery(captured), Value(Decimal(0)), output_field=money_field()))
    if status == "open":
        qs = qs.filter(status="open")
    elif status == "decided":
        qs = qs.filter(status__in=DECIDED)
    if kind:
        qs = qs.filter(kind=kind)
    return list(qs.order_by("created_at", "pk")[:limit])


def openable_dispute_kinds(order: Order) -> tuple[str, ...]:
    """The dispute kinds the order may be disputed for now (the rule do_open_dispute applies), less
    those it already has open: what a customer's form offers."""
    now = clock.now()
    open_kinds = set(Dispute.objects.filter(order=order, status=DisputeStatus.OPEN).values_list("kind", flat=True))
    return tuple(kind for kind in DISPUTE_KINDS if kind not in open_kinds and dispute_refusal(order, kind, now) is None)


def get_dispute(public_id: str) -> Dispute:
    return get_or_404(Dispute.objects.select_related("order"), f"No dispute {public_id}.", public_id=public_id)


def dispute_dict(d: Dispute) -> dict:
    c = d.order.currency
    return {"id": d.public_id, "order_id": d.order.public_id, "order_number": d.order.number, "kind": d.kind,
            "status": d.status, "note": d.note, "decision": d.decision or None, "amount": _m(d.amount, c),
            "opened_by": d.opened_by or None, "decided_by": d.decided_by or None,
            "created_at": d.created_at.isoformat(), "decided_at": d.decided_at.isoformat() if d.decided_at else None,
            "history": d.history}


def cart_dict(cart: Cart) -> dict:
    """Lines priced on the cart's channel, with live availability per line."""
    lines = list(CartLine.objects.filter(cart=cart).order_by("pk"))
    skus = [line.sku for line in lines]
    priced = pricing.price_skus(skus, cart.channel) if skus else {}
    stock = inventory.availability_many(skus=skus, channel=cart.channel) if skus else {}
    currency = next(iter(priced.values())).unit_price.currency if priced else cart.currency
    out_lines, subtotal = [], Money.zero(currency)
    for line in lines:
        p = priced[line.sku]
        total = p.unit_price * line.quantity
        subtotal = subtotal + total
        available = stock[line.sku].available if line.sku in stock else 0
        out_lines.append({"sku": line.sku, "title": p.title, "quantity": line.quantity,
                          "unit_price": p.unit_price.as_dict(), "total": total.as_dict(), "available": available,
                          "in_stock": available >= line.quantity})
    return {"id": cart.public_id, "customer_id": cart.customer_id or None, "channel": cart.channel,
            "status": cart.status, "lines": out_lines,
            "totals": {"subtotal": subtotal.as_dict(), "total": subtotal.as_dict(),
                       "tax_lines": pricing.tax_lines(subtotal)},
            "updated_at": cart.updated_at.isoformat()}


def cart_units(cart_id: str) -> int:
    """How many units a cart holds (the shop's header badge): 0 for a cart ordered, merged or unknown."""
    from django.db.models import Sum

    total = CartLine.objects.filter(cart__public_id=cart_id, cart__status__in=(CartStatus.ACTIVE, CartStatus.ABANDONED)) \
        .aggregate(n=Sum("quantity"))["n"]
    return int(total or 0)


def active_cart(customer_id: str) -> Cart | None:
    return Cart.objects.filter(customer_id=customer_id, status__in=(CartStatus.ACTIVE, CartStatus.ABANDONED)) \
        .order_by("-updated_at").first()


def recent_orders(customer_id: str, limit: int = 5, *, principal: Principal | None = None) -> list[dict]:
    """The single view's short list: only orders the principal may see (a clerk: their stores')."""
    qs = visibility.visible_orders(Order.objects.filter(customer_id=customer_id), principal)
    return [{"id": o.public_id, "number": o.number, "status": o.status, "channel": o.channel,
             "total": _m(o.total, o.currency), "placed_at": o.placed_at.isoformat()}
            for o in qs.order_by("-placed_at")[:limit]]


def search_orders(*, q: str = "", channel: str = "", status: str = "", location: str = "", method: str = "",
                  locations: frozenset[str] | None = None) -> QuerySet[Order]:
    """The console list. A clerk (locations given) sees only orders touching their stores
    (visibility.order_q)."""
    qs = Order.objects.all()
    if q:
        pk = pk_from_number(q)
        qs = qs.filter(Q(public_id=q) | Q(customer_id=q) | (Q(pk=pk) if pk else Q(pk__in=[])))
    if channel:
        qs = qs.filter(channel=channel)
    if status:
        qs = qs.filter(status=status)
    if method:
        qs = qs.filter(delivery_method=method)
    if location:
        qs = qs.filter(Q(fulfillments__location=location) | Q(fulfillments__handover_location=location)
                       | Q(delivery_location=location))
    if locations is not None:
        qs = qs.filter(visibility.order_q(locations))
    return qs.distinct().order_by("-placed_at", "-id")


def customer_orders(customer_id: str, *, q: str = "", limit: int = 10,
                    principal: Principal | None = None) -> list[Order]:
    """The agent's side panel: a customer's latest orders, or those matching an order number, an
    order id or a SKU (fulfilments and lines prefetched for status, tracking and returns); only
    those the principal may see (a clerk: their stores')."""
    qs = visibility.visible_orders(Order.objects.filter(customer_id=customer_id), principal)
    q = q.strip()
    if q:
        pk = pk_from_number(q)
        qs = qs.filter(Q(public_id=q) | (Q(pk=pk) if pk else Q(pk__in=[])) | Q(lines__sku__iexact=q))
    return list(qs.distinct().order_by("-placed_at", "-id").prefetch_related("fulfillments", "lines")[:limit])


def queue(*, location: str, statuses: tuple[str, ...], methods: tuple[str, ...] | None = None,
          handover: bool = False) -> QuerySet[Fulfillment]:
    """Work of a location: to pick, to pack, to ship, ready for pickup, arrived at the curb."""
    qs = Fulfillment.objects.select_related("order").filter(status__in=statuses).exclude(order__status="cancelled")
    qs = qs.filter(handover_location=location) if handover else qs.filter(location=location)
    if methods:
        qs = qs.filter(method__in=methods)
    return qs.order_by("created_at", "pk")


@dataclass(frozen=True)
class DeskRow:
    """A fulfilment as a store desk lists it: who it is for, what is still due, since when it waits."""
    fulfillment: Fulfillment
    lines: tuple[tuple[str, int], ...]
    customer_name: str
    due: Money
    waiting_since: dt.datetime


def desk_rows(fulfillments: list[Fulfillment]) -> list[DeskRow]:
    """The desk's view of `fulfillments` (from `queue`), in their order: a few queries for all."""
    skus = fulfillment_skus(fulfillments)
    names = customers.customer_summaries(f.order.customer_id for f in fulfillments)
    pays: dict[int, list[Payment]] = defaultdict(list)
    for p in Payment.objects.filter(order_id__in={f.order_id for f in fulfillments}):
        pays[p.order_id].append(p)
    out = []
    for f in fulfillments:
        known = names.get(f.order.customer_id)
        name = (known.name if known else "") or str((f.order.contact or {}).get("name") or "")
        out.append(DeskRow(fulfillment=f, lines=tuple(skus.get(f.pk, [])), customer_name=name,
                           due=amount_due(f.order, pays[f.order_id]), waiting_since=f.updated_at))
    return out


def fulfillment_skus(fulfillments: list[Fulfillment]) -> dict[int, list[tuple[str, int]]]:
    out: dict[int, list[tuple[str, int]]] = defaultdict(list)
    for row in FulfillmentLine.objects.filter(fulfillment__in=fulfillments).order_by("pk"):
        out[row.fulfillment_id].append((row.sku, row.quantity))
    return out


def counts_by_status(location: str) -> dict[str, int]:
    from django.db.models import Count

    rows = (Fulfillment.objects.filter(Q(location=location) | Q(handover_location=location))
            .exclude(status__in=(FulfillmentStatus.CANCELLED, FulfillmentStatus.DELIVERED, FulfillmentStatus.PICKED_UP))
            .values("status").annotate(n=Count("id")))
    return {r["status"]: r["n"] for r in rows}


@dataclass(frozen=True)
class StoredCardInfo:
    """A customer's saved card (Webpay Oneclick): what may be shown; never a number beyond its last four."""

    id: str
    card_type: str
    last4: str
    created_at: dt.datetime

    @property
    def label(self) -> str:
        return f"{self.card_type or '•'} •••• {self.last4}"


def _saved_cards(**where) -> list[StoredCardInfo]:
    from omnicanal.orders.models import StoredCard

    return [StoredCardInfo(id=c.public_id, card_type=c.card_type, last4=c.last4, created_at=c.created_at)
            for c in StoredCard.objects.filter(status="active", **where).order_by("pk")]


def stored_cards(customer_id: str) -> list[StoredCardInfo]:
    """The customer's saved cards (inscriptions finished), oldest first."""
    return _saved_cards(customer_id=customer_id)


def stored_cards_by_id(card_ids: Iterable[str]) -> dict[str, StoredCardInfo]:
    """Saved cards by id, in one read (a list of subscriptions says how each pays); a card since
    removed, or never saved, is absent."""
    wanted = sorted(set(card_ids))
    return {card.id: card for card in _saved_cards(public_id__in=wanted)} if wanted else {}


def card_charge(order_id: str) -> str:
    """Where the saved-card charge of an order stands (services/card_charges.py): awaiting (not yet
    sent to Transbank), charging (sent, its outcome not recorded yet), paid, cancelled (declined,
    never charged, or cancelled otherwise), or "" when there is no such order."""
    order = Order.objects.filter(public_id=order_id).only("pk", "status").first()
    if order is None:
        return ""
    if order.status == "cancelled":
        return "cancelled"
    if order.status != "pending_payment":
        return "paid"
    sent = (Payment.objects.filter(order=order, provider="oneclick", status="pending")  # claimed: ref = buy order
            .exclude(provider_ref="").exclude(provider_ref=F("public_id")))
    return "charging" if sent.exists() else "awaiting"


def export_customer(customer_id: str) -> dict:
    return {"orders": [order_dict(o) for o in Order.objects.filter(customer_id=customer_id)],
            "stored_cards": [{"id": c.id, "card_type": c.card_type, "last4": c.last4,
                              "created_at": c.created_at.isoformat()} for c in stored_cards(customer_id)],
            "carts": [{"id": c.public_id, "channel": c.channel, "status": c.status,
                       "lines": [{"sku": line.sku, "quantity": line.quantity} for line in c.lines.all()]}
                      for c in Cart.objects.filter(customer_id=customer_id)]}


def captured_funds(reference: str):
    """What a payment `pay_…` or an order `ord_…` captured and kept (refunds deducted), from money
    that came from outside loyalty (cash, card), and its order: the funds a gift card or a wallet
    top-up may be issued against (loyalty.funding.Funds). None when nothing was captured."""
    from omnicanal.loyalty.funding import Funds

    rows = Payment.objects.filter(status="captured").exclude(provider="loyalty").select_related("order")
    if has_prefix(reference, "pay"):
        rows = rows.filter(public_id=reference)
    elif has_prefix(reference, "ord"):
        rows = rows.filter(order__public_id=reference)
    else:
        return None
    captured = list(rows)
    if not captured:
        return None
    order = captured[0].order
    kept = sum((p.amount - p.refunded for p in captured), Decimal(0))
    return Funds(amount=Money(kept, order.currency), order_id=order.public_id) if kept > 0 else None


@dataclass(frozen=True)
class ReceivedLine:
    """A line of a customer's order that reached them, on any channel: delivered, picked up (a
    pickup, curbside, locker or ship-to-store) or carried out of a store at the POS. What a
    verified-buyer review (feedback) may be written for."""
    order_id: str
    order_number: str
    channel: str
    sku: str
    title: str
    quantity: int  # units that reached the customer
    received_at: dt.datetime


def lines_received_by(customer_id: str, *, order_id: str = "", sku: str = "") -> list[ReceivedLine]:
    """The customer's order lines that reached them (optionally of one order, one SKU), newest first;
    one entry per order and SKU. A line only partly handed over counts: some of it reached them."""
    rows = FulfillmentLine.objects.filter(
        fulfillment__order__customer_id=customer_id,
        fulfillment__status__in=(FulfillmentStatus.DELIVERED, FulfillmentStatus.PICKED_UP),
    ).select_related("fulfillment__order", "order_line")
    if order_id:
        pk = pk_from_number(order_id)
        rows = rows.filter(Q(fulfillment__order__public_id=order_id) | (Q(fulfillment__order__pk=pk) if pk else Q(pk__in=[])))
    if sku:
        rows = rows.filter(sku=sku)
    found: dict[tuple[str, str], ReceivedLine] = {}
    for row in rows.order_by("pk"):
        order = row.fulfillment.order
        key = (order.public_id, row.sku)
        previous = found.get(key)
        found[key] = ReceivedLine(
            order_id=order.public_id, order_number=order.number, channel=order.channel, sku=row.sku,
            title=row.order_line.title, quantity=row.quantity + (previous.quantity if previous else 0),
            received_at=max(row.fulfillment.updated_at, previous.received_at) if previous else row.fulfillment.updated_at,
        )
    return sorted(found.values(), key=lambda line: line.received_at, reverse=True)


def order_belongs_to(order_id: str, customer_id: str) -> bool:
    """Is this order (by id or number) the customer's? (a stranger's order is answered as missing)"""
    pk = pk_from_number(order_id)
    return Order.objects.filter(Q(public_id=order_id) | (Q(pk=pk) if pk else Q(pk__in=[])),
                                customer_id=customer_id).exists()


# --- the bot's self-service (bot/skills.py): typed answers, never rows ---------------------------

@dataclass(frozen=True)
class OrderStatusView:
    """What a customer may be told of their own order in a chat."""
    order_id: str
    number: str
    status: str  # the order's: pending_payment, paid, completed, cancelled
    stage: str  # the furthest-behind live fulfilment's status ("" when none yet)
    method: str
    location: str  # the pickup store's code ("" for a delivery)
    carrier: str
    tracking: str
    tracking_url: str  # the customer's signed link
    placed_at: dt.datetime


def _status_view(order: Order) -> OrderStatusView:
    live = [f for f in order.fulfillments.all() if f.status != FulfillmentStatus.CANCELLED]
    order_of_stages = list(FulfillmentStatus.values)
    first = min(live, key=lambda f: order_of_stages.index(f.status), default=None)
    return OrderStatusView(
        order_id=order.public_id, number=order.number, status=order.status, stage=first.status if first else "",
        method=order.delivery_method, location=(first.handover_location if first else "") or order.delivery_location,
        carrier=first.carrier if first else "", tracking=first.tracking if first else "",
        tracking_url=tracking.tracking_url(order), placed_at=order.placed_at)


def order_statuses(customer_id: str, *, number: str = "", limit: int = 3) -> list[OrderStatusView]:
    """The customer's own orders (newest first), or the one numbered `number` when it is theirs."""
    if not customer_id:
        return []
    qs = Order.objects.filter(customer_id=customer_id).prefetch_related("fulfillments")
    if number:
        pk = pk_from_number(number)
        if pk is None:
            return []
        qs = qs.filter(pk=pk)
    return [_status_view(o) for o in qs.order_by("-placed_at", "-id")[:limit]]


def order_status_verified(number: str, proof: str) -> OrderStatusView | None:
    """An unknown sender's order: only when `proof` (an email or phone) is the one on the order;
    None otherwise, never saying whether the number exists."""
    pk = pk_from_number(number or "")
    order = Order.objects.filter(pk=pk).prefetch_related("fulfillments").first() if pk else None
    if order is None or not same_contact(order, proof):
        return None
    return _status_view(order)


def order_status(order_id: str) -> OrderStatusView | None:
    order = Order.objects.filter(public_id=order_id).prefetch_related("fulfillments").first()
    return None if order is None else _status_view(order)


@dataclass(frozen=True)
class ReturnableItem:
    sku: str
    title: str
    quantity: int  # still returnable
    closes_at: dt.datetime


def returnable_items(order_id: str) -> list[ReturnableItem]:
    """The lines of an order the customer can still return, as do_request_return will accept them."""
    order = Order.objects.filter(public_id=order_id).first()
    if order is None:
        return []
    return [ReturnableItem(sku=line.sku, title=line.title, quantity=line.returnable, closes_at=line.closes_at)
            for line in returnable_lines(order) if line.open]


@dataclass(frozen=True)
class ReturnView:
    return_id: str
    order_number: str
    by_mail: bool
    location: str
    location_name: str
    label_url: str  # the customer's signed link ("" in store)
    carrier: str
    tracking: str


def return_view(return_id: str) -> ReturnView:
    ret = get_return(return_id)
    where = inventory.location_info(ret.location)
    return ReturnView(return_id=ret.public_id, order_number=ret.order.number, by_mail=ret.by_mail,
                      location=ret.location, location_name=where.name if where else ret.location,
                      label_url=labels.url_for(ret.public_id, ret.created_at) if ret.by_mail else "",
                      carrier=ret.carrier, tracking=ret.tracking)


@dataclass(frozen=True)
class PurchasedLine:
    """An order line as bought, on any channel (marketing's purchase cycles and recommendations):
    orders not cancelled, the units not cancelled."""

    customer_id: str
    order_id: str
    channel: str
    sku: str
    category: str  # the category slug the line was sold under
    quantity: int
    placed_at: dt.datetime
    amount: Decimal = Decimal(0)  # the line's total for the units not cancelled, in the order's currency
    store: str = ""  # the store the customer came to (a POS sale, a pickup or curbside there), else ""


def purchase_history(*, customer_id: str = "", since: dt.datetime | None = None) -> list[PurchasedLine]:
    """Every customer's (or one customer's) bought lines, oldest first, in one query."""
    rows = OrderLine.objects.exclude(order__status=OrderStatus.CANCELLED).exclude(order__customer_id="")
    if customer_id:
        rows = rows.filter(order__customer_id=customer_id)
    if since is not None:
        rows = rows.filter(order__placed_at__gte=since)
    values = rows.order_by("order__placed_at", "pk").values_list(
        "order__customer_id", "order__public_id", "order__channel", "sku", "category", "quantity", "cancelled",
        "order__placed_at", "total", "order__delivery_method", "order__delivery_location")
    return [PurchasedLine(customer_id=cid, order_id=oid, channel=channel, sku=sku, category=category,
                          quantity=quantity - cancelled, placed_at=at,
                          amount=Decimal(total) * (quantity - cancelled) / quantity,
                          store=location if method in STORE_VISIT_METHODS else "")
            for cid, oid, channel, sku, category, quantity, cancelled, at, total, method, location in values
            if quantity > cancelled]


# A return line's reason as a code (the console and the till offer these; the API takes any text up
# to 60 characters). Readers that count or keep reasons beyond the order (analytics) use the code:
# free text may hold a person's words, which erasure must not have to chase elsewhere.
RETURN_REASON_CODES = ("size", "changed_mind", "defective", "not_as_described", "other")


def return_reason_code(reason: str) -> str:
    """`reason` when it is one of RETURN_REASON_CODES; "" when none was given; else "other"."""
    reason = (reason or "").strip()
    return reason if reason in RETURN_REASON_CODES or not reason else "other"


@dataclass(frozen=True)
class ReturnedLine:
    """A line a customer sent back (a return not cancelled), with the reason they gave."""

    customer_id: str
    sku: str
    quantity: int
    reason: str  # size, changed_mind, defective, not_as_described, other
    at: dt.datetime


def returned_lines(*, customer_id: str = "") -> list[ReturnedLine]:
    """Every customer's (or one customer's) returned lines, oldest first."""
    rows = ReturnLine.objects.exclude(ret__status="cancelled").exclude(ret__order__customer_id="")
    if customer_id:
        rows = rows.filter(ret__order__customer_id=customer_id)
    values = rows.order_by("ret__created_at", "pk").values_list("ret__order__customer_id", "sku", "quantity",
                                                                  "reason", "ret__created_at")
    return [ReturnedLine(customer_id=cid, sku=sku, quantity=quantity, reason=reason, at=at)
            for cid, sku, quantity, reason, at in values]


def cart_skus(*, customer_id: str = "", cart_id: str = "") -> tuple[str, ...]:
    """The SKUs in a cart (by id: an anonymous device's) or in the customer's one active cart (any
    device or channel), oldest line first."""
    if cart_id:
        rows = CartLine.objects.filter(cart__public_id=cart_id)
    elif customer_id:
        rows = CartLine.objects.filter(cart__customer_id=customer_id, cart__status=CartStatus.ACTIVE)
    else:
        return ()
    return tuple(rows.order_by("pk").values_list("sku", flat=True))


def has_open_return(order_id: str) -> bool:
    """Is a return of this order requested or on its way (not yet received nor cancelled)? Feedback
    holds a review request while one is."""
    return Return.objects.filter(order__public_id=order_id,
                                 status__in=(ReturnStatus.REQUESTED, ReturnStatus.IN_TRANSIT)).exists()


def abandoned_carts(customer_ids: Iterable[str] | None = None) -> dict[str, dt.datetime]:
    """{customer id: when their cart was left} for the customers whose one cart is abandoned now (idle
    past carts.ABANDONED_AFTER with lines in it and not ordered since): marketing's segments."""
    rows = Cart.objects.filter(status=CartStatus.ABANDONED, abandoned_at__isnull=False).exclude(customer_id="")
    if customer_ids is not None:
        rows = rows.filter(customer_id__in=list(customer_ids))
    out: dict[str, dt.datetime] = {}
    for customer_id, at in rows.order_by("abandoned_at").values_list("customer_id", "abandoned_at"):
        if at is not None:
            out[customer_id] = at  # the latest wins
    return out
