"""Tables of the conversations domain: fields, constraints and indexes (rules live in services).

Customers are named by their public id (`cus_…`): conversations hold no foreign key into the
customers domain, so merges and erasure reach them through the customers registry hooks.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from omnicanal.core.ids import PublicIdField


class Status(models.TextChoices):
    OPEN = "open", _("Open")
    SNOOZED = "snoozed", _("Snoozed")
    RESOLVED = "resolved", _("Resolved")


ACTIVE_STATUSES = (Status.OPEN, Status.SNOOZED)


class Priority(models.TextChoices):
    LOW = "low", _("Low")
    NORMAL = "normal", _("Normal")
    HIGH = "high", _("High")
    URGENT = "urgent", _("Urgent")


class Direction(models.TextChoices):
    IN = "in", _("Inbound")
    OUT = "out", _("Outbound")


class Author(models.TextChoices):
    CUSTOMER = "customer", _("Customer")
    AGENT = "agent", _("Agent")
    BOT = "bot", _("Bot")
    SYSTEM = "system", _("System")


class BotState(models.TextChoices):
    """Whether the bot (the bot domain) answers this conversation; the field lives here so that the
    inbox, the API and the reply path read it without knowing the bot (docs/bot.md, Where state lives)."""

    ACTIVE = "active", _("Bot answers")
    HANDED_OFF = "handed_off", _("Handed to a person")


class Delivery(models.TextChoices):
    RECEIVED = "received", _("Received")
    QUEUED = "queued", _("Queued")
    SENT = "sent", _("Sent")
    DELIVERED = "delivered", _("Delivered")
    READ = "read", _("Read")
    FAILED = "failed", pgettext_lazy("message delivery", "Failed")
    NOTE = "note", _("Internal note")


class Team(models.Model):
    """A group of agents; conversations are routed to it by store, language or skill."""

    slug = models.SlugField(_("code"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=100)
    languages = models.JSONField(_("languages"), default=list, blank=True)  # ["es", "en"]
    skills = models.JSONField(_("skills"), default=list, blank=True)  # ["returns", "b2b"]
    store_codes = models.JSONField(_("stores"), default=list, blank=True)  # location codes it answers for
    # {"mon": [["09:00", "18:00"]], ...}; empty: around the clock. In `time_zone`.
    business_hours = models.JSONField(_("business hours"), default=dict, blank=True)
    time_zone = models.CharField(_("time zone"), max_length=64, default="America/Santiago")
    is_default = models.BooleanField(_("default team"), default=False)
    sla_policy = models.ForeignKey("SlaPolicy", null=True, blank=True, on_delete=models.SET_NULL, related_name="teams")

    class Meta:
        verbose_name = _("team")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class AgentProfile(models.Model):
    """What routing needs to know of a staff member who answers conversations."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="agent_profile")
    available = models.BooleanField(_("available"), default=True)
    languages = models.JSONField(_("languages"), default=list, blank=True)
    skills = models.JSONField(_("skills"), default=list, blank=True)
    teams = models.ManyToManyField(Team, related_name="agents", blank=True)
    phone = models.CharField(_("phone for click-to-call"), max_length=32, blank=True, default="")
    last_assigned_at = models.DateTimeField(null=True, blank=True)
    last_seen_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("agent")


