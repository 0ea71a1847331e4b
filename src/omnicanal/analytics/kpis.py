"""Every KPI, defined once: its name (the key in GET /analytics/kpis), what it measures, its unit and
where it is answered from. docs/analytics.md repeats these definitions; tests/test_kpi_registry.py
checks that the page names every KPI here and that the report answers exactly these names.

Units: `count`, `money` ({amount, currency}), `fraction` (0–1), `minutes`, and `breakdown` (an object
keyed by channel, location, cause, reason or number of channels). Sources: `rollup` (read off the
hourly/daily rollups when the period is whole hours, else from the raw facts, with the same answer:
the additive metrics summed, order_rollups' ones too, in RollupCell; the conversation counts and
percentile histograms in ConversationCell, conversation_kpis.py; cycle times and response times
within their histogram's 5 %) or `raw` (computed from the owning domains' facts: orders.queries,
conversations.queries).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

COUNT, MONEY, FRACTION, MINUTES, BREAKDOWN = "count", "money", "fraction", "minutes", "breakdown"
ROLLUP, RAW = "rollup", "raw"


@dataclass(frozen=True)
class Kpi:
    name: str
    formula: str | Promise
    unit: str
    source: str
    domains: tuple[str, ...] = ("orders",)


# The additive metrics the rollups keep per hour and day × channel × location (services.py).
ORDERS, REVENUE = "orders", "revenue"
SHIP_TO_STORE, SHIP_FROM_STORE = "ship_to_store", "ship_from_store"
CANCELLATIONS, CANCELLED_REVENUE = "cancellations", "cancelled_revenue"
RETURNS, REFUNDED = "returns", "refunded"
METHOD = "method:"  # + the order's delivery method: method:pickup, method:curbside, …
CAUSE = "cause:"  # + a cancellation's cause code, orders.queries.CANCEL_CAUSE_CODES (cancellations_by_cause)
CROSS_CHANNEL_RETURNS = "cross_channel_returns"  # kept with the returns, when they are received
UNSPECIFIED = "unspecified"
DELIVERY_METHODS = ("ship", "pickup", "curbside", "pickup_point", "carry_out")

# Channels a customer writes to us on (conversations) beside the catalog's sales channels: a valid
# `channel` filter is either.
MESSAGING_CHANNELS = ("email", "whatsapp", "telegram", "sms", "webchat", "voice", "social", "instagram",
                      "facebook", "messenger")
# Sales channels where the customer stands in a store: a return at a store desk is on their channel.
STORE_CHANNELS = ("pos", "mpos")
STORE, MAIL = "store", "mail"  # the channels of physical touchpoints (pickups, returns)
DELIVERY = "delivery"  # a journey's shipped and delivered steps (the carrier at the customer's door)


def sale_channel(order_channel: str) -> str:
    """The channel a return is compared with: a store sale (POS, mobile POS) is the store's."""
    return STORE if order_channel in STORE_CHANNELS else order_channel


def return_channel(by_mail: bool) -> str:
    """A return's channel: the mail, else the store desk that took it."""
    return MAIL if by_mail else STORE


def cancel_cause(code: str) -> str:
    """The breakdown key of a cancellation's cause: orders' code (never words a person typed), or
    `unspecified` when none was given."""
    return code or UNSPECIFIED


