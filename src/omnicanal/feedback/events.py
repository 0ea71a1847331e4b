"""Feedback's facts, past tense (topics "feedback.<Name>"; docs/feedback.md)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ReviewSubmitted:
    review_id: str
    customer_id: str
    order_id: str
    sku: str
    product_handle: str
    rating: int
    status: str  # published at once, or pending (held)
    flags: tuple[str, ...] = ()
    alert: bool = False  # very negative: the inbox will open a ticket for it (next increment)


@dataclass(frozen=True)
class ReviewPublished:
    review_id: str
    customer_id: str
    sku: str
    product_handle: str
    rating: int


@dataclass(frozen=True)
class ReviewRejected:
    review_id: str
    customer_id: str
    reason: str


@dataclass(frozen=True)
class ReviewReplied:
    review_id: str
    customer_id: str


@dataclass(frozen=True)
class SurveyContacted:
    """A customer was asked for their opinion (a survey sent or the inbox's CSAT question)."""

    customer_id: str
    kind: str  # survey | csat
    ref: str


@dataclass(frozen=True)
class SurveySent:
    """A survey send was made (the budget allowed it): services.delivery takes its link to the customer."""

    send_id: str
    survey_id: str
    customer_id: str
    trigger: str


@dataclass(frozen=True)
class ReviewRequested:
    """A review request was claimed against the budget: services.delivery takes it to the customer."""

    due_id: int
    customer_id: str
    order_id: str
    sku: str


@dataclass(frozen=True)
class SurveyCompleted:
    send_id: str
    survey_id: str
    customer_id: str
    reward_kind: str
    reward_ref: str


@dataclass(frozen=True)
class FeedbackRecorded:
    feedback_id: str
    source: str
    customer_id: str  # "" when not identified
    conversation_id: str
    sentiment: str  # negative | neutral | positive
    score: float
    topics: tuple[str, ...]
    rating: int | None
    ticket_id: str  # the ticket it opened (negative, or 1-2 stars, from an identified customer), else ""


@dataclass(frozen=True)
class FeedbackTrendAlerted:
    alert_id: str
    dimension: str  # store | topic
    key: str
    share: float
    previous_share: float


@dataclass(frozen=True)
class SuggestionProposed:
    suggestion_id: str
    customer_id: str
    kind: str
    source: str


@dataclass(frozen=True)
class SuggestionStatusChanged:
    suggestion_id: str
    change_id: int
    from_status: str
    to_status: str


@dataclass(frozen=True)
class SuggestionsMerged:
    suggestion_id: str  # the duplicate
    into_id: str
    votes_moved: int