class Conversation(models.Model):
    """One thread per customer across every channel; at most one open (or snoozed) at a time."""

    public_id = PublicIdField(prefix="cnv")
    customer_id = models.CharField(max_length=40, db_index=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    priority = models.CharField(_("priority"), max_length=10, choices=Priority.choices, default=Priority.NORMAL)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="conversations"
    )
    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="conversations")
    language = models.CharField(_("language"), max_length=8, blank=True, default="")
    store = models.CharField(_("store"), max_length=32, blank=True, default="")  # a location code
    skill = models.CharField(_("skill"), max_length=40, blank=True, default="")
    subject = models.CharField(_("subject"), max_length=200, blank=True, default="")
    last_channel = models.CharField(max_length=20, blank=True, default="")  # the customer last wrote here
    last_inbox_id = models.CharField(max_length=32, blank=True, default="")
    reply_channel = models.CharField(max_length=20, blank=True, default="")  # set when the visitor asks for another
    # An address the visitor typed for the answer (web chat's "answer me by email"): unproven, so it is
    # never a customer identity; replies on reply_channel go there.
    reply_address = models.CharField(max_length=254, blank=True, default="")
    waiting_since = models.DateTimeField(null=True, blank=True)  # the customer waits for an answer since
    last_message_at = models.DateTimeField(null=True, blank=True)
    last_inbound_at = models.DateTimeField(null=True, blank=True)
    first_response_at = models.DateTimeField(null=True, blank=True)
    snoozed_until = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.CharField(max_length=150, blank=True, default="")
    csat_asked_at = models.DateTimeField(null=True, blank=True)
    csat_channel = models.CharField(max_length=20, blank=True, default="")
    csat_score = models.PositiveSmallIntegerField(null=True, blank=True)
    message_count = models.PositiveIntegerField(default=0)
    # A person answers (or was asked to): the bot stays silent until the conversation is resolved
    # or an agent returns it to the bot.
    bot = models.CharField(_("bot"), max_length=12, choices=BotState.choices, default=BotState.ACTIVE)
    # Times it was reopened after being resolved (the customer wrote again within the reopen window,
    # or staff reopened it): analytics' reopen rate. A snoozed conversation waking is no reopen.
    reopens = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        verbose_name = _("conversation")
        constraints = [
            models.UniqueConstraint(
                fields=["customer_id"], condition=Q(status__in=["open", "snoozed"]), name="one_open_conversation_per_customer"
            ),
            models.CheckConstraint(condition=Q(status__in=Status.values), name="conversation_status_known"),
            models.CheckConstraint(condition=Q(priority__in=Priority.values), name="conversation_priority_known"),
            models.CheckConstraint(
                condition=Q(csat_score__isnull=True) | Q(csat_score__gte=1, csat_score__lte=5), name="csat_score_1_to_5"
            ),
        ]
        indexes = [
            models.Index(fields=["status", "last_message_at"], name="conversation_queue"),
            models.Index(fields=["assignee", "status"], name="conversation_assignee"),
            models.Index(fields=["customer_id", "status"], name="conversation_customer"),
        ]

    def __str__(self) -> str:
        return self.public_id


class ConversationTag(models.Model):
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="tags")
    name = models.CharField(max_length=40)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["conversation", "name"], name="conversation_tag_once")]
        indexes = [models.Index(fields=["name"], name="conversation_tag_name")]


class Message(models.Model):
    """One message of a conversation, in or out, on one channel. Provider ids de-duplicate replays."""

    public_id = PublicIdField(prefix="msg")
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="messages")
    direction = models.CharField(max_length=3, choices=Direction.choices)
    channel = models.CharField(_("channel"), max_length=20)
    inbox_id = models.CharField(max_length=32, blank=True, default="")
    address = models.CharField(max_length=200, blank=True, default="")  # the customer's address on the channel
    external_id = models.CharField(max_length=255, blank=True, default="")
    author = models.CharField(max_length=10, choices=Author.choices)
    author_user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    author_name = models.CharField(max_length=150, blank=True, default="")
    private = models.BooleanField(default=False)  # an internal note: never leaves
    kind = models.CharField(max_length=20, default="text")  # text, media, location, interactive, call, email, template, csat
    text = models.TextField(blank=True, default="")
    meta = models.JSONField(default=dict, blank=True)  # subject, message ids for threading, location, call facts
    status = models.CharField(max_length=10, choices=Delivery.choices)
    error = models.CharField(max_length=500, blank=True, default="")
    created_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("message")
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "external_id"], condition=~Q(external_id=""), name="message_external_id_once_per_channel"
            ),
            models.CheckConstraint(condition=Q(direction__in=Direction.values), name="message_direction_known"),
            models.CheckConstraint(condition=Q(author__in=Author.values), name="message_author_known"),
            models.CheckConstraint(condition=Q(status__in=Delivery.values), name="message_status_known"),
        ]
        indexes = [models.Index(fields=["conversation", "created_at"], name="message_thread")]
        ordering = ["created_at", "id"]


class InboundDelivery(models.Model):
    """A provider's message as the webhook acknowledged it (docs/inbox.md, "Where a message is
    stored"): written by one INSERT … ON CONFLICT DO NOTHING together with its InboundAccepted
    event, deduplicated on the provider's id per channel; the worker turns it into the thread's
    Message (identity, conversation, routing, SLA) in order and leaves a tombstone (`stored_at` set,
    the payload emptied) that keeps the provider's id taken until a minute has passed (see
    services/accept.py, "Why a tombstone"); `refused` holds why it could not be stored (an identity
    the customers domain refuses), kept a week."""

    channel = models.CharField(max_length=20)
    external_id = models.CharField(max_length=255)
    payload = models.JSONField()  # the normalized InboundMessage (services/accept.py), text included
    received_at = models.DateTimeField()
    refused = models.CharField(max_length=300, blank=True, default="")
    stored_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["channel", "external_id"], name="inbound_delivery_once")]
        indexes = [models.Index(fields=["received_at"], name="inbound_delivery_age"),
                   models.Index(fields=["stored_at"], name="inbound_delivery_tombstones",
                                condition=models.Q(stored_at__isnull=False))]


