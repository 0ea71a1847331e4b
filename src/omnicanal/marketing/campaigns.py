"""Campaigns' writers: compose, schedule, launch, send (one message per customer), and the results
that come back (deliveries, clicks on signed links, conversions on any channel).

Every send is governed, in this order, and whatever stops it is recorded on the recipient (never a
silent skip): erased or no channel with a marketing grant → no_consent; every consented address
failed for good → bounced; what the campaign promotes is suppressed by the customer's purchase
cycle (a second bicycle) → purchase_cycle; none of it sellable and in stock on the campaign's shop
channel → unavailable; the random control group → held_out; the customer's quiet or contact hours
→ held until the window opens (status held, not_before; the worker sends it then); the weekly
frequency cap across all campaigns, reminders and flows → frequency_cap. Consent is asked again at
the moment of each send, so a STOP in the middle of a campaign stops the rest of it.

Two launches of one campaign (two processes, a double click) send each customer at most one
message: the recipients' unique key (campaign, customer) and the claim of each row (FOR UPDATE SKIP
LOCKED, then a status that leaves pending/held once)."""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.core import signing
from django.db import transaction
from django.db.models import F, Q
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

from omnicanal.catalog import queries as catalog
from omnicanal.conversations import queries as conversations_queries
from omnicanal.conversations import services as conversations
from omnicanal.core import audit, clock, outbox
from omnicanal.core.auth import SYSTEM, Principal
from omnicanal.core.errors import InvalidTransition, NotFound, Problem, ValidationFailed
from omnicanal.customers import queries as customers
from omnicanal.inventory import queries as inventory
from omnicanal.loyalty import queries as loyalty
from omnicanal.loyalty.services import coupons
from omnicanal.marketing import governance, locks, messaging, queries
from omnicanal.marketing.events import CampaignConverted, CampaignLaunched, CampaignMessageSent
from omnicanal.marketing.messaging import (  # noqa: F401
    TEMPLATE_FIELDS,
    Content,
    check_templates,
    content_for,
    over_cap,
    placeholders_used,
)
from omnicanal.marketing.messaging import bounced_of as _bounced_of
from omnicanal.marketing.messaging import check_message as _check_message
from omnicanal.marketing.messaging import context_of as _context
from omnicanal.marketing.messaging import quiet_until_in as _quiet_until_in
from omnicanal.marketing.messaging import touches_within_cap as _touches_within_cap
from omnicanal.marketing.messaging import ways_of as _ways_of
from omnicanal.marketing.models import Bounce, Campaign, CampaignStatus, Recipient, RecipientStatus, Touch

log = logging.getLogger(__name__)

CHANNELS = ("email", "whatsapp", "sms", "webchat")
LANGUAGES = ("es", "en")
TOPIC = "marketing.campaign"
CLICK_SALT = "omnicanal.marketing.click"
COUPON_PREFIX = "MK"  # a campaign's unique codes: MK-XXXXXXXXXX (loyalty's code rule, coupons.new_code)
# A message that failed for these reasons never reached a provider: not a bounce of the address.
NOT_A_BOUNCE = ("no active inbox", "no adapter")
WAITING = (RecipientStatus.PENDING, RecipientStatus.HELD)


# --- compose ---------------------------------------------------------------------------------------








