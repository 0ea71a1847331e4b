"""The loyalty API (../shared/API.md, Loyalty): parse, call one service or query, answer.

Money on the wire is {"amount": "12990", "currency": "CLP"}; points and coins are whole numbers.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Literal

from ninja import Query, Router, Schema, Status
from pydantic import Field, field_validator

from omnicanal.core import clock
from omnicanal.core.auth import Principal
from omnicanal.core.auth import require_role as _require_role
from omnicanal.core.errors import CouponExhausted, InsufficientBalance, NotFound
from omnicanal.core.money import Money, business_currency
from omnicanal.core.openapi import errors
from omnicanal.core.schemas import MoneyOut, PositiveMoneyIn, Quantity, StrictAmount
from omnicanal.loyalty import panel, qr, queries, roles
from omnicanal.loyalty.models import POINTS, Activity, Coupon, CouponKind, GrantKind, Tier, Transfer
from omnicanal.loyalty.services import approvals, coupons, ledger, program, stored_value
from omnicanal.loyalty.services.common import Line, check_customer

router = Router(tags=["loyalty"])
SCOPE = "orders"  # an integration key needs it here: loyalty serves checkout (core.auth scopes)


def require_role(request, *roles: str) -> Principal:
    return _require_role(request, *roles, scope=SCOPE)

CHANNEL = r"^[a-z][a-z0-9_]{1,19}$"


# --- schemas ---------------------------------------------------------------------------------


class CouponLineIn(Schema):
    sku: str = Field(min_length=1, max_length=64)
    category: str = Field(default="", max_length=60)
    quantity: Quantity = Field(default=1, ge=1, le=10_000)
    amount: PositiveMoneyIn  # the line total

    def line(self) -> Line:
        return Line(sku=self.sku, category=self.category, quantity=self.quantity, amount=self.amount.money())


class TierOut(Schema):
    code: str
    name: str
    earn_multiplier: str
    benefits: list[str]


class EntryOut(Schema):
    at: dt.datetime
    transfer_id: str
    kind: str
    account: str
    unit: str
    amount: str
    balance_after: str | None
    reference: str
    channel: str
    memo: str


class LoyaltyOut(Schema):
    customer_id: str
    points: int
    points_held: int
    coins: int
    stored_value: MoneyOut
    store_credit: MoneyOut
    wallet: MoneyOut
    tier: TierOut | None
    spend_12m: MoneyOut
    next_expiry: dict | None
    entries: list[EntryOut]


def _amount(unit: str, value: Decimal | None) -> str | None:
    if value is None:
        return None
    return str(int(value)) if unit in ledger.WHOLE_UNITS else str(Money(value, unit).amount)


def tier_out(tier: Tier | None) -> dict | None:
    if tier is None:
        return None
    return {"code": tier.code, "name": tier.name, "earn_multiplier": str(tier.earn_multiplier), "benefits": list(tier.benefits)}


def loyalty_out(customer_id: str, limit: int = 50, principal: Principal | None = None) -> dict:
    """`principal`: the reader; a store clerk's statement leaves out other stores' orders."""
    summary = queries.summary(customer_id)
    return {
        "customer_id": customer_id,
        "points": summary.points,
        "points_held": summary.points_held,
        "coins": summary.coins,
        "stored_value": summary.stored_value.as_dict(),
        "store_credit": summary.store_credit.as_dict(),
        "wallet": summary.wallet.as_dict(),
        "tier": tier_out(summary.tier),
        "spend_12m": summary.spend_12m.as_dict(),
        "next_expiry": (
            {"points": summary.next_expiry["points"], "expires_at": summary.next_expiry["expires_at"].isoformat()}
            if summary.next_expiry else None
        ),
        "entries": [
            {"at": e.at, "transfer_id": e.transfer_id, "kind": e.kind, "account": e.account, "unit": e.unit,
             "amount": _amount(e.unit, e.amount), "balance_after": _amount(e.unit, e.balance_after),
             "reference": e.reference, "channel": e.channel, "memo": e.memo}
            for e in panel.visible_to(principal, queries.entries(customer_id, limit=limit))
        ],
    }


class EntriesQuery(Schema):
    limit: int = Field(default=50, ge=1, le=500)


# --- customers' loyalty ----------------------------------------------------------------------


@router.get("/customers/{customer_id}/loyalty", response=LoyaltyOut, summary="A customer's points, stored value, tier and statement")
def get_loyalty(request, customer_id: str, query: Query[EntriesQuery]):
    """A customer's points, stored value (gift cards, store credit, wallet), tier and statement of entries.
    """
    principal = require_role(request, *roles.READ)
    return loyalty_out(check_customer(customer_id), limit=query.limit, principal=principal)


class QrOut(Schema):
    customer_id: str
    token: str
    expires_at: dt.datetime


@router.post("/customers/{customer_id}/loyalty/qr", response=QrOut, summary="A short-lived signed token for the loyalty QR")
def make_qr(request, customer_id: str):
    """A short-lived signed token for the customer's loyalty QR, proof of presence at a till."""
    require_role(request, *roles.QR)
    customer_id = check_customer(customer_id)
    token, expires_at = qr.make_token(customer_id)
    return {"customer_id": customer_id, "token": token, "expires_at": expires_at}