class Attachment(models.Model):
    """A file of a message, stored locally (MEDIA_ROOT); `remote_ref` until it is fetched."""

    public_id = PublicIdField(prefix="att")
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to="conversations/%Y/%m/", blank=True)
    filename = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField(default=0)
    remote_ref = models.CharField(max_length=500, blank=True, default="")
    created_at = models.DateTimeField()


class SlaPolicy(models.Model):
    """Targets in minutes (business minutes of the ticket's team when it keeps business hours)."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    first_response_minutes = models.PositiveIntegerField(_("first response"), default=60)
    next_response_minutes = models.PositiveIntegerField(_("next response"), default=240)
    resolution_minutes = models.PositiveIntegerField(_("resolution"), default=1440)
    warn_at_percent = models.PositiveSmallIntegerField(_("warn at % of the time"), default=75)
    business_hours = models.BooleanField(_("count business hours only"), default=True)
    is_default = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")

    def __str__(self) -> str:
        return self.name


class TicketStatus(models.TextChoices):
    NEW = "new", _("New")
    OPEN = "open", _("Open")
    PENDING = "pending", _("Pending")
    SOLVED = "solved", _("Solved")
    CLOSED = "closed", _("Closed")


OPEN_TICKET_STATUSES = (TicketStatus.NEW, TicketStatus.OPEN, TicketStatus.PENDING)


class Ticket(models.Model):
    """A case with a number that stays open until solved, under an SLA policy."""

    public_id = PublicIdField(prefix="tkt")
    number = models.PositiveIntegerField(unique=True)
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="tickets")
    customer_id = models.CharField(max_length=40, db_index=True)
    category = models.CharField(_("category"), max_length=40)
    subject = models.CharField(_("subject"), max_length=200, blank=True, default="")
    order_ref = models.CharField(_("order"), max_length=40, blank=True, default="")
    return_ref = models.CharField(_("return"), max_length=40, blank=True, default="")
    status = models.CharField(_("status"), max_length=10, choices=TicketStatus.choices, default=TicketStatus.NEW)
    policy = models.ForeignKey(SlaPolicy, null=True, blank=True, on_delete=models.SET_NULL, related_name="tickets")
    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="tickets")
    first_response_due = models.DateTimeField(null=True, blank=True)
    next_response_due = models.DateTimeField(null=True, blank=True)
    resolution_due = models.DateTimeField(null=True, blank=True)
    first_responded_at = models.DateTimeField(null=True, blank=True)
    solved_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    warned = models.JSONField(default=list, blank=True)  # timers already warned: ["first_response", ...]
    breached = models.JSONField(default=list, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)
    # Pending (waiting on the customer) pauses the timers: when it paused, and the business minutes
    # each running timer still had then ({"resolution": 812.5, ...}); resuming gives them back.
    paused_at = models.DateTimeField(null=True, blank=True)
    paused_minutes = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        verbose_name = _("ticket")
        constraints = [models.CheckConstraint(condition=Q(status__in=TicketStatus.values), name="ticket_status_known")]
        indexes = [models.Index(fields=["status"], name="ticket_status")]

    @property
    def display_number(self) -> str:
        return f"T-{self.number}"


class TicketSequence(models.Model):
    """One row: the last ticket number handed out (locked while taking the next)."""

    name = models.CharField(max_length=20, primary_key=True)
    value = models.PositiveIntegerField()


class CannedReply(models.Model):
    """A reply an agent inserts by shortcut; {{ customer.name }}, {{ agent.name }}, {{ ticket.number }}."""

    shortcut = models.SlugField(_("shortcut"), max_length=40)
    title = models.CharField(_("title"), max_length=100)
    body = models.TextField(_("text"))
    language = models.CharField(_("language"), max_length=8, default="es")

    class Meta:
        verbose_name = _("canned reply")
        verbose_name_plural = _("canned replies")
        constraints = [models.UniqueConstraint(fields=["shortcut", "language"], name="canned_reply_shortcut_once")]
        ordering = ["shortcut"]
