"""Proof that the customer is here when their own value is spent.

Points, store credit and the wallet belong to the customer: a clerk, an agent or an integration key
may spend them only with the customer's presence proven by

- `from_qr(token)`: the signed, short-lived loyalty QR the customer shows (loyalty/qr.py), or
- `session(customer_id)`: the customer's own signed-in session — the hook the Store API's shopper
  sessions (one-time codes) will satisfy; nothing calls it from a staff credential.

A gift card needs no presence object: its PIN is the proof (services/stored_value.find_gift_card).
`mandate(customer_id, ref)` is a subscription's recurring order, which the customer authorised
when subscribing (marketing/subscriptions.py). `internal(customer_id, why)` is for flows where the value spent was created by the same act and
the customer is at the desk (an exchange paid by the return it comes from).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from omnicanal.core.errors import Forbidden
from omnicanal.loyalty import qr
from omnicanal.loyalty.queries import survivor_id

OWN_VALUE_METHODS = ("points", "store_credit", "wallet", "stored_value")


@dataclass(frozen=True)
class Presence:
    customer_id: str
    how: str  # "qr", "session" or "internal:<why>"


def from_qr(token: str) -> Presence:
    """The customer behind a genuine, fresh loyalty QR (422 on `token` otherwise)."""
    return Presence(customer_id=qr.read_token(token), how="qr")


def session(customer_id: str) -> Presence:
    return Presence(customer_id=customer_id, how="session")


def internal(customer_id: str, why: str) -> Presence:
    return Presence(customer_id=customer_id, how=f"internal:{why}")


def mandate(customer_id: str, ref: str) -> Presence:
    """The customer's standing instruction, given in their own session or with their QR at the POS
    when they subscribed (`ref`: the subscription), to pay each recurring order with their value."""
    return Presence(customer_id=customer_id, how=f"mandate:{ref}")


def check_presence(presence: Presence | None, customer_id: str) -> Presence:
    """Refuse (403) spending `customer_id`'s own value without their presence proven."""
    if presence is None:
        raise Forbidden(detail=_("Paying with the customer's points, store credit or wallet needs the customer here: "
                                 "scan their loyalty QR (or let them pay in their own session)."))
    if survivor_id(presence.customer_id) != survivor_id(customer_id):
        raise Forbidden(detail=_("The loyalty QR belongs to another customer."))
    return presence
