"""The payment that funds a gift card or a wallet top-up.

Loyalty cannot read orders (orders depends on loyalty, never the reverse), so the orders app
registers a verifier at start-up: `register(fn)` with `fn(reference) -> Money | None`, the amount
captured (and not refunded) by a payment `pay_…` or an order `ord_…`, or None when it is not a
captured payment. A reference funds value once (the ledger transfer's key is `funded:<reference>`)
and never more than it captured.
"""

from __future__ import annotations

from collections.abc import Callable

from django.utils.translation import gettext as _

from omnicanal.core.errors import Conflict, ValidationFailed
from omnicanal.core.money import Money

_verifier: Callable[[str], Money | None] | None = None
PREFIXES = ("pay_", "ord_")


def register(verifier: Callable[[str], Money | None]) -> None:
    global _verifier
    _verifier = verifier


def funding_key(reference: str) -> str:
    return f"funded:{reference}"


def looks_like_payment(reference: str) -> bool:
    return bool(reference) and reference.startswith(PREFIXES)


def check_funding(reference: str, amount: Money, *, field: str = "reference") -> None:
    """The reference is a captured payment that covers `amount` and funded nothing before."""
    from omnicanal.loyalty.models import Transfer

    if not looks_like_payment(reference):
        raise ValidationFailed.on(field, _("name the captured payment (pay_… or ord_…) that paid for it"))
    captured = _verifier(reference) if _verifier is not None else None
    if captured is None:
        raise ValidationFailed.on(field, _("is not a captured payment"))
    if captured.currency != amount.currency or amount > captured:
        raise ValidationFailed.on(field, _("the payment captured %(captured)s, less than %(amount)s")
                                  % {"captured": captured.format(), "amount": amount.format()})
    if Transfer.objects.filter(key=funding_key(reference)).exists():
        raise Conflict(detail=_("The payment %(reference)s already funded a gift card or a top-up.") % {"reference": reference})