def do_create_campaign(*, name: str, segment_id: str, message, actor: Principal, channels=None,
                       control_percent: int = 0, templates=None, promote_skus=(), shop_channel: str = "web",
                       link: str = "", recommendations: int = 0, coupon=None, attribution_days: int | None = None,
                       scheduled_at: dt.datetime | None = None) -> Campaign:
    name = (name or "").strip()
    if not name:
        raise ValidationFailed.on("name", _("is required"))
    queries.get_segment_row(segment_id)  # NotFound for an unknown segment
    channels = list(dict.fromkeys(channels or CHANNELS))
    if any(c not in CHANNELS for c in channels):
        raise ValidationFailed.on("channels", _("only %(names)s") % {"names": ", ".join(CHANNELS)})
    if not 0 <= int(control_percent) <= 50:
        raise ValidationFailed.on("control_percent", _("between 0 and 50"))
    if link and not link.startswith("/"):
        raise ValidationFailed.on("link", _("a path of the shop, starting with /"))
    skus = [str(s) for s in promote_skus or ()]
    unknown = set(skus) - set(catalog.channel_prices(skus, catalog.check_channel(shop_channel)))
    if unknown:
        raise ValidationFailed.on("promote_skus", _("unknown SKUs: %(skus)s") % {"skus": ", ".join(sorted(unknown))})
    if scheduled_at is not None and scheduled_at <= clock.now():
        raise ValidationFailed.on("scheduled_at", _("must be in the future"))
    row = Campaign.objects.create(
        name=name[:120], segment_id=segment_id, message=_check_message(message), templates=check_templates(templates),
        channels=channels, control_percent=int(control_percent), promote_skus=skus, shop_channel=shop_channel,
        link=link[:300], recommendations=max(0, min(int(recommendations), 6)), coupon=messaging.check_coupon(coupon),
        attribution_days=attribution_days or governance.setting("ATTRIBUTION_DAYS"),
        status=CampaignStatus.SCHEDULED if scheduled_at else CampaignStatus.DRAFT, scheduled_at=scheduled_at,
        created_by=actor.name[:100], created_at=clock.now())
    audit.record(actor=actor, action="marketing.campaign.create", target_type="campaign", target_id=row.public_id,
                 after={"name": row.name, "segment_id": segment_id, "channels": channels,
                        "control_percent": row.control_percent,
                        "scheduled_at": scheduled_at.isoformat() if scheduled_at else None})
    return row


def do_update_campaign(*, campaign_id: str, actor: Principal, message=None, templates=None) -> Campaign:
    """Edit a campaign that has not started: its text per language and its templates per channel
    (checked as at creation; `templates` replaces them all, {} clears them). A 409 once it is sending
    or done (audited marketing.campaign.update)."""
    row = _campaign(campaign_id, lock=True)
    if row.status not in (CampaignStatus.DRAFT, CampaignStatus.SCHEDULED):
        raise InvalidTransition(detail=_("Only a draft or scheduled campaign can be edited."))
    before = {"languages": sorted(row.message), "templates": sorted(row.templates)}
    if message is not None:
        row.message = _check_message(message)
    if templates is not None:
        row.templates = check_templates(templates)
    row.save(update_fields=["message", "templates"])
    audit.record(actor=actor, action="marketing.campaign.update", target_type="campaign", target_id=row.public_id,
                 before=before, after={"languages": sorted(row.message), "templates": sorted(row.templates)})
    return row


def _campaign(campaign_id: str, *, lock: bool = False) -> Campaign:
    rows = Campaign.objects.select_for_update() if lock else Campaign.objects
    row = rows.filter(public_id=campaign_id).first()
    if row is None:
        raise NotFound(detail=_("No campaign %(id)s.") % {"id": campaign_id})
    return row


def do_schedule_campaign(*, campaign_id: str, at: dt.datetime, actor: Principal) -> Campaign:
    row = _campaign(campaign_id, lock=True)
    if row.status not in (CampaignStatus.DRAFT, CampaignStatus.SCHEDULED):
        raise InvalidTransition(detail=_("Only a draft or scheduled campaign can be scheduled."))
    if at <= clock.now():
        raise ValidationFailed.on("at", _("must be in the future"))
    before = row.scheduled_at
    row.status, row.scheduled_at = CampaignStatus.SCHEDULED, at
    row.save(update_fields=["status", "scheduled_at"])
    audit.record(actor=actor, action="marketing.campaign.schedule", target_type="campaign", target_id=row.public_id,
                 before={"scheduled_at": before.isoformat() if before else None}, after={"scheduled_at": at.isoformat()})
    return row


# --- launch and send -------------------------------------------------------------------------------


