"""Fulfilment: each method's state machine, short picks, resending tracking.
"""

from __future__ import annotations

from decimal import Decimal

from django.db.models import F
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from omnicanal.core import audit, clock, outbox
from omnicanal.core.auth import SYSTEM, Principal, require_role
from omnicanal.core.errors import InvalidTransition, NotFound, ValidationFailed
from omnicanal.core.money import Money
from omnicanal.inventory import queries as inventory_queries
from omnicanal.inventory import services as inventory
from omnicanal.inventory.services import ReserveLine
from omnicanal.orders import events, locks, pickup, roles, sourcing, tracking
from omnicanal.orders.models import (
    Fulfillment,
    FulfillmentLine,
    FulfillmentStatus,
    Order,
    OrderLine,
    OrderStatus,
)
from omnicanal.orders.services.common import (
    ACTIONS,
    GRAPH,
    _history,
    _is_person,
    _maybe_complete,
    _release,
    _who,
)
from omnicanal.orders.services.dues import check_paid
from omnicanal.orders.services.refunds import do_refund


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
    if action == "handover" or (action == "ship" and f.method != "ship_to_store"):
        check_paid(order)  # goods never leave unpaid; a ship-to-store transfer stays in the business
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
        name = sourcing.location_name(where)
        batch.append(events.FulfillmentReady(fulfillment_id=f.public_id, order_id=order.public_id,
                                             order_number=order.number, customer_id=order.customer_id,
                                             location=where, location_name=name, pickup_code=f.pickup_code,
                                             tracking_url=tracking.tracking_url(order)))
    if f.status == FulfillmentStatus.SHIPPED and f.method in ("ship", "drop_ship"):
        batch.append(events.FulfillmentShipped(fulfillment_id=f.public_id, order_id=order.public_id,
                                               order_number=order.number, customer_id=order.customer_id,
                                               carrier=f.carrier, tracking=f.tracking,
                                               tracking_url=tracking.tracking_url(order)))
    outbox.emit_many(batch)


# The customer, acting through their signed tracking link or their shop session (history: "customer:…").
CUSTOMER = Principal(kind="customer", id="customer", name="customer", role="", locations=frozenset())


def do_customer_arrived(*, order_id: str, fulfillment_id: str, parking_spot: str = "") -> Fulfillment:
    """The customer's "I'm here" at the curb: a curbside fulfilment of THEIR order (`order_id`, which the
    caller proved: a signed tracking link, a shop session), ready for pickup, becomes `arrived` with the
    parking spot, and so joins the store's curbside queue. Pressed again once arrived it changes nothing
    (the spot may be corrected); any other method or state is a 409 that says why."""
    f = locks.fulfillment(fulfillment_id)
    if f is None or f.order.public_id != order_id:
        raise NotFound(detail=_("No fulfillment %(id)s.") % {"id": fulfillment_id})
    spot = str(parking_spot or "").strip()[:40]
    if f.method != "curbside":
        raise InvalidTransition(detail=_("Only a curbside pickup can tell the store you are here."))
    if f.status == FulfillmentStatus.ARRIVED:
        if spot and spot != f.parking_spot:
            f.parking_spot = spot
            f.save(update_fields=["parking_spot"])
        return f
    if f.status != FulfillmentStatus.READY:
        raise InvalidTransition(detail=_("Your order is not ready for pickup yet: we will tell you when it is."),
                                extra={"status": f.status})
    return do_transition(fulfillment_id=fulfillment_id, action="arrived", data={"parking_spot": spot}, actor=CUSTOMER)


RESEND_ROLES = roles.RESEND_TRACKING


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
                                      tracking_url=tracking.tracking_url(order), actor=_who(actor)))
    audit.record(actor=actor, action="fulfillment.resend_tracking", target_type="fulfillment", target_id=f.public_id,
                 after={"order": order.number, "tracking": f.tracking})
    return f


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
        options = [r.location for r in rows if r.ships and r.location != f.location and r.free >= missing
                   and (r.location not in info or info[r.location].kind != "supplier")]
        if options:
            origin = sourcing.nearest(options, sourcing.address_point(order.address), info, sourcing.Stock(rows))[0]
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


# A carrier's (or a marketplace's shipping service's) report, and the steps that lead to it from
# each status of a shipped method: a report never moves a fulfilment backwards.
CARRIER_REPORTS = ("shipped", "delivered", "not_delivered")
_TO_SHIPPED = {"pending": ("pick", "pack", "ship"), "picking": ("pack", "ship"), "packed": ("ship",)}


def do_carrier_report(*, fulfillment_id: str, status: str, carrier: str = "", tracking: str = "", detail: str = "",
                      actor: Principal = SYSTEM) -> Fulfillment:
    """The carrier says where a shipment is: `shipped` (with its tracking) walks a pending, picking
    or packed fulfilment through the missing steps to shipped (stock leaves as at any ship);
    `delivered` walks it on to delivered; `not_delivered` (the parcel failed or is on its way back)
    is written to the history once while the fulfilment stays shipped, so a late-delivery dispute
    stays possible. A report behind the current status, repeated or out of order, changes nothing."""
    if status not in CARRIER_REPORTS:
        raise ValidationFailed.on("status", _("must be shipped, delivered or not_delivered"))
    f = locks.fulfillment(fulfillment_id)
    if f is None:
        raise NotFound(detail=_("No fulfillment %(id)s.") % {"id": fulfillment_id})
    if f.method not in ("ship", "drop_ship") or f.status == FulfillmentStatus.CANCELLED:
        return f
    for action in _TO_SHIPPED.get(f.status, ()):
        f = do_transition(fulfillment_id=fulfillment_id, action=action, actor=actor,
                          data={"carrier": carrier or "-", "tracking": tracking or "-"})
    if status == "delivered" and f.status == FulfillmentStatus.SHIPPED:
        f = do_transition(fulfillment_id=fulfillment_id, action="deliver", actor=actor)
    elif status == "not_delivered" and f.status == FulfillmentStatus.SHIPPED:
        last = next((h for h in reversed(f.history) if h.get("carrier_report")), None)
        if last is None or last.get("carrier_report") != status or last.get("detail") != detail[:60]:
            f.history = [*f.history, _history(f.status, actor, clock.now(), carrier_report=status, detail=detail[:60])]
            f.save(update_fields=["history"])
    if tracking and f.status in (FulfillmentStatus.SHIPPED, FulfillmentStatus.DELIVERED) and f.tracking in ("", "-"):
        f.tracking, f.carrier = tracking[:100], (carrier or f.carrier)[:60]
        f.save(update_fields=["tracking", "carrier"])
    return f
