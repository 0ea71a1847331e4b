"""How much value each role may issue: the one place the API and the console ask (who may at all:
roles.py).

Issuing value is a privileged, audited, limited act (after Shopify's gift-card and store-credit
permissions):

- Store credit and coupons given by hand (goodwill, or store credit through the API) are capped per
  role, per action and per day per staff member or key; above a cap the grant waits for a manager's
  approval (services/approvals.py). Admins are unlimited.
- Gift cards are issued against a captured payment (`pay_…` or `ord_…`, verified through
  loyalty.funding), or by a manager or admin without one (within their per-action cap).
- Wallet top-ups only from a captured payment; managers and admins correct balances with an
  audited adjustment (a reason required) instead.
- Spending a customer's points, store credit or wallet needs their presence (loyalty.presence);
  a gift card needs its PIN.

Caps are in the business currency; `None` means no cap. settings.OMNICANAL["VALUE_LIMITS"] may
override any of them, role by role: {"agent": {"credit_per_action": 30000}}.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from django.conf import settings


@dataclass(frozen=True)
class Limits:
    credit_per_action: Decimal | None  # store credit, amount coupons, unfunded gift cards
    credit_per_day: Decimal | None  # store credit and amount coupons, summed per person per day
    percent_per_action: Decimal | None  # a percent coupon
    coupons_per_day: int | None  # coupons of any kind


DEFAULTS: dict[str, Limits] = {
    "agent": Limits(Decimal(20_000), Decimal(50_000), Decimal(20), 10),
    "store_staff": Limits(Decimal(20_000), Decimal(50_000), Decimal(20), 10),
    "manager": Limits(Decimal(200_000), Decimal(1_000_000), Decimal(50), 100),
    "admin": Limits(None, None, None, None),
}
NOTHING = Limits(Decimal(0), Decimal(0), Decimal(0), 0)  # integration, marketer: everything waits for a manager


def limits_for(role: str) -> Limits:
    base = DEFAULTS.get(role, NOTHING)
    override = (getattr(settings, "OMNICANAL", {}) or {}).get("VALUE_LIMITS", {}).get(role) or {}
    changes: dict[str, Any] = {}
    for name, value in override.items():
        if name in Limits.__dataclass_fields__:
            changes[name] = None if value is None else (int(value) if name == "coupons_per_day" else Decimal(str(value)))
    return replace(base, **changes) if changes else base


def within(cap: Decimal | int | None, value: Decimal | int) -> bool:
    return cap is None or value <= cap
