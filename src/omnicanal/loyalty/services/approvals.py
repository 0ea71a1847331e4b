"""Value given by hand (store credit, a coupon for one customer), within the giver's limits or
with a manager's approval.

    outcome = do_request_value(actor=, kind="store_credit", customer_id=, amount=Money, reason=, note=)
    outcome.grant.status  # "issued" (within the caps) or "pending" (a manager decides)
    do_decide(grant_id=, approve=True, actor=manager)   # issues it; approve=False rejects it

The caps (loyalty/limits.py) are per action and per day per staff member or key. The daily sum lives
in an `Allowance` row per person and day, raised by one conditional UPDATE (`… WHERE amount <= cap -
x`), so two grants racing never pass a cap together. A manager approves within their own per-action
cap (above it, an admin), never their own request. Every step is audited with ids only; the staff
note stays on the grant (scrubbed on erasure), never in the audit log.
"""

from __future__ import annotations

import datetime as dt
import secrets
import zoneinfo
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db.models import F
from django.utils.translation import gettext as _

from omnicanal.core import audit, clock
from omnicanal.core.auth import Principal, require_role
from omnicanal.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from omnicanal.core.money import Money, business_currency
from omnicanal.loyalty import limits, locks
from omnicanal.loyalty import roles as loyalty_roles  # `roles` names a parameter here
from omnicanal.loyalty.models import (
    Allowance,
    Coupon,
    CouponKind,
    GrantKind,
    GrantStatus,
    Transfer,
    ValueGrant,
)
from omnicanal.loyalty.queries import survivor_id
from omnicanal.loyalty.services import coupons, ledger, stored_value
from omnicanal.loyalty.services.common import audit_ref, check_business_currency

CUSTOMER_COUPON_DAYS = 30
COUPON_KINDS = (CouponKind.PERCENT, CouponKind.AMOUNT, CouponKind.FREE_SHIPPING)


@dataclass(frozen=True)
class GrantOutcome:
    grant: ValueGrant
    transfer: Transfer | None = None  # store credit issued
    coupon: Coupon | None = None  # coupon issued

    @property
    def pending(self) -> bool:
        return self.grant.status == GrantStatus.PENDING


def business_day(at: dt.datetime | None = None) -> dt.date:
    return (at or clock.now()).astimezone(zoneinfo.ZoneInfo(settings.OMNICANAL["TIME_ZONE"])).date()


def _over_action_cap(lim: limits.Limits, grant: ValueGrant) -> bool:
    if grant.kind == GrantKind.COUPON and grant.coupon_kind == CouponKind.PERCENT:
        return not limits.within(lim.percent_per_action, grant.coupon_value)
    return not limits.within(lim.credit_per_action, grant.amount)


def _take_allowance(actor_key: str, lim: limits.Limits, grant: ValueGrant) -> bool:
    """Count the grant in today's allowance unless that passes a daily cap (then nothing changes)."""
    coupons_n = 1 if grant.kind == GrantKind.COUPON else 0
    day = business_day()
    Allowance.objects.bulk_create([Allowance(actor=actor_key, day=day)], ignore_conflicts=True)
    rows = Allowance.objects.filter(actor=actor_key, day=day)
    if lim.credit_per_day is not None and grant.amount:
        rows = rows.filter(amount__lte=lim.credit_per_day - grant.amount)
    if lim.coupons_per_day is not None and coupons_n:
        rows = rows.filter(coupons__lte=lim.coupons_per_day - coupons_n)
    return rows.update(amount=F("amount") + grant.amount, coupons=F("coupons") + coupons_n) == 1


def used_today(actor: Principal) -> tuple[Money, int]:
    row = Allowance.objects.filter(actor=ledger.actor_label(actor), day=business_day()).first()
    return Money.of(row.amount if row else 0), row.coupons if row else 0


def _check_request(kind: str, amount: Money, coupon_kind: str, coupon_value: Decimal, reason: str) -> None:
    if kind not in GrantKind.values:
        raise ValidationFailed.on("kind", _("must be store_credit or coupon"))
    check_business_currency(amount)
    if kind == GrantKind.STORE_CREDIT:
        if reason not in stored_value.CREDIT_REASONS:
            raise ValidationFailed.on("reason", _("must be return or service_recovery"))
        if amount.amount <= 0:
            raise ValidationFailed.on("amount", _("must be more than zero"))
        return
    if coupon_kind not in COUPON_KINDS:
        raise ValidationFailed.on("kind", _("must be percent, amount or free_shipping"))
    if coupon_kind != CouponKind.FREE_SHIPPING and (amount.amount if coupon_kind == CouponKind.AMOUNT else coupon_value) <= 0:
        raise ValidationFailed.on("value" if coupon_kind == CouponKind.PERCENT else "amount", _("must be more than zero"))


