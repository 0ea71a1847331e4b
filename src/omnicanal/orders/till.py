"""The till's tenders: how the POS form's fields become the order's payments, and the change due.

The clerk types what each tender pays (points, store credit, a gift card with its PIN, a card on the
terminal), then the method that pays the rest; cash is "received": it pays at most what is left
(placement's `up_to`) and the difference is the change handed back. The payments themselves are
checked and taken by `services.do_place_order` (they must add up to the total, loyalty holds the
points and stored value): this module only reads the form, it decides nothing about money.

pos.js builds the same list for `POST /api/v1/orders` when it places a sale from the device (a queued
sale keeps its Idempotency-Key): keep the two in step (`TENDER_ORDER`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from omnicanal.core.errors import ValidationFailed
from omnicanal.core.money import Money
from omnicanal.orders.services import PaymentIn

# The fields with an amount, in the order they are applied; the "rest" method comes after them.
TENDER_ORDER = ("points", "stored_value", "gift_card", "card")
REST_METHODS = ("cash", "card", "gift_card", "points", "stored_value")


@dataclass(frozen=True)
class Tenders:
    payments: list[PaymentIn]
    received: Money | None  # the cash handed over, when the rest is paid in cash and it was typed


def typed_amount(raw: str) -> Decimal | None:
    """An amount as a clerk types it in Chile: "20.000" is twenty thousand, "19,90" has decimals;
    "" is no amount. Anything else is not an amount (ValueError)."""
    raw = (raw or "").strip().replace(" ", "").lstrip("$")
    if not raw:
        return None
    if re.fullmatch(r"\d{1,3}(\.\d{3})+(,\d+)?", raw):
        raw = raw.replace(".", "")
    try:
        value = Decimal(raw.replace(",", "."))
    except InvalidOperation:
        raise ValueError(raw) from None
    if not value.is_finite():
        raise ValueError(raw)
    return value


def _money(data: Mapping[str, str], field: str, currency: str) -> Money | None:
    try:
        value = typed_amount(data.get(field, ""))
    except ValueError:
        raise ValidationFailed.on(field, _("is not an amount")) from None
    if value is None:
        return None
    if value <= 0:
        raise ValidationFailed.on(field, _("must be more than zero"))
    return Money.of(value, currency)


def tenders_from_form(data: Mapping[str, str], currency: str) -> Tenders:
    """The payments the till's form asks for, in order: each amount typed (`pay_points`,
    `pay_stored_value`, `pay_gift_card` with `gift_card_code` and `pin`, `pay_card`), then `payment`,
    the method that pays whatever is left; for cash, `cash_received` is what was handed over."""
    code, pin = (data.get("gift_card_code") or "").strip()[:40], (data.get("pin") or "").strip()[:8]
    payments = []
    for method in TENDER_ORDER:
        amount = _money(data, f"pay_{method}", currency)
        if amount is not None:
            payments.append(PaymentIn(method=method, amount=amount,
                                      gift_card_code=code if method == "gift_card" else "",
                                      pin=pin if method == "gift_card" else ""))
    rest = data.get("payment") or "cash"
    if rest not in REST_METHODS:
        raise ValidationFailed.on("payment", _("is not a way to pay at the till"))
    received = _money(data, "cash_received", currency) if rest == "cash" else None
    if rest == "cash" and received is not None:
        payments.append(PaymentIn(method="cash", amount=received, up_to=True))
    elif rest not in [p.method for p in payments]:  # a method with a typed amount pays only that
        payments.append(PaymentIn(method=rest, gift_card_code=code if rest == "gift_card" else "",
                                  pin=pin if rest == "gift_card" else ""))
    return Tenders(payments=payments, received=received)


def change_due(received: Money | None, cash_paid: Money) -> Money:
    """What goes back to the customer: the cash handed over less the cash the order took (never
    negative: placement refuses an order whose payments do not cover it)."""
    if received is None or received.amount <= cash_paid.amount:
        return Money.zero(cash_paid.currency)
    return received - cash_paid
