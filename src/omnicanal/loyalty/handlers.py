"""Loyalty's reactions and its hooks in the customers domain (autodiscovered at start-up).

- The order book's events, by topic name (loyalty never imports orders): points are earned on
  `orders.OrderPaid` and taken back on `orders.OrderCancelled` and `orders.ReturnReceived`. Each
  handler runs once per event (the outbox notes it in the same transaction as its writes), and the
  ledger's own keys (`earn:<order_id>`, `reverse:<order_id>:<return_id | cancel>`) make a replay
  change nothing. Paying WITH points or stored value is not here: orders holds and captures those
  synchronously (services.payments), since the money must be checked before the order exists.
- customers.registry: merge moves balances through balanced transfers, export lists everything
  held, erasure closes the accounts with the books still balanced, the 360 page shows the loyalty
  panel, and GET /customers/{id} gets its `loyalty` summary from here.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from omnicanal.core import outbox
from omnicanal.core.money import Money
from omnicanal.customers import registry
from omnicanal.loyalty import panel, queries
from omnicanal.loyalty.services import customer_data, program
from omnicanal.loyalty.services.common import Line


class EarnNotRecordedYet(RuntimeError):
    """A reversal arrived before its order's earn ran (the earn's handler failed and waits for the
    relay): the outbox retries the reversal later, so the points earned are still taken back."""


def _money(value: dict) -> Money:
    return Money.of(value["amount"], value["currency"])


@outbox.handles("orders.OrderPaid")
def earn_on_order_paid(event: outbox.Envelope) -> None:
    """The points of a paid order (rules, multipliers, tier), and its spend for the tiers."""
    if not event["customer_id"]:
        return
    lines = [Line(sku=line["sku"], amount=_money(line["amount"]), quantity=line["quantity"], category=line["category"])
             for line in event["lines"]]
    program.do_earn_for_order(customer_id=event["customer_id"], order_ref=event["order_id"], lines=lines,
                              channel=event["channel"])


def _reverse(event: outbox.Envelope, *, return_ref: str, amount: Money) -> None:
    if not event["customer_id"] or not event["paid"] or not amount:
        return
    if not queries.order_earn_recorded(event["order_id"]):
        raise EarnNotRecordedYet(event["order_id"])
    program.do_reverse_earn_for_return(order_ref=event["order_id"], return_ref=return_ref, amount=amount)


@outbox.handles("orders.OrderCancelled")
def reverse_on_order_cancelled(event: outbox.Envelope) -> None:
    """A cancellation takes back everything the order earned (a return of it all)."""
    _reverse(event, return_ref="cancel", amount=_money(event["total"]))


@outbox.handles("orders.ReturnReceived")
def reverse_on_return_received(event: outbox.Envelope) -> None:
    """A return takes back the points of what it refunded, in proportion (never more than earned)."""
    _reverse(event, return_ref=event["return_id"], amount=_money(event["refunded"]))


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
registry.register_summary(section="loyalty_summary", provider=loyalty_summary)  # the single customer view