class QrIn(Schema):
    token: str = Field(min_length=10, max_length=200)


class QrCustomerOut(Schema):
    customer_id: str
    points: int
    coins: int
    stored_value: MoneyOut
    tier: TierOut | None


@router.post("/loyalty/qr/resolve", response=QrCustomerOut, summary="The customer behind a scanned loyalty QR (POS)")
def resolve_qr(request, body: QrIn):
    """The customer behind a scanned loyalty QR (at a POS), if the token is valid and not expired."""
    require_role(request, *roles.QR_RESOLVE)
    customer_id = check_customer(qr.read_token(body.token))
    summary = queries.summary(customer_id)
    return {"customer_id": customer_id, "points": summary.points, "coins": summary.coins,
            "stored_value": summary.stored_value.as_dict(), "tier": tier_out(summary.tier)}


class PointsAdjustmentIn(Schema):
    kind: Literal["points", "coins", "store_credit", "wallet"] = "points"
    amount: StrictAmount = Field(max_digits=14, decimal_places=2, examples=["500", "-200"])
    reason: str = Field(min_length=3, max_length=300)

    @field_validator("amount")
    @classmethod
    def not_zero(cls, value: Decimal) -> Decimal:
        if value == 0:
            raise ValueError("must not be zero")
        return value


class LedgerMovementOut(Schema):
    transfer_id: str
    kind: str
    unit: str
    amount: str
    balance: str


def movement_out(transfer: Transfer, account_balance: Decimal) -> dict:
    return {"transfer_id": transfer.public_id, "kind": transfer.kind, "unit": transfer.unit,
            "amount": _amount(transfer.unit, transfer.amount), "balance": _amount(transfer.unit, account_balance)}


@router.post("/customers/{customer_id}/loyalty/adjustments", response={201: LedgerMovementOut}, summary="Manual adjustment (manager; audited)")
def adjust(request, customer_id: str, body: PointsAdjustmentIn):
    """A manager's manual change of a customer's points or stored value, with a reason; audited, and never
    below zero."""
    principal = require_role(request, *roles.ADJUST)
    customer_id = check_customer(customer_id)
    transfer = program.do_adjust(customer_id=customer_id, kind=body.kind, amount=body.amount, reason=body.reason, actor=principal)
    balance = ledger.customer_account(customer_id, body.kind).balance
    return Status(201, movement_out(transfer, balance))


class ActivityIn(Schema):
    activity: Literal[tuple(Activity.values)]  # type: ignore[valid-type]
    reference: str = Field(min_length=1, max_length=100, description="The review, survey answer, referral or game play id")
    channel: str = Field(default="", max_length=20)
    amount: Quantity | None = Field(default=None, ge=1, description="A game's score, capped at the rule's reward")


class NotRewardedOut(Schema):
    rewarded: bool = Field(description="false: the activity was rewarded before, or no rule rewards it")


@router.post("/customers/{customer_id}/loyalty/activities", response={201: LedgerMovementOut, 200: NotRewardedOut}, summary="Reward an activity")
def reward_activity(request, customer_id: str, body: ActivityIn):
    """Rewards a customer's activity with points, by the program's rules."""
    require_role(request, *roles.ACTIVITIES)
    customer_id = check_customer(customer_id)
    transfer = program.do_earn_activity(customer_id=customer_id, activity=body.activity, reference=body.reference,
                                        channel=body.channel, amount=body.amount, actor=ledger.actor_label(request.principal))
    if transfer is None:
        return Status(200, {"rewarded": False})
    balance = ledger.customer_account(customer_id, "coins" if transfer.unit != POINTS else "points").balance
    return Status(201, movement_out(transfer, balance))


