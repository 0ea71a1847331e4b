"""Voice of the customer: reviews, the survey contact ledger (the fatigue governor's memory), the
interaction tally it measures, surveys and their sends (docs/feedback.md). Tables only.

Customers, orders and products are named by their public ids and SKUs (strings): other domains'
tables are never joined here.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from omnicanal.core.ids import PublicIdField


class ReviewStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for moderation")
    PUBLISHED = "published", pgettext_lazy("review", "Published")
    REJECTED = "rejected", _("Rejected")


class Review(models.Model):
    """One review per order line (order and SKU) that reached the customer."""

    public_id = PublicIdField(prefix="rev")
    customer_id = models.CharField(max_length=32, db_index=True)
    order_id = models.CharField(max_length=32)
    order_number = models.CharField(max_length=32, blank=True, default="")
    order_channel = models.CharField(max_length=30, blank=True, default="")
    sku = models.CharField(max_length=64)
    product_handle = models.CharField(max_length=120)
    rating = models.PositiveSmallIntegerField()
    text = models.TextField(blank=True, default="")
    language = models.CharField(max_length=5, blank=True, default="")
    author_name = models.CharField(max_length=60, blank=True, default="")  # as shown: "Ana P."
    verified_buyer = models.BooleanField(default=True)
    status = models.CharField(max_length=12, choices=ReviewStatus.choices, default=ReviewStatus.PENDING)
    flags = models.JSONField(default=list, blank=True)  # why it was held: profanity, personal_data, angry
    alert = models.BooleanField(default=False)  # very negative: someone should look now
    reply = models.TextField(blank=True, default="")
    replied_by = models.CharField(max_length=100, blank=True, default="")
    replied_at = models.DateTimeField(null=True, blank=True)
    moderated_by = models.CharField(max_length=100, blank=True, default="")
    moderated_at = models.DateTimeField(null=True, blank=True)
    reject_reason = models.CharField(max_length=200, blank=True, default="")
    created_at = models.DateTimeField()
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("review")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["order_id", "sku"], name="feedback_one_review_per_order_line"),
            models.CheckConstraint(condition=Q(rating__gte=1) & Q(rating__lte=5), name="feedback_review_rating_1_5"),
        ]
        indexes = [models.Index(fields=["product_handle", "status"], name="feedback_review_product")]


def photo_path(instance, filename: str) -> str:
    return f"feedback/reviews/{instance.public_id}-{filename}"


class ReviewPhoto(models.Model):
    """Stored under MEDIA_ROOT, served by feedback's own view (checked by its bytes: core.uploads)."""

    public_id = PublicIdField(prefix="rph")
    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="photos")
    file = models.FileField(upload_to=photo_path, max_length=200)
    content_type = models.CharField(max_length=40)
    size = models.PositiveIntegerField()

    class Meta:
        ordering = ["pk"]


class Interaction(models.Model):
    """One interaction of a customer with the business, on any channel (an order, a pickup, a
    conversation), tallied from other domains' events: what the survey budget is measured on."""

    customer_id = models.CharField(max_length=32, db_index=True)
    kind = models.CharField(max_length=20)  # order | pickup | conversation
    ref = models.CharField(max_length=64)  # the order, fulfilment or conversation id
    channel = models.CharField(max_length=30, blank=True, default="")
    at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["kind", "ref"], name="feedback_interaction_once")]
        indexes = [models.Index(fields=["customer_id", "at"], name="feedback_interaction_customer")]


class ContactKind(models.TextChoices):
    SURVEY = "survey", _("Survey")
    CSAT = "csat", _("Inbox satisfaction question")
    REVIEW_REQUEST = "review_request", _("Review request")


class SurveyContact(models.Model):
    """Every time a customer was asked for their opinion (a survey sent, the inbox's CSAT question):
    the fatigue governor's memory. Append-only."""

    customer_id = models.CharField(max_length=32)
    kind = models.CharField(max_length=20, choices=ContactKind.choices)
    ref = models.CharField(max_length=64)  # the survey send, the conversation or the review request
    at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["kind", "ref"], name="feedback_contact_once")]
        indexes = [models.Index(fields=["customer_id", "at"], name="feedback_contact_customer")]


class BudgetLock(models.Model):
    """One row per customer, locked (SELECT … FOR UPDATE) while deciding whether they may be asked, so
    that two triggers at once never both pass."""

    customer_id = models.CharField(max_length=32, unique=True)