def _start(campaign_id: str, actor: Principal, at: dt.datetime) -> Campaign:
    with transaction.atomic():
        row = _campaign(campaign_id, lock=True)
        if row.status == CampaignStatus.CANCELLED:
            raise InvalidTransition(detail=_("This campaign was cancelled."))
        if row.status in (CampaignStatus.DRAFT, CampaignStatus.SCHEDULED):
            row.status, row.launched_at = CampaignStatus.SENDING, at
            row.save(update_fields=["status", "launched_at"])
            audit.record(actor=actor, action="marketing.campaign.launch", target_type="campaign",
                         target_id=row.public_id, after={"segment_id": row.segment_id})
            outbox.emit(CampaignLaunched(campaign_id=row.public_id, name=row.name))
        return row


def do_enroll(*, campaign: Campaign) -> int:
    """The segment's members now become the campaign's recipients (again: nothing changes)."""
    members = queries.segment_members(queries.segment_rules(campaign.segment_id))
    for start in range(0, len(members), 1000):
        with transaction.atomic():
            Recipient.objects.bulk_create(
                [Recipient(campaign=campaign, customer_id=cid,
                           control=governance.in_control(campaign.public_id, cid, campaign.control_percent))
                 for cid in members[start:start + 1000]], ignore_conflicts=True)
    return len(members)


def do_launch_campaign(*, campaign_id: str, actor: Principal = SYSTEM, at: dt.datetime | None = None) -> Campaign:
    """Launch now: enrol the segment, send what may go now, hold the rest for the worker. Launching
    again (or twice at once) resumes; nobody gets a second message."""
    at = at or clock.now()
    campaign = _start(campaign_id, actor, at)
    if campaign.status == CampaignStatus.SENDING:
        do_enroll(campaign=campaign)
        do_send_campaign(campaign=campaign, at=at)
    return campaign


def do_cancel_campaign(*, campaign_id: str, actor: Principal) -> Campaign:
    """Stop a campaign: what waits (scheduled, held) is never sent; what went stays counted."""
    with transaction.atomic():
        row = _campaign(campaign_id, lock=True)
        if row.status in (CampaignStatus.DONE, CampaignStatus.CANCELLED):
            raise InvalidTransition(detail=_("This campaign has finished already."))
        before = row.status
        row.status, row.finished_at = CampaignStatus.CANCELLED, clock.now()
        row.save(update_fields=["status", "finished_at"])
        Recipient.objects.filter(campaign=row, status__in=WAITING).update(
            status=RecipientStatus.SUPPRESSED, reason="cancelled")
        audit.record(actor=actor, action="marketing.campaign.cancel", target_type="campaign", target_id=row.public_id,
                     before={"status": before}, after={"status": row.status})
    return row


@dataclass
class _Run:
    """What one sending run learns once for the whole campaign (availability of what it promotes)."""

    campaign: Campaign
    available: set[str] = field(default_factory=set)
    at_store: dict[str, set[str] | None] = field(default_factory=dict)  # store → promoted SKUs in stock there

    def available_at(self, store: str) -> set[str] | None:
        """The promoted SKUs in stock at the customer's preferred store (None: not a known location)."""
        if store not in self.at_store:
            self.at_store[store] = queries.promoted_stock_at(store, list(self.campaign.promote_skus))
        return self.at_store[store]

    @classmethod
    def of(cls, campaign: Campaign) -> _Run:
        run = cls(campaign)
        if campaign.promote_skus:
            prices = catalog.channel_prices(campaign.promote_skus, campaign.shop_channel)
            stock = inventory.available_by_channel(campaign.promote_skus, [campaign.shop_channel])
            run.available = {s for s in campaign.promote_skus if s in prices and prices[s].sellable
                             and stock.get((s, campaign.shop_channel), 0) > 0}
        return run


# Recipients sent per transaction: the thread, touch, event and status writes of a chunk share one
# commit, its reads (summaries, consent, addresses, bounces, the cap) are a few queries, and its
# events are dispatched together after it (outbox.dispatch_many).
CHUNK = 200


