"""Tables of the bot: settings per inbox, the knowledge base, staff-added examples, the messages it
did not understand, and each conversation's dialogue context (docs/bot.md). Rules live in services.

Conversations and inboxes are named by their public ids (cnv_…, inb_…): no foreign keys into other
domains. Whether the bot or a person answers a conversation is conversations' own field
(Conversation.bot), not a table here.
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from omnicanal.core.ids import PublicIdField

LANGUAGES = (("es", _("Spanish")), ("en", _("English")))


class InboxSettings(models.Model):
    """How the bot behaves on one inbox; an inbox without a row gets the defaults (services.DEFAULTS)."""

    inbox_id = models.CharField(max_length=32, unique=True)
    enabled = models.BooleanField(_("the bot answers"), default=True)
    greeting_es = models.CharField(_("greeting (Spanish)"), max_length=500, blank=True, default="")
    greeting_en = models.CharField(_("greeting (English)"), max_length=500, blank=True, default="")
    intents = models.JSONField(_("intents it answers"), default=list, blank=True)  # empty: all
    handoff_keywords = models.JSONField(_("hand-off keywords"), default=list, blank=True)
    min_confidence = models.FloatField(_("lowest confidence it acts on"), default=0.5)
    negative_sentiment = models.FloatField(_("hand off below this sentiment"), default=-0.5)
    updated_at = models.DateTimeField()

    class Meta:
        verbose_name = _("bot settings")
        verbose_name_plural = _("bot settings")
        constraints = [
            models.CheckConstraint(condition=Q(min_confidence__gte=0, min_confidence__lte=1), name="bot_confidence_0_1"),
            models.CheckConstraint(condition=Q(negative_sentiment__gte=-1, negative_sentiment__lte=1),
                                   name="bot_sentiment_range"),
        ]


class Article(models.Model):
    """A knowledge-base answer: matched against the customer's question by similarity."""

    public_id = PublicIdField(prefix="kba")
    language = models.CharField(_("language"), max_length=2, choices=LANGUAGES)
    question = models.CharField(_("question"), max_length=300)
    # Other ways customers ask it, one a line.
    phrasings = models.TextField(_("other phrasings"), blank=True, default="")
    answer = models.TextField(_("answer"))
    active = models.BooleanField(_("active"), default=True)
    updated_at = models.DateTimeField()

    class Meta:
        verbose_name = _("knowledge-base article")
        ordering = ["language", "question"]
        constraints = [models.CheckConstraint(condition=Q(language__in=("es", "en")), name="bot_article_language")]


class Example(models.Model):
    """An utterance staff labelled with an intent (from the unrecognised report); nlu.retrain reads them."""

    text = models.CharField(max_length=500)
    intent = models.CharField(max_length=30)
    language = models.CharField(max_length=2)
    added_by = models.CharField(max_length=150, blank=True, default="")
    created_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["text", "intent"], name="bot_example_once")]


class Unrecognised(models.Model):
    """A message the bot could not place (low confidence or `other`), for the console's report."""

    text = models.CharField(max_length=500)
    language = models.CharField(max_length=2)
    intent = models.CharField(max_length=30)  # its best guess
    confidence = models.FloatField()
    conversation_id = models.CharField(max_length=40, blank=True, default="")
    resolved = models.BooleanField(default=False)  # added as an example or dismissed
    created_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["resolved", "created_at"], name="bot_unrecognised_queue")]


class DialogueContext(models.Model):
    """What the bot remembers of one conversation: the pending intent, its slots, what it answered.
    Forgotten after `expires_at` (a new question starts afresh) and when the conversation is resolved."""

    conversation_id = models.CharField(max_length=40, unique=True)
    intent = models.CharField(max_length=30, blank=True, default="")
    slots = models.JSONField(default=dict, blank=True)
    answered = models.JSONField(default=list, blank=True)  # [{"intent": ..., "text": ...}], the latest few
    low_confidence = models.PositiveSmallIntegerField(default=0)  # in a row
    verified_orders = models.JSONField(default=list, blank=True)  # order ids an unknown sender proved
    # {order id: the email or phone that proved it}: orders re-checks it when a return is started
    verified_proofs = models.JSONField(default=dict, blank=True)
    language = models.CharField(max_length=2, blank=True, default="")  # of the last turn: a bare "ana@x.cl" keeps it
    greeted = models.BooleanField(default=False)
    expires_at = models.DateTimeField()
    updated_at = models.DateTimeField()
