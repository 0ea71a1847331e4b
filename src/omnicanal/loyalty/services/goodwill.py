"""Service recovery from the thread: store credit and a coupon for one customer.

An agent may make amends up to a limit, a manager without one; both are audited with the agent's
note (the customer does not see it).
"""

from __future__ import annotations

import datetime as dt
import secrets
from decimal import Decimal

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from omnicanal.core import audit, clock, privacy
from omnicanal.core.auth import Principal, require_role
from omnicanal.core.errors import Forbidden, ValidationFailed
from omnicanal.core.money import Money
from omnicanal.loyalty.models import Coupon, CouponKind, Transfer
from omnicanal.loyalty.services import coupons, stored_value
from omnicanal.loyalty.services.common import check_customer

THREAD_ACTORS = ("agent", "manager")
AGENT_CREDIT_LIMIT = Decimal("20000")  # in the business currency (CLP); settings.OMNICANAL may override
AGENT_PERCENT_LIMIT = Decimal("20")
CUSTOMER_COUPON_DAYS = 30


def agent_credit_limit() -> Decimal:
    return Decimal(str(settings.OMNICANAL.get("AGENT_CREDIT_LIMIT", AGENT_CREDIT_LIMIT)))


def check_goodwill(*, actor: Principal, kind: str, value: Decimal) -> None:
    """Who may give what: agents and managers; an agent up to the limit (amounts) or 20 % (percent)."""
    require_role(actor, *THREAD_ACTORS)
    if value <= 0 and kind != CouponKind.FREE_SHIPPING:
        raise ValidationFailed.on("amount", _("must be more than zero"))
    if actor.role != "agent":
        return
    if kind == CouponKind.PERCENT and value > AGENT_PERCENT_LIMIT:
        raise Forbidden(detail=_("An agent may give at most %(limit)s %%; ask a manager.") % {"limit": AGENT_PERCENT_LIMIT})
    if kind != CouponKind.PERCENT and value > agent_credit_limit():
        raise Forbidden(detail=_("An agent may give at most %(limit)s; ask a manager.")
                        % {"limit": Money.of(agent_credit_limit()).format()})


def do_grant_goodwill_credit(*, customer_id: str, amount: Money, note: str, actor: Principal,
                             reference: str = "") -> Transfer:
    """Store credit as service recovery (stored_value.do_grant_store_credit audits the grant; this
    adds who asked for it and why, e.g. from which conversation)."""
    check_goodwill(actor=actor, kind="amount", value=amount.amount)
    note = note.strip()[:200]
    if not note:
        raise ValidationFailed.on("note", _("say why (the customer will not see it)"))
    customer_id = check_customer(customer_id)
    transfer = stored_value.do_grant_store_credit(customer_id=customer_id, amount=amount, reason="service_recovery",
                                                  reference=reference[:100], actor=actor)
    audit.record(actor=actor, action="loyalty.store_credit.goodwill", target_type="customer", target_id=customer_id,
                 after={"amount": amount.as_dict(), "reference": privacy.id_or_blank(reference), "transfer": transfer.public_id},
                 reason=note, subject=customer_id)
    return transfer


def do_issue_customer_coupon(*, customer_id: str, kind: str, value: Decimal, note: str, actor: Principal,
                             reference: str = "") -> Coupon:
    """A single-use coupon made for one customer: one use in all, only by them, valid 30 days. The
    code is shown to the agent to send."""
    if kind not in (CouponKind.PERCENT, CouponKind.AMOUNT, CouponKind.FREE_SHIPPING):
        raise ValidationFailed.on("kind", _("must be percent, amount or free_shipping"))
    value = Decimal(0) if kind == CouponKind.FREE_SHIPPING else value
    check_goodwill(actor=actor, kind=kind, value=value)
    customer_id = check_customer(customer_id)
    code = "CX-" + "".join(secrets.choice(stored_value.CODE_ALPHABET) for _ in range(8))
    terms = coupons.Terms(kind=kind, value=value, max_uses_per_customer=1,
                          ends_at=clock.now() + dt.timedelta(days=CUSTOMER_COUPON_DAYS))
    coupon = coupons.do_create_coupon(code=code, terms=terms, max_uses=1, name=customer_id, owner_id=customer_id,
                                      actor=actor)
    audit.record(actor=actor, action="loyalty.coupon.issue_to_customer", target_type="coupon", target_id=coupon.public_id,
                 after={"customer": customer_id, "code": coupon.code, "kind": kind, "value": str(value),
                        "reference": privacy.id_or_blank(reference)},
                 reason=note.strip()[:200], subject=customer_id)
    return coupon


