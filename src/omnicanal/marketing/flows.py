"""Automated journeys (issue 18, item 6): a customer enters a flow when something happens to them
(a cart abandoned, a product viewed, stock back at their store, a purchase cycle due, an order
delivered, months without buying, a new loyalty tier, their birthday) and gets one message `delay_minutes` later,
unless they bought first (an order on ANY channel stops the cart, browse, cross-sell and win-back
flows; a purchase in the category stops the replenishment reminder).

Every send goes through the SAME governance as campaigns (marketing.messaging): consent and STOP
asked at the moment of the send, hard bounces, the purchase cycle (nothing of a category a durable
purchase suppresses), availability (on the flow's shop channel; at the customer's store for
back-in-stock), the quiet and contact hours (the entry waits until they open), the weekly frequency
cap shared with campaigns and reminders (`Touch` rows, counted under the customer's gate lock), and
at most ONE flow message per customer per day (a second one waits until the day has passed). Every
decision is kept on the entry with its reason; nothing is dropped silently."""

from __future__ import annotations

import datetime as dt
import logging
import zoneinfo
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import formats, translation
from django.utils.translation import gettext as _

from omnicanal.catalog import queries as catalog
from omnicanal.conversations import services as conversations
from omnicanal.core import audit, clock, outbox
from omnicanal.core.auth import Principal
from omnicanal.core.errors import NotFound, Problem, ValidationFailed
from omnicanal.customers import queries as customers
from omnicanal.inventory import queries as inventory
from omnicanal.loyalty import queries as loyalty
from omnicanal.loyalty.services import coupons
from omnicanal.marketing import governance, locks, messaging, queries
from omnicanal.marketing.events import FlowMessageSent
from omnicanal.marketing.models import Flow, FlowEntry, FlowEntryStatus, FlowKind, TierChanges, Touch
from omnicanal.orders import queries as orders

log = logging.getLogger(__name__)

TOPIC = "marketing.flow"
CHANNELS = ("whatsapp", "email", "sms", "webchat")
PLACEHOLDERS = (*governance.PLACEHOLDERS, "product", "store", "date", "tier")
ONE_PER = dt.timedelta(days=1)  # at most one flow message per customer in any 24 hours
MAX_LATE = dt.timedelta(days=3)  # a message held past this is stale: suppressed (expired)
BROWSE_LOOKBACK = dt.timedelta(days=2)
WIN_BACK_DAYS = 90  # no purchase in this many days: the win-back message
WIN_BACK_WINDOW = 30  # … if the last purchase is at most this many days older than that
MAX_ATTRIBUTION_DAYS = 90  # as campaigns' attribution_days
# Kinds an order (any channel) ends: the customer did what the message would ask.
STOPPED_BY_ORDER = (FlowKind.ABANDONED_CART, FlowKind.BROWSE_ABANDONMENT, FlowKind.CROSS_SELL, FlowKind.WIN_BACK)
DEFAULT_DELAY: dict[str, int] = {FlowKind.ABANDONED_CART: 60, FlowKind.BROWSE_ABANDONMENT: 240, FlowKind.CROSS_SELL: 3 * 24 * 60}
DEFAULT_CHANNELS: dict[str, list[str]] = {FlowKind.ABANDONED_CART: ["whatsapp", "email", "sms"]}
# The birthday's gift until a marketer sets another (or none, {}): a unique single-use code per message,
# BD-XXXXXXXXXX (loyalty's code rule), the customer's own, valid on every channel for `days` from the send.
BIRTHDAY_COUPON = {"kind": "percent", "value": "10", "days": 30}
COUPON_PREFIX = "BD"