class SurveyKind(models.TextChoices):
    CSAT = "csat", _("Satisfaction (CSAT)")
    NPS = "nps", _("Net Promoter Score (NPS)")
    CES = "ces", _("Customer effort (CES)")
    CUSTOM = "custom", _("Custom")


class RewardKind(models.TextChoices):
    NONE = "", _("No reward")
    POINTS = "points", _("Points")
    COUPON = "coupon", _("A single-use coupon")
    STORE_CREDIT = "store_credit", _("Store credit")


class Survey(models.Model):
    """Questions: [{id, kind: scale|single|multiple|text, text: {es, en}, min?, max?, options?:
    [{value, es, en}], required?}] (feedback.services.surveys checks them)."""

    public_id = PublicIdField(prefix="srv")
    name = models.CharField(max_length=120)
    kind = models.CharField(max_length=10, choices=SurveyKind.choices)
    questions = models.JSONField(default=list)
    reward_kind = models.CharField(max_length=20, choices=RewardKind.choices, blank=True, default="")
    # points, the coupon's %, or the store credit's amount (the business's currency)
    reward_value = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("survey")
        ordering = ["-created_at", "-id"]


class SendStatus(models.TextChoices):
    SENT = "sent", pgettext_lazy("survey", "Sent")
    PARTIAL = "partial", _("Partly answered")
    COMPLETED = "completed", pgettext_lazy("survey", "Completed")


class SurveySend(models.Model):
    """A survey offered to one customer (a signed link): at most one response, kept as it grows."""

    public_id = PublicIdField(prefix="ssd")
    survey = models.ForeignKey(Survey, on_delete=models.PROTECT, related_name="sends")
    customer_id = models.CharField(max_length=32, db_index=True)
    trigger = models.CharField(max_length=60, blank=True, default="")  # what asked: "manual", "pickup:ful_…"
    language = models.CharField(max_length=5, default="es")
    status = models.CharField(max_length=10, choices=SendStatus.choices, default=SendStatus.SENT)
    answers = models.JSONField(default=dict, blank=True)  # {question id: value}
    sent_at = models.DateTimeField()
    completed_at = models.DateTimeField(null=True, blank=True)
    reward_ref = models.CharField(max_length=64, blank=True, default="")  # the loyalty transfer or coupon code
    # Delivery (services.delivery): the channel it went on (email, whatsapp, sms, webchat inline, pos
    # for a tablet link), the message written, or why it was not delivered (no_consent, no_channel).
    channel = models.CharField(max_length=20, blank=True, default="")
    message_id = models.CharField(max_length=32, blank=True, default="")
    delivery = models.CharField(max_length=12, blank=True, default="")  # "" pending | delivered | not_sent
    delivery_reason = models.CharField(max_length=30, blank=True, default="")
    context = models.JSONField(default=dict, blank=True)  # the trigger's facts: conversation, order, store

    class Meta:
        ordering = ["-sent_at", "-id"]


class FeedbackSource(models.TextChoices):
    SOCIAL = "social", pgettext_lazy("feedback source", "Social media")
    APP_STORE = "app_store", pgettext_lazy("feedback source", "App store")
    CSV = "csv", pgettext_lazy("feedback source", "CSV import")
    CONVERSATION = "conversation", pgettext_lazy("feedback source", "Conversation")
    REVIEW = "review", pgettext_lazy("feedback source", "Review")
    OTHER = "other", pgettext_lazy("feedback source", "Other")


class SentimentLabel(models.TextChoices):
    NEGATIVE = "negative", pgettext_lazy("sentiment", "Negative")
    NEUTRAL = "neutral", pgettext_lazy("sentiment", "Neutral")
    POSITIVE = "positive", pgettext_lazy("sentiment", "Positive")


