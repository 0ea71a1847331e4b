"""Who may do what with carts, orders, fulfilments, returns and disputes (admins always pass:
core.auth.require_role / core.console.staff_required). The API (api.py), the console (views.py and
its navigation in apps.py) and the services read these tuples, so the console offers an action
exactly when the API allows it. Integration keys exist only on the API: `console()` leaves their role
out of a right for the console pages, as those pages never served it."""

from __future__ import annotations

from collections.abc import Iterable

ADMIN = "admin"
INTEGRATION = "integration"

SELLERS = ("integration", "store_staff", "manager", "agent")  # carts, placing orders, requesting returns
READERS = ("integration", "store_staff", "manager", "agent")  # orders, carts, returns
FLOOR = ("integration", "store_staff", "manager")  # fulfilment steps, short picks, receiving returns, POS
CANCELLERS = ("integration", "store_staff", "manager", "agent")
REFUNDERS = ("manager",)  # money back by hand
SHOPPER = "shopper"  # a signed-in customer's own session (storefront.services.shopper_principal), own orders only
DISPUTE_OPENERS = ("manager", "agent", "integration", SHOPPER)
DISPUTE_READERS = ("manager", "agent")  # the disputes queue
DISPUTE_DECIDERS = ("manager",)  # as refunds: a manager
REISSUE = ("store_staff", "manager")  # a new pickup code (at the desk)
PICKUP_DESK = ("store_staff", "manager")  # who sees pickup codes (at their own desk's orders)
RESEND_TRACKING = ("agent", "manager")  # an agent answering "where is my order?"
# The orders panel beside a conversation (and on the customer 360): start a return, resend tracking.
THREAD_ACTORS = RESEND_TRACKING


def console(roles: Iterable[str]) -> tuple[str, ...]:
    """A right as the console grants it: staff sign in there, integration keys never do."""
    return tuple(role for role in roles if role != INTEGRATION)


def allows(role: str, roles: Iterable[str]) -> bool:
    """Whether `role` holds the right `roles` (admins hold every right), for templates' "may I"."""
    return role == ADMIN or role in tuple(roles)