def default_message(kind: str, language: str, *, coupon: bool = False) -> str:
    with translation.override(language):
        if kind == FlowKind.BIRTHDAY and coupon:
            return _("Happy birthday, {{ name }}! Your gift from {{ business }}: the code {{ coupon }}, for a "
                     "purchase online or in our stores until {{ date }}.")
        messages: dict[str, str] = {
            FlowKind.ABANDONED_CART: _("Hi {{ name }}, you left {{ products }} in your cart. It is waiting for you: "
                                       "{{ link }}"),
            FlowKind.BROWSE_ABANDONMENT: _("Hi {{ name }}, still thinking about {{ product }}? {{ link }}"),
            FlowKind.BACK_IN_STOCK: _("Hi {{ name }}, {{ product }} is back at {{ store }}. {{ link }}"),
            FlowKind.REPLENISHMENT: _("Hi {{ name }}, your {{ product }} should be running out around {{ date }}. "
                                      "Order again online or pick it up at your store."),
            FlowKind.CROSS_SELL: _("Hi {{ name }}, how is your order going? It goes well with: {{ products }}. "
                                   "{{ link }}"),
            FlowKind.WIN_BACK: _("Hi {{ name }}, we miss you at {{ business }}. Come and see what is new: {{ link }}"),
            FlowKind.BIRTHDAY: _("Happy birthday, {{ name }}! A gift from {{ business }} is waiting for you."),
            FlowKind.TIER_CHANGE: _("Hi {{ name }}, you are now {{ tier }}. Thank you for choosing {{ business }}!"),
        }
        return messages[kind]


# --- the flows themselves -----------------------------------------------------------------------------


def all_flows() -> list[Flow]:
    """One row per kind (created, disabled, on first read)."""
    existing = {f.kind for f in Flow.objects.all()}
    missing = [Flow(kind=k, delay_minutes=DEFAULT_DELAY.get(k, 0), channels=DEFAULT_CHANNELS.get(k, list(CHANNELS)),
                    recommendations=3 if k in (FlowKind.CROSS_SELL, FlowKind.ABANDONED_CART) else 0,
                    coupon=dict(BIRTHDAY_COUPON) if k == FlowKind.BIRTHDAY else {})
               for k in FlowKind.values if k not in existing]
    if missing:
        Flow.objects.bulk_create(missing, ignore_conflicts=True)
    return sorted(Flow.objects.all(), key=lambda f: FlowKind.values.index(f.kind))


def get_flow(kind: str) -> Flow:
    if kind not in FlowKind.values:
        raise NotFound(detail=_("No flow %(kind)s.") % {"kind": kind})
    return next(f for f in all_flows() if f.kind == kind)


def do_update_flow(*, kind: str, actor: Principal, enabled: bool | None = None, delay_minutes: int | None = None,
                   message=None, templates=None, channels=None, link: str | None = None,
                   recommendations: int | None = None, attribution_days: int | None = None,
                   tier_changes: str | None = None, coupon: dict | None = None) -> Flow:
    """Enable, disable or edit a flow (audited marketing.flow.update). Checks as campaigns do; only
    the birthday flow gives a coupon, and a text of its own then says {{ coupon }}."""
    get_flow(kind)
    row = Flow.objects.select_for_update().get(kind=kind)
    before = _audited(row)
    if enabled is not None:
        row.enabled = bool(enabled)
    if delay_minutes is not None:
        if not 0 <= int(delay_minutes) <= 60 * 24 * 60:
            raise ValidationFailed.on("delay_minutes", _("between 0 and 86400 minutes (60 days)"))
        row.delay_minutes = int(delay_minutes)
    if message is not None:
        row.message = messaging.check_message(message, PLACEHOLDERS) if message else {}
    if templates is not None:
        row.templates = messaging.check_templates(templates, PLACEHOLDERS)
    if channels is not None:
        channels = list(dict.fromkeys(channels))
        if not channels or any(c not in CHANNELS for c in channels):
            raise ValidationFailed.on("channels", _("only %(names)s") % {"names": ", ".join(CHANNELS)})
        row.channels = channels
    if link is not None:
        if link and not link.startswith("/"):
            raise ValidationFailed.on("link", _("a path of the shop, starting with /"))
        row.link = link[:300]
    if recommendations is not None:
        row.recommendations = max(0, min(int(recommendations), 6))
    if attribution_days is not None:
        if not 1 <= int(attribution_days) <= MAX_ATTRIBUTION_DAYS:
            raise ValidationFailed.on("attribution_days", _("between 1 and 90 days"))
        row.attribution_days = int(attribution_days)
    if tier_changes is not None:
        if tier_changes not in TierChanges.values:
            raise ValidationFailed.on("tier_changes", _("upgrade or any"))
        row.tier_changes = tier_changes
    if coupon is not None:
        if coupon and kind != FlowKind.BIRTHDAY:
            raise ValidationFailed.on("coupon", _("only the birthday flow gives a coupon"))
        row.coupon = messaging.check_coupon(coupon)
    _check_coupon_said(row)
    row.updated_by, row.updated_at = actor.name[:100], clock.now()
    row.save()
    audit.record(actor=actor, action="marketing.flow.update", target_type="flow", target_id=kind, before=before,
                 after=_audited(row))
    return row


