"""Loyalty as an order payment, in any channel: the service API the orders domain calls.

    hold = do_hold_payment(payment="ord_…:pay:1", method="points", amount=Money.of(5000),
                           customer_id="cus_…", order_ref="ord_…", channel="pos")     # at checkout
    do_capture_payment(payment="ord_…:pay:1")                                         # order paid
    do_release_payment(payment="ord_…:pay:1")                                         # cancelled before paying
    do_refund_payment(payment="ord_…:pay:1", amount=Money.of(2000), refund_ref="ret_…")  # a return

Methods: points (at the program's point value), store_credit, wallet, stored_value (store credit
first, then the wallet) and gift_card (code and PIN). A payment is a group of pending transfers
keyed by `payment`; every call is idempotent on it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.db.models import Sum
from django.utils.translation import gettext as _

from omnicanal.core import clock
from omnicanal.core.errors import InsufficientBalance, InvalidTransition, NotFound, ValidationFailed
from omnicanal.core.money import Money
from omnicanal.loyalty.models import (
    POINTS,
    Account,
    AccountKind,
    Spend,
    Transfer,
    TransferKind,
    TransferStatus,
)
from omnicanal.loyalty.presence import Presence, check_presence
from omnicanal.loyalty.queries import survivor_id
from omnicanal.loyalty.services import ledger, program, stored_value
from omnicanal.loyalty.services.common import announce, check_business_currency

METHODS = ("points", "store_credit", "wallet", "stored_value", "gift_card")
HOLD_FOR = timedelta(minutes=30)


@dataclass(frozen=True)
class PaymentHold:
    payment: str
    method: str
    amount: Money
    holds: list[Transfer]


def _worth(units: Decimal, transfer: Transfer, currency: str) -> Money:
    """What `units` of a payment transfer are worth in money: points at the rate they were held at."""
    if transfer.unit == POINTS:
        return Money(units * Decimal(transfer.metadata.get("point_value", "1")), currency)
    return Money(units, transfer.unit)


def _sources(*, method: str, amount: Money, customer_id: str | None, gift_card_code: str | None, pin: str | None):
    """[(account, units wanted)] to draw `amount` from, in order."""
    if method == "points":
        return [(ledger.customer_account(customer_id, AccountKind.POINTS), Decimal(program.money_to_points(amount)))]
    if method in ("store_credit", "wallet"):
        return [(ledger.customer_account(customer_id, method, amount.currency), amount.amount)]
    if method == "stored_value":
        sources, left = [], amount.amount
        for kind in (AccountKind.STORE_CREDIT, AccountKind.WALLET):
            account = ledger.customer_account(customer_id, kind, amount.currency)
            take = min(left, max(Account.objects.get(pk=account.pk).available, Decimal(0)))
            if take > 0:
                sources.append((account, take))
                left -= take
        if left > 0:
            raise InsufficientBalance(detail=_("The stored value does not cover %(amount)s.") % {"amount": amount.format()})
        return sources
    card = stored_value.check_usable(stored_value.find_gift_card(gift_card_code or "", pin or ""))
    if card.currency != amount.currency:
        raise ValidationFailed.on("amount", _("must be in %(currency)s") % {"currency": card.currency})
    return [(card.account, amount.amount)]


def do_hold_payment(
    *,
    payment: str,
    method: str,
    amount: Money,
    order_ref: str,
    customer_id: str | None = None,
    channel: str = "",
    gift_card_code: str | None = None,
    pin: str | None = None,
    hold_for: timedelta = HOLD_FOR,
    actor: str = "system",
    presence: Presence | None = None,
) -> PaymentHold:
    """Hold the value of a payment at checkout (the same `payment` again returns the same holds).

    The customer's own value (points, store credit, wallet, stored value) needs `presence`: proof
    the customer is here or in their own session (loyalty/presence.py), else 403. A gift card needs
    its PIN instead."""
    if method not in METHODS:
        raise ValidationFailed.on("method", _("must be one of %(values)s") % {"values": ", ".join(METHODS)})
    if amount.amount <= 0:
        raise ValidationFailed.on("amount", _("must be more than zero"))
    check_business_currency(amount)
    existing = list(Transfer.objects.filter(payment=payment, kind=TransferKind.HOLD).order_by("pk"))
    if existing:
        return PaymentHold(payment=payment, method=existing[0].metadata.get("method", method), amount=amount, holds=existing)
    if method != "gift_card":
        if not customer_id:
            raise ValidationFailed.on("customer_id", _("is required for this payment method"))
        customer_id = survivor_id(customer_id)
        check_presence(presence, customer_id)
    expires_at = clock.now() + hold_for
    meta = {"method": method, "money": amount.as_dict()}
    if method == "points":
        meta["point_value"] = str(program.get_program().point_value)
    holds = []
    for index, (account, units) in enumerate(_sources(method=method, amount=amount, customer_id=customer_id,
                                                      gift_card_code=gift_card_code, pin=pin)):
        holds.append(
            ledger.do_hold(
                key=f"hold:{payment}:{index}", debit=account, credit=ledger.system_account(AccountKind.REDEMPTION, account.unit),
                amount=units, expires_at=expires_at, reference=order_ref, payment=payment, channel=channel, actor=actor,
                metadata=meta,
            )
        )
    return PaymentHold(payment=payment, method=method, amount=amount, holds=holds)


def payment_holds(payment: str) -> list[Transfer]:
    holds = list(Transfer.objects.filter(payment=payment, status=TransferStatus.PENDING).order_by("pk"))
    if not holds:
        raise NotFound(detail=_("No loyalty payment %(payment)s.") % {"payment": payment})
    return holds


def _open(payment: str) -> list[Transfer]:
    return [h for h in payment_holds(payment) if ledger.resolution_of(h) is None]


def do_capture_payment(*, payment: str, amount: Money | None = None, actor: str = "system") -> list[Transfer]:
    """Post the payment's holds (the order is paid). With `amount`, only that much is taken and the
    rest released. Capturing twice returns the first postings."""
    holds = payment_holds(payment)
    posted: list[Transfer] = []
    left = None if amount is None else amount.amount
    for hold in holds:
        resolution = ledger.resolution_of(hold)
        if resolution is not None:  # posted before, or released (expired, voided, moved by a merge)
            if resolution.status == TransferStatus.POSTED:
                posted.append(resolution)
            continue
        if hold.expires_at is not None and hold.expires_at <= clock.now():
            raise InvalidTransition(detail=_("The payment's hold has expired."))
        units = None
        if left is not None:
            worth = _worth(hold.amount, hold, amount.currency).amount
            take = min(left, worth)
            left -= take
            if take <= 0:
                ledger.do_void(hold=hold, memo="not captured", actor=actor)
                continue
            units = hold.amount if take == worth else _units_for(hold, Money(take, amount.currency))
        transfer = ledger.do_post(hold=hold, amount=units, actor=actor)
        _announce_side(transfer)
        posted.append(transfer)
    if not posted:
        raise InvalidTransition(detail=_("The payment was released before it was captured."))
    return posted


def _units_for(hold: Transfer, money: Money) -> Decimal:
    if hold.unit == POINTS:
        rate = Decimal(hold.metadata.get("point_value", "1"))
        return min(hold.amount, (money.amount / rate).to_integral_value(rounding="ROUND_CEILING"))
    return money.amount


def _announce_side(transfer: Transfer) -> None:
    debit = Account.objects.get(pk=transfer.debit_id)
    announce(transfer, debit, -transfer.amount)


def do_release_payment(*, payment: str, actor: str = "system") -> list[Transfer]:
    """Release what is still held (order cancelled before it was paid)."""
    return [ledger.do_void(hold=hold, actor=actor) for hold in _open(payment)]


def captured(payment: str) -> list[Transfer]:
    return list(Transfer.objects.filter(payment=payment, kind=TransferKind.POST).order_by("pk"))


def refundable(posting: Transfer) -> Decimal:
    back = posting.reversals.aggregate(total=Sum("amount"))["total"] or Decimal(0)
    return posting.amount - back


def do_refund_payment(*, payment: str, refund_ref: str, amount: Money | None = None, actor: str = "system") -> list[Transfer]:
    """Give back a captured payment, all of it or `amount` (a partial return), to where it came
    from: points back to the points account (a fresh lot), money back to the card or account.
    The same `refund_ref` again returns the first refund; never more than was captured."""
    postings = captured(payment)
    if not postings:
        raise NotFound(detail=_("Nothing was captured for payment %(payment)s.") % {"payment": payment})
    done = list(Transfer.objects.filter(key__startswith=f"refund:{refund_ref}:", payment=payment).order_by("pk"))
    if done:
        return done
    currency = postings[0].metadata.get("money", {}).get("currency") or postings[0].unit
    left = None if amount is None else amount.amount
    refunds = []
    for posting in reversed(postings):  # the last source drawn is given back first
        units = refundable(posting)
        if units <= 0:
            continue
        if left is not None:
            worth = _worth(units, posting, currency).amount
            take = min(left, worth)
            if take <= 0:
                break
            left -= take
            units = units if take == worth else min(units, _units_for(posting, Money(take, currency)))
        source = Account.objects.get(pk=posting.debit_id)
        transfer = ledger.do_transfer(
            key=f"refund:{refund_ref}:{posting.public_id}", kind=TransferKind.REFUND,
            debit=Account.objects.get(pk=posting.credit_id), credit=source, amount=units, reverses=posting,
            reference=posting.reference, payment=payment, actor=actor,
            lot_expires_at=program.points_expiry() if source.unit == POINTS else _card_expiry(source),
            metadata={"refund_ref": refund_ref},
        )
        announce(transfer, source, transfer.amount)
        refunds.append(transfer)
    return refunds


def _card_expiry(account: Account):
    card = getattr(account, "gift_card", None) if account.kind == AccountKind.GIFT_CARD else None
    return card.expires_at if card is not None else None


def do_cancel_for_order(*, order_ref: str, actor: str = "system") -> dict:
    """Everything loyalty gives back when an order is cancelled: holds released, captured payments
    refunded, earned points reversed, coupon uses given back."""
    from omnicanal.loyalty.services import coupons

    released, refunded = [], []
    payments = sorted(set(Transfer.objects.filter(reference=order_ref, kind=TransferKind.HOLD).values_list("payment", flat=True)))
    for payment in payments:
        released += do_release_payment(payment=payment, actor=actor)
        if captured(payment):
            refunded += do_refund_payment(payment=payment, refund_ref=f"cancel:{order_ref}", actor=actor)
    spend = Spend.objects.filter(reference=f"order:{order_ref}").first()
    reversal = None
    if spend is not None:
        reversal = program.do_reverse_earn_for_return(
            order_ref=order_ref, return_ref="cancel", amount=Money(spend.amount, spend.currency), actor=actor
        )
    uses = coupons.do_release_coupon(order_ref=order_ref)
    return {"released": released, "refunded": refunded, "reversal": reversal, "coupons": uses}
