"""Every SELECT ... FOR UPDATE of marketing, in a fixed order: a campaign recipient first, then the
customer's contact gate (the frequency cap), then whatever conversations locks to write the message."""

from __future__ import annotations

from omnicanal.marketing.models import ContactGate, Recipient, RecipientStatus


def lock_due_recipient(pk: int) -> Recipient | None:
    """The recipient if it still waits to be sent and no other process holds it (SKIP LOCKED, of its own
    row only, not the campaign it joins: two
    launches of one campaign walk the same list; each row is taken by one of them)."""
    return (Recipient.objects.select_for_update(skip_locked=True, of=("self",)).select_related("campaign")
            .filter(pk=pk, status__in=[RecipientStatus.PENDING, RecipientStatus.HELD]).first())


def lock_gate(customer_id: str) -> ContactGate:
    """The customer's gate row, created on first use; held until the caller's transaction ends."""
    ContactGate.objects.bulk_create([ContactGate(customer_id=customer_id)], ignore_conflicts=True)
    return ContactGate.objects.select_for_update().get(customer_id=customer_id)


def lock_due_recipients(pks: list[int]) -> list[Recipient]:
    """A chunk of `lock_due_recipient`: those of `pks` still waiting that no other process holds, by
    id (two launches walking one list split it between them, row by row)."""
    return list(Recipient.objects.select_for_update(skip_locked=True, of=("self",)).select_related("campaign")
                .filter(pk__in=pks, status__in=[RecipientStatus.PENDING, RecipientStatus.HELD]).order_by("pk"))


def lock_gates(customer_ids: list[str]) -> list[ContactGate]:
    """Many customers' gates, created on first use, locked in id order (a batch sender's chunk)."""
    ContactGate.objects.bulk_create([ContactGate(customer_id=c) for c in customer_ids], ignore_conflicts=True)
    return list(ContactGate.objects.select_for_update().filter(customer_id__in=customer_ids).order_by("customer_id"))