def do_send_campaign(*, campaign: Campaign, at: dt.datetime | None = None, limit: int | None = None) -> int:
    """Send (or hold, or suppress) every recipient due now, CHUNK per transaction; how many messages
    went. The campaign is done when nobody waits any more."""
    at = at or clock.now()
    due = (Recipient.objects.filter(campaign=campaign, status__in=WAITING)
           .filter(Q(not_before__isnull=True) | Q(not_before__lte=at)).order_by("pk").values_list("pk", flat=True))
    run = _Run.of(campaign)
    pks = list(due[:limit] if limit else due)
    sent = 0
    for start in range(0, len(pks), CHUNK):
        sent += _process_chunk(pks[start:start + CHUNK], at=at, run=run)
    if not Recipient.objects.filter(campaign=campaign, status__in=WAITING).exists():
        Campaign.objects.filter(pk=campaign.pk, status=CampaignStatus.SENDING).update(
            status=CampaignStatus.DONE, finished_at=at)
    return sent


@dataclass
class _Facts:
    """What a chunk reads of its customers at once: their summaries, how to reach them, bounces."""

    summaries: dict[str, customers.CustomerSummary]
    reach: dict[str, customers.Reach]
    bounced: dict[str, set[tuple[str, str]]]

    @classmethod
    def of(cls, rows: list[Recipient], channels) -> _Facts:
        summaries = customers.customer_summaries([r.customer_id for r in rows])
        ids = [s.id for s in summaries.values()]
        return cls(summaries, customers.reach_many(ids, "marketing", channels), _bounced_of(ids))


def _decide(row: Recipient, summary: customers.CustomerSummary | None, at: dt.datetime, run: _Run, facts: _Facts):
    """(status, reason, not_before, ways) for a claimed recipient, before the frequency cap."""
    if summary is None or summary.erased:
        return RecipientStatus.SUPPRESSED, "no_consent", None, []
    reach = facts.reach.get(summary.id)
    ways, reason = _ways_of(run.campaign, summary, reach, facts.bounced.get(summary.id, set()))
    if not ways or reach is None:
        return RecipientStatus.SUPPRESSED, reason, None, []
    if run.campaign.promote_skus:
        allowed = queries.promotable_skus(summary.id, run.campaign.promote_skus, at=at)
        if not allowed:
            return RecipientStatus.SUPPRESSED, "purchase_cycle", None, []
        if not set(allowed) & run.available:
            return RecipientStatus.SUPPRESSED, "unavailable", None, []
        at_store = run.available_at(summary.preferred_store) if summary.preferred_store else None
        if at_store is not None and not set(allowed) & run.available & at_store:
            return RecipientStatus.SUPPRESSED, "unavailable", None, []  # not at the store they shop at
    if row.control:
        return RecipientStatus.HELD_OUT, "", None, []
    if (opens := _quiet_until_in(reach.window, at)) is not None:
        return RecipientStatus.HELD, "quiet_hours", opens, []
    return RecipientStatus.SENT, "", None, ways