KPIS: tuple[Kpi, ...] = (
    Kpi("orders", _("Orders placed in the period, not cancelled since."), COUNT, ROLLUP),
    Kpi("revenue", _("Sum of the totals of those orders (after discounts, with shipping)."), MONEY, ROLLUP),
    Kpi("average_order_value", _("revenue ÷ orders."), MONEY, ROLLUP),
    Kpi("orders_by_channel", _("orders per sales channel."), BREAKDOWN, ROLLUP),
    Kpi("revenue_by_channel", _("revenue per sales channel."), BREAKDOWN, ROLLUP),
    Kpi("bopis_share", _("Orders picked up in a store or at the curb (delivery pickup or curbside) ÷ orders."),
        FRACTION, ROLLUP),
    Kpi("curbside_share", _("Orders with curbside delivery ÷ orders."), FRACTION, ROLLUP),
    Kpi("pickup_point_share", _("Orders delivered to a pickup point (locker) ÷ orders."), FRACTION, ROLLUP),
    Kpi("ship_to_store_share", _("Orders with a fulfilment shipped to the pickup store from elsewhere ÷ orders."),
        FRACTION, ROLLUP),
    Kpi("ship_from_store_share", _("Orders with a fulfilment shipped from a store (not a warehouse) ÷ orders."),
        FRACTION, ROLLUP, ("orders", "inventory")),
    Kpi("cancellations", _("Orders cancelled in the period."), COUNT, ROLLUP),
    Kpi("cancellations_by_cause", _("Orders cancelled in the period, per cancellation cause (a code: customer_request, out_of_stock, "
                                            "suspected_fraud, payment_failed, payment_abandoned, marketplace, other, or "
                                            "unspecified)."), BREAKDOWN, ROLLUP),
    Kpi("returns", _("Returns received in the period."), COUNT, ROLLUP),
    Kpi("refunded", _("Money refunded on the returns received in the period."), MONEY, ROLLUP),
    Kpi("returns_rate", _("Orders placed in the period with a received return ÷ orders."), FRACTION, ROLLUP),
    Kpi("returns_rate_by_reason", _("Units returned for each reason ÷ units sold, orders placed in the period."),
        BREAKDOWN, ROLLUP),
    Kpi("cross_channel_orders", _("Orders whose customer touched another channel (wrote to us or started a cart) "
                                  "in the 30 days before placing it."), COUNT, ROLLUP, ("orders", "conversations")),
    Kpi("cross_channel_order_share", _("cross_channel_orders ÷ orders with a known customer."), FRACTION, ROLLUP,
        ("orders", "conversations")),
    Kpi("cross_channel_returns", _("Returns received in the period on another channel than the sale's (a store "
                                   "desk for an online order, the mail for a store sale)."), COUNT, ROLLUP),
    Kpi("cross_channel_return_share", _("cross_channel_returns ÷ returns."), FRACTION, ROLLUP),
    Kpi("cycle_times", _("Per location, p50 and p90 in minutes of placed → ready for pickup, ready → picked up "
                         "and placed → delivered, over the fulfilments of orders placed in the period (for whole hours read off "
                         "histograms of 5 % wide buckets: within 5 %, or a minute)."),
        BREAKDOWN, ROLLUP),
    Kpi("on_time_rate", _("Fulfilments delivered (shipments) or ready to collect (pickups, lockers) on or before "
                          "the date promised when the order was placed ÷ fulfilments due (done, or undone past "
                          "that date), orders placed in the period."), FRACTION, ROLLUP),
    Kpi("first_response_minutes_p50", _("Median minutes from a conversation's first customer message to our first "
                                        "reply by a person, conversations opened in the period (read off buckets "
                                        "5 % wide: within 5 %)."), MINUTES, ROLLUP, ("conversations",)),
    Kpi("first_response_minutes_p90", _("90th percentile of the same (within 5 %)."), MINUTES, ROLLUP,
        ("conversations",)),
    Kpi("resolution_minutes_p50", _("Median minutes from a conversation's first customer message to its "
                                    "resolution, conversations opened and resolved (within 5 %)."), MINUTES, ROLLUP,
        ("conversations",)),
    Kpi("reopen_rate", _("Conversations opened in the period and reopened after being resolved ÷ those resolved "
                         "at least once."), FRACTION, ROLLUP, ("conversations",)),
    Kpi("bot_containment", _("Conversations opened in the period the bot answered and no agent did ÷ those the "
                             "bot answered."), FRACTION, ROLLUP, ("conversations",)),
    Kpi("response_by_channel", _("Per channel of the first customer message: conversations, first response and "
                                 "resolution p50/p90 in minutes (within 5 %)."), BREAKDOWN, ROLLUP,
        ("conversations",)),
    Kpi("repeat_rate", _("Customers with two or more orders in the period ÷ customers with an order."), FRACTION, ROLLUP),
    Kpi("customers_by_channels_used", _("Customers with an order in the period, grouped by how many sales channels "
                                        "they bought on, with their average spend."), BREAKDOWN, ROLLUP),
    Kpi("loyalty_redemption_by_channel", _("Per sales channel: orders paid partly with points, store credit or a "
                                           "gift card, the amount so paid, and their share of the channel's orders."),
        BREAKDOWN, ROLLUP, ("orders", "loyalty")),
)

BY_NAME = {kpi.name: kpi for kpi in KPIS}
# KPIs about conversations: with a location filter they count the conversations of those locations
# (raw.conversation_locations).
CONVERSATION_KPIS = frozenset(kpi.name for kpi in KPIS if kpi.domains == ("conversations",))
