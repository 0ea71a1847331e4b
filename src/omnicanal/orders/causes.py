"""Why an order was cancelled, as a code: the one place that decides which codes exist, which a person
may pick, and what a cause written as words counts as.

A cancellation keeps two things: the code (Order.cancel_cause) and, apart, the words a person typed
(Order.cancel_reason, blanked by erasure). Everything that counts or keeps causes beyond the order
(analytics' rollups) reads only the code, so no customer's words end up where erasure never looks.
Readers outside orders get these through orders.queries.
"""

from __future__ import annotations

from omnicanal.orders.models import CancelCause

CANCEL_CAUSE_CODES: tuple[str, ...] = tuple(CancelCause.values)
# What staff may pick (console, API); the others are the system's own (a payment that failed or was
# never completed, a marketplace that cancelled its order).
STAFF_CANCEL_CAUSES: tuple[str, ...] = (CancelCause.CUSTOMER_REQUEST, CancelCause.OUT_OF_STOCK,
                                        CancelCause.SUSPECTED_FRAUD, CancelCause.OTHER)

# The reasons the system wrote before causes were codes (in English or as translated at the time):
# the data migrations turn them into codes; any other words count as "other".
_FORMER_SYSTEM_REASONS = {
    "payment failed": CancelCause.PAYMENT_FAILED,
    "cancelled on mercado libre": CancelCause.MARKETPLACE,
    "cancelado en mercado libre": CancelCause.MARKETPLACE,
}


def cancel_cause_code(reason: str) -> str:
    """The code a cancellation's cause written as text counts as: the text itself when it is one of
    CANCEL_CAUSE_CODES, a reason the system itself used to write as its code, "" when nothing was
    given, else "other" (words a person typed are never a code)."""
    text = (reason or "").strip()
    if not text or text in CANCEL_CAUSE_CODES:
        return text
    return _FORMER_SYSTEM_REASONS.get(text.casefold(), CancelCause.OTHER).value
