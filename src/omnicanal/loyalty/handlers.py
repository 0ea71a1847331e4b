"""Loyalty's reactions and its hooks in the customers domain (autodiscovered at start-up).

- customers.registry: merge moves balances through balanced transfers, export lists everything
  held, erasure closes the accounts with the books still balanced, the 360 page shows the loyalty
  panel, and GET /customers/{id} gets its `loyalty` summary from here.

The registry is a plain module: registering is harmless while the customers app is not installed.
Orders' events (OrderPaid, OrderCancelled, ReturnReceived) will be handled here when orders lands;
until then the orders domain calls services.payments / services.program directly.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from omnicanal.customers import registry
from omnicanal.loyalty import panel
from omnicanal.loyalty.services import customer_data


@registry.on_merge
def merge_loyalty(*, survivor_id: str, merged_id: str) -> None:
    customer_data.do_merge_customers(survivor_id=survivor_id, merged_id=merged_id)


@registry.on_export("loyalty")
def export_loyalty(customer_id: str) -> dict:
    return customer_data.export_customer(customer_id)


@registry.on_erase
def erase_loyalty(*, customer_id: str) -> None:
    customer_data.do_erase_customer(customer_id=customer_id)


@registry.on_scrub
def scrub_loyalty(*, customer_ids: list[str], traces) -> None:
    customer_data.do_scrub_transfers(traces=traces)


def loyalty_summary(customer_id: str) -> dict:
    from omnicanal.loyalty import queries

    summary = queries.summary(customer_id)
    return {
        "points": summary.points,
        "stored_value": summary.stored_value.as_dict(),
        "coins": summary.coins,
        "tier": summary.tier.code if summary.tier else None,
    }


registry.register_panel(name="loyalty", label=_("Loyalty"), render=panel.render_panel, order=30)
if hasattr(registry, "register_summary"):  # the single customer view's `loyalty` section
    registry.register_summary(section="loyalty_summary", provider=loyalty_summary)