def _process_chunk(pks: list[int], *, at: dt.datetime, run: _Run) -> int:
    """One transaction for a chunk of recipients: claim those still waiting (SKIP LOCKED: another
    launch's are its own), decide each, count the week's cap under the gates of those about to get a
    message, write the messages, then the touches, events and statuses in bulk. How many went."""
    cap = int(governance.setting("FREQUENCY_CAP_PER_WEEK"))
    sent: list[Recipient] = []
    with outbox.collected_dispatch() as events, transaction.atomic():
        rows = [r for r in locks.lock_due_recipients(pks) if r.not_before is None or r.not_before <= at]
        if not rows:
            return 0
        facts = _Facts.of(rows, run.campaign.channels)
        decided = [(row, facts.summaries.get(row.customer_id)) for row in rows]
        verdicts = [_decide(row, summary, at, run, facts) for row, summary in decided]
        week = _touches_within_cap([s.id for (_r, s), v in zip(decided, verdicts, strict=True)
                                    if v[0] == RecipientStatus.SENT and s is not None], at)
        to_send: list[tuple[Recipient, customers.CustomerSummary, list[tuple[str, str]]]] = []
        for (row, summary), (status, reason, until, ways) in zip(decided, verdicts, strict=True):
            if status == RecipientStatus.SENT and summary is not None:
                if week.get(summary.id, 0) >= cap:
                    status, reason = RecipientStatus.SUPPRESSED, "frequency_cap"
                else:
                    to_send.append((row, summary, ways))
            row.status, row.reason, row.not_before = status, reason, until
            if status == RecipientStatus.HELD_OUT:
                row.window_start = at
        sent = _send_many(to_send, at, run)
        campaign = run.campaign
        Touch.objects.bulk_create([Touch(customer_id=facts.summaries[r.customer_id].id, kind="campaign",
                                         ref=campaign.public_id, channel=r.channel, at=at) for r in sent])
        outbox.emit_many([CampaignMessageSent(campaign_id=campaign.public_id,
                                              customer_id=facts.summaries[r.customer_id].id, channel=r.channel)
                          for r in sent])
        _save_outcomes(rows)
        # After the outermost commit (a launch inside the API request's transaction waits for it).
        transaction.on_commit(lambda: outbox.dispatch_many(events))
    return len(sent)


def _save_outcomes(rows: list[Recipient]) -> None:
    """The chunk's recipients as decided: one UPDATE per outcome (status, reason, not_before,
    window_start, channel: a handful per chunk), then the message ids and coupon codes of those sent
    in one bulk_update. Its CASE over the primary key is built in Python per row and field (~20 ms a
    row for seven fields on the loaded bench machine): only what differs per row goes through it."""
    outcomes: dict[tuple, list[int]] = defaultdict(list)
    for row in rows:
        outcomes[(row.status, row.reason, row.not_before, row.window_start, row.channel)].append(row.pk)
    for (status, reason, not_before, window_start, channel), pks in outcomes.items():
        Recipient.objects.filter(pk__in=pks).update(status=status, reason=reason, not_before=not_before,
                                                    window_start=window_start, channel=channel)
    sent = [row for row in rows if row.message_id]
    if sent:
        Recipient.objects.bulk_update(sent, ["message_id", "coupon_code"] if any(r.coupon_code for r in sent)
                                      else ["message_id"])


def tracked_link(recipient_pk: int, path: str) -> str:
    """A signed link that counts the click and redirects to `path` of the shop; a tampered one names nothing."""
    from django.conf import settings

    token = signing.dumps({"r": recipient_pk, "u": path or "/"}, salt=CLICK_SALT, compress=True)
    return f"{settings.OMNICANAL.get('PUBLIC_URL') or ''}{reverse('marketing-click', args=[token])}"


def _product_path(handle: str) -> str:
    try:
        return reverse("shop-product", args=[handle])
    except NoReverseMatch:  # a deployment without the shop
        return "/"


def context_for(row: Recipient, summary: customers.CustomerSummary, language: str, coupon_code: str) -> dict[str, str]:
    """The placeholders' values for one customer (their name, points, recommended products, coupon)."""
    context = _context(row.campaign, summary, language, coupon_code)
    context["link"] = tracked_link(row.pk, row.campaign.link or "/")
    return context








@dataclass(frozen=True)
class Preview:
    channel: str
    language: str
    subject: str
    text: str
    html: str
    template: dict | None


def preview(*, campaign_id: str, customer_id: str) -> list[Preview]:
    """The message this customer would read on each of the campaign's channels (nothing is sent, no
    coupon is made: a sample code stands in)."""
    campaign = _campaign(campaign_id)
    summary = customers.customer_summary(customer_id)
    language = summary.language if summary.language in LANGUAGES else "es"
    context = _context(campaign, summary, language, "MK-EJEMPLO" if campaign.coupon else "")
    out = []
    for channel in campaign.channels:
        content = content_for(campaign, channel, language, context)
        out.append(Preview(channel=channel, language=language, subject=content.subject, text=content.text,
                           html=content.html, template=content.template))
    return out