class Feedback(models.Model):
    """Unsolicited feedback: a social mention, an app-store review, a CSV row, an inbound message or a
    low review, with its language, sentiment (bot's understanding) and topics (feedback.topics)."""

    public_id = PublicIdField(prefix="fbk")
    source = models.CharField(max_length=20, choices=FeedbackSource.choices)
    ref = models.CharField(max_length=300, blank=True, default="")  # the message, review, post url or row id
    text = models.TextField()
    author = models.CharField(max_length=200, blank=True, default="")  # as given: a handle, an email, a phone
    url = models.URLField(max_length=500, blank=True, default="")
    customer_id = models.CharField(max_length=32, blank=True, default="", db_index=True)  # "" when not identified
    conversation_id = models.CharField(max_length=32, blank=True, default="")
    store = models.CharField(max_length=32, blank=True, default="")  # a location code
    rating = models.PositiveSmallIntegerField(null=True, blank=True)
    language = models.CharField(max_length=5)
    sentiment = models.CharField(max_length=10, choices=SentimentLabel.choices)
    score = models.FloatField()  # -1 .. 1
    topics = models.JSONField(default=list, blank=True)
    ticket_id = models.CharField(max_length=32, blank=True, default="")
    ticket_number = models.CharField(max_length=20, blank=True, default="")
    at = models.DateTimeField()  # when the customer said it
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = pgettext_lazy("unsolicited", "feedback")
        ordering = ["-at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["source", "ref"], condition=~Q(ref=""), name="feedback_item_once"),
            models.CheckConstraint(condition=Q(score__gte=-1) & Q(score__lte=1), name="feedback_item_score_range"),
            models.CheckConstraint(condition=Q(rating__isnull=True) | (Q(rating__gte=1) & Q(rating__lte=5)),
                                   name="feedback_item_rating_1_5"),
        ]
        indexes = [models.Index(fields=["at"], name="feedback_item_at"),
                   models.Index(fields=["store", "at"], name="feedback_item_store")]


class TrendDimension(models.TextChoices):
    STORE = "store", pgettext_lazy("feedback trend", "Store")
    TOPIC = "topic", pgettext_lazy("feedback trend", "Topic")


class TrendAlert(models.Model):
    """The negative share of a store's or a topic's feedback jumped against the previous period
    (services.trends): a banner on the console's feedback page until someone acknowledges it."""

    public_id = PublicIdField(prefix="fta")
    dimension = models.CharField(max_length=10, choices=TrendDimension.choices)
    key = models.CharField(max_length=40)  # the store code or the topic
    period_start = models.DateTimeField()
    period_end = models.DateTimeField()
    day = models.DateField()  # at most one alert per dimension, key and day
    count = models.PositiveIntegerField()
    negative = models.PositiveIntegerField()
    share = models.FloatField()
    previous_count = models.PositiveIntegerField()
    previous_share = models.FloatField()
    acknowledged_by = models.CharField(max_length=100, blank=True, default="")
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["dimension", "key", "day"], name="feedback_trend_once_a_day")]


# --- delivery and triggers (services.triggers, services.delivery) ---------------------------------


class TriggerEvent(models.TextChoices):
    PICKED_UP = "picked_up", _("Pickup completed")
    DELIVERED = "delivered", _("Delivered")
    RETURN_RECEIVED = "return_received", _("Return received")
    TICKET_SOLVED = "ticket_solved", _("Ticket solved")
    CONVERSATION_RESOLVED = "conversation_resolved", _("Agent conversation resolved")
    BOT_ENDED = "bot_ended", _("Bot conversation ended")


class SurveyTrigger(models.Model):
    """Send the survey `delay_hours` after an event, to the customers it targets: what they used (a
    channel, curbside, the bot alone) and where (a store's location code). Empty targeting: everyone."""

    public_id = PublicIdField(prefix="stg")
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="triggers")
    event = models.CharField(max_length=30, choices=TriggerEvent.choices)
    delay_hours = models.PositiveIntegerField(default=0)
    channel = models.CharField(max_length=20, blank=True, default="")  # the order's or conversation's channel
    curbside = models.BooleanField(default=False)  # only curbside pickups
    bot = models.BooleanField(default=False)  # only conversations the bot handled alone
    store = models.CharField(max_length=32, blank=True, default="")  # a location code
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["pk"]


class DueKind(models.TextChoices):
    SURVEY = "survey", _("Survey")
    REVIEW_REQUEST = "review_request", _("Review request")


class DueStatus(models.TextChoices):
    PENDING = "pending", _("Waiting")
    SENT = "sent", pgettext_lazy("survey", "Sent")
    SKIPPED = "skipped", _("Not sent")


class DueSend(models.Model):
    """A survey or review request to send at `due_at` (a trigger's delay, the product's usage time, a
    segment's one-off send); the worker sends the due ones, asking the fatigue governor then. `key`
    makes an event counted twice (the outbox's retry) schedule once."""

    kind = models.CharField(max_length=20, choices=DueKind.choices)
    key = models.CharField(max_length=120, unique=True)
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, null=True, blank=True, related_name="due")
    customer_id = models.CharField(max_length=32, db_index=True)
    trigger = models.CharField(max_length=60, blank=True, default="")
    context = models.JSONField(default=dict, blank=True)  # conversation_id, channel, order_id, sku, store
    due_at = models.DateTimeField()
    status = models.CharField(max_length=10, choices=DueStatus.choices, default=DueStatus.PENDING)
    reason = models.CharField(max_length=30, blank=True, default="")  # why skipped, or why held last
    send_id = models.CharField(max_length=32, blank=True, default="")  # the survey send made
    channel = models.CharField(max_length=20, blank=True, default="")  # a review request's delivery
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_at", "pk"]
        indexes = [models.Index(fields=["status", "due_at"], name="feedback_due_pending")]