def _check_coupon_said(row: Flow) -> None:
    """A coupon nobody reads is no gift: the marketer's own text must carry its code."""
    if not row.coupon:
        return
    silent = [lang for lang, text in (row.message or {}).items() if "coupon" not in governance.placeholders_in(text)]
    if silent:
        raise ValidationFailed.on(f"message.{silent[0]}", _("must say {{ coupon }}: the flow gives a coupon"))


def _audited(row: Flow) -> dict[str, Any]:
    """What the audit keeps of a flow's settings (texts and templates left out: they are long)."""
    return {"enabled": row.enabled, "delay_minutes": row.delay_minutes, "attribution_days": row.attribution_days,
            "tier_changes": row.tier_changes, "channels": list(row.channels or []),
            "templates": sorted(row.templates or {}), "coupon": dict(row.coupon or {})}


# --- entering a flow (marketing's handlers and the periodic enrolment call these) -----------------------


def enrol(kind: str, *, customer_id: str, key: str, at: dt.datetime, context: dict | None = None,
          waits_for_trigger: bool = False) -> FlowEntry | None:
    """The customer enters an enabled flow for this trigger, once (the unique key); None when the
    flow is off or nobody to write to."""
    if not customer_id:
        return None
    flow = Flow.objects.filter(kind=kind, enabled=True).first()
    if flow is None:
        return None
    due = None if waits_for_trigger else at + dt.timedelta(minutes=flow.delay_minutes)
    FlowEntry.objects.bulk_create([FlowEntry(flow=flow, customer_id=customer_id, key=key[:160], due_at=due,
                                             context=context or {}, created_at=at)], ignore_conflicts=True)
    return FlowEntry.objects.filter(flow=flow, customer_id=customer_id, key=key[:160]).first()


def on_cart_abandoned(*, cart_id: str, customer_id: str, channel: str, at: dt.datetime) -> None:
    enrol(FlowKind.ABANDONED_CART, customer_id=customer_id, key=cart_id, at=at,
          context={"cart_id": cart_id, "cart_channel": channel})


@dataclass(frozen=True)
class PlacedOrder:
    """What flows read of an OrderPlaced event."""

    customer_id: str  # "" for a walk-in
    order_id: str
    categories: set[str]
    at: dt.datetime


def on_orders_placed(orders: list[PlacedOrder]) -> None:
    """An order on any channel (a purchase in a store too) stops what it makes pointless and
    converts the flow messages sent within their attribution window. Many orders (the worker's
    hand-over, handlers.py) as if one after the other, in their order (a message the first converts
    is not the second's): the customers' waiting and sent entries in one query, then one UPDATE per
    order that stops or converts something; one by one it was three statements per order, nearly
    always finding nothing."""
    entries = _entries_an_order_ends(orders)
    for order in orders:
        stopped, converted = [], []
        for entry in entries.get(order.customer_id, ()):
            effect = _order_effect(entry, order)
            if effect == "stop":
                entry.status = FlowEntryStatus.STOPPED
                stopped.append(entry.pk)
            elif effect == "convert":
                entry.converted_at = order.at
                converted.append(entry.pk)
        if stopped:  # unless the worker sent it meanwhile
            FlowEntry.objects.filter(pk__in=stopped, status=FlowEntryStatus.WAITING).update(
                status=FlowEntryStatus.STOPPED, reason="ordered", decided_at=order.at)
        if converted:
            FlowEntry.objects.filter(pk__in=converted, converted_at__isnull=True).update(
                converted_at=order.at, order_id=order.order_id)


def _entries_an_order_ends(orders: list[PlacedOrder]) -> dict[str, list[FlowEntry]]:
    """{customer: their entries an order may stop (waiting) or convert (sent, not converted)}."""
    buyers = {order.customer_id for order in orders if order.customer_id}
    if not buyers:
        return {}
    latest = max(order.at for order in orders)
    found: dict[str, list[FlowEntry]] = {}
    for entry in (FlowEntry.objects.select_related("flow").filter(customer_id__in=buyers).filter(
            Q(status=FlowEntryStatus.WAITING, created_at__lte=latest,
              flow__kind__in=(*STOPPED_BY_ORDER, FlowKind.REPLENISHMENT))
            | Q(status=FlowEntryStatus.SENT, converted_at__isnull=True, decided_at__lte=latest)).order_by("pk")):
        found.setdefault(entry.customer_id, []).append(entry)
    return found


