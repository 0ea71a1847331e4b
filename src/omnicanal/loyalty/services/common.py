"""Small pieces the loyalty services share: order lines as callers pass them, customer ids, events."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.utils.translation import gettext as _

from omnicanal.core import outbox
from omnicanal.core.errors import ValidationFailed
from omnicanal.core.money import Money, business_currency
from omnicanal.customers import queries as customer_queries
from omnicanal.loyalty import events
from omnicanal.loyalty.models import COINS, POINTS, Account, AccountKind, Transfer, TransferKind

MONEY_KINDS = (AccountKind.STORE_CREDIT, AccountKind.WALLET, AccountKind.GIFT_CARD)


@dataclass(frozen=True)
class Line:
    """An order line as the caller prices it: `amount` is the line total (after discounts).
    `category` is the caller's category code string; loyalty never looks products up."""

    sku: str
    amount: Money
    quantity: int = 1
    category: str = ""

    @property
    def unit_price(self) -> Money:
        return Money(self.amount.amount / max(self.quantity, 1), self.amount.currency)


def lines_total(lines: list[Line], currency: str) -> Money:
    total = Money.zero(currency)
    for index, line in enumerate(lines):
        if line.amount.currency != currency:
            raise ValidationFailed.on(f"lines.{index}.amount", _("must be in %(currency)s") % {"currency": currency})
        total += line.amount
    return total


def check_business_currency(money: Money, field: str = "amount.currency") -> Money:
    """Value is issued and spent only in the business's currency (orders take only that one)."""
    if money.currency != business_currency():
        raise ValidationFailed.on(field, _("must be %(currency)s") % {"currency": business_currency()})
    return money


_ID = re.compile(r"^[a-z]{2,4}_[0-9A-Za-z]{1,40}$")


def audit_ref(reference: str) -> str:
    """A reference fit for the audit log: an id (cnv_…, ord_…, pay_…), else nothing (the audit log
    holds ids, never free text that could name a person)."""
    return reference if _ID.match(reference or "") else ""


def add_months(moment: datetime, months: int) -> datetime:
    month = moment.month - 1 + months
    year, month = moment.year + month // 12, month % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def check_customer(customer_id: str) -> str:
    """At the edges (API, console): the customer must exist; answers the survivor's id."""
    return customer_queries.resolve_id(customer_id)  # NotFound for an id customers never had


def unit_label(unit: str) -> str:
    return {POINTS: "points", COINS: "coins"}.get(unit, unit)


def announce(transfer: Transfer, account: Account, change: Decimal) -> None:
    """Emit the event a customer-side movement means (points earned or spent, stored value changed)."""
    if account.is_system or transfer.kind in (TransferKind.MERGE,):
        return
    balance = account.__class__.objects.only("balance").get(pk=account.pk).balance
    if account.unit in (POINTS, COINS):
        if account.owner_kind != "customer":
            return
        common = {"customer_id": account.owner_id, "amount": int(abs(change)), "unit": unit_label(account.unit)}
        if change > 0:
            outbox.emit(events.PointsEarned(**common, reason=transfer.kind, reference=transfer.reference,
                                            transfer_id=transfer.public_id, balance=int(balance)))
        elif transfer.kind in (TransferKind.EXPIRE, TransferKind.FORFEIT):
            outbox.emit(events.PointsExpired(**common, transfer_id=transfer.public_id, balance=int(balance)))
        else:
            outbox.emit(events.PointsRedeemed(**common, reference=transfer.reference, transfer_id=transfer.public_id,
                                              balance=int(balance)))
        return
    outbox.emit(
        events.StoredValueChanged(
            owner_id=account.owner_id, kind=account.kind, change=Money(change, account.unit).as_dict(),
            balance=Money(balance, account.unit).as_dict(), reason=transfer.kind, transfer_id=transfer.public_id,
        )
    )


def announce_transfer(transfer: Transfer) -> None:
    """Announce both sides of a posted transfer (only customer and gift card sides speak)."""
    for account, sign in ((transfer.debit, -1), (transfer.credit, 1)):
        announce(transfer, account, transfer.amount * sign)
