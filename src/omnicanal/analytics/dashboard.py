"""What the console's dashboard shows, built from two reports (the period and the one before): the
KPI cards with their previous value, and the tables behind every chart. A table holds raw values
(Decimal amounts, fractions 0–1, minutes) so the page, the CSV and the XLSX export all read one
source; the page formats them, the exports keep them as numbers."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from omnicanal.analytics.queries import Report
from omnicanal.core import labels

TEXT, COUNT, MONEY, FRACTION, MINUTES = "text", "count", "money", "fraction", "minutes"


@dataclass(frozen=True)
class Column:
    key: str
    label: str | Promise
    unit: str = TEXT
    words: str = ""  # the vocabulary (core.labels) its codes are shown with; the row keeps the code


@dataclass(frozen=True)
class Chart:
    """A bar chart of `series` columns (one bar per row, labelled by `label`)."""

    label: str  # the column naming each bar
    series: tuple[str, ...]  # the columns drawn as bars, one colour each


@dataclass(frozen=True)
class Table:
    name: str
    title: str | Promise
    columns: tuple[Column, ...]
    rows: list[dict[str, Any]]
    chart: Chart | None = None
    # column key -> drill-down kind; the row's `channel`/`location` (when present) narrow the filter
    drills: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Card:
    name: str
    label: str | Promise
    unit: str
    value: Any
    previous: Any
    drill: str = ""  # the drill-down kind behind the number

    @property
    def change(self) -> float | None:
        """Relative change for counts, money and minutes; the difference for fractions (points)."""
        now, before = _number(self.value), _number(self.previous)
        if now is None or before is None:
            return None
        if self.unit == FRACTION:
            return now - before
        return (now - before) / before if before else None


def _number(value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, dict):  # money {amount, currency}
        return float(Decimal(value["amount"]))
    return float(value)


def amount(value: Any) -> Decimal | None:
    """A money value's amount (tables keep amounts; the currency is the business's)."""
    return Decimal(value["amount"]) if isinstance(value, dict) else None


# name, label, unit, drill-down kind
CARDS: tuple[tuple[str, Any, str, str], ...] = (
    ("orders", _("Orders"), COUNT, "orders"),
    ("revenue", _("Revenue"), MONEY, "orders"),
    ("average_order_value", _("Average order value"), MONEY, "orders"),
    ("bopis_share", _("Picked up in store or curbside"), FRACTION, "orders"),
    ("ship_from_store_share", _("Shipped from a store"), FRACTION, "orders"),
    ("cross_channel_orders", _("Cross-channel orders"), COUNT, "cross_channel"),
    ("cross_channel_order_share", _("Cross-channel share"), FRACTION, "cross_channel"),
    ("repeat_rate", _("Repeat customers"), FRACTION, "orders"),
    ("cancellations", pgettext_lazy("kpi", "Cancellations"), COUNT, "cancellations"),
    ("returns", pgettext_lazy("kpi", "Returns"), COUNT, "returns"),
    ("returns_rate", _("Returns rate"), FRACTION, "returns"),
    ("refunded", _("Refunded"), MONEY, "returns"),
    ("on_time_rate", _("On time (as promised)"), FRACTION, "orders"),
    ("first_response_minutes_p50", _("First response (median, min)"), MINUTES, "conversations"),
    ("resolution_minutes_p50", _("Resolution (median, min)"), MINUTES, "conversations"),
    ("reopen_rate", _("Conversations reopened"), FRACTION, "conversations"),
    ("bot_containment", _("Answered by the bot alone"), FRACTION, "conversations"),
)


def cards(now: Report, before: Report) -> list[Card]:
    return [Card(name=name, label=label, unit=unit, value=now.kpis[name], previous=before.kpis[name], drill=drill)
            for name, label, unit, drill in CARDS]


def _kpi_table(card_list: list[Card]) -> Table:
    columns = (Column("kpi", _("Indicator")), Column("value", _("This period")),
               Column("previous", _("Previous period")), Column("unit", _("Unit"), words="analytics.unit"))

    def plain(card: Card, value: Any) -> Any:
        return amount(value) if card.unit == MONEY else value

    rows = [{"kpi": str(card.label), "value": plain(card, card.value), "previous": plain(card, card.previous),
             "unit": card.unit, "_units": {"value": card.unit, "previous": card.unit}} for card in card_list]
    return Table("kpis", _("Indicators"), columns, rows)


def _channels(now: Report, before: Report) -> Table:
    orders, revenue = now.kpis["orders_by_channel"], now.kpis["revenue_by_channel"]
    previous = before.kpis["orders_by_channel"]
    rows = [{"channel": ch, "orders": orders.get(ch, 0), "previous_orders": previous.get(ch, 0),
             "revenue": amount(revenue.get(ch)) or Decimal(0)} for ch in sorted(set(orders) | set(previous))]
    return Table("channels", _("Orders by channel"), (
        Column("channel", _("Channel"), words="catalog.channel"), Column("orders", _("Orders"), COUNT),
        Column("previous_orders", _("Orders, previous period"), COUNT), Column("revenue", _("Revenue"), MONEY),
    ), rows, chart=Chart("channel", ("orders", "previous_orders")), drills={"orders": "orders"})


DELIVERY = (("bopis_share", _("Picked up in store or curbside")), ("curbside_share", _("Curbside")),
            ("pickup_point_share", _("Pickup point")), ("ship_to_store_share", _("Shipped to store")),
            ("ship_from_store_share", _("Shipped from a store")))


def _delivery(now: Report, before: Report) -> Table:
    rows = [{"share": str(label), "value": now.kpis[name], "previous": before.kpis[name]} for name, label in DELIVERY]
    return Table("delivery", _("How orders reach the customer"), (
        Column("share", _("Share of orders")), Column("value", _("This period"), FRACTION),
        Column("previous", _("Previous period"), FRACTION),
    ), rows, chart=Chart("share", ("value", "previous")))


def _response(now: Report) -> Table:
    by_channel = now.kpis["response_by_channel"] or {}
    rows = [{"channel": ch, "conversations": v["conversations"],
             "first_p50": v["first_response_minutes"]["p50"], "first_p90": v["first_response_minutes"]["p90"],
             "resolution_p50": v["resolution_minutes"]["p50"]} for ch, v in sorted(by_channel.items())]
    return Table("response", _("Conversations by channel"), (
        Column("channel", _("Channel"), words="conversations.channel,catalog.channel"),
        Column("conversations", _("Conversations"), COUNT),
        Column("first_p50", _("First response p50 (min)"), MINUTES),
        Column("first_p90", _("First response p90 (min)"), MINUTES),
        Column("resolution_p50", _("Resolution p50 (min)"), MINUTES),
    ), rows, chart=Chart("channel", ("first_p50", "first_p90")), drills={"conversations": "conversations"})


def _customers(now: Report) -> Table:
    groups = now.kpis["customers_by_channels_used"]
    rows = [{"channels": n, "customers": g["customers"], "average_value": amount(g["average_value"])}
            for n, g in sorted(groups.items(), key=lambda item: int(item[0]))]
    return Table("customers", _("Customers by number of channels used"), (
        Column("channels", _("Sales channels used")), Column("customers", _("Customers"), COUNT),
        Column("average_value", _("Average spend"), MONEY),
    ), rows, chart=Chart("channels", ("customers",)))


def _cycle_times(now: Report) -> Table:
    rows = []
    for location, spans in now.kpis["cycle_times"].items():
        row: dict[str, Any] = {"location": location}
        for span in ("placed_to_ready", "ready_to_picked_up", "placed_to_delivered"):
            value = spans.get(span) or {}
            row[f"{span}_p50"], row[f"{span}_p90"] = value.get("p50"), value.get("p90")
        rows.append(row)
    return Table("cycle_times", _("Order cycle times by location (minutes)"), (
        Column("location", _("Location")),
        Column("placed_to_ready_p50", _("Placed → ready p50"), MINUTES),
        Column("placed_to_ready_p90", _("Placed → ready p90"), MINUTES),
        Column("ready_to_picked_up_p50", _("Ready → picked up p50"), MINUTES),
        Column("ready_to_picked_up_p90", _("Ready → picked up p90"), MINUTES),
        Column("placed_to_delivered_p50", _("Placed → delivered p50"), MINUTES),
        Column("placed_to_delivered_p90", _("Placed → delivered p90"), MINUTES),
    ), rows, chart=Chart("location", ("placed_to_ready_p50", "ready_to_picked_up_p50")))


# The words of a breakdown's codes: the owner's vocabulary, then analytics' own for `unspecified`.
CAUSE_WORDS = "orders.cancel_cause,analytics.breakdown"
REASON_WORDS = "orders.return_reason,analytics.breakdown"


def _causes(now: Report) -> Table:
    rows = [{"cause": cause, "cancellations": n} for cause, n in now.kpis["cancellations_by_cause"].items()]
    return Table("cancellations", _("Cancellations by cause"), (
        Column("cause", _("Cause"), words=CAUSE_WORDS),
        Column("cancellations", pgettext_lazy("kpi", "Cancellations"), COUNT),
    ), rows, drills={"cancellations": "cancellations"})


def _reasons(now: Report) -> Table:
    rows = [{"reason": str(labels.label(REASON_WORDS, reason)), "rate": rate}
            for reason, rate in now.kpis["returns_rate_by_reason"].items()]
    return Table("return_reasons", _("Units returned by reason ÷ units sold"), (
        Column("reason", _("Reason")), Column("rate", _("Rate"), FRACTION),
    ), rows)


def _loyalty(now: Report) -> Table:
    rows = [{"channel": ch, "orders": v["orders"], "amount": amount(v["amount"]), "share": v["share"]}
            for ch, v in now.kpis["loyalty_redemption_by_channel"].items()]
    return Table("loyalty", _("Loyalty redemption by channel"), (
        Column("channel", _("Channel"), words="catalog.channel"),
        Column("orders", _("Orders paid with points or credit"), COUNT),
        Column("amount", _("Amount so paid"), MONEY), Column("share", _("Share of the channel's orders"), FRACTION),
    ), rows)


def tables(now: Report, before: Report) -> list[Table]:
    """Every table of the dashboard, in the page's order."""
    return [_kpi_table(cards(now, before)), _channels(now, before), _delivery(now, before), _response(now),
            _customers(now), _cycle_times(now), _causes(now), _reasons(now), _loyalty(now)]


TABLE_NAMES = ("kpis", "channels", "delivery", "response", "customers", "cycle_times", "cancellations",
               "return_reasons", "loyalty")
