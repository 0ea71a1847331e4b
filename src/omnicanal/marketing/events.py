"""Facts of marketing (topics "marketing.<Name>")."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RecommenderTrained:
    trained_id: int
    purchases: int
    products: int
    seconds: float


@dataclass(frozen=True)
class ReminderSent:
    """A replenishment reminder went out (marketing purpose) on `channel`."""

    customer_id: str
    category: str
    due_on: str  # ISO date
    channel: str


@dataclass(frozen=True)
class CampaignLaunched:
    campaign_id: str
    name: str


@dataclass(frozen=True)
class CampaignMessageSent:
    """One campaign message went out (marketing purpose) on `channel`."""

    campaign_id: str
    customer_id: str
    channel: str


@dataclass(frozen=True)
class CampaignConverted:
    """An order on any channel within the attribution window, by the customer or with the campaign's coupon."""

    campaign_id: str
    customer_id: str
    order_id: str
    order_channel: str
    control: bool  # a conversion of the held-out group (the baseline)
    revenue: dict  # money


@dataclass(frozen=True)
class FlowMessageSent:
    """An automated journey's message went out (marketing purpose) on `channel`."""

    flow: str  # the FlowKind
    customer_id: str
    channel: str


@dataclass(frozen=True)
class SubscriptionChanged:
    """A subscription was created, skipped, paused, resumed, changed, cancelled, or placed its cycle's
    order (`action`); `by` is who: customer, staff, system."""

    subscription_id: str
    customer_id: str
    action: str
    state: str
    next_date: str  # ISO date
    order_id: str = ""
    by: str = ""