class StoreCreditIn(Schema):
    amount: PositiveMoneyIn
    reason: Literal["return", "service_recovery"]
    reference: str = Field(default="", max_length=100)


class GrantOut(Schema):
    id: str
    status: str
    kind: str
    customer_id: str
    amount: MoneyOut
    coupon_kind: str
    percent: str
    reason: str
    reference: str
    requested_by: str
    requested_at: dt.datetime
    decided_by: str
    decided_at: dt.datetime | None
    result: str


def grant_out(grant) -> dict:
    return {"id": grant.public_id, "status": grant.status, "kind": grant.kind, "customer_id": grant.customer_id,
            "amount": Money(grant.amount, grant.currency).as_dict(), "coupon_kind": grant.coupon_kind,
            "percent": str(grant.coupon_value.normalize()) if grant.coupon_value else "", "reason": grant.reason,
            "reference": grant.reference, "requested_by": grant.requested_by, "requested_at": grant.requested_at,
            "decided_by": grant.decided_by, "decided_at": grant.decided_at, "result": grant.result}


@router.post("/customers/{customer_id}/store-credit", response={201: LedgerMovementOut, 202: GrantOut},
             summary="Grant store credit (audited; above the role's limits it waits for a manager: 202)")
def grant_store_credit(request, customer_id: str, body: StoreCreditIn):
    """Grants store credit to a customer (audited). Above the role's limit it waits for a manager's approval
    and answers 202."""
    principal = require_role(request, *roles.STORE_CREDIT)
    customer_id = check_customer(customer_id)
    outcome = approvals.do_request_value(actor=principal, kind=GrantKind.STORE_CREDIT, customer_id=customer_id,
                                         amount=body.amount.money(), reason=body.reason, reference=body.reference,
                                         roles=roles.STORE_CREDIT)
    if outcome.pending:
        return Status(202, grant_out(outcome.grant))
    balance = ledger.customer_account(customer_id, "store_credit", outcome.transfer.unit).balance
    return Status(201, movement_out(outcome.transfer, balance))


class ApprovalsQuery(Schema):
    limit: int = Field(default=100, ge=1, le=500)


@router.get("/loyalty/approvals", response=list[GrantOut], summary="Value waiting for a manager's approval")
def list_approvals(request, query: Query[ApprovalsQuery]):
    """Store credit waiting for a manager's approval."""
    require_role(request, *roles.APPROVE)
    return [grant_out(g) for g in approvals.pending_grants(limit=query.limit)]


@router.post("/loyalty/approvals/{grant_id}/approve", response=GrantOut, summary="Approve: the value is issued now (manager)")
def approve_grant(request, grant_id: str):
    """A manager approves store credit that waited for approval; the value is issued now."""
    principal = require_role(request, *roles.APPROVE)
    return grant_out(approvals.do_decide(grant_id=grant_id, approve=True, actor=principal).grant)


@router.post("/loyalty/approvals/{grant_id}/reject", response=GrantOut, summary="Reject a pending grant (manager)")
def reject_grant(request, grant_id: str):
    """A manager rejects store credit that waited for approval; nothing is issued."""
    principal = require_role(request, *roles.APPROVE)
    return grant_out(approvals.do_decide(grant_id=grant_id, approve=False, actor=principal).grant)


class TopUpIn(Schema):
    amount: PositiveMoneyIn
    reference: str = Field(min_length=1, max_length=100, description="The captured payment (pay_… or ord_…) that funded the top-up")


@router.post("/customers/{customer_id}/wallet/top-ups", response={201: LedgerMovementOut}, summary="Load the customer's wallet")
def top_up(request, customer_id: str, body: TopUpIn):
    """Loads the customer's wallet with an amount paid by another means."""
    principal = require_role(request, *roles.TOP_UP)
    customer_id = check_customer(customer_id)
    money = body.amount.money()
    transfer = stored_value.do_top_up_wallet(customer_id=customer_id, amount=money, reference=body.reference, actor=principal)
    balance = ledger.customer_account(customer_id, "wallet", money.currency).balance
    return Status(201, movement_out(transfer, balance))


# --- program ---------------------------------------------------------------------------------


class RuleOut(Schema):
    id: str
    kind: str
    name: str
    category: str
    multiplier: str
    activity: str
    reward: int
    unit: str
    channels: list[str]
    active: bool