def _order_effect(entry: FlowEntry, order: PlacedOrder) -> str:
    """The one rule of what an order does to its customer's entry: a waiting cart, browse, cross-sell
    or win-back message (a replenishment one of a category bought) entered before it is stopped; a
    message sent within its attribution window before it is converted (once): "stop", "convert" or ""."""
    if entry.status == FlowEntryStatus.WAITING and entry.created_at <= order.at:
        if entry.flow.kind in STOPPED_BY_ORDER or (
                entry.flow.kind == FlowKind.REPLENISHMENT and entry.context.get("category") in order.categories):
            return "stop"
        return ""
    if entry.status == FlowEntryStatus.SENT and entry.converted_at is None and entry.decided_at is not None:
        if entry.decided_at <= order.at <= entry.decided_at + dt.timedelta(days=entry.flow.attribution_days):
            return "convert"
    return ""


def on_delivered(*, customer_id: str, order_id: str, at: dt.datetime) -> None:
    enrol(FlowKind.CROSS_SELL, customer_id=customer_id, key=order_id, at=at, context={"order_id": order_id})


def on_tier_changed(*, customer_id: str, new_tier: str | None, at: dt.datetime, old_tier: str | None = None) -> None:
    """A new tier enrols the customer; a downgrade only when the flow says "on any change"."""
    if not new_tier:
        return
    flow = Flow.objects.filter(kind=FlowKind.TIER_CHANGE, enabled=True).first()
    if flow is None or (flow.tier_changes == TierChanges.UPGRADE and is_downgrade(old_tier, new_tier)):
        return
    enrol(FlowKind.TIER_CHANGE, customer_id=customer_id, key=f"{new_tier}@{at.date().isoformat()}", at=at,
          context={"tier": new_tier})


def is_downgrade(old_tier: str | None, new_tier: str) -> bool:
    """True when the new tier ranks below the old one in the loyalty program (by minimum spend); a
    first tier, or a code the program no longer has, is not a downgrade we can tell."""
    ranks = {code: rank for rank, code in enumerate(loyalty.tier_codes())}
    if not old_tier or old_tier not in ranks or new_tier not in ranks:
        return False
    return ranks[new_tier] < ranks[old_tier]


def do_subscribe_back_in_stock(*, customer_id: str, sku: str, location: str, at: dt.datetime | None = None
                               ) -> FlowEntry:
    """"Tell me when it is back at my store" (the product page, the Store API): waits for the stock."""
    at = at or clock.now()
    if not Flow.objects.filter(kind=FlowKind.BACK_IN_STOCK, enabled=True).exists():
        raise ValidationFailed.on("sku", _("back-in-stock alerts are not available"))
    inventory.stock_level(location=location, sku=sku)  # 404 on an unknown store or SKU
    entry = enrol(FlowKind.BACK_IN_STOCK, customer_id=customer_id, key=f"{sku}@{location}", at=at,
                  context={"sku": sku, "location": location}, waits_for_trigger=True)
    if entry is None:  # the flow is on (checked above): no one to write to
        raise ValidationFailed.on("sku", _("back-in-stock alerts are not available"))
    return entry


def on_stock_back(*, location: str, sku: str, at: dt.datetime) -> int:
    """Stock arrived at a store: the subscriptions waiting for it become due (after the delay)."""
    entries = FlowEntry.objects.select_related("flow").filter(
        flow__kind=FlowKind.BACK_IN_STOCK, key=f"{sku}@{location}", status=FlowEntryStatus.WAITING, due_at__isnull=True)
    count = 0
    for entry in entries:
        count += FlowEntry.objects.filter(pk=entry.pk, due_at__isnull=True).update(
            due_at=at + dt.timedelta(minutes=entry.flow.delay_minutes))
    return count