def _coupon_code() -> str:
    return coupons.new_code(COUPON_PREFIX)


def _new_coupons(campaign: Campaign, codes: list[str], at: dt.datetime) -> None:
    """The chunk's single-use coupons, one per message reached, in one call of loyalty's bulk writer
    (three statements for the chunk, where one by one it was three per message)."""
    if not codes:
        return
    coupons.do_create_coupons(codes=codes, terms=messaging.coupon_terms(campaign.coupon, at), max_uses=1,
                              name=f"{campaign.public_id} {campaign.name}"[:100])


@dataclass
class _Attempt:
    """A recipient about to be sent: the ways left to try, its coupon code, its placeholders' values."""

    row: Recipient
    summary: customers.CustomerSummary
    ways: list[tuple[str, str]]
    code: str
    context: dict[str, str] | None = None

    @property
    def language(self) -> str:
        return self.summary.language if self.summary.language in LANGUAGES else "es"


def _send_many(batch: list[tuple[Recipient, customers.CustomerSummary, list[tuple[str, str]]]], at: dt.datetime,
               run: _Run) -> list[Recipient]:
    """Each recipient's message on the first of its ways that takes it: one conversations.do_notify_many
    per round, those refused on a channel (no address there, a closed window...) trying their next
    one in the next round; a recipient out of ways is suppressed no_channel. A coupon campaign's
    unique code is drawn first (it is in the text) and the coupon made for those reached. Sets each
    row's status; the rows sent."""
    campaign = run.campaign
    waiting = [_Attempt(row, summary, list(ways), _coupon_code() if campaign.coupon else "")
               for row, summary, ways in batch]
    sent: list[Recipient] = []
    while waiting:
        tried, notices = [], []
        for attempt in waiting:
            row = attempt.row
            row.status, row.reason = RecipientStatus.SUPPRESSED, "no_channel"
            while attempt.ways:
                channel = attempt.ways.pop(0)[0]
                try:
                    if attempt.context is None:
                        attempt.context = context_for(row, attempt.summary, attempt.language, attempt.code)
                    content = content_for(campaign, channel, attempt.language, attempt.context)
                except Problem as problem:
                    log.info("campaign %s to %s not sent on %s: %s", campaign.public_id, attempt.summary.id, channel,
                             problem)
                    continue
                tried.append((attempt, channel))
                notices.append(conversations.Notice(customer_id=attempt.summary.id, channel=channel, text=content.text,
                                                    subject=content.subject, html=content.html,
                                                    template=content.template))
                break
        waiting = []
        for (attempt, channel), answer in zip(tried, conversations.do_notify_many(notices=notices, topic=TOPIC),
                                              strict=True):
            if isinstance(answer, Problem):
                log.info("campaign %s to %s not sent on %s: %s", campaign.public_id, attempt.summary.id, channel,
                         answer)
                waiting.append(attempt)
                continue
            row = attempt.row
            row.status, row.reason = RecipientStatus.SENT, ""
            row.channel, row.message_id, row.coupon_code, row.window_start = channel, answer.public_id, attempt.code, at
            sent.append(row)
    _new_coupons(campaign, [row.coupon_code for row in sent if row.coupon_code], at)
    return sent


def do_run_due(*, at: dt.datetime | None = None) -> int:
    """The worker's minute: launch the scheduled campaigns whose time came, send the held messages
    whose window opened. How many messages went."""
    at = at or clock.now()
    sent = 0
    for campaign_id in Campaign.objects.filter(status=CampaignStatus.SCHEDULED, scheduled_at__lte=at).values_list(
            "public_id", flat=True):
        campaign = _start(campaign_id, SYSTEM, at)
        do_enroll(campaign=campaign)
        sent += do_send_campaign(campaign=campaign, at=at)
    for campaign in Campaign.objects.filter(status=CampaignStatus.SENDING):
        sent += do_send_campaign(campaign=campaign, at=at)
    return sent