class ProgramOut(Schema):
    code: str
    name: str
    currency: str
    earn_per: str
    earn_points: int
    point_value: str
    points_expire_months: int
    tiers: list[TierOut]
    rules: list[RuleOut]


@router.get("/loyalty/program", response=ProgramOut, summary="The program's terms, tiers and rules")
def get_program(request):
    """The loyalty program's terms: earn and redeem rules, tiers and expiry."""
    require_role(request, *roles.READ)
    p = program.get_program()
    return {
        "code": p.code, "name": p.name, "currency": p.currency, "earn_per": str(p.earn_per), "earn_points": p.earn_points,
        "point_value": str(p.point_value.normalize()), "points_expire_months": p.points_expire_months,
        "tiers": [tier_out(t) for t in p.tiers.all()],
        "rules": [
            {"id": r.public_id, "kind": r.kind, "name": r.name, "category": r.category, "multiplier": str(r.multiplier),
             "activity": r.activity, "reward": r.reward, "unit": r.unit, "channels": r.channels, "active": r.active}
            for r in p.rules.order_by("pk")
        ],
    }


# --- coupons ---------------------------------------------------------------------------------


class TermsIn(Schema):
    kind: Literal[tuple(CouponKind.values)]  # type: ignore[valid-type]
    value: StrictAmount = Field(default=Decimal(0), ge=0, max_digits=14, decimal_places=2,
                           description="The percent, or the amount in the business currency")
    max_uses_per_customer: Quantity | None = Field(default=None, ge=1)
    channels: list[str] = Field(default_factory=list, max_length=20, description="Empty: every channel")
    min_spend: StrictAmount = Field(default=Decimal(0), ge=0, max_digits=14, decimal_places=2)
    skus: list[str] = Field(default_factory=list, max_length=500)
    categories: list[str] = Field(default_factory=list, max_length=100)
    buy_quantity: Quantity = Field(default=0, ge=0, le=100)
    get_quantity: Quantity = Field(default=0, ge=0, le=100)
    starts_at: dt.datetime | None = None
    ends_at: dt.datetime | None = None

    @field_validator("channels")
    @classmethod
    def channel_names(cls, value: list[str]) -> list[str]:
        import re

        bad = [c for c in value if not re.match(CHANNEL, c)]
        if bad:
            raise ValueError(f"not channel names: {', '.join(bad)}")
        return value

    def terms(self) -> coupons.Terms:
        return coupons.Terms(
            kind=self.kind, value=self.value, currency=business_currency(), buy_quantity=self.buy_quantity,
            get_quantity=self.get_quantity, min_spend=self.min_spend, skus=tuple(self.skus), categories=tuple(self.categories),
            channels=tuple(self.channels), max_uses_per_customer=self.max_uses_per_customer, starts_at=self.starts_at,
            ends_at=self.ends_at,
        )


class CouponIn(TermsIn):
    code: str = Field(min_length=3, max_length=40, examples=["BIENVENIDA10"])
    name: str = Field(default="", max_length=100)
    max_uses: Quantity | None = Field(default=None, ge=1)


class CouponOut(Schema):
    id: str
    code: str
    name: str
    kind: str
    value: float | int | str
    currency: str
    max_uses: int | None
    max_uses_per_customer: int | None
    uses: int
    channels: list[str]
    min_spend: MoneyOut
    skus: list[str]
    categories: list[str]
    starts_at: dt.datetime | None
    ends_at: dt.datetime | None
    active: bool


def coupon_out(coupon: Coupon) -> dict:
    value = coupon.value.normalize()
    return {
        "id": coupon.public_id, "code": coupon.code, "name": coupon.name, "kind": coupon.kind,
        "value": int(value) if value == value.to_integral_value() else str(value), "currency": coupon.currency,
        "max_uses": coupon.max_uses, "max_uses_per_customer": coupon.max_uses_per_customer, "uses": coupon.uses,
        "channels": coupon.channels, "min_spend": Money(coupon.min_spend, coupon.currency).as_dict(), "skus": coupon.skus,
        "categories": coupon.categories, "starts_at": coupon.starts_at, "ends_at": coupon.ends_at, "active": coupon.active,
    }


