"""Proving an order without an account: its number and the email or phone it was placed with.

One rule for reading and writing: queries.order_status_verified tells such a sender the order's
status, services.do_start_return starts a return of it (the bot's unknown senders, docs/bot.md).
"""

from __future__ import annotations

from omnicanal.core.errors import NotFound
from omnicanal.customers import queries as customers
from omnicanal.customers.normalize import InvalidIdentity, normalize
from omnicanal.orders.models import Order


def _on_order(order: Order) -> set[tuple[str, str]]:
    """The emails and phones an order was placed with: its contact, and its customer's own."""
    contact = order.contact or {}
    found = {("email", str(contact.get(k) or "")) for k in ("email", "receipt_email")}
    found.add(("phone", str(contact.get("phone") or "")))
    if order.customer_id:
        try:
            found |= {(i.kind, i.value) for i in customers.identities_of(order.customer_id)}
        except NotFound:
            pass
    out = set()
    for kind, value in found:
        kind = "phone" if kind == "whatsapp" else kind  # a WhatsApp id is a phone number
        if kind in ("email", "phone") and value:
            try:
                out.add((kind, normalize(kind, value)))
            except InvalidIdentity:
                continue
    return out


def same_contact(order: Order, proof: str) -> bool:
    """Whether `proof` (an email or a phone, in any usual spelling) is the one on the order."""
    kind = "email" if "@" in (proof or "") else "phone"
    try:
        given = normalize(kind, (proof or "").strip())
    except InvalidIdentity:
        return False
    return (kind, given) in _on_order(order)