# --- results ---------------------------------------------------------------------------------------


def do_record_delivery(*, message_id: str, status: str, at: dt.datetime | None = None) -> None:
    """A campaign message delivered (or read) counts as delivered; one that failed for good marks its
    address bounced, for every campaign after it (whatever message it was)."""
    at = at or clock.now()
    if status in ("delivered", "read"):
        Recipient.objects.filter(message_id=message_id, delivered_at__isnull=True).update(delivered_at=at)
        return
    if status != "failed":
        return
    view = conversations_queries.outbound(message_id)
    if view is None or not view.address or any(view.error.startswith(p) for p in NOT_A_BOUNCE):
        return
    Bounce.objects.bulk_create([Bounce(customer_id=view.customer_id, channel=view.channel, address=view.address, at=at)],
                               ignore_conflicts=True)
    Recipient.objects.filter(message_id=message_id).update(reason="bounced")


def do_record_click(*, token: str, at: dt.datetime | None = None) -> str | None:
    """The path a genuine tracked link leads to (its click counted), None for a forged one."""
    try:
        found = signing.loads(token, salt=CLICK_SALT)
    except signing.BadSignature:
        return None
    at = at or clock.now()
    path = str(found.get("u") or "/")
    Recipient.objects.filter(pk=found.get("r")).update(clicks=F("clicks") + 1)
    Recipient.objects.filter(pk=found.get("r"), clicked_at__isnull=True).update(clicked_at=at)
    return path if path.startswith("/") and not path.startswith("//") else "/"


@dataclass(frozen=True)
class PlacedOrder:
    """What attributing an order reads of its OrderPlaced event."""

    order_id: str
    customer_id: str  # "" for a walk-in
    channel: str
    total: dict
    at: dt.datetime


def do_attribute_orders(orders: list[PlacedOrder]) -> int:
    """An order on any channel converts every campaign message (and control-group place) whose window
    it falls in: the customer's own, or the one whose unique coupon it used. How many they converted.
    Many orders (the worker's hand-over, handlers.py) as if one after the other, in their order (a
    place the first converts is not the second's): their coupon codes in one query, the candidates of
    them all in another, then one UPDATE per conversion; one by one it was two queries per order, the
    top of the worker's Python time in a flash sale."""
    codes = loyalty.codes_used_on_many([order.order_id for order in orders])
    by_customer: dict[str, list[Recipient]] = defaultdict(list)
    by_code: dict[str, list[Recipient]] = defaultdict(list)
    for row in _candidates(orders, codes):
        by_customer[row.customer_id].append(row)
        if row.coupon_code:
            by_code[row.coupon_code].append(row)
    converted = 0
    for order in orders:
        mine = list(by_customer.get(order.customer_id, [])) if order.customer_id else []
        mine += [row for code in codes[order.order_id] for row in by_code.get(code, [])]
        for row in sorted({row.pk: row for row in mine}.values(), key=lambda row: row.pk):
            converted += _convert(row, order)
    return converted


def _candidates(orders: list[PlacedOrder], codes: dict[str, list[str]]) -> list[Recipient]:
    """The places these orders may convert (sent or held out, not converted, their window started):
    the customers' own and those of the codes used, in one query."""
    used = {code for order in orders for code in codes[order.order_id]}
    who = Q(coupon_code__in=used) if used else Q(pk__in=[])
    buyers = {order.customer_id for order in orders if order.customer_id}
    if buyers:
        who |= Q(customer_id__in=buyers)
    if not used and not buyers:
        return []
    return list(Recipient.objects.select_related("campaign").filter(who)
                .filter(status__in=[RecipientStatus.SENT, RecipientStatus.HELD_OUT], converted_at__isnull=True,
                        window_start__lte=max(order.at for order in orders)).order_by("pk"))