@router.post("/coupons", response={201: CouponOut}, summary="Create a coupon (one shared code)")
def create_coupon(request, body: CouponIn):
    """Creates a coupon with one shared code: percent, amount or free shipping, with total and per-customer
    limits and the channels it works on."""
    principal = require_role(request, *roles.MARKETING)
    coupon = coupons.do_create_coupon(code=body.code, terms=body.terms(), max_uses=body.max_uses, name=body.name, actor=principal)
    return Status(201, coupon_out(coupon))


class CouponOrderIn(Schema):
    code: str = Field(min_length=1, max_length=40)
    channel: str = Field(pattern=CHANNEL, examples=["web"])
    customer_id: str | None = Field(default=None, max_length=40)
    subtotal: PositiveMoneyIn | None = None
    lines: list[CouponLineIn] = Field(default_factory=list, max_length=500)


class DiscountOut(Schema):
    code: str
    valid: bool
    discount: MoneyOut
    free_shipping: bool


def _order_customer(customer_id: str | None) -> str:
    return check_customer(customer_id) if customer_id else ""


@router.post("/coupons/validate", response=DiscountOut, summary="Would this coupon apply to this order? (nothing is used)")
def validate_coupon(request, body: CouponOrderIn):
    """Whether a coupon would apply to an order of this customer on this channel, and the discount; nothing is
    used."""
    require_role(request, *roles.COUPON_VALIDATE)
    discount = coupons.check_coupon(
        coupon=coupons.find_coupon(body.code), channel=body.channel, lines=[line.line() for line in body.lines],
        subtotal=body.subtotal.money() if body.subtotal else None, customer_id=_order_customer(body.customer_id),
    )
    return {"code": discount.coupon.code, "valid": True, "discount": discount.amount.as_dict(), "free_shipping": discount.free_shipping}


class RedeemIn(CouponOrderIn):
    order_ref: str = Field(min_length=1, max_length=100, description="The order that uses the coupon")


class UseOut(Schema):
    code: str
    order_ref: str
    customer_id: str
    channel: str
    discount: MoneyOut
    free_shipping: bool
    used_at: dt.datetime


@router.post("/coupons/redeem", response={201: UseOut, **errors(CouponExhausted)}, summary="Count a coupon use for an order (at placement)")
def redeem_coupon(request, body: RedeemIn):
    """Counts one use of a coupon for an order at placement; refused once its limits are reached (409 `coupon-
    exhausted`)."""
    require_role(request, *roles.CHECKOUT)
    use = coupons.do_use_coupon(
        code=body.code, order_ref=body.order_ref, channel=body.channel, lines=[line.line() for line in body.lines],
        subtotal=body.subtotal.money() if body.subtotal else None, customer_id=_order_customer(body.customer_id),
    )
    return Status(201, {"code": use.coupon.code, "order_ref": use.order_ref, "customer_id": use.customer_id, "channel": use.channel,
                        "discount": Money(use.discount, use.currency).as_dict(), "free_shipping": use.free_shipping,
                        "used_at": use.used_at})


class ReleaseIn(Schema):
    order_ref: str = Field(min_length=1, max_length=100)


class ReleasedOut(Schema):
    order_ref: str
    released: list[str]  # the codes whose use was given back


@router.post("/coupons/release", response=ReleasedOut, summary="Give back the coupon uses of a cancelled or returned order")
def release_coupon(request, body: ReleaseIn):
    """Gives back the coupon uses of a cancelled or returned order."""
    require_role(request, *roles.CHECKOUT)
    released = coupons.do_release_coupon(order_ref=body.order_ref)
    return {"order_ref": body.order_ref, "released": [use.coupon.code for use in released]}


# After the POST routes under /coupons/: Django tries URL patterns in order.
@router.get("/coupons/{code}", response=CouponOut, summary="A coupon and how often it was used")
def get_coupon(request, code: str):
    """A coupon's rule and how many times it was used."""
    require_role(request, *roles.COUPON_READ)
    return coupon_out(coupons.find_coupon(code))


class BatchIn(TermsIn):
    name: str = Field(min_length=1, max_length=100)
    prefix: str = Field(pattern=r"^[A-Za-z0-9]{2,12}$")
    count: Quantity = Field(ge=1, le=coupons.MAX_BATCH)
    uses_per_code: Quantity = Field(default=1, ge=1)


class BatchOut(Schema):
    id: str
    name: str
    prefix: str
    count: int
    codes: list[str]


