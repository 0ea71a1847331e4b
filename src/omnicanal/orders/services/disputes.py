"""Disputes: not received or defective, decided by a manager (refund, replacement, reject).
"""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext as _

from omnicanal.core import audit, clock
from omnicanal.core.auth import SYSTEM, Principal, require_role
from omnicanal.core.errors import Conflict, InvalidTransition, NotFound, ValidationFailed
from omnicanal.core.money import Money
from omnicanal.orders import locks, roles
from omnicanal.orders.models import (
    Dispute,
    DisputeStatus,
    Order,
    OrderLine,
)
from omnicanal.orders.services.common import (
    DISPUTE_GRACE_DAYS,  # noqa: F401  (re-exported by orders.services)
    DISPUTE_KINDS,
    LineIn,
    _history,
    _is_person,
    _who,
    dispute_refusal,
)
from omnicanal.orders.services.placement import do_place_order
from omnicanal.orders.services.refunds import do_refund, paid_amount, refunded_amount

DISPUTE_OPENERS, DISPUTE_DECIDERS = roles.DISPUTE_OPENERS, roles.DISPUTE_DECIDERS
DECISIONS = ("refund", "partial_refund", "replacement", "reject")


def do_open_dispute(*, order: Order, kind: str, note: str = "", actor: Principal = SYSTEM,
                    external_ref: str = "") -> Dispute:
    """not_received: only past the promised date plus DISPUTE_GRACE_DAYS with something undelivered;
    defective: for goods that reached the customer. One open dispute per order and kind.

    `external_ref`: a marketplace's claim (its buyer claimed there, under its rules, so our timing
    rule does not apply; the kind must still be one of ours). The same reference answers the dispute
    already made for it, and an open dispute of that kind takes the reference instead of a second one."""
    require_role(actor, *DISPUTE_OPENERS)
    now = clock.now()
    external_ref = external_ref.strip()[:80]
    if external_ref:
        if kind not in DISPUTE_KINDS:
            raise ValidationFailed.on("kind", _("must be not_received or defective"))
        known = Dispute.objects.filter(order=order, external_ref=external_ref).first()
        if known is not None:
            return known
        taken = Dispute.objects.filter(order=order, kind=kind, status=DisputeStatus.OPEN, external_ref="").first()
        if taken is not None:
            taken.external_ref = external_ref
            taken.history = [*taken.history, _history(DisputeStatus.OPEN, actor, now, external_ref=external_ref)]
            taken.save(update_fields=["external_ref", "history"])
            return taken
    if Dispute.objects.filter(order=order, kind=kind, status=DisputeStatus.OPEN).exists():
        raise Conflict(detail=_("The order %(n)s already has an open dispute of this kind.") % {"n": order.number})
    refusal = None if external_ref else dispute_refusal(order, kind, now)
    if refusal is not None:
        raise ValidationFailed.on("kind", refusal)
    extra = {"external_ref": external_ref} if external_ref else {}
    dispute = Dispute.objects.create(order=order, kind=kind, note=note[:2000], created_at=now, opened_by=_who(actor),
                                     external_ref=external_ref,
                                     history=[_history(DisputeStatus.OPEN, actor, now, kind=kind, **extra)])
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
        # A marketplace's claim closed with a refund after its return was received and refunded here:
        # nothing moves, the dispute is resolved as refunded.
        if amount.amount <= 0 and not dispute.external_ref:
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
    if decision in ("refund", "partial_refund") and amount.amount > 0:
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