def _convert(row: Recipient, order: PlacedOrder) -> bool:
    """The one rule of a conversion: a place not converted yet, whose window (sent or held out at,
    plus the campaign's attribution days) the order falls in, converts once (the conditional UPDATE:
    another worker may have taken it) and says so (CampaignConverted)."""
    at = order.at
    if row.converted_at is not None or row.window_start is None or at < row.window_start:
        return False
    if at > row.window_start + dt.timedelta(days=row.campaign.attribution_days):
        return False
    revenue = Decimal(str(order.total.get("amount") or 0))
    done = Recipient.objects.filter(pk=row.pk, converted_at__isnull=True).update(
        converted_at=at, order_id=order.order_id, order_channel=order.channel, revenue=revenue,
        currency=str(order.total.get("currency") or ""))
    row.converted_at = at  # taken (here, or by another worker meanwhile): the chunk's next orders skip it
    if not done:
        return False
    outbox.emit(CampaignConverted(campaign_id=row.campaign.public_id, customer_id=row.customer_id,
                                  order_id=order.order_id, order_channel=order.channel, control=row.control,
                                  revenue=order.total))
    return True


def do_undo_conversion(*, order_id: str) -> int:
    """A cancelled order converts nothing."""
    return Recipient.objects.filter(order_id=order_id).update(converted_at=None, order_id="", order_channel="",
                                                               revenue=0, currency="")


# --- the customer's data (customers' registry: handlers.py) -------------------------------------------


def do_move_customer(*, survivor_id: str, merged_id: str) -> None:
    """A merge: the merged profile's campaign places, marketing touches (they still count against the
    survivor's cap) and bounces become the survivor's. In a campaign both were in, the place that got
    the message (or was held out) becomes the survivor's; the other stays under the merged id."""
    reached = (RecipientStatus.SENT, RecipientStatus.HELD_OUT)
    for row in Recipient.objects.filter(customer_id=merged_id):
        mine = Recipient.objects.filter(campaign_id=row.campaign_id, customer_id=survivor_id).first()
        if mine is not None and (mine.status in reached or row.status not in reached):
            continue
        if mine is not None:  # swap through a free id: (campaign, customer) is unique at every step
            Recipient.objects.filter(pk=mine.pk).update(customer_id=f"merging-{mine.pk}")
        Recipient.objects.filter(pk=row.pk).update(customer_id=survivor_id)
        if mine is not None:
            Recipient.objects.filter(pk=mine.pk).update(customer_id=merged_id)
    Touch.objects.filter(customer_id=merged_id).update(customer_id=survivor_id)
    for bounce in Bounce.objects.filter(customer_id=merged_id):
        Bounce.objects.bulk_create([Bounce(customer_id=survivor_id, channel=bounce.channel, address=bounce.address,
                                           at=bounce.at)], ignore_conflicts=True)
    Bounce.objects.filter(customer_id=merged_id).delete()


def do_erase_customer(*, customer_id: str) -> None:
    """Erasure: bounced addresses and touches go; campaign places stay counted (the totals), no
    longer naming the person (their id replaced, the coupon code kept for the books)."""
    Bounce.objects.filter(customer_id=customer_id).delete()
    Touch.objects.filter(customer_id=customer_id).delete()
    for pk in Recipient.objects.filter(customer_id=customer_id).values_list("pk", flat=True):
        Recipient.objects.filter(pk=pk).update(customer_id=f"erased-{pk}")


def export_customer(customer_id: str) -> list[dict]:
    return [{"campaign": r.campaign.name, "status": r.status, "reason": r.reason, "channel": r.channel,
             "sent_at": r.window_start.isoformat() if r.window_start and r.status == RecipientStatus.SENT else None,
             "coupon": r.coupon_code, "clicked": r.clicks > 0, "converted_order": r.order_id}
            for r in Recipient.objects.select_related("campaign").filter(customer_id=customer_id).order_by("pk")]
