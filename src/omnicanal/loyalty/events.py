"""Facts of the loyalty domain, past tense; dispatched through the outbox as "loyalty.<Name>"."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class PointsEarned:
    customer_id: str
    amount: int
    unit: str  # "points" or "coins"
    reason: str  # a TransferKind: earn, activity, refund, adjust…
    reference: str
    transfer_id: str
    balance: int


@dataclass(frozen=True)
class PointsRedeemed:
    customer_id: str
    amount: int
    unit: str
    reference: str
    transfer_id: str
    balance: int


@dataclass(frozen=True)
class PointsExpiring:
    customer_id: str
    amount: int
    unit: str
    expires_at: str


@dataclass(frozen=True)
class PointsExpired:
    customer_id: str
    amount: int
    unit: str
    transfer_id: str
    balance: int


@dataclass(frozen=True)
class CouponUsed:
    coupon_id: str
    code: str
    customer_id: str
    order_ref: str
    channel: str
    discount: dict  # money
    free_shipping: bool


@dataclass(frozen=True)
class CouponReleased:
    coupon_id: str
    code: str
    order_ref: str


@dataclass(frozen=True)
class GiftCardIssued:
    gift_card_id: str
    amount: dict  # money
    purchaser_id: str
    expires_at: str | None


@dataclass(frozen=True)
class StoredValueChanged:
    owner_id: str  # a customer id or a gift card id
    kind: str  # store_credit, wallet, gift_card
    change: dict  # money, signed
    balance: dict  # money
    reason: str  # a TransferKind
    transfer_id: str


@dataclass(frozen=True)
class TierChanged:
    customer_id: str
    old_tier: str | None
    new_tier: str | None
    spend_12m: dict = field(default_factory=dict)  # money
