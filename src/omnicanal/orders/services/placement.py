"""Placing an order on any channel: price, source, reserve and record it in one transaction.

The placement hot path: pricing (2 queries), locations and candidate stock (2), one do_reserve
(inventory: one read, inserts, one locking UPDATE in pk order), then ONE statement inserting the order,
its lines, fulfilments, their lines and payments (core.rows.insert_linked), and one outbox INSERT for
all events.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import secrets
import zoneinfo
from decimal import Decimal

from django.conf import settings
from django.utils.translation import gettext as _

from omnicanal.core import audit, clock, outbox, outbox_commit
from omnicanal.core import rows as core_rows
from omnicanal.core.auth import SYSTEM, Principal
from omnicanal.core.errors import Conflict, Forbidden, ValidationFailed
from omnicanal.core.ids import new_id
from omnicanal.core.money import Money
from omnicanal.customers import queries as customers
from omnicanal.customers import services as customer_services
from omnicanal.inventory import queries as inventory_queries
from omnicanal.inventory import services as inventory
from omnicanal.inventory.services import ReserveLine
from omnicanal.loyalty.presence import Presence
from omnicanal.loyalty.services import coupons as loyalty_coupons
from omnicanal.loyalty.services import payments as loyalty_payments
from omnicanal.loyalty.services.common import Line as LoyaltyLine
from omnicanal.orders import events, pricing, providers, sourcing, tracking
from omnicanal.orders.models import (
    Cart,
    CartStatus,
    Fulfillment,
    FulfillmentLine,
    FulfillmentStatus,
    Order,
    OrderLine,
    Payment,
    PaymentStatus,
)
from omnicanal.orders.services.common import (
    GRAPH,
    IN_PERSON_CHANNELS,
    PROMISE_DAYS,
    LineIn,
    PaymentIn,
    _history,
    _is_person,
    _maybe_complete,
    _wanted,
    _who,
    check_channel,
    line_facts,
)
from omnicanal.orders.services.payments import _settle


def _pickup_code() -> str:
    return f"{secrets.randbelow(10**6):06d}"


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
        left = total - paid
        if p.amount is not None and p.amount.currency != total.currency:
            raise ValidationFailed.on(f"payments.{i}.amount", _("must be in %(c)s") % {"c": total.currency})
        amount = p.amount if p.amount is not None else left
        if p.up_to:
            amount = min(amount, left, key=lambda m: m.amount)
            if amount.amount <= 0:
                continue  # nothing left for it to pay
        if amount.amount <= 0:
            raise ValidationFailed.on(f"payments.{i}.amount", _("must be more than zero"))
        if amount.amount > left.amount:
            raise ValidationFailed.on(f"payments.{i}.amount", _("is more than what is left to pay (%(left)s)")
                                      % {"left": left.format()})
        if p.method in ("stored_value", "points") and not customer_id:
            raise ValidationFailed.on("customer_id", _("is required to pay with stored value or points"))
        if p.method == "cash" and channel not in IN_PERSON_CHANNELS:
            raise ValidationFailed.on(f"payments.{i}.method", _("cash is taken only in person"))
        planned.append(PaymentIn(method=p.method, amount=amount, gift_card_code=p.gift_card_code, pin=p.pin,
                                 provider=p.provider))
        paid = paid + amount
    if paid != total:
        raise ValidationFailed.on("payments", _("the payments add up to %(paid)s, the order to %(total)s")
                                  % {"paid": paid.format(), "total": total.format()})
    return planned


def _provider_for(method: str, channel: str, provider: str = "") -> str:
    if provider == "marketplace" and channel == "marketplace" and method == "card":
        return "marketplace"  # an imported marketplace order: paid to the marketplace already
    if provider == "oneclick" and method == "card" and channel not in IN_PERSON_CHANNELS:
        return "oneclick"  # a saved card, charged by do_charge_stored_card (a subscription's cycle)
    if method == "cash":
        return "cash"
    if method == "card":
        return "terminal" if channel in IN_PERSON_CHANNELS else providers.card_provider()
    return "loyalty"


def _receipt_contact(contact: dict, customer_id: str, channel: str, actor: Principal) -> tuple[dict, str]:
    """The buyer asked for the receipt by email: the address is checked (422 on `receipt_email`, before
    anything is written) and joins their profile unverified (customers' rules); an anonymous sale
    becomes the address owner's, or a new customer's, so the receipt and the history follow the person."""
    given = customer_services.do_attach_identity(
        customer_id=customer_id or None, value=contact["receipt_email"], channel=channel, source="receipt",
        field_name="receipt_email", actor=actor)
    return {**contact, "receipt_email": given.value, "receipt_outcome": given.outcome}, given.customer_id


def _receipt_facts(order: Order, lines: list[OrderLine], payments: list[Payment]) -> events.Receipt:
    """What the emailed receipt shows beyond OrderPlaced's own fields (the notifier may not read orders):
    the store, the local time, each line's title, IVA and the payment methods."""
    location = inventory_queries.location_info(order.delivery_location) if order.delivery_location else None
    zone = zoneinfo.ZoneInfo(location.timezone if location else settings.OMNICANAL.get("TIME_ZONE", "UTC"))
    currency = order.currency

    def money(value: dict) -> Money:
        return Money.of(value["amount"], value["currency"])

    return events.Receipt(
        placed_at=order.placed_at.astimezone(zone).isoformat(),
        location=order.delivery_location, location_name=location.name if location else "",
        lines=tuple(events.ReceiptLine(sku=line.sku, title=line.title, quantity=line.quantity,
                                       amount=Money(line.total, currency)) for line in lines),
        tax_lines=tuple(events.TaxLine(name=t["name"], rate=t["rate"], included=t["included"], base=money(t["base"]),
                                       amount=money(t["amount"])) for t in order.tax_lines),
        payments=tuple(events.ReceiptPayment(method=p.method, amount=Money(p.amount, currency)) for p in payments),
    )


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
    last_in_transaction: bool = False,
) -> Order:
    """Price, source, reserve and record an order on any channel, or raise and write nothing (the
    caller's transaction rolls back). 409 insufficient-stock when it cannot be promised. Paying with
    the customer's points, store credit or wallet needs `presence` (loyalty/presence.py), else 403.
    `last_in_transaction`: the caller writes no event after this in its transaction (the API's
    request): `OrderPlaced` may then ride with the COMMIT (core.outbox_commit), one round trip fewer,
    and still come before every event written after it."""
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
        customer_id = customers.resolve_id(customer_id)
    if (contact or {}).get("receipt_email"):
        contact, customer_id = _receipt_contact(contact, customer_id, channel, actor)
    if method == "carry_out" and not actor.may_act_on(location):
        raise Forbidden(detail=_("This credential may not sell at %(code)s.") % {"code": location})
    if cart is not None and inventory_queries.has_active_reservation(cart.public_id):
        inventory.do_release(reference=cart.public_id, reason="ordered")  # the order holds it now
    skus = list(wanted)
    priced = pricing.price_skus(skus, channel)
    currency = priced[skus[0]].unit_price.currency
    externally_priced = any(getattr(line, "unit_price", None) is not None for line in lines or [])
    if externally_priced:  # the marketplace's price, and its own shipping (charged and paid there)
        priced = pricing.external_prices(lines, channel, priced)
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
    shipping = pricing.shipping_fee(method, subtotal,
                                    free_shipping=free_shipping or bool(replacement_of) or externally_priced)
    total = subtotal + shipping - discount
    planned = _payments_plan(payments, total, channel, customer_id)
    taxes = pricing.tax_lines(total)
    # The order's rows, written below in ONE statement (core.rows.insert_linked), as bulk_create writes them.
    order = Order(
        public_id=order_pid, channel=channel, customer_id=customer_id, delivery_method=method,
        delivery_location=location, address=address, contact=contact or {}, currency=currency,
        subtotal=subtotal.amount, shipping=shipping.amount, discount=discount.amount, total=total.amount,
        tax=Decimal(taxes[0]["amount"]["amount"]), tax_lines=taxes,
        coupon=code, cart_id=cart.public_id if cart else "", placed_by=_who(actor), placed_at=now,
        sourcing=[{"fulfillment": fid, "location": p.location, "method": p.method, "reason": p.reason,
                   "why": p.reason_key}
                  for fid, p in zip(fulfillment_ids, plan.parts, strict=True)],
    )
    shares = (discount.allocate([int(gross[s].amount) or 0 for s in skus])
              if discount.amount and subtotal.amount else [Money.zero(currency)] * len(skus))
    order_lines = [
        OrderLine(order=order, sku=s, title=priced[s].title, category=priced[s].category, quantity=wanted[s],
                  unit_price=priced[s].unit_price.amount, discount=shares[i].amount, total=(gross[s] - shares[i]).amount)
        for i, s in enumerate(skus)
    ]
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
    fulfillment_lines = [
        FulfillmentLine(fulfillment=f, order_line=by_sku[sku], sku=sku, quantity=q)
        for f, part in zip(fulfillments, plan.parts, strict=True) for sku, q in part.lines.items()
    ]
    rows = []
    for p in planned:
        provider = _provider_for(p.method, channel, p.provider)
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
    core_rows.insert_linked([order], order_lines, fulfillments, fulfillment_lines, rows)
    if cart is not None:
        Cart.objects.filter(pk=cart.pk).update(status=CartStatus.ORDERED, order_id=order_pid, updated_at=now)
    placed = events.OrderPlaced(
        order_id=order_pid, order_number=order.number, customer_id=customer_id, channel=channel,
        delivery_method=method, total=total, receipt_email=(contact or {}).get("receipt_email", ""),
        receipt=_receipt_facts(order, order_lines, rows) if (contact or {}).get("receipt_email") else None,
        lines=line_facts(order_lines, currency), tracking_url=tracking.tracking_url(order))
    # Stock last: the row locks inventory takes are then held only for a few statements and the
    # COMMIT, so concurrent checkouts of a hot SKU queue as briefly as possible. When nothing below
    # reads the reservation (no carry-out to commit, no ship-to-store transfer), an API request runs
    # it as its transaction's very last statement, after the answer is ready (core.laststep).
    reads_it_back = any(f.method in ("carry_out", "ship_to_store") for f in fulfillments)
    settles_now = not rows or all(p.status == PaymentStatus.CAPTURED or p.provider == "loyalty" for p in rows)
    if reads_it_back or settles_now or not last_in_transaction:  # later events must follow this one
        outbox.emit_many([placed])
    else:  # with the COMMIT where it can (core.outbox_commit), ahead of the reservation's own event
        outbox_commit.emit_with_commit(placed)
    inventory.do_reserve(reference=order_pid, channel=sourcing.stock_channel(channel, method), expires_in=None,
                         actor=actor, at_commit=not reads_it_back,
                         lines=[ReserveLine(sku, q, location=part.pinned) for part in plan.parts
                                for sku, q in part.lines.items()])
    for f in fulfillments:
        if f.method == "carry_out":
            inventory.do_commit(reference=order_pid, location=f.location, actor=actor)
        elif f.method == "ship_to_store":
            transfer = inventory.do_request_transfer(
                origin=f.location, destination=f.handover_location,
                lines=[(sku, q) for sku, q in plan.parts[fulfillments.index(f)].lines.items()], reference=order_pid,
                note=f.public_id, actor=actor)
            f.transfer_id = transfer.id
            Fulfillment.objects.filter(pk=f.pk).update(transfer_id=transfer.id)
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
