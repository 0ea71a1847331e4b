"""Service recovery from the thread: store credit and a coupon for one customer.

Agents and managers make amends within their role's caps, per action and per day
(loyalty/limits.py); above them the grant waits for a manager's approval (services/approvals.py).
The agent's note stays on the grant (the customer does not see it; the audit log keeps ids only).
"""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext_lazy as _

from omnicanal.core.auth import Principal, require_role
from omnicanal.core.errors import ValidationFailed
from omnicanal.core.money import Money, business_currency
from omnicanal.loyalty import roles
from omnicanal.loyalty.models import CouponKind, GrantKind
from omnicanal.loyalty.services.approvals import CUSTOMER_COUPON_DAYS, GrantOutcome, do_request_value
from omnicanal.loyalty.services.common import check_customer

THREAD_ACTORS = roles.GOODWILL
__all__ = ["CUSTOMER_COUPON_DAYS", "THREAD_ACTORS", "do_grant_goodwill_credit", "do_issue_customer_coupon"]


def _note(note: str) -> str:
    note = (note or "").strip()[:200]
    if not note:
        raise ValidationFailed.on("note", _("say why (the customer will not see it)"))
    return note


def do_grant_goodwill_credit(*, customer_id: str, amount: Money, note: str, actor: Principal,
                             reference: str = "") -> GrantOutcome:
    """Store credit as service recovery: issued at once within the actor's caps, else pending."""
    require_role(actor, *THREAD_ACTORS)
    note = _note(note)
    customer_id = check_customer(customer_id)
    return do_request_value(actor=actor, kind=GrantKind.STORE_CREDIT, customer_id=customer_id, amount=amount,
                            reason="service_recovery", reference=reference, note=note)


def do_issue_customer_coupon(*, customer_id: str, kind: str, value: Decimal, note: str, actor: Principal,
                             reference: str = "") -> GrantOutcome:
    """A single-use coupon made for one customer: one use in all, only by them, valid 30 days. The
    code is shown to the agent to send (once issued; a pending one waits for a manager)."""
    require_role(actor, *THREAD_ACTORS)
    customer_id = check_customer(customer_id)
    value = Decimal(value)
    amount = Money.of(value, business_currency()) if kind == CouponKind.AMOUNT else None
    return do_request_value(actor=actor, kind=GrantKind.COUPON, customer_id=customer_id, amount=amount, coupon_kind=kind,
                            coupon_value=value if kind == CouponKind.PERCENT else Decimal(0), reference=reference,
                            note=(note or "").strip())
