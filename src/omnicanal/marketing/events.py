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
