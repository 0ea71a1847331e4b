"""Pickup codes: checked at handover behind a lockout, re-issued by the desk, or sent again unchanged.

A wrong code counts against the fulfilment (core.throttle "pickup_code": 5 wrong codes lock it for
a day); a locked code is refused, even when right, with 429 too-many-requests. The desk of the
pickup location then re-issues a new code (`do_reissue_pickup_code`): the old one stops working,
the lock is lifted, the customer gets the new code through the notifier (FulfillmentReady again),
and the act is audited.
"""

from __future__ import annotations

import secrets

from django.utils.translation import gettext as _

from omnicanal.core import audit, clock, outbox, throttle
from omnicanal.core.auth import Principal, require_location, require_role
from omnicanal.core.errors import InvalidTransition, NotFound, ValidationFailed
from omnicanal.orders import events, locks, roles, sourcing, tracking
from omnicanal.orders.models import Fulfillment, FulfillmentStatus

REISSUE_ROLES = roles.REISSUE
# A code can still be handed over (so re-issued) in these states.
OPEN = (FulfillmentStatus.PENDING, FulfillmentStatus.PICKING, FulfillmentStatus.PACKED, FulfillmentStatus.SHIPPED,
        FulfillmentStatus.READY, FulfillmentStatus.ARRIVED)


def new_code() -> str:
    return f"{secrets.randbelow(10**6):06d}"


def check_code(f: Fulfillment, code: object) -> None:
    """The handover's check: the fulfilment's code, unless it is locked by wrong tries."""
    pair = ("pickup_code", f.public_id)
    throttle.check(pair)
    if not f.pickup_code or not secrets.compare_digest(str(code or ""), f.pickup_code):
        throttle.failed(pair)
        raise ValidationFailed.on("code", _("the pickup code does not match"))
    throttle.reset(pair)


def do_reissue_pickup_code(*, fulfillment_id: str, actor: Principal) -> Fulfillment:
    """A new pickup code for a fulfilment not yet handed over; staff of its pickup location only."""
    require_role(actor, *REISSUE_ROLES)
    f = locks.fulfillment(fulfillment_id)
    if f is None:
        raise NotFound(detail=_("No fulfillment %(id)s.") % {"id": fulfillment_id})
    where = f.handover_location or f.location
    require_location(actor, where)
    if not f.pickup_code or f.status not in OPEN:
        raise InvalidTransition(detail=_("Only a pickup not yet handed over can get a new code."))
    f.pickup_code = new_code()
    f.updated_at = clock.now()
    f.save(update_fields=["pickup_code", "updated_at"])
    throttle.reset(("pickup_code", f.public_id))
    audit.record(actor=actor, action="fulfillment.pickup_code.reissue", target_type="fulfillment", target_id=f.public_id)
    if f.status in (FulfillmentStatus.READY, FulfillmentStatus.ARRIVED):
        order = f.order
        name = sourcing.location_name(where)
        outbox.emit(events.FulfillmentReady(fulfillment_id=f.public_id, order_id=order.public_id, order_number=order.number,
                                            customer_id=order.customer_id, location=where, location_name=name,
                                            pickup_code=f.pickup_code, tracking_url=tracking.tracking_url(order)))
    return f


def do_resend_pickup_code(*, fulfillment_id: str, actor: Principal) -> Fulfillment:
    """Send the same pickup code to the customer again (they lost the message), through the notifier
    (FulfillmentReady again); the code does not change. Only a pickup that is ready or arrived."""
    require_role(actor, *REISSUE_ROLES)
    f = locks.fulfillment(fulfillment_id)
    if f is None:
        raise NotFound(detail=_("No fulfillment %(id)s.") % {"id": fulfillment_id})
    where = f.handover_location or f.location
    require_location(actor, where)
    if not f.pickup_code or f.status not in (FulfillmentStatus.READY, FulfillmentStatus.ARRIVED):
        raise InvalidTransition(detail=_("Only a pickup ready at the store can have its code sent again."))
    order = f.order
    outbox.emit(events.FulfillmentReady(fulfillment_id=f.public_id, order_id=order.public_id, order_number=order.number,
                                        customer_id=order.customer_id, location=where,
                                        location_name=sourcing.location_name(where), pickup_code=f.pickup_code,
                                        tracking_url=tracking.tracking_url(order)))
    audit.record(actor=actor, action="fulfillment.pickup_code.resend", target_type="fulfillment", target_id=f.public_id)
    return f
