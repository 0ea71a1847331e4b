"""The payment that funds a gift card or a wallet top-up.

Loyalty cannot read orders (orders depends on loyalty, never the reverse), so the orders app
registers a verifier at start-up: `register(fn)` with `fn(reference) -> Funds | None`: the amount
captured (and not refunded) by a payment `pay_…` or an order `ord_…`, and the order it belongs to;
None when it is not a captured payment. A sale funds value once, whichever of its references is
given (the ledger transfer's key is `funded:<order id>`, unique), and never more than it captured.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from omnicanal.core.errors import Conflict, ValidationFailed
from omnicanal.core.money import Money

PREFIXES = ("pay_", "ord_")


@dataclass(frozen=True)
class Funds:
    amount: Money
    order_id: str  # the sale: it funds value once


_verifier: Callable[[str], Funds | None] | None = None


def register(verifier: Callable[[str], Funds | None]) -> None:
    global _verifier
    _verifier = verifier


def funding_key(order_id: str) -> str:
    return f"funded:{order_id}"


def looks_like_payment(reference: str) -> bool:
    return bool(reference) and reference.startswith(PREFIXES)


def check_funding(reference: str, amount: Money, *, field: str = "reference") -> str:
    """The reference is a captured payment that covers `amount` and funded nothing before; answers
    the ledger key the funded transfer must use."""
    from omnicanal.loyalty.models import Transfer

    if not looks_like_payment(reference):
        raise ValidationFailed.on(field, _("name the captured payment (pay_… or ord_…) that paid for it"))
    funds = _verifier(reference) if _verifier is not None else None
    if funds is None:
        raise ValidationFailed.on(field, _("is not a captured payment"))
    captured = funds.amount
    if captured.currency != amount.currency or amount > captured:
        raise ValidationFailed.on(field, _("the payment captured %(captured)s, less than %(amount)s")
                                  % {"captured": captured.format(), "amount": amount.format()})
    key = funding_key(funds.order_id)
    if Transfer.objects.filter(key=key).exists():
        raise Conflict(detail=_("The payment %(reference)s already funded a gift card or a top-up.") % {"reference": reference})
    return key


@contextmanager
def once(reference: str) -> Iterator[None]:
    """Around the funded transfer: when another request funded value from the same sale at the same
    moment, the unique ledger key refuses the second one; answer 409, not a server error."""
    try:
        with transaction.atomic():
            yield
    except IntegrityError:
        raise Conflict(detail=_("The payment %(reference)s already funded a gift card or a top-up.")
                       % {"reference": reference}) from None