def do_request_value(
    *, actor: Principal, kind: str, customer_id: str, amount: Money | None = None, reason: str = "service_recovery",
    coupon_kind: str = "", coupon_value: Decimal = Decimal(0), reference: str = "", note: str = "",
    roles: tuple[str, ...] = loyalty_roles.GOODWILL,
) -> GrantOutcome:
    """Give `customer_id` store credit or a one-use coupon: at once within the actor's caps, else
    a pending grant a manager approves (`outcome.pending`)."""
    require_role(actor, *roles)
    amount = amount if amount is not None else Money.zero(business_currency())
    if kind == GrantKind.COUPON and coupon_kind != CouponKind.AMOUNT:
        amount = Money.zero(amount.currency)
    _check_request(kind, amount, coupon_kind, Decimal(coupon_value), reason)
    grant = ValueGrant(
        kind=kind, status=GrantStatus.PENDING, customer_id=survivor_id(customer_id), amount=amount.amount,
        currency=amount.currency, coupon_kind=coupon_kind if kind == GrantKind.COUPON else "",
        coupon_value=Decimal(coupon_value) if coupon_kind == CouponKind.PERCENT else Decimal(0),
        reason=reason if kind == GrantKind.STORE_CREDIT else "", reference=reference[:100], note=note.strip()[:200],
        requested_by=ledger.actor_label(actor), requested_role=actor.role, requested_at=clock.now(),
    )
    lim = limits.limits_for(actor.role)
    if not _over_action_cap(lim, grant) and _take_allowance(grant.requested_by, lim, grant):
        grant.status = GrantStatus.ISSUED
        grant.save()
        return _issue(grant, actor=actor, action="loyalty.value.grant")
    grant.save()
    audit.record(actor=actor, action="loyalty.value.request", target_type="value_grant", target_id=grant.public_id,
                 after=_facts(grant))
    return GrantOutcome(grant=grant)


def _facts(grant: ValueGrant) -> dict:
    """What the audit log keeps of a grant: ids and amounts, never the note."""
    return {"kind": grant.kind, "customer": grant.customer_id, "amount": Money(grant.amount, grant.currency).as_dict(),
            "coupon_kind": grant.coupon_kind, "percent": str(grant.coupon_value) if grant.coupon_value else "",
            "reason": grant.reason, "reference": audit_ref(grant.reference), "status": grant.status, "result": grant.result}


def _issue(grant: ValueGrant, *, actor: Principal, action: str) -> GrantOutcome:
    transfer = coupon = None
    if grant.kind == GrantKind.STORE_CREDIT:
        transfer = stored_value.do_grant_store_credit(
            customer_id=grant.customer_id, amount=Money(grant.amount, grant.currency), reason=grant.reason,
            reference=grant.reference, key=f"grant:{grant.public_id}", actor=actor)
        grant.result = transfer.public_id
    else:
        value = grant.coupon_value if grant.coupon_kind == CouponKind.PERCENT else grant.amount
        code = "CX-" + "".join(secrets.choice(stored_value.CODE_ALPHABET) for _ in range(8))
        terms = coupons.Terms(kind=grant.coupon_kind, value=value, currency=grant.currency, max_uses_per_customer=1,
                              ends_at=clock.now() + dt.timedelta(days=CUSTOMER_COUPON_DAYS))
        coupon = coupons.do_create_coupon(code=code, terms=terms, max_uses=1, name=grant.customer_id,
                                          owner_id=grant.customer_id, actor=actor)
        grant.result = coupon.public_id
    grant.save(update_fields=["status", "result", "decided_by", "decided_at"])
    audit.record(actor=actor, action=action, target_type="value_grant", target_id=grant.public_id, after=_facts(grant))
    return GrantOutcome(grant=grant, transfer=transfer, coupon=coupon)


def do_decide(*, grant_id: str, approve: bool, actor: Principal) -> GrantOutcome:
    """A manager approves (the value is issued now) or rejects a pending grant."""
    require_role(actor, *loyalty_roles.APPROVE)
    grant = locks.lock_grant(grant_id)
    if grant is None:
        raise NotFound(detail=_("No value grant %(id)s.") % {"id": grant_id})
    if grant.status != GrantStatus.PENDING:
        raise Conflict(detail=_("The grant %(id)s was already decided.") % {"id": grant_id})
    if grant.requested_by == ledger.actor_label(actor) and not actor.is_admin:
        raise Forbidden(detail=_("Another manager must approve your own request."))
    grant.decided_by, grant.decided_at = ledger.actor_label(actor), clock.now()
    if not approve:
        grant.status = GrantStatus.REJECTED
        grant.save(update_fields=["status", "decided_by", "decided_at"])
        audit.record(actor=actor, action="loyalty.value.reject", target_type="value_grant", target_id=grant.public_id,
                     after=_facts(grant))
        return GrantOutcome(grant=grant)
    if _over_action_cap(limits.limits_for(actor.role), grant):
        raise Forbidden(detail=_("This is above your own limit per action; an admin must approve it."))
    grant.status = GrantStatus.APPROVED
    return _issue(grant, actor=actor, action="loyalty.value.approve")


def pending_grants(limit: int = 100):
    return ValueGrant.objects.filter(status=GrantStatus.PENDING).order_by("requested_at", "pk")[:limit]
