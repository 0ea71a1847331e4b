"""Returns (RMA): at a returns-capable location or by mail, received, refunded, exchanged.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from django.conf import settings
from django.db.models import F
from django.utils.translation import gettext as _

from omnicanal.catalog import queries as catalog
from omnicanal.core import audit, clock, outbox
from omnicanal.core.auth import SYSTEM, Principal
from omnicanal.core.errors import InvalidTransition, NotFound, ValidationFailed
from omnicanal.core.money import Money
from omnicanal.inventory import queries as inventory_queries
from omnicanal.inventory import services as inventory
from omnicanal.loyalty.presence import internal as internal_presence
from omnicanal.orders import events, labels, locks, pricing, sourcing
from omnicanal.orders.models import (
    Order,
    OrderLine,
    OrderStatus,
    Return,
    ReturnLine,
    ReturnStatus,
)
from omnicanal.orders.proof import same_contact
from omnicanal.orders.services.common import (
    LineIn,
    PaymentIn,
    _handed,
    _history,
    _is_person,
    _wanted,
    return_closes_at,
)
from omnicanal.orders.services.placement import do_place_order
from omnicanal.orders.services.refunds import do_refund

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
    terms = inventory_queries.channel_terms(network)
    for loc in inventory_queries.location_infos().values():
        link = terms.get(loc.code)
        if not loc.returns or link is None or not link.ships or loc.kind not in kinds:
            continue
        km = sourcing.km(point, loc.point)
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
    if where is None or not where.returns:
        raise ValidationFailed.on("location", _("%(code)s does not take returns") % {"code": location or "-"})
    if refund_to == "store_credit" and not order.customer_id:
        raise ValidationFailed.on("refund_to", _("store credit needs a known customer"))
    if order.status == OrderStatus.CANCELLED:
        raise InvalidTransition(detail=_("The order %(n)s is cancelled.") % {"n": order.number})
    fresh = Order.objects.filter(pk=order.pk).values_list("status", flat=True).first()
    if fresh == OrderStatus.PENDING_PAYMENT:  # dues.allowed_actions: no return of what is not paid
        raise InvalidTransition(detail=_("The order %(n)s is not paid yet.") % {"n": order.number})
    order_lines = {line.sku: line for line in OrderLine.objects.filter(order=order)}
    handed = _handed(order)
    pending: dict[int, int] = defaultdict(int)
    for rl in ReturnLine.objects.filter(ret__order=order, ret__status=ReturnStatus.REQUESTED):
        pending[rl.order_line_id] += rl.quantity
    now = clock.now()
    rows = []
    windows = catalog.return_windows(line.category for line in order_lines.values())
    default_window = int(settings.OMNICANAL.get("RETURN_WINDOW_DAYS", 30))
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
        days = windows.get(line.category, default_window)
        if now > return_closes_at(order.placed_at, days):
            raise ValidationFailed.on(f"lines.{i}.sku", _("the return window of %(days)d days has closed")
                                      % {"days": days})
        pending[line.pk] += quantity
        rows.append(ReturnLine(order_line=line, sku=line.sku, quantity=quantity,
                               reason=str(item.get("reason") or "")[:60]))
    ret = Return.objects.create(order=order, location=where.code, refund_to=refund_to, created_at=now,
                                status=ReturnStatus.REQUESTED, by_mail=by_mail,
                                carrier=labels.carrier()[:60] if by_mail else "",
                                tracking=labels.tracking_number() if by_mail else "",
                                history=[_history(ReturnStatus.REQUESTED, actor, now, location=where.code,
                                                  by_mail=by_mail)])
    for row in rows:
        row.ret = ret
    ReturnLine.objects.bulk_create(rows)
    if by_mail:
        outbox.emit(events.ReturnLabelCreated(
            return_id=ret.public_id, return_number=ret.public_id, order_id=order.public_id,
            order_number=order.number, customer_id=order.customer_id, carrier=ret.carrier, tracking=ret.tracking,
            location=where.code, location_name=where.name, label_url=labels.url_for(ret.public_id, now),
            expires_at=labels.expires_at(now).isoformat()))
    return ret


def do_start_return(*, order_id: str, customer_id: str, lines: list[dict], by_mail: bool, location: str = "",
                    proof: str = "", actor: Principal = SYSTEM) -> Return:
    """A customer's own return started from a self-service channel (the bot): only an order of
    `customer_id`, or one whose email or phone is `proof` (an unknown sender who verified it, the
    rule of queries.order_status_verified); else NotFound, as for an order that does not exist. Then
    do_request_return's rules."""
    order = Order.objects.filter(public_id=order_id).first() if order_id else None
    owned = order is not None and bool(customer_id) and order.customer_id == customer_id
    if order is None or not (owned or (proof and same_contact(order, proof))):
        raise NotFound(detail=_("No order %(id)s.") % {"id": order_id})
    return do_request_return(order=order, location=MAIL if by_mail else location, lines=lines, by_mail=by_mail,
                             actor=actor)


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
        if info is None or not info.returns:
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
        inventory.do_receive_stock(location=where, lines=list(resellable.items()),
                                   kind="return", reference=ret.public_id, actor=actor)
    now = clock.now()
    made = do_refund(order=order, amount=Money(refund, order.currency), to=ret.refund_to, reference=ret.public_id,
                     reason="return", actor=actor) if refund else []
    ret.refunded = sum((r.amount for r in made), Decimal(0))
    ret.status, ret.received_at, ret.received_location = ReturnStatus.RECEIVED, now, where
    ret.history = [*ret.history, _history(ReturnStatus.RECEIVED, actor, now, location=where,
                                          **({"destination": ret.location} if where != ret.location else {}))]
    ret.save(update_fields=["refunded", "status", "received_at", "received_location", "history"])
    # Before the exchange's own events: loyalty takes this return's points back first, as it always did.
    outbox.emit(events.ReturnReceived(return_id=ret.public_id, return_number=ret.public_id, order_id=order.public_id,
                                      order_number=order.number, customer_id=order.customer_id, location=where,
                                      refunded=Money(ret.refunded, order.currency), paid=order.paid_at is not None))
    if exchange:
        ret.exchange_order_id = _exchange(ret, order, exchange, actor).public_id
        ret.save(update_fields=["exchange_order_id"])
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
