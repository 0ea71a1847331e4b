"""The order book's only writers. Keyword arguments; they run inside the caller's transaction.

    do_place_order(channel=, customer_id=, lines= | cart_id=, delivery=, coupon=, payments=)  -> Order
    do_transition(fulfillment_id=, action=, data=)         pick, pack, ship, ready, arrived, handover, deliver
    do_short_pick(fulfillment_id=, sku=, missing=)         a unit missing at picking: re-sourced or refunded
    do_cancel_order(order=, reason=)                       stock released, payments refunded, points reversed
    do_refund(order=, amount=, to=, reference=)            never more than was paid
    do_payment_event(provider=, event_id=, payment_id=, status=)   the provider's webhook
    do_request_return / do_receive_return, do_open_dispute / do_decide_dispute
    carts: do_create_cart, do_set_cart_line, do_attach_cart, do_checkout_hold, do_mark_abandoned

The placement hot path: pricing (2 queries), locations and candidate stock (2), one do_reserve
(inventory: one read, inserts, one locking UPDATE in pk order), then bulk INSERTs of the order, its
lines, fulfilments, their lines and payments, and one outbox INSERT for all events.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import secrets
import zoneinfo
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from omnicanal.catalog.queries import check_channel
from omnicanal.core import audit, clock, outbox
from omnicanal.core.auth import SYSTEM, Principal, require_role
from omnicanal.core.errors import Conflict, Forbidden, InvalidTransition, NotFound, ValidationFailed
from omnicanal.core.ids import new_id
from omnicanal.core.money import Money
from omnicanal.customers import queries as customers
from omnicanal.customers import services as customer_services
from omnicanal.inventory import queries as inventory_queries
from omnicanal.inventory import services as inventory
from omnicanal.inventory.services import ReserveLine
from omnicanal.loyalty.presence import Presence
from omnicanal.loyalty.presence import internal as internal_presence
from omnicanal.loyalty.services import coupons as loyalty_coupons
from omnicanal.loyalty.services import payments as loyalty_payments
from omnicanal.loyalty.services import program as loyalty_program
from omnicanal.loyalty.services import stored_value as loyalty_stored_value
from omnicanal.loyalty.services.common import Line as LoyaltyLine
from omnicanal.orders import events, labels, locks, pickup, pricing, providers, sourcing
from omnicanal.orders.models import (
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
    PaymentStatus,
    ProviderEvent,
    Refund,
    Return,
    ReturnLine,
    ReturnStatus,
)
from omnicanal.orders.privacy import do_erase_customer  # noqa: F401  (moved; its old name still works)

MAX_LINES = 100
MAX_QUANTITY = 999
CHECKOUT_HOLD = dt.timedelta(minutes=15)
ABANDONED_AFTER = dt.timedelta(hours=24)
IN_PERSON_CHANNELS = ("pos", "mpos")
LOYALTY_METHODS = ("stored_value", "points", "gift_card", "store_credit", "wallet")
RETURN_WINDOW_DAYS = {"default": 30, "electronica": 10, "nutricion": 0}
DISPUTE_GRACE_DAYS = 5
PROMISE_DAYS = {"ship": 3, "drop_ship": 6, "pickup_point": 3, "ship_to_store": 2, "pickup": 0, "curbside": 0}
FINAL = (FulfillmentStatus.DELIVERED, FulfillmentStatus.PICKED_UP, FulfillmentStatus.CANCELLED)
LEFT = (FulfillmentStatus.SHIPPED, FulfillmentStatus.DELIVERED, FulfillmentStatus.PICKED_UP)

# The state machine of each fulfilment method: action -> (from, to).
_PICK = {"pick": ("pending", "picking"), "pack": ("picking", "packed")}
GRAPH: dict[str, dict[str, tuple[tuple[str, ...], str]]] = {
    "ship": {**{k: ((a,), b) for k, (a, b) in _PICK.items()}, "ship": (("packed",), "shipped"),
             "deliver": (("shipped",), "delivered")},
    "pickup": {**{k: ((a,), b) for k, (a, b) in _PICK.items()}, "ready": (("packed",), "ready_for_pickup"),
               "handover": (("ready_for_pickup",), "picked_up")},
    "curbside": {**{k: ((a,), b) for k, (a, b) in _PICK.items()}, "ready": (("packed",), "ready_for_pickup"),
                 "arrived": (("ready_for_pickup",), "arrived"), "handover": (("arrived",), "picked_up")},
    "pickup_point": {**{k: ((a,), b) for k, (a, b) in _PICK.items()}, "ship": (("packed",), "shipped"),
                     "ready": (("shipped",), "ready_for_pickup"), "handover": (("ready_for_pickup",), "picked_up")},
    "ship_to_store": {**{k: ((a,), b) for k, (a, b) in _PICK.items()}, "ship": (("packed",), "shipped"),
                      "ready": (("shipped",), "ready_for_pickup"), "handover": (("ready_for_pickup",), "picked_up")},
    "carry_out": {},
}
GRAPH["drop_ship"] = GRAPH["ship"]
ACTIONS = ("pick", "pack", "ship", "ready", "arrived", "handover", "deliver")


@dataclass(frozen=True)
class LineIn:
    sku: str
    quantity: int


@dataclass(frozen=True)
class PaymentIn:
    method: str
    amount: Money | None = None
    gift_card_code: str = ""
    pin: str = ""


def _who(actor: Principal) -> str:
    return f"{actor.kind}:{actor.name}"[:100]


def _is_person(actor: Principal) -> bool:
    return actor.kind != "system"


def _wanted(lines: list[LineIn], field: str = "lines") -> dict[str, int]:
    wanted: dict[str, int] = {}
    for i, line in enumerate(lines):
        if not isinstance(line.quantity, int) or isinstance(line.quantity, bool) or not 0 < line.quantity <= MAX_QUANTITY:
            raise ValidationFailed.on(f"{field}.{i}.quantity", _("must be a whole number from 1 to %(max)d")
                                      % {"max": MAX_QUANTITY})
        sku = (line.sku or "").strip()
        if not sku:
            raise ValidationFailed.on(f"{field}.{i}.sku", _("is required"))
        wanted[sku] = wanted.get(sku, 0) + line.quantity
    if not wanted:
        raise ValidationFailed.on(field, _("at least one line is required"))
    if len(wanted) > MAX_LINES:
        raise ValidationFailed.on(field, _("at most %(max)d lines") % {"max": MAX_LINES})
    return wanted


def _pickup_code() -> str:
    return f"{secrets.randbelow(10**6):06d}"


def _history(status: str, actor: Principal, now, **extra) -> dict:
    return {"at": now.isoformat(), "status": status, "actor": _who(actor), **extra}


# --- placement ---------------------------------------------------------------------------------------


def _check_delivery(delivery: dict, channel: str) -> tuple[str, str, dict | None]:
    method = (delivery or {}).get("method") or ""
    location = ((delivery or {}).get("location") or "").strip().upper()
    address = (delivery or {}).get("address")
    if method not in GRAPH or method in ("ship_to_store", "drop_ship"):
        raise ValidationFailed.on("delivery.method", _("must be ship, pickup, curbside, pickup_point or carry_out"))
    if method == "ship" and not address:
        raise ValidationFailed.on("delivery.address", _("is required to ship"))
    if method != "ship" and not location:
        raise ValidationFailed.on("delivery.location", _("is required for %(method)s") % {"method": method})
    if method == "carry_out" and channel not in IN_PERSON_CHANNELS:
        raise ValidationFailed.on("delivery.method", _("carry-out is for the POS and the mPOS"))
    return method, location, address if method == "ship" else None


def _payments_plan(payments: list[PaymentIn] | None, total: Money, channel: str, customer_id: str) -> list[PaymentIn]:
    if not payments:
        return [PaymentIn(method="card", amount=total)] if total.amount > 0 else []
    planned, paid = [], Money.zero(total.currency)
    for i, p in enumerate(payments):
        amount = p.amount if p.amount is not None else total - paid
        if amount.amount <= 0:
            raise ValidationFailed.on(f"payments.{i}.amount", _("must be more than zero"))
        if amount.currency != total.currency:
            raise ValidationFailed.on(f"payments.{i}.amount", _("must be in %(c)s") % {"c": total.currency})
        if p.method in ("stored_value", "points") and not customer_id:
            raise ValidationFailed.on("customer_id", _("is required to pay with stored value or points"))
        if p.method == "cash" and channel not in IN_PERSON_CHANNELS:
            raise ValidationFailed.on(f"payments.{i}.method", _("cash is taken only in person"))
        planned.append(PaymentIn(method=p.method, amount=amount, gift_card_code=p.gift_card_code, pin=p.pin))
        paid = paid + amount
    if paid != total:
        raise ValidationFailed.on("payments", _("the payments add up to %(paid)s, the order to %(total)s")
                                  % {"paid": paid.format(), "total": total.format()})
    return planned


def _provider_for(method: str, channel: str) -> str:
    if method == "cash":
        return "cash"
    if method == "card":
        return "terminal" if channel in IN_PERSON_CHANNELS else "testpay"
    return "loyalty"


def _receipt_contact(contact: dict, customer_id: str, channel: str, actor: Principal) -> tuple[dict, str]:
    """The buyer asked for the receipt by email: the address is checked (422 on `receipt_email`, before
    anything is written) and joins their profile unverified (customers' rules); an anonymous sale
    becomes the address owner's, or a new customer's, so the receipt and the history follow the person."""
    given = customer_services.do_attach_identity(
        customer_id=customer_id or None, value=contact["receipt_email"], channel=channel, source="receipt",
        field_name="receipt_email", actor=actor)
    return {**contact, "receipt_email": given.value, "receipt_outcome": given.outcome}, given.customer_id


def _receipt_facts(order: Order, lines: list[OrderLine], payments: list[Payment]) -> dict:
    """What the emailed receipt shows beyond OrderPlaced's own fields (the notifier may not read orders):
    the store, the local time, each line's title, IVA and the payment methods."""
    location = inventory_queries.get_location(order.delivery_location) if order.delivery_location else None
    zone = zoneinfo.ZoneInfo(location.timezone if location else settings.OMNICANAL.get("TIME_ZONE", "UTC"))
    return {
        "placed_at": order.placed_at.astimezone(zone).isoformat(),
        "location": order.delivery_location, "location_name": location.name if location else "",
        "lines": [{"sku": line.sku, "title": line.title, "quantity": line.quantity,
                   "amount": Money(line.total, order.currency).as_dict()} for line in lines],
        "tax_lines": order.tax_lines,
        "payments": [{"method": p.method, "amount": Money(p.amount, order.currency).as_dict()} for p in payments],
    }


def do_place_order(
    *,
    channel: str,
    delivery: dict,
    customer_id: str = "",
    lines: list[LineIn] | None = None,
    cart_id: str = "",
    coupon: str = "",
    payments: list[PaymentIn] | None = None,
    contact: dict | None = None,
    replacement_of: str = "",
    actor: Principal = SYSTEM,
    presence: Presence | None = None,
) -> Order:
    """Price, source, reserve and record an order on any channel, or raise and write nothing (the
    caller's transaction rolls back). 409 insufficient-stock when it cannot be promised. Paying with
    the customer's points, store credit or wallet needs `presence` (loyalty/presence.py), else 403."""
    check_channel(channel)
    method, location, address = _check_delivery(delivery, channel)
    cart = None
    if cart_id:
        cart = Cart.objects.filter(public_id=cart_id).first()
        if cart is None:
            raise ValidationFailed.on("cart_id", _("no cart %(id)s") % {"id": cart_id})
        if cart.status != CartStatus.ACTIVE:
            raise Conflict(detail=_("The cart %(id)s was already ordered or merged.") % {"id": cart_id})
        lines = [LineIn(sku=row.sku, quantity=row.quantity) for row in cart.lines.order_by("pk")]
        customer_id = customer_id or cart.customer_id
        if not lines:
            raise ValidationFailed.on("cart_id", _("the cart is empty"))
    wanted = _wanted(list(lines or []))
    if customer_id:
        customer_id = customers.get_customer(customer_id).public_id
    if (contact or {}).get("receipt_email"):
        contact, customer_id = _receipt_contact(contact, customer_id, channel, actor)
    if method == "carry_out" and not actor.may_act_on(location):
        raise Forbidden(detail=_("This credential may not sell at %(code)s.") % {"code": location})
    if cart is not None and inventory_queries.reservations(reference=cart.public_id, status="active").exists():
        inventory.do_release(reference=cart.public_id, reason="ordered")  # the order holds it now
    skus = list(wanted)
    priced = pricing.price_skus(skus, channel)
    currency = priced[skus[0]].unit_price.currency
    if replacement_of:  # a dispute's replacement: the goods again, nothing to pay
        priced = {s: dataclasses.replace(p, unit_price=Money.zero(currency)) for s, p in priced.items()}
        contact = {**(contact or {}), "replacement_of": replacement_of}
    plan, info = sourcing.plan(channel=channel, method=method, wanted=wanted, location=location, address=address,
                               prices={s: p.unit_price.amount for s, p in priced.items()})
    now = clock.now()
    order_pid = new_id("ord")
    fulfillment_ids = [new_id("ful") for _ in plan.parts]
    gross = {sku: priced[sku].unit_price * q for sku, q in wanted.items()}
    subtotal = sum(gross.values(), Money.zero(currency))
    discount, free_shipping, code = Money.zero(currency), False, ""
    if coupon:
        use = loyalty_coupons.do_use_coupon(
            code=coupon, order_ref=order_pid, channel=channel, customer_id=customer_id,
            lines=[LoyaltyLine(sku=s, amount=gross[s], quantity=q, category=priced[s].category) for s, q in wanted.items()])
        discount, free_shipping, code = min(Money(use.discount, currency), subtotal), use.free_shipping, use.coupon.code
    shipping = pricing.shipping_fee(method, subtotal, free_shipping=free_shipping or bool(replacement_of))
    total = subtotal + shipping - discount
    planned = _payments_plan(payments, total, channel, customer_id)
    order = Order.objects.create(
        public_id=order_pid, channel=channel, customer_id=customer_id, delivery_method=method,
        delivery_location=location, address=address, contact=contact or {}, currency=currency,
        subtotal=subtotal.amount, shipping=shipping.amount, discount=discount.amount, total=total.amount,
        tax=Decimal(pricing.tax_lines(total)[0]["amount"]["amount"]), tax_lines=pricing.tax_lines(total),
        coupon=code, cart_id=cart.public_id if cart else "", placed_by=_who(actor), placed_at=now,
        sourcing=[{"fulfillment": fid, "location": p.location, "method": p.method, "reason": p.reason,
                   "why": p.reason_key}
                  for fid, p in zip(fulfillment_ids, plan.parts, strict=True)],
    )
    shares = (discount.allocate([int(gross[s].amount) or 0 for s in skus])
              if discount.amount and subtotal.amount else [Money.zero(currency)] * len(skus))
    order_lines = OrderLine.objects.bulk_create([
        OrderLine(order=order, sku=s, title=priced[s].title, category=priced[s].category, quantity=wanted[s],
                  unit_price=priced[s].unit_price.amount, discount=shares[i].amount, total=(gross[s] - shares[i]).amount)
        for i, s in enumerate(skus)
    ])
    by_sku = {line.sku: line for line in order_lines}
    fulfillments = []
    for fid, part in zip(fulfillment_ids, plan.parts, strict=True):
        status = FulfillmentStatus.PICKED_UP if part.method == "carry_out" else FulfillmentStatus.PENDING
        days = PROMISE_DAYS.get(part.method)
        fulfillments.append(Fulfillment(
            public_id=fid, order=order, location=part.location, handover_location=part.handover_location,
            method=part.method, status=status, reservation_ref=order_pid, reason=part.reason[:300],
            pickup_code=_pickup_code() if part.method in ("pickup", "curbside", "pickup_point", "ship_to_store") else "",
            promised_at=now + dt.timedelta(days=days) if days is not None else None, created_at=now, updated_at=now,
            history=[_history(status, actor, now)],
        ))
    Fulfillment.objects.bulk_create(fulfillments)
    FulfillmentLine.objects.bulk_create([
        FulfillmentLine(fulfillment=f, order_line=by_sku[sku], sku=sku, quantity=q)
        for f, part in zip(fulfillments, plan.parts, strict=True) for sku, q in part.lines.items()
    ])
    rows = []
    for p in planned:
        provider = _provider_for(p.method, channel)
        pay = Payment(public_id=new_id("pay"), order=order, method="card_present" if provider == "terminal" else p.method,
                      provider=provider, amount=p.amount.amount, created_at=now, updated_at=now)
        if provider == "loyalty":
            loyalty_payments.do_hold_payment(payment=pay.public_id, method=p.method, amount=p.amount,
                                             order_ref=order_pid, customer_id=customer_id or None, channel=channel,
                                             gift_card_code=p.gift_card_code or None, pin=p.pin or None,
                                             presence=presence)
            pay.status = PaymentStatus.PENDING
        else:
            pay.status = providers.provider(provider).authorize(pay)
        pay.provider_ref = pay.public_id
        rows.append(pay)
    Payment.objects.bulk_create(rows)
    if cart is not None:
        Cart.objects.filter(pk=cart.pk).update(status=CartStatus.ORDERED, order_id=order_pid, updated_at=now)
    number = order.number
    batch = [events.OrderPlaced(
        order_id=order_pid, number=number, order_number=number, customer_id=customer_id, channel=channel,
        delivery_method=method, total=total.as_dict(), receipt_email=(contact or {}).get("receipt_email", ""),
        receipt=_receipt_facts(order, order_lines, rows) if (contact or {}).get("receipt_email") else {},
        lines=[{"sku": line.sku, "quantity": line.quantity, "amount": str(line.total), "category": line.category}
               for line in order_lines])]
    outbox.emit_many(batch)
    # Stock last: the row locks inventory takes are then held only for a few statements and the
    # COMMIT, so concurrent checkouts of a hot SKU queue as briefly as possible.
    inventory.do_reserve(reference=order_pid, channel=sourcing.stock_channel(channel, method), expires_in=None,
                         actor=actor,
                         lines=[ReserveLine(sku, q, location=part.pinned) for part in plan.parts
                                for sku, q in part.lines.items()])
    for f in fulfillments:
        if f.method == "carry_out":
            inventory.do_commit(reference=order_pid, location=f.location, actor=actor)
        elif f.method == "ship_to_store":
            transfer = inventory.do_request_transfer(
                origin=inventory.get_location(f.location), destination=inventory.get_location(f.handover_location),
                lines=[(sku, q) for sku, q in plan.parts[fulfillments.index(f)].lines.items()], reference=order_pid,
                note=f.public_id, actor=actor)
            f.transfer_id = transfer.public_id
            Fulfillment.objects.filter(pk=f.pk).update(transfer_id=transfer.public_id)
    if _is_person(actor) and actor.kind == "user":
        audit.record(actor=actor, action="order.place", target_type="order", target_id=order_pid,
                     after={"total": total.as_dict(), "payments": [[p.method, str(p.amount)] for p in rows]})
    order._lines = order_lines
    order._fulfillments = fulfillments
    order._fulfillment_lines = {f.public_id: dict(part.lines) for f, part in zip(fulfillments, plan.parts, strict=True)}
    order._payments = rows
    if rows and all(p.status == PaymentStatus.CAPTURED or p.provider == "loyalty" for p in rows):
        _settle(order, actor=actor)
    elif not rows:
        _settle(order, actor=actor)
    _maybe_complete(order)
    return order


# --- payments ----------------------------------------------------------------------------------------


def _loyalty_lines(order: Order) -> list[LoyaltyLine]:
    currency = order.currency
    return [LoyaltyLine(sku=line.sku, amount=Money(line.total, currency), quantity=line.quantity,
                        category=line.category) for line in OrderLine.objects.filter(order=order)]


def _settle(order: Order, *, actor: Principal = SYSTEM) -> None:
    """When every non-loyalty payment is captured: capture loyalty holds, mark paid, earn points."""
    pays = list(Payment.objects.filter(order=order).order_by("pk"))
    if any(p.provider != "loyalty" and p.status != PaymentStatus.CAPTURED for p in pays):
        return
    if order.status != OrderStatus.PENDING_PAYMENT:
        return
    now = clock.now()
    for p in pays:
        if p.provider == "loyalty" and p.status == PaymentStatus.PENDING:
            loyalty_payments.do_capture_payment(payment=p.public_id)
            Payment.objects.filter(pk=p.pk).update(status=PaymentStatus.CAPTURED, updated_at=now)
    order.status = OrderStatus.PAID
    order.paid_at = now
    Order.objects.filter(pk=order.pk).update(status=OrderStatus.PAID, paid_at=now)
    if order.customer_id:
        loyalty_program.do_earn_for_order(customer_id=order.customer_id, order_ref=order.public_id,
                                          lines=_loyalty_lines(order), channel=order.channel)
    outbox.emit(events.OrderPaid(order_id=order.public_id, number=order.number, order_number=order.number,
                                 customer_id=order.customer_id, channel=order.channel,
                                 total=Money(order.total, order.currency).as_dict()))


def do_payment_event(*, provider: str, event_id: str, payment_id: str, status: str) -> Payment | None:
    """The provider's webhook (signature already checked): captured or failed, once per event."""
    if status not in ("captured", "failed"):
        raise ValidationFailed.on("type", _("must be payment.captured or payment.failed"))
    try:
        with transaction.atomic():
            ProviderEvent.objects.create(provider=provider, event_id=event_id, received_at=clock.now())
    except IntegrityError:  # a replayed delivery: it took effect the first time
        return None
    pay = Payment.objects.filter(public_id=payment_id, provider=provider).first()
    if pay is None:
        raise NotFound(detail=_("No payment %(id)s.") % {"id": payment_id})
    order = locks.order(pay.order_id)
    pay.refresh_from_db()
    if pay.status != PaymentStatus.PENDING:
        return pay
    pay.status = status
    pay.updated_at = clock.now()
    pay.save(update_fields=["status", "updated_at"])
    if status == "captured":
        _settle(order)
        _maybe_complete(order)
    elif order.status == OrderStatus.PENDING_PAYMENT:
        do_cancel_order(order=order, reason="payment failed")
    return pay


def paid_amount(order: Order) -> Money:
    total = sum((p.amount for p in Payment.objects.filter(order=order, status=PaymentStatus.CAPTURED)), Decimal(0))
    return Money(total, order.currency)


def refunded_amount(order: Order) -> Money:
    total = sum((r.amount for r in Refund.objects.filter(order=order)), Decimal(0))
    return Money(total, order.currency)


def do_refund(*, order: Order, amount: Money, to: str = "original", reference: str = "", reason: str = "",
              actor: Principal = SYSTEM) -> list[Refund]:
    """Give money back, to the original payments (newest first) or as store credit. Never more than
    was paid less what was already refunded: a larger request is cut to what is left."""
    if to not in ("original", "store_credit"):
        raise ValidationFailed.on("refund_to", _("must be original or store_credit"))
    if amount.amount <= 0:
        return []
    left = paid_amount(order) - refunded_amount(order)
    amount = min(amount, left)
    if amount.amount <= 0:
        return []
    now = clock.now()
    made: list[Refund] = []
    if to == "store_credit":
        if not order.customer_id:
            raise ValidationFailed.on("refund_to", _("store credit needs a known customer"))
        ref = reference or new_id("rfd")
        loyalty_stored_value.do_grant_store_credit(customer_id=order.customer_id, amount=amount, reason="return",
                                                   reference=order.public_id, key=f"orders-refund:{order.public_id}:{ref}",
                                                   actor=actor)
        made.append(Refund.objects.create(order=order, to="store_credit", amount=amount.amount, reason=reason,
                                          reference=reference, created_at=now))
    else:
        remaining = amount.amount
        for pay in Payment.objects.filter(order=order, status=PaymentStatus.CAPTURED).order_by("-pk"):
            take = min(remaining, pay.amount - pay.refunded)
            if take <= 0:
                continue
            refund = Refund.objects.create(order=order, payment=pay, to="original", amount=take, reason=reason,
                                           reference=reference, created_at=now)
            if pay.provider == "loyalty":
                loyalty_payments.do_refund_payment(payment=pay.public_id, refund_ref=refund.public_id,
                                                   amount=Money(take, order.currency))
            else:
                providers.provider(pay.provider).refund(pay, take)
            Payment.objects.filter(pk=pay.pk).update(refunded=F("refunded") + take, updated_at=now)
            made.append(refund)
            remaining -= take
            if remaining <= 0:
                break
    for refund in made:
        outbox.emit(events.RefundIssued(refund_id=refund.public_id, order_id=order.public_id,
                                        order_number=order.number, customer_id=order.customer_id,
                                        amount=Money(refund.amount, order.currency).as_dict(), to=refund.to))
        if _is_person(actor):
            audit.record(actor=actor, action="order.refund", target_type="order", target_id=order.public_id,
                         after={"refund": refund.public_id, "amount": str(refund.amount), "to": refund.to},
                         reason=reason, subject=order.customer_id)
    return made


# --- cancellation ------------------------------------------------------------------------------------


def do_cancel_order(*, order: Order, reason: str = "", actor: Principal = SYSTEM) -> Order:
    """Before anything left: stock released, captured money refunded to where it came from, pending
    payments voided, loyalty holds released, points reversed and coupons given back."""
    order = locks.order(order.pk)
    if order.status == OrderStatus.CANCELLED:
        return order
    fulfillments = list(Fulfillment.objects.filter(order=order))
    if any(f.status in LEFT for f in fulfillments):
        raise InvalidTransition(detail=_("Part of order %(n)s has already left; return it instead.")
                                % {"n": order.number})
    now = clock.now()
    for f in fulfillments:
        if f.status == FulfillmentStatus.CANCELLED:
            continue
        _release(f)
        if f.transfer_id:
            inventory.do_cancel_transfer(transfer_id=f.transfer_id, actor=actor)
        f.history = [*f.history, _history("cancelled", actor, now)]
        f.status = FulfillmentStatus.CANCELLED
        f.updated_at = now
        f.save(update_fields=["status", "history", "updated_at"])
    do_refund(order=order, amount=paid_amount(order), to="original", reference="cancel", reason=reason or "cancelled",
              actor=actor)
    for pay in Payment.objects.filter(order=order, status=PaymentStatus.PENDING):
        if pay.provider == "loyalty":
            loyalty_payments.do_release_payment(payment=pay.public_id)
        pay.status = PaymentStatus.VOIDED
        pay.updated_at = now
        pay.save(update_fields=["status", "updated_at"])
    if order.customer_id and order.paid_at:
        loyalty_program.do_reverse_earn_for_return(order_ref=order.public_id, return_ref="cancel",
                                                   amount=Money(order.total, order.currency))
    loyalty_coupons.do_release_coupon(order_ref=order.public_id)
    order.status = OrderStatus.CANCELLED
    order.cancelled_at = now
    order.cancel_reason = (reason or "")[:200]
    order.save(update_fields=["status", "cancelled_at", "cancel_reason"])
    OrderLine.objects.filter(order=order).update(cancelled=F("quantity") - F("returned"))
    outbox.emit(events.OrderCancelled(order_id=order.public_id, number=order.number, order_number=order.number,
                                      customer_id=order.customer_id, reason=order.cancel_reason))
    if _is_person(actor):
        audit.record(actor=actor, action="order.cancel", target_type="order", target_id=order.public_id,
                     after={"total": str(order.total)}, reason=reason, subject=order.customer_id)
    return order


def _release(f: Fulfillment) -> None:
    """Give back what this fulfilment still holds (nothing when already released or committed)."""
    code = f.handover_location if (f.method == "ship_to_store" and f.reservation_ref == f.public_id) else f.location
    try:
        inventory.do_release(reference=f.reservation_ref, location=code, reason="cancelled")
    except (NotFound, InvalidTransition):
        pass


# --- fulfilment --------------------------------------------------------------------------------------


def _fulfillment_lines(f: Fulfillment) -> dict[str, int]:
    return {row.sku: row.quantity for row in FulfillmentLine.objects.filter(fulfillment=f) if row.quantity}


def do_transition(*, fulfillment_id: str, action: str, data: dict | None = None,
                  actor: Principal = SYSTEM) -> Fulfillment:
    """Move a fulfilment one step along its method's state machine (409 invalid-transition
    otherwise). Stock leaves at ship (or at handover when it was held at the store)."""
    data = data or {}
    if action not in ACTIONS:
        raise NotFound(detail=_("No action %(action)s.") % {"action": action})
    f = locks.fulfillment(fulfillment_id)
    if f is None:
        raise NotFound(detail=_("No fulfillment %(id)s.") % {"id": fulfillment_id})
    order = f.order
    if order.status == OrderStatus.CANCELLED:
        raise InvalidTransition(detail=_("The order %(n)s is cancelled.") % {"n": order.number})
    step = GRAPH.get(f.method, {}).get(action)
    if step is None or f.status not in step[0]:
        raise InvalidTransition(detail=_("A %(method)s fulfillment that is %(status)s cannot %(action)s.")
                                % {"method": f.method, "status": f.status, "action": action},
                                extra={"status": f.status, "action": action})
    previous, now = f.status, clock.now()
    fields = ["status", "history", "updated_at"]
    if action == "ship":
        carrier, tracking = str(data.get("carrier") or "").strip(), str(data.get("tracking") or "").strip()
        if f.method in ("ship", "drop_ship") and (not carrier or not tracking):
            raise ValidationFailed.on("tracking" if carrier else "carrier", _("is required to ship"))
        f.carrier, f.tracking = carrier[:60], tracking[:100]
        fields += ["carrier", "tracking"]
        if f.method == "ship_to_store":
            _release(f)
            inventory.do_ship_transfer(transfer_id=f.transfer_id, actor=actor)
        else:
            inventory.do_commit(reference=f.reservation_ref, location=f.location, actor=actor)
    elif action == "ready" and f.method == "ship_to_store":
        inventory.do_receive_transfer(transfer_id=f.transfer_id, actor=actor)
        inventory.do_reserve(reference=f.public_id, channel=sourcing.stock_channel(order.channel, order.delivery_method), expires_in=None, actor=actor,
                             lines=[ReserveLine(s, q, location=f.handover_location)
                                    for s, q in _fulfillment_lines(f).items()])
        f.reservation_ref = f.public_id
        fields.append("reservation_ref")
    elif action == "arrived":
        f.parking_spot = str(data.get("parking_spot") or data.get("spot") or "")[:40]
        fields.append("parking_spot")
    elif action == "handover":
        pickup.check_code(f, data.get("code"))  # behind a lockout (orders/pickup.py)
        if f.method in ("pickup", "curbside"):
            inventory.do_commit(reference=f.reservation_ref, location=f.location, actor=actor)
        elif f.method == "ship_to_store":
            inventory.do_commit(reference=f.reservation_ref, location=f.handover_location, actor=actor)
    f.status = step[1]
    f.updated_at = now
    f.history = [*f.history, _history(step[1], actor, now, action=action)]
    f.save(update_fields=fields)
    _announce(f, order, previous)
    if _is_person(actor) and action in ("ship", "handover", "deliver"):
        audit.record(actor=actor, action=f"fulfillment.{action}", target_type="fulfillment", target_id=f.public_id,
                     before={"status": previous}, after={"status": f.status})
    _maybe_complete(order)
    return f


def _announce(f: Fulfillment, order: Order, previous: str) -> None:
    batch = [events.FulfillmentChanged(fulfillment_id=f.public_id, order_id=order.public_id,
                                       order_number=order.number, customer_id=order.customer_id,
                                       location=f.location, method=f.method, status=f.status, previous=previous)]
    if f.status == FulfillmentStatus.READY:
        where = f.handover_location or f.location
        name = sourcing.locations_info().get(where, {}).get("name", where)
        batch.append(events.FulfillmentReady(fulfillment_id=f.public_id, order_id=order.public_id,
                                             order_number=order.number, customer_id=order.customer_id,
                                             location=where, location_name=name, pickup_code=f.pickup_code))
    if f.status == FulfillmentStatus.SHIPPED and f.method in ("ship", "drop_ship"):
        batch.append(events.FulfillmentShipped(fulfillment_id=f.public_id, order_id=order.public_id,
                                               order_number=order.number, customer_id=order.customer_id,
                                               carrier=f.carrier, tracking=f.tracking, tracking_url=""))
    outbox.emit_many(batch)


RESEND_ROLES = ("agent", "manager")


def do_resend_tracking(*, fulfillment_id: str, actor: Principal) -> Fulfillment:
    """Send a shipment's tracking to the customer again (an agent answering "where is my order?").
    Emits TrackingResent, which the notifier treats like FulfillmentShipped: the customer's
    preferred consented channel. Only a shipment that left with a tracking number qualifies."""
    require_role(actor, *RESEND_ROLES)
    f = Fulfillment.objects.select_related("order").filter(public_id=fulfillment_id).first()
    if f is None:
        raise NotFound(detail=_("No fulfillment %(id)s.") % {"id": fulfillment_id})
    order = f.order
    if not f.tracking or f.status not in (FulfillmentStatus.SHIPPED, FulfillmentStatus.DELIVERED):
        raise InvalidTransition(detail=_("Only a shipped fulfillment with a tracking number can resend it."))
    if not order.customer_id:
        raise ValidationFailed.on("fulfillment_id", _("the order has no known customer to notify"))
    outbox.emit(events.TrackingResent(fulfillment_id=f.public_id, order_id=order.public_id, order_number=order.number,
                                      customer_id=order.customer_id, carrier=f.carrier, tracking=f.tracking,
                                      tracking_url="", actor=_who(actor)))
    audit.record(actor=actor, action="fulfillment.resend_tracking", target_type="fulfillment", target_id=f.public_id,
                 after={"order": order.number, "tracking": f.tracking})
    return f


def _maybe_complete(order: Order) -> None:
    if order.status != OrderStatus.PAID:
        return
    statuses = set(Fulfillment.objects.filter(order=order).values_list("status", flat=True))
    if statuses and statuses <= set(FINAL) and statuses != {FulfillmentStatus.CANCELLED}:
        order.status = OrderStatus.COMPLETED
        Order.objects.filter(pk=order.pk).update(status=OrderStatus.COMPLETED)


def do_short_pick(*, fulfillment_id: str, sku: str, missing: int, actor: Principal = SYSTEM) -> dict:
    """Units found missing at picking: held again elsewhere in a new fulfilment when another location
    can ship them, else cancelled from the order with a refund. Returns what happened."""
    f = locks.fulfillment(fulfillment_id)
    if f is None:
        raise NotFound(detail=_("No fulfillment %(id)s.") % {"id": fulfillment_id})
    if f.status not in (FulfillmentStatus.PENDING, FulfillmentStatus.PICKING):
        raise InvalidTransition(detail=_("Only a fulfillment being picked can be short."))
    row = FulfillmentLine.objects.filter(fulfillment=f, sku=sku).select_related("order_line").first()
    if row is None or not 0 < missing <= row.quantity:
        raise ValidationFailed.on("missing", _("must be between 1 and the units of %(sku)s in this fulfillment")
                                  % {"sku": sku})
    order, now = f.order, clock.now()
    keep = _fulfillment_lines(f)
    keep[sku] -= missing
    keep = {s: q for s, q in keep.items() if q}
    # The location's hold is released whole and taken again for what is still there.
    inventory.do_release(reference=f.reservation_ref, location=f.location, reason="short pick")
    row.quantity -= missing
    row.save(update_fields=["quantity"])
    if keep:
        f.reservation_ref = f"{f.public_id}:{len(f.history)}"
        inventory.do_reserve(reference=f.reservation_ref, channel=sourcing.stock_channel(order.channel, order.delivery_method), expires_in=None, actor=actor,
                             lines=[ReserveLine(s, q, location=f.location) for s, q in keep.items()])
    else:
        f.status = FulfillmentStatus.CANCELLED
    f.history = [*f.history, _history(f.status, actor, now, short={sku: missing})]
    f.updated_at = now
    f.save(update_fields=["reservation_ref", "status", "history", "updated_at"])
    outcome: dict = {"resourced_to": None, "refund": None}
    if f.method in ("ship", "drop_ship", "pickup_point"):
        info = sourcing.locations_info()
        rows = inventory_queries.reserve_candidates(skus=[sku], channel=sourcing.stock_channel(order.channel, order.delivery_method))
        options = [r[2] for r in rows if r[7] and r[2] != f.location and r[3] - r[4] - r[5] >= missing
                   and info.get(r[2], {}).get("kind") != "supplier"]
        if options:
            origin = sourcing._nearest(options, sourcing.address_point(order.address), info, sourcing._Stock(rows))[0]
            resourced = sourcing.why(gettext_noop("Re-sourced from %(origin)s: %(sku)s missing at %(code)s"),
                                     origin=origin, sku=sku, code=f.location)
            new = Fulfillment.objects.create(
                order=order, location=origin, handover_location=f.handover_location, method=f.method,
                reservation_ref="", pickup_code=f.pickup_code, promised_at=f.promised_at, created_at=now,
                updated_at=now, history=[_history("pending", actor, now)],
                reason=sourcing.why_text(resourced))
            new.reservation_ref = new.public_id
            new.save(update_fields=["reservation_ref"])
            inventory.do_reserve(reference=new.public_id, channel=sourcing.stock_channel(order.channel, order.delivery_method), expires_in=None, actor=actor,
                                 lines=[ReserveLine(sku, missing, location=origin)])
            FulfillmentLine.objects.create(fulfillment=new, order_line=row.order_line, sku=sku, quantity=missing)
            order.sourcing = [*order.sourcing, {"fulfillment": new.public_id, "location": origin,
                                                "method": new.method, "reason": new.reason, "why": resourced}]
            order.save(update_fields=["sourcing"])
            outcome["resourced_to"] = new.public_id
    if outcome["resourced_to"] is None:
        line = row.order_line
        OrderLine.objects.filter(pk=line.pk).update(cancelled=F("cancelled") + missing)
        amount = Money(line.total * missing / line.quantity, order.currency)
        refunds = do_refund(order=order, amount=amount, reference=f"short:{f.public_id}",
                            reason=f"missing {sku}", actor=actor)
        outcome["refund"] = str(sum((r.amount for r in refunds), Decimal(0)))
    if _is_person(actor):
        audit.record(actor=actor, action="fulfillment.short", target_type="fulfillment", target_id=f.public_id,
                     after={"sku": sku, "missing": missing, **outcome})
    _maybe_complete(order)
    return outcome


# --- returns and disputes ----------------------------------------------------------------------------


def _handed(order: Order) -> dict[int, int]:
    """Units of each order line that reached the customer."""
    handed: dict[int, int] = defaultdict(int)
    for row in FulfillmentLine.objects.filter(fulfillment__order=order, fulfillment__status__in=(
            FulfillmentStatus.DELIVERED, FulfillmentStatus.PICKED_UP)):
        handed[row.order_line_id] += row.quantity
    return handed


MAIL = "MAIL"  # POST /returns {location: "MAIL"}: by mail, to the warehouse the rule chooses


def return_destination(order: Order) -> str:
    """Where a parcel returned by mail goes: a returns-capable location that ships for the order's
    channel (its stock network, as sourcing: the POS's endless aisle draws on the web's), warehouses
    first, then the nearest to the order's address, then the channel's priority (lower first), as
    sourcing ranks them. ValidationFailed when no location can take it."""
    network = sourcing.stock_channel(order.channel, order.delivery_method)
    kinds = sourcing.CHANNEL_RULES.get(order.channel, {}).get("kinds", sourcing.DEFAULT_KINDS)
    point = sourcing.address_point(order.address)
    ranked = []
    for loc in inventory_queries.locations():
        link = next((c for c in loc.channel_links.all() if c.channel_id == network and c.ships), None)
        if not loc.returns or link is None or loc.kind not in kinds:
            continue
        km = sourcing._km(point, (loc.lat, loc.lon) if loc.lat is not None else None)
        ranked.append(((loc.kind != "warehouse", km is None, km or 0, link.priority, loc.code), loc.code))
    if not ranked:
        raise ValidationFailed.on("location", _("no warehouse takes returns by mail for this order"))
    return min(ranked)[1]


def do_request_return(*, order: Order, location: str, lines: list[dict], refund_to: str = "original",
                      by_mail: bool = False, actor: Principal = SYSTEM) -> Return:
    """Any channel's order, at any returns-capable location, within the window of each line's
    category. By mail (`by_mail`, or the location "MAIL"): the parcel goes to `location` when one is
    named, else to return_destination(); the return gets a prepaid label (carrier, a tracking number
    we generate, a signed link the customer prints it from) and ReturnLabelCreated tells them."""
    location = (location or "").strip().upper()
    by_mail = by_mail or location == MAIL
    if by_mail and location in (MAIL, ""):
        location = return_destination(order)
    if refund_to not in ("original", "store_credit"):
        raise ValidationFailed.on("refund_to", _("must be original or store_credit"))
    where = sourcing.locations_info().get(location)
    if where is None or not where["returns"]:
        raise ValidationFailed.on("location", _("%(code)s does not take returns") % {"code": location or "-"})
    if refund_to == "store_credit" and not order.customer_id:
        raise ValidationFailed.on("refund_to", _("store credit needs a known customer"))
    if order.status == OrderStatus.CANCELLED:
        raise InvalidTransition(detail=_("The order %(n)s is cancelled.") % {"n": order.number})
    order_lines = {line.sku: line for line in OrderLine.objects.filter(order=order)}
    handed = _handed(order)
    pending: dict[int, int] = defaultdict(int)
    for rl in ReturnLine.objects.filter(ret__order=order, ret__status=ReturnStatus.REQUESTED):
        pending[rl.order_line_id] += rl.quantity
    now = clock.now()
    rows = []
    if not lines:
        raise ValidationFailed.on("lines", _("at least one line is required"))
    for i, item in enumerate(lines):
        line = order_lines.get(item.get("sku", ""))
        if line is None:
            raise ValidationFailed.on(f"lines.{i}.sku", _("not in this order"))
        quantity = item.get("quantity")
        returnable = handed.get(line.pk, 0) - line.returned - pending[line.pk]
        if not isinstance(quantity, int) or not 0 < quantity <= returnable:
            raise ValidationFailed.on(f"lines.{i}.quantity", _("at most %(n)d units can be returned")
                                      % {"n": max(returnable, 0)})
        days = RETURN_WINDOW_DAYS.get(line.category, RETURN_WINDOW_DAYS["default"])
        if now > order.placed_at + dt.timedelta(days=days + PROMISE_DAYS["drop_ship"]):
            raise ValidationFailed.on(f"lines.{i}.sku", _("the return window of %(days)d days has closed")
                                      % {"days": days})
        pending[line.pk] += quantity
        rows.append(ReturnLine(order_line=line, sku=line.sku, quantity=quantity,
                               reason=str(item.get("reason") or "")[:60]))
    ret = Return.objects.create(order=order, location=where["code"], refund_to=refund_to, created_at=now,
                                status=ReturnStatus.REQUESTED, by_mail=by_mail,
                                carrier=labels.carrier()[:60] if by_mail else "",
                                tracking=labels.tracking_number() if by_mail else "",
                                history=[_history(ReturnStatus.REQUESTED, actor, now, location=where["code"],
                                                  by_mail=by_mail)])
    for row in rows:
        row.ret = ret
    ReturnLine.objects.bulk_create(rows)
    if by_mail:
        outbox.emit(events.ReturnLabelCreated(
            return_id=ret.public_id, return_number=ret.public_id, order_id=order.public_id,
            order_number=order.number, customer_id=order.customer_id, carrier=ret.carrier, tracking=ret.tracking,
            location=where["code"], location_name=where["name"], label_url=labels.url_for(ret.public_id, now),
            expires_at=labels.expires_at(now).isoformat()))
    return ret


def do_mark_return_sent(*, return_id: str, tracking: str = "", actor: Principal = SYSTEM) -> Return:
    """A mail return's parcel is on its way (the carrier scanned it, or staff marks it sent; a carrier
    that relabels gives its own tracking number)."""
    ret = locks.ret(return_id)
    if ret is None:
        raise NotFound(detail=_("No return %(id)s.") % {"id": return_id})
    if not ret.by_mail:
        raise InvalidTransition(detail=_("The return %(id)s is not by mail.") % {"id": return_id})
    if ret.status != ReturnStatus.REQUESTED:
        raise InvalidTransition(detail=_("The return %(id)s is %(status)s.") % {"id": return_id, "status": ret.status})
    now = clock.now()
    if tracking.strip():
        ret.tracking = tracking.strip()[:40]
    ret.status, ret.sent_at = ReturnStatus.IN_TRANSIT, now
    ret.history = [*ret.history, _history(ReturnStatus.IN_TRANSIT, actor, now, tracking=ret.tracking)]
    ret.save(update_fields=["status", "sent_at", "tracking", "history"])
    order = ret.order
    outbox.emit(events.ReturnInTransit(return_id=ret.public_id, order_id=order.public_id, order_number=order.number,
                                       customer_id=order.customer_id, carrier=ret.carrier, tracking=ret.tracking,
                                       location=ret.location))
    return ret


def do_receive_return(*, return_id: str, lines: list[dict] | None = None, exchange: list[LineIn] | None = None,
                      location: str = "", actor: Principal = SYSTEM) -> Return:
    """The goods are back: resellable units into the receiving location's stock, the refund issued
    (to the original payments or as store credit), points taken back in proportion. A parcel may
    arrive at a returns-capable location other than its destination (`location`): taken, and the
    difference recorded (history, received_location, audit)."""
    ret = locks.ret(return_id)
    if ret is None:
        raise NotFound(detail=_("No return %(id)s.") % {"id": return_id})
    if ret.status not in (ReturnStatus.REQUESTED, ReturnStatus.IN_TRANSIT):
        raise InvalidTransition(detail=_("The return %(id)s is %(status)s.") % {"id": return_id, "status": ret.status})
    where = (location or ret.location).strip().upper()
    if where != ret.location:
        info = sourcing.locations_info().get(where)
        if info is None or not info["returns"]:
            raise ValidationFailed.on("location", _("%(code)s does not take returns") % {"code": where})
    order = ret.order
    if exchange:
        if not order.customer_id:
            raise ValidationFailed.on("exchange", _("an exchange needs a known customer"))
        ret.refund_to = "store_credit"  # the returned value pays for the replacement first
    requested = {rl.sku: rl for rl in ReturnLine.objects.filter(ret=ret).select_related("order_line")}
    given = lines or [{"sku": s, "quantity": rl.quantity, "condition": "resellable"} for s, rl in requested.items()]
    resellable: dict[str, int] = defaultdict(int)
    refund = Decimal(0)
    for i, item in enumerate(given):
        rl = requested.get(item.get("sku", ""))
        if rl is None:
            raise ValidationFailed.on(f"lines.{i}.sku", _("not in this return"))
        quantity, condition = item.get("quantity"), item.get("condition") or "resellable"
        if not isinstance(quantity, int) or not 0 <= quantity <= rl.quantity:
            raise ValidationFailed.on(f"lines.{i}.quantity", _("at most %(n)d") % {"n": rl.quantity})
        if condition not in ("resellable", "damaged"):
            raise ValidationFailed.on(f"lines.{i}.condition", _("must be resellable or damaged"))
        rl.received, rl.condition = quantity, condition
        rl.save(update_fields=["received", "condition"])
        if quantity:
            line = rl.order_line
            OrderLine.objects.filter(pk=line.pk).update(returned=F("returned") + quantity)
            refund += (line.total * quantity / line.quantity).quantize(Decimal(1))
            if condition == "resellable":
                resellable[rl.sku] += quantity
    if resellable:
        inventory.do_receive_stock(location=inventory.get_location(where), lines=list(resellable.items()),
                                   kind="return", reference=ret.public_id, actor=actor)
    now = clock.now()
    made = do_refund(order=order, amount=Money(refund, order.currency), to=ret.refund_to, reference=ret.public_id,
                     reason="return", actor=actor) if refund else []
    ret.refunded = sum((r.amount for r in made), Decimal(0))
    ret.status, ret.received_at, ret.received_location = ReturnStatus.RECEIVED, now, where
    ret.history = [*ret.history, _history(ReturnStatus.RECEIVED, actor, now, location=where,
                                          **({"destination": ret.location} if where != ret.location else {}))]
    ret.save(update_fields=["refunded", "status", "received_at", "received_location", "history"])
    if order.customer_id and ret.refunded:
        loyalty_program.do_reverse_earn_for_return(order_ref=order.public_id, return_ref=ret.public_id,
                                                   amount=Money(ret.refunded, order.currency))
    if exchange:
        ret.exchange_order_id = _exchange(ret, order, exchange, actor).public_id
        ret.save(update_fields=["exchange_order_id"])
    outbox.emit(events.ReturnReceived(return_id=ret.public_id, return_number=ret.public_id, order_id=order.public_id,
                                      number=order.number, order_number=order.number, customer_id=order.customer_id,
                                      location=where))
    if _is_person(actor) or where != ret.location:
        audit.record(actor=actor, action="return.receive", target_type="return", target_id=ret.public_id,
                     after={"resellable": dict(resellable), "refunded": str(ret.refunded), "to": ret.refund_to,
                            "location": where, "destination": ret.location})
    return ret


def _exchange(ret: Return, order: Order, lines: list[LineIn], actor: Principal) -> Order:
    """The replacement leaves the returns desk with the customer (carry-out from that store), paid
    by the credit the return just gave and, for any difference, by card at the counter."""
    wanted = _wanted(lines, field="exchange")
    priced = pricing.price_skus(list(wanted), "pos", field="exchange")
    total = sum((priced[s].unit_price * q for s, q in wanted.items()), Money.zero(order.currency))
    credit = min(Money(ret.refunded, order.currency), total)
    payments = [PaymentIn(method="stored_value", amount=credit)] if credit.amount else []
    if total - credit:
        payments.append(PaymentIn(method="card", amount=total - credit))
    return do_place_order(channel="pos", customer_id=order.customer_id, delivery={
        "method": "carry_out", "location": ret.received_location or ret.location}, lines=lines, payments=payments,
        actor=actor, presence=internal_presence(order.customer_id, "exchange"))


DISPUTE_KINDS = ("not_received", "defective")
DISPUTE_OPENERS = ("manager", "agent", "integration")
DISPUTE_DECIDERS = ("manager",)  # as refunds: a manager (admins always)
DECISIONS = ("refund", "partial_refund", "replacement", "reject")


def do_open_dispute(*, order: Order, kind: str, note: str = "", actor: Principal = SYSTEM) -> Dispute:
    """not_received: only past the promised date plus DISPUTE_GRACE_DAYS with something undelivered;
    defective: for goods that reached the customer. One open dispute per order and kind."""
    require_role(actor, *DISPUTE_OPENERS)
    now = clock.now()
    if Dispute.objects.filter(order=order, kind=kind, status=DisputeStatus.OPEN).exists():
        raise Conflict(detail=_("The order %(n)s already has an open dispute of this kind.") % {"n": order.number})
    fulfillments = list(Fulfillment.objects.filter(order=order))
    if kind == "not_received":
        late = [f for f in fulfillments if f.status not in FINAL and f.promised_at
                and now > f.promised_at + dt.timedelta(days=DISPUTE_GRACE_DAYS)]
        if not late:
            raise ValidationFailed.on("kind", _("the order is not late enough to be disputed as not received"))
    elif kind == "defective":
        if not _handed(order):
            raise ValidationFailed.on("kind", _("nothing of this order has reached the customer yet"))
    else:
        raise ValidationFailed.on("kind", _("must be not_received or defective"))
    dispute = Dispute.objects.create(order=order, kind=kind, note=note[:2000], created_at=now, opened_by=_who(actor),
                                     history=[_history(DisputeStatus.OPEN, actor, now, kind=kind)])
    if _is_person(actor):
        audit.record(actor=actor, action="dispute.open", target_type="dispute", target_id=dispute.public_id,
                     after={"kind": kind, "order": order.public_id})
    return dispute


def do_decide_dispute(*, dispute_id: str, decision: str, amount: Money | None = None, actor: Principal,
                       note: str = "") -> Dispute:
    """A manager's decision, audited: a total or partial refund (never more than is left to refund:
    422 on `amount`, not silently cut), a replacement, or rejection."""
    require_role(actor, *DISPUTE_DECIDERS)
    dispute = Dispute.objects.select_related("order").filter(public_id=dispute_id).first()
    if dispute is None:
        raise NotFound(detail=_("No dispute %(id)s.") % {"id": dispute_id})
    order = locks.order(dispute.order_id)
    dispute.refresh_from_db()  # under the order's lock: two managers deciding at once, one wins
    if dispute.status != DisputeStatus.OPEN:
        raise InvalidTransition(detail=_("The dispute is already decided."))
    left = paid_amount(order) - refunded_amount(order)
    if decision == "refund":
        amount = left
        if amount.amount <= 0:
            raise ValidationFailed.on("decision", _("nothing is left to refund on this order"))
    elif decision == "partial_refund":
        if amount is None or amount.amount <= 0:
            raise ValidationFailed.on("amount", _("is required for a partial refund"))
        if amount.currency != order.currency:
            raise ValidationFailed.on("amount", _("must be in %(currency)s") % {"currency": order.currency})
        if amount > left:
            raise ValidationFailed.on("amount", _("at most %(left)s is left to refund") % {"left": left.format()})
    elif decision not in DECISIONS:
        raise ValidationFailed.on("decision", _("must be refund, partial_refund, replacement or reject"))
    refunds = []
    if decision == "replacement":
        lines = [LineIn(sku=line.sku, quantity=line.quantity - line.cancelled - line.returned)
                 for line in OrderLine.objects.filter(order=order) if line.quantity - line.cancelled - line.returned > 0]
        if not lines:
            raise ValidationFailed.on("decision", _("nothing of this order is left to replace"))
        replacement = do_place_order(
            channel=order.channel, customer_id=order.customer_id, lines=lines, replacement_of=order.public_id,
            delivery={"method": order.delivery_method, "location": order.delivery_location, "address": order.address},
            actor=actor)
        dispute.note = f"{dispute.note}\nreplacement: {replacement.public_id}".strip()
    if decision in ("refund", "partial_refund"):
        refunds = do_refund(order=order, amount=amount, reference=dispute.public_id, reason=f"dispute {dispute.kind}",
                            actor=actor)
    dispute.decision = decision
    dispute.amount = sum((r.amount for r in refunds), Decimal(0))
    dispute.status = DisputeStatus.REJECTED if decision == "reject" else DisputeStatus.RESOLVED
    dispute.decided_by, dispute.decided_at = _who(actor), clock.now()
    extra = {"note": note.strip()[:500]} if note.strip() else {}
    if decision == "replacement":
        extra["replacement"] = replacement.public_id
    dispute.history = [*dispute.history, _history(dispute.status, actor, dispute.decided_at, decision=decision,
                                                  amount=str(dispute.amount), **extra)]
    dispute.save()
    audit.record(actor=actor, action="dispute.decide", target_type="dispute", target_id=dispute.public_id,
                 after={"decision": decision, "amount": str(dispute.amount), "order": order.public_id},
                 reason=note.strip()[:200], subject=order.customer_id)
    return dispute


# --- carts -------------------------------------------------------------------------------------------


def do_create_cart(*, channel: str, customer_id: str = "", device_id: str = "") -> Cart:
    """The customer's one active cart (whichever channel made it), or a new one; anonymous carts
    belong to a device."""
    check_channel(channel)
    now = clock.now()
    if customer_id:
        customer_id = customers.get_customer(customer_id).public_id
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
    customer_id = customers.get_customer(customer_id).public_id
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


def do_merge_customer_carts(*, survivor_id: str, merged_id: str) -> None:
    """registry.on_merge: the merged customer's orders, returns and carts follow the survivor."""
    Order.objects.filter(customer_id=merged_id).update(customer_id=survivor_id)
    mine = Cart.objects.filter(customer_id=survivor_id, status=CartStatus.ACTIVE).first()
    theirs = Cart.objects.filter(customer_id=merged_id, status=CartStatus.ACTIVE).first()
    if theirs is not None and mine is not None:
        _combine(mine, theirs)
    Cart.objects.filter(customer_id=merged_id).update(customer_id=survivor_id)




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
    return {"reservation_id": reservation.public_id, "expires_at": reservation.expires_at}


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