def do_enrol_periodic(*, at: dt.datetime | None = None) -> int:
    """The flows whose trigger is a state rather than an event: products viewed and not bought,
    purchase cycles coming due, birthdays, customers gone quiet. Idempotent (the entries' unique key)."""
    at = at or clock.now()
    flows = {f.kind for f in Flow.objects.filter(enabled=True)}
    made = 0
    if FlowKind.BROWSE_ABANDONMENT in flows:
        for view in queries_views(at - BROWSE_LOOKBACK):
            made += bool(enrol(FlowKind.BROWSE_ABANDONMENT, customer_id=view.customer_id,
                               key=f"{view.handle}@{view.viewed_at.date().isoformat()}", at=view.viewed_at,
                               context={"handle": view.handle}))
    if FlowKind.REPLENISHMENT in flows:
        for due in queries.due_reminders(at=at):
            made += bool(enrol(FlowKind.REPLENISHMENT, customer_id=due.customer_id,
                               key=f"{due.category}@{due.due_on.isoformat()}", at=at,
                               context={"category": due.category, "skus": [due.last_sku],
                                        "due_on": due.due_on.isoformat()}))
    if FlowKind.BIRTHDAY in flows:  # once a year (the key), on the customer's day in their time zone
        for birthday in customers.birthdays_at(at):
            made += bool(enrol(FlowKind.BIRTHDAY, customer_id=birthday.customer_id,
                               key=f"birthday@{birthday.on.year}", at=at, context={"on": birthday.on.isoformat()}))
    if FlowKind.WIN_BACK in flows:
        last: dict[str, dt.datetime] = {}
        for line in orders.purchase_history(since=at - dt.timedelta(days=WIN_BACK_DAYS + WIN_BACK_WINDOW)):
            last[line.customer_id] = max(last.get(line.customer_id, line.placed_at), line.placed_at)
        for customer_id, when in last.items():
            if when <= at - dt.timedelta(days=WIN_BACK_DAYS):
                made += bool(enrol(FlowKind.WIN_BACK, customer_id=customer_id, key=f"since@{when.date().isoformat()}",
                                   at=at))
    return made


def queries_views(since: dt.datetime):
    from omnicanal.storefront import queries as storefront

    return [v for v in storefront.viewed_products() if v.viewed_at >= since]


# --- sending -------------------------------------------------------------------------------------------


def do_run_flows(*, at: dt.datetime | None = None) -> int:
    """The worker's run: every entry due now is decided, each in its own transaction; how many went."""
    at = at or clock.now()
    due = (FlowEntry.objects.filter(status=FlowEntryStatus.WAITING, due_at__lte=at, flow__enabled=True)
           .order_by("due_at", "pk").values_list("pk", flat=True))
    return sum(_process(pk, at=at) == FlowEntryStatus.SENT for pk in list(due))


def _lock_due(pk: int) -> FlowEntry | None:
    return (FlowEntry.objects.select_for_update(skip_locked=True, of=("self",)).select_related("flow")
            .filter(pk=pk, status=FlowEntryStatus.WAITING).first())


def _skus(entry: FlowEntry) -> list[str]:
    """What the message promotes: the cart's lines, the SKU back in stock, the cycle's last SKU…"""
    if entry.flow.kind == FlowKind.ABANDONED_CART:
        return list(orders.cart_skus(cart_id=entry.context.get("cart_id", "")))
    if entry.flow.kind == FlowKind.BROWSE_ABANDONMENT:
        return [v.sku for v in catalog.variants_of(entry.context.get("handle", ""))]
    if entry.context.get("sku"):
        return [entry.context["sku"]]
    return list(entry.context.get("skus") or [])


def _available(entry: FlowEntry, skus: list[str]) -> list[str]:
    if entry.flow.kind == FlowKind.BACK_IN_STOCK:
        location = entry.context.get("location", "")
        return [s for s in skus if inventory.stock_level(location=location, sku=s)["available"] > 0]
    channel = entry.context.get("cart_channel") or entry.flow.shop_channel  # the app's cart: the app's stock
    prices = catalog.channel_prices(skus, channel)
    stock = inventory.available_by_channel(skus, [channel])
    return [s for s in skus if s in prices and prices[s].sellable and stock.get((s, channel), 0) > 0]


