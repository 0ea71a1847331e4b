"""Orders' part in erasure (registered in handlers.py through customers.registry): addresses,
contact details, saved cards and every free text typed about the person go; totals, lines and payments stay for
the books."""

from __future__ import annotations

from collections.abc import Iterator

from omnicanal.orders.models import Cart, Dispute, Order, Refund, Return, ReturnLine


def personal_values(customer_id: str) -> Iterator[str]:
    """What the person's orders hold that may have been copied elsewhere as text (a street in a
    stored API answer, an email in an event): the erasure looks for these too."""
    for address, contact in Order.objects.filter(customer_id=customer_id).values_list("address", "contact"):
        for part in ("line1", "line2"):
            if isinstance(address, dict) and address.get(part):
                yield address[part]
        for key in ("name", "email", "phone", "receipt_email"):
            if isinstance(contact, dict) and contact.get(key):
                yield contact[key]


def do_erase_customer(*, customer_id: str) -> None:
    """registry.on_erase: addresses, contact details and typed reasons and notes go; totals stay."""
    orders = Order.objects.filter(customer_id=customer_id)
    orders.update(address=None, contact={}, cancel_reason="")
    Refund.objects.filter(order__in=orders).update(reason="")
    ReturnLine.objects.filter(ret__order__in=orders).update(reason="")
    for dispute in Dispute.objects.filter(order__in=orders):
        history = [{k: v for k, v in step.items() if k != "note"} for step in dispute.history or []]
        Dispute.objects.filter(pk=dispute.pk).update(note="", history=history)
    for ret in Return.objects.filter(order__in=orders):
        history = [{k: v for k, v in step.items() if k not in ("note", "reason")} for step in ret.history or []]
        if history != ret.history:
            Return.objects.filter(pk=ret.pk).update(history=history)
    Cart.objects.filter(customer_id=customer_id).update(device_id="")