@router.post("/coupon-batches", response={201: BatchOut}, summary="A batch of unique one-use codes")
def create_batch(request, body: BatchIn):
    """Creates a batch of unique one-use coupon codes sharing one rule."""
    principal = require_role(request, *roles.MARKETING)
    batch = coupons.do_create_batch(name=body.name, prefix=body.prefix, count=body.count, terms=body.terms(),
                                    uses_per_code=body.uses_per_code, actor=principal)
    return Status(201, _batch_out(batch))


def _batch_out(batch) -> dict:
    return {"id": batch.public_id, "name": batch.name, "prefix": batch.prefix, "count": batch.count,
            "codes": list(queries.batch_coupons(batch.public_id).values_list("code", flat=True))}


@router.get("/coupon-batches/{batch_id}", response=BatchOut, summary="A batch and its codes")
def get_batch(request, batch_id: str):
    """A coupon batch and its codes, each with whether it was used."""
    require_role(request, *roles.MARKETING)
    from omnicanal.loyalty.models import CouponBatch

    batch = CouponBatch.objects.filter(public_id=batch_id).first()
    if batch is None:
        raise NotFound(detail=f"No coupon batch {batch_id}.")
    return _batch_out(batch)


# --- gift cards ------------------------------------------------------------------------------


class GiftCardIn(Schema):
    amount: PositiveMoneyIn
    expires_at: dt.datetime | None = None
    purchaser_id: str | None = Field(default=None, max_length=40)
    reference: str = Field(default="", max_length=100,
                           description="The captured payment (pay_… or ord_…) that paid for the card; only managers issue without one")


class GiftCardOut(Schema):
    id: str
    code: str
    pin: str = Field(description="Shown once: only a hash is kept")
    balance: MoneyOut
    expires_at: dt.datetime | None


@router.post("/gift-cards", response={201: GiftCardOut}, summary="Issue a gift card (code and PIN shown once)")
def issue_gift_card(request, body: GiftCardIn):
    """Issues a gift card with an amount; its code and PIN are shown only in this answer."""
    principal = require_role(request, *roles.GIFT_CARDS)
    purchaser = check_customer(body.purchaser_id) if body.purchaser_id else ""
    issued = stored_value.do_issue_gift_card(amount=body.amount.money(), purchaser_id=purchaser, expires_at=body.expires_at,
                                             reference=body.reference, actor=principal)
    return Status(201, {"id": issued.card.public_id, "code": issued.code, "pin": issued.pin,
                        "balance": body.amount.money().as_dict(), "expires_at": issued.card.expires_at})


class GiftCardCheckIn(Schema):
    code: str = Field(min_length=4, max_length=40)
    pin: str = Field(min_length=4, max_length=8, pattern=r"^\d+$")


class GiftCardBalanceOut(Schema):
    id: str
    balance: MoneyOut
    expires_at: dt.datetime | None
    status: str


@router.post("/gift-cards/balance", response=GiftCardBalanceOut, summary="A gift card's balance (code and PIN)")
def gift_card_balance(request, body: GiftCardCheckIn):
    """A gift card's balance, given its code and PIN."""
    require_role(request, *roles.GIFT_CARD_BALANCE)
    card = stored_value.find_gift_card(body.code, body.pin)
    status = "blocked" if card.blocked_at else "expired" if card.expires_at and card.expires_at <= _now() else "active"
    return {"id": card.public_id, "balance": stored_value.gift_card_balance(card).as_dict(), "expires_at": card.expires_at, "status": status}


class GiftCardSpendIn(GiftCardCheckIn):
    amount: PositiveMoneyIn
    reference: str = Field(min_length=1, max_length=100, description="The sale or order paid")
    channel: str = Field(default="", max_length=20)


@router.post("/gift-cards/spend", response={201: LedgerMovementOut, **errors(InsufficientBalance)}, summary="Pay with a gift card now (POS)")
def spend_gift_card(request, body: GiftCardSpendIn):
    """Pays with a gift card now (at a POS): the amount is taken from its balance, never below zero."""
    require_role(request, *roles.CHECKOUT)
    transfer = stored_value.do_spend_gift_card(
        code=body.code, pin=body.pin, amount=body.amount.money(), key=f"spend:{ledger.key_part(body.reference)}:{stored_value.normalize_card_code(body.code)}",
        reference=body.reference, channel=body.channel, actor=ledger.actor_label(request.principal),
    )
    card = stored_value.find_gift_card(body.code, body.pin)
    return Status(201, movement_out(transfer, stored_value.gift_card_balance(card).amount))


def _now():
    return clock.now()