# --- the suggestions box (services/suggestions.py) -------------------------------------------------


class SuggestionStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("suggestion", "New")
    UNDER_REVIEW = "under_review", pgettext_lazy("suggestion", "Under review")
    PLANNED = "planned", pgettext_lazy("suggestion", "Planned")
    DONE = "done", pgettext_lazy("suggestion", "Done")
    DECLINED = "declined", pgettext_lazy("suggestion", "Declined")
    MERGED = "merged", pgettext_lazy("suggestion", "Merged into another")


class SuggestionKind(models.TextChoices):
    PRODUCT = "product", pgettext_lazy("suggestion", "A product")
    FEATURE = "feature", pgettext_lazy("suggestion", "A feature or service")


class SuggestionSource(models.TextChoices):
    SHOP = "shop", pgettext_lazy("suggestion source", "Shop")
    ACCOUNT = "account", pgettext_lazy("suggestion source", "Account")
    CHAT = "chat", pgettext_lazy("suggestion source", "Chat")
    APP = "app", pgettext_lazy("suggestion source", "App")


class Suggestion(models.Model):
    """A product or feature a customer proposes; others vote (one vote per customer, the author's
    own included); staff set its status, reply, or merge it into another (merged_into)."""

    public_id = PublicIdField(prefix="sug")
    customer_id = models.CharField(max_length=32, blank=True, default="", db_index=True)  # "" once erased
    title = models.CharField(max_length=120)
    text = models.TextField(blank=True, default="")
    kind = models.CharField(max_length=10, choices=SuggestionKind.choices, default=SuggestionKind.PRODUCT)
    source = models.CharField(max_length=10, choices=SuggestionSource.choices, default=SuggestionSource.SHOP)
    conversation_id = models.CharField(max_length=32, blank=True, default="")  # filed from a chat
    language = models.CharField(max_length=5, blank=True, default="")
    status = models.CharField(max_length=14, choices=SuggestionStatus.choices, default=SuggestionStatus.OPEN)
    votes = models.PositiveIntegerField(default=0)  # the count of SuggestionVote rows, kept under the row lock
    merged_into = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="merged")
    reply = models.TextField(blank=True, default="")
    replied_by = models.CharField(max_length=100, blank=True, default="")
    replied_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        verbose_name = _("suggestion")
        ordering = ["-votes", "-created_at", "-id"]
        indexes = [models.Index(fields=["status", "votes"], name="feedback_suggestion_board")]


class SuggestionVote(models.Model):
    suggestion = models.ForeignKey(Suggestion, on_delete=models.CASCADE, related_name="vote_rows")
    customer_id = models.CharField(max_length=32, db_index=True)
    at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["suggestion", "customer_id"], name="feedback_one_vote_each")]


class SuggestionChange(models.Model):
    """A status change (the history the board shows), with the reply given with it."""

    suggestion = models.ForeignKey(Suggestion, on_delete=models.CASCADE, related_name="changes")
    from_status = models.CharField(max_length=14)
    to_status = models.CharField(max_length=14)
    reply = models.TextField(blank=True, default="")
    actor = models.CharField(max_length=100, blank=True, default="")
    at = models.DateTimeField()

    class Meta:
        ordering = ["at", "id"]


class SuggestionNotice(models.Model):
    """Who was told of a status change: once each, even when the handler runs twice (the relay)."""

    change = models.ForeignKey(SuggestionChange, on_delete=models.CASCADE, related_name="notices")
    customer_id = models.CharField(max_length=32)
    channel = models.CharField(max_length=20, blank=True, default="")  # "" when no consented channel took it
    at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["change", "customer_id"], name="feedback_notice_once")]


class AlertSubscriber(models.Model):
    """A staff member (core's user id) who asked for trend alerts by email (opt-in, like the weekly summary)."""

    user_id = models.PositiveIntegerField(unique=True)
    created_at = models.DateTimeField()


class AlertMail(models.Model):
    """A trend alert emailed to one subscriber: once each, whatever the retries."""

    alert = models.ForeignKey(TrendAlert, on_delete=models.CASCADE, related_name="mails")
    user_id = models.PositiveIntegerField()
    sent_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["alert", "user_id"], name="feedback_alert_mail_once")]