def _decide(entry: FlowEntry, summary, at: dt.datetime) -> tuple[str, str, dt.datetime | None, list]:
    """(status, reason, wait until, ways) before the caps: the campaigns' rules, in their order."""
    if summary is None or summary.erased:
        return FlowEntryStatus.SUPPRESSED, "no_consent", None, []
    if entry.due_at and at - entry.due_at > MAX_LATE:
        return FlowEntryStatus.SUPPRESSED, "expired", None, []
    # An order the event did not tell us about in time (placed before the hourly enrolment saw the
    # view, or its handler still queued) stops the flow as well: asked again at the send.
    if entry.flow.kind in STOPPED_BY_ORDER and any(
            line.order_id != entry.context.get("order_id")  # cross-sell: not the order it follows
            for line in orders.purchase_history(customer_id=summary.id, since=entry.created_at)):
        return FlowEntryStatus.STOPPED, "ordered", None, []
    ways, reason = messaging.ways(entry.flow, summary)
    if not ways:
        return FlowEntryStatus.SUPPRESSED, reason, None, []
    skus = _skus(entry)
    if entry.flow.kind in (FlowKind.ABANDONED_CART, FlowKind.BROWSE_ABANDONMENT, FlowKind.BACK_IN_STOCK) and not skus:
        return FlowEntryStatus.STOPPED, "nothing_left", None, []
    if skus:
        allowed = queries.promotable_skus(summary.id, skus, at=at)
        if not allowed:
            return FlowEntryStatus.SUPPRESSED, "purchase_cycle", None, []
        if not _available(entry, list(allowed)):
            return FlowEntryStatus.SUPPRESSED, "unavailable", None, []
    if (opens := messaging.quiet_until(summary.id, at)) is not None:
        return FlowEntryStatus.WAITING, "quiet_hours", opens, []
    return FlowEntryStatus.SENT, "", None, ways


def _last_flow_message(customer_id: str, at: dt.datetime) -> dt.datetime | None:
    return (Touch.objects.filter(customer_id=customer_id, kind="flow", at__gt=at - ONE_PER, at__lte=at)
            .order_by("-at").values_list("at", flat=True).first())


def _process(pk: int, *, at: dt.datetime) -> str:
    with transaction.atomic():
        entry = _lock_due(pk)
        if entry is None or entry.due_at is None or entry.due_at > at:
            return ""
        summary = customers.customer_summaries([entry.customer_id]).get(entry.customer_id)
        status, reason, until, ways = _decide(entry, summary, at)
        if status == FlowEntryStatus.SENT and summary is not None:
            locks.lock_gate(summary.id)  # the cap and the day's flow message counted under one lock
            last = _last_flow_message(summary.id, at)
            if last is not None:
                status, reason, until = FlowEntryStatus.WAITING, "one_per_day", last + ONE_PER
            elif messaging.over_cap(summary.id, at):
                status, reason = FlowEntryStatus.SUPPRESSED, "frequency_cap"
            else:
                status, reason = _send(entry, summary, ways, at)
        entry.status, entry.reason = status, reason
        if status == FlowEntryStatus.WAITING:
            entry.due_at = until
        else:
            entry.decided_at = at
        entry.save()
        return status


def _extra(entry: FlowEntry, language: str) -> dict[str, str]:
    """The flow placeholders beyond the campaigns': the product, the store, the date, the tier."""
    extra = {"tier": str(entry.context.get("tier") or "")}
    skus = _skus(entry)
    if skus:
        model = queries.served_model()
        product = model.products.get(model.handle_of.get(skus[0], ""))
        extra["product"] = (product.name_en if language == "en" else product.name_es) if product else skus[0]
        if not entry.flow.recommendations or entry.flow.kind == FlowKind.ABANDONED_CART:
            names = [p for p in (model.products.get(model.handle_of.get(s, "")) for s in skus) if p]
            extra["products"] = ", ".join(p.name_en if language == "en" else p.name_es for p in names) or skus[0]
    if entry.context.get("location"):
        info = inventory.location_info(entry.context["location"])
        extra["store"] = info.name if info else entry.context["location"]
    if entry.context.get("due_on"):
        with translation.override(language):
            extra["date"] = formats.date_format(dt.date.fromisoformat(entry.context["due_on"]), "j F")
    return extra


def _message_spec(flow: Flow) -> Flow:
    """The flow with its kind's default text where the marketer wrote none."""
    if not flow.message:
        flow.message = {lang: default_message(flow.kind, lang, coupon=bool(flow.coupon)) for lang in messaging.LANGUAGES}
    return flow


