"""The drill-down behind a dashboard number: the orders, cancellations, returns or conversations it
counts, read from the raw facts (orders.queries, conversations.queries) with the same filters as the
KPI, so a row count here equals the number clicked. Each row links to the order or conversation."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from omnicanal.analytics import kpis, raw
from omnicanal.analytics.dashboard import CAUSE_WORDS, MINUTES, MONEY, Column, Table
from omnicanal.analytics.replica import on_replica
from omnicanal.analytics.totals import Filters
from omnicanal.orders import queries as orders

KINDS = ("orders", "cross_channel", "cancellations", "returns", "conversations")
AT = "at"  # a column holding a datetime: the page shows it in the business's zone, the exports in UTC


def _order_rows(facts: list[orders.OrderFact]) -> list[dict]:
    return [{"order": f.order_id, AT: f.placed_at, "channel": f.channel, "location": f.location,
             "method": f.delivery_method, "total": f.total, "_link": ("order", f.order_id)} for f in facts]


ORDER_COLUMNS = (Column("order", _("Order")), Column(AT, _("Placed (UTC)")), Column("channel", _("Channel")),
                 Column("location", _("Location")), Column("method", _("Delivery")),
                 Column("total", _("Total"), MONEY))


def _orders(filters: Filters) -> Table:
    return Table("drill_orders", _("Orders placed"), ORDER_COLUMNS, _order_rows(raw.kept_orders(filters)))


def _cross_channel(filters: Filters) -> Table:
    facts = raw.kept_orders(filters)
    cross = set(raw.cross_channel_orders(facts))
    return Table("drill_cross_channel", _("Cross-channel orders"), ORDER_COLUMNS,
                 _order_rows([f for f in facts if f.order_id in cross]))


def _cancellations(filters: Filters) -> Table:
    facts = [f for f in orders.order_facts(cancelled_from=filters.start, cancelled_to=filters.end)
             if filters.keeps(channel=f.channel, location=f.location)]
    rows = [{"order": f.order_id, AT: f.cancelled_at, "channel": f.channel, "location": f.location,
             "cause": kpis.cancel_cause(f.cancel_cause), "total": f.total, "_link": ("order", f.order_id)}
            for f in facts]
    return Table("drill_cancellations", pgettext_lazy("kpi", "Cancellations"), (
        Column("order", _("Order")), Column(AT, _("Cancelled (UTC)")), Column("channel", _("Channel")),
        Column("location", _("Location")), Column("cause", _("Cause"), words=CAUSE_WORDS), Column("total", _("Total"), MONEY),
    ), rows)


def _returns(filters: Filters) -> Table:
    rets = [r for r in orders.return_facts(received_from=filters.start, received_to=filters.end)
            if filters.keeps(channel=r.order_channel, location=r.location)]
    rows = [{"return": r.return_id, "order": r.order_id, AT: r.received_at, "channel": r.order_channel,
             "location": r.location, "taken_on": raw.return_channel(r), "refunded": r.refunded,
             "_link": ("order", r.order_id)} for r in rets]
    return Table("drill_returns", pgettext_lazy("kpi", "Returns"), (
        Column("return", _("Return")), Column("order", _("Order")), Column(AT, _("Received (UTC)")),
        Column("channel", _("Sale channel")), Column("location", _("Location")),
        Column("taken_on", _("Taken on")), Column("refunded", _("Refunded"), MONEY),
    ), rows)


def _conversations(filters: Filters) -> Table:
    # The same conversations the KPIs count (a location filter keeps those of its stores: raw.conversation_locations).
    rows = [{"conversation": c.conversation_id, AT: c.opened_at, "channel": c.channel,
             "first_response": raw.minutes(c.first_response_at, c.first_inbound_at),
             "resolution": raw.minutes(c.resolved_at, c.first_inbound_at),
             "_link": ("conversation", c.conversation_id)} for c in raw.conversations_kept(filters)]
    return Table("drill_conversations", _("Conversations opened"), (
        Column("conversation", _("Conversation")), Column(AT, _("Opened (UTC)")), Column("channel", _("Channel")),
        Column("first_response", _("First response (min)"), MINUTES),
        Column("resolution", _("Resolution (min)"), MINUTES),
    ), rows)


BUILDERS = {"orders": _orders, "cross_channel": _cross_channel, "cancellations": _cancellations,
            "returns": _returns, "conversations": _conversations}


@on_replica
def table(kind: str, filters: Filters) -> Table:
    return BUILDERS[kind](filters)

