"""Marketing's place in the customer's registry: a merge moves the reminders sent, erasure deletes
them, the export lists them (customers never imports marketing)."""

from __future__ import annotations

from omnicanal.customers import registry
from omnicanal.marketing import queries, services


@registry.on_merge
def move_reminders(*, survivor_id: str, merged_id: str) -> None:
    services.do_move_reminders(survivor_id=survivor_id, merged_id=merged_id)


@registry.on_erase
def erase_reminders(*, customer_id: str) -> None:
    services.do_erase_reminders(customer_id=customer_id)


@registry.on_export("marketing")
def export_reminders(customer_id: str) -> dict:
    return {"replenishment_reminders": [{"category": r.category, "due_on": r.due_on.isoformat(), "channel": r.channel,
                                         "sent_at": r.created_at.isoformat()} for r in queries.reminders_of(customer_id)],
            "purchase_cycles": [{"category": c.category, "cycle": c.cycle, "interval_days": c.interval_days,
                                 "last_purchase_at": c.last_purchase_at.isoformat()}
                                for c in queries.purchase_cycles(customer_id)]}