def _gift(flow: Flow, summary, language: str, at: dt.datetime) -> tuple[str, str]:
    """(code, the day it ends in the customer's time zone, in words) of the birthday's coupon, drawn
    for this message; ("", "") when the flow gives none. The coupon is made once the message is sent."""
    if flow.kind != FlowKind.BIRTHDAY or not flow.coupon:
        return "", ""
    ends = messaging.coupon_terms(flow.coupon, at).ends_at or at
    zone = zoneinfo.ZoneInfo(summary.time_zone or settings.OMNICANAL.get("TIME_ZONE", "UTC"))
    with translation.override(language):
        until = formats.date_format(ends.astimezone(zone).date(), "MONTH_DAY_FORMAT")
    return coupons.new_code(COUPON_PREFIX), until


def _send(entry: FlowEntry, summary, ways, at: dt.datetime) -> tuple[str, str]:
    flow = _message_spec(entry.flow)
    language = summary.language if summary.language in messaging.LANGUAGES else "es"
    extra = _extra(entry, language)
    code, until = _gift(flow, summary, language, at)
    if code:
        extra["date"] = until
    context = messaging.context_of(flow, summary, language, code, extra)
    if extra.get("products") and entry.flow.kind == FlowKind.ABANDONED_CART:
        context["products"] = extra["products"]
    for channel, _address in ways:
        content = messaging.content_for(flow, channel, language, context)
        try:
            with transaction.atomic():
                message = conversations.do_notify(customer_id=summary.id, channel=channel, text=content.text,
                                                  subject=content.subject, html=content.html,
                                                  template=content.template, topic=TOPIC)
                Touch.objects.create(customer_id=summary.id, kind="flow", ref=flow.kind, channel=channel, at=at)
                if code:  # redeemable once the message leaves, by its customer only (a personal gift)
                    coupons.do_create_coupon(code=code, terms=messaging.coupon_terms(flow.coupon, at), max_uses=1,
                                             name=f"{flow.kind} {at.year}", owner_id=summary.id)
                outbox.emit(FlowMessageSent(flow=flow.kind, customer_id=summary.id, channel=channel))
        except Problem as problem:
            log.info("flow %s to %s not sent on %s: %s", flow.kind, summary.id, channel, problem)
            continue
        entry.channel, entry.message_id = channel, message.public_id
        if code:
            entry.context = {**entry.context, "coupon": code}
        return FlowEntryStatus.SENT, ""
    return FlowEntryStatus.SUPPRESSED, "no_channel"


# --- results and the customer's data --------------------------------------------------------------------


def flow_results() -> dict[str, dict[str, Any]]:
    """Per flow: entries waiting, sent, converted, stopped, suppressed (by reason)."""
    out: dict[str, dict] = {k: {"waiting": 0, "sent": 0, "converted": 0, "stopped": 0, "suppressed": {}}
                            for k in FlowKind.values}
    for kind, status, reason, converted in FlowEntry.objects.values_list("flow__kind", "status", "reason",
                                                                          "converted_at"):
        row = out[kind]
        if status == FlowEntryStatus.SUPPRESSED:
            row["suppressed"][reason] = row["suppressed"].get(reason, 0) + 1
        else:
            row[status] += 1
        row["converted"] += converted is not None
    return out


def entries_of(customer_id: str) -> list[FlowEntry]:
    return list(FlowEntry.objects.select_related("flow").filter(customer_id=customer_id).order_by("-created_at", "-pk"))


def do_move_customer(*, survivor_id: str, merged_id: str) -> None:
    for entry in FlowEntry.objects.filter(customer_id=merged_id):
        if FlowEntry.objects.filter(flow_id=entry.flow_id, customer_id=survivor_id, key=entry.key).exists():
            entry.delete()
        else:
            FlowEntry.objects.filter(pk=entry.pk).update(customer_id=survivor_id)


def do_erase_customer(*, customer_id: str) -> None:
    FlowEntry.objects.filter(customer_id=customer_id).delete()


def export_customer(customer_id: str) -> list[dict]:
    return [{"flow": e.flow.kind, "status": e.status, "reason": e.reason, "channel": e.channel,
             "created_at": e.created_at.isoformat(), "decided_at": e.decided_at.isoformat() if e.decided_at else None}
            for e in entries_of(customer_id)]
