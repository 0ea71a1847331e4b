"""Subscriptions (issue 18, item 8): a customer gets the same lines every N days, shipped or picked
up at a store, paid with their stored value (store credit, then wallet: loyalty's `stored_value`)
or with a card they saved (`card`: Webpay Oneclick, orders' stored cards).

A subscription is a recurring order intent; orders owns the orders. Each cycle (`next_date`):

1. `RESERVE_DAYS` before it, the units are reserved for it (inventory, reference `<sub_id>:<date>`,
   held until two days after the date), so a busy week does not sell them to someone else;
2. `REMIND_DAYS` before it, the customer is reminded (a transactional message, on the first channel
   where they may be told and are reachable: their preferred one for transactional, then WhatsApp,
   email, SMS) and may answer SKIP or PAUSE (bot.registry: the claimer below);
3. on the date, the reservation is handed to the order: `orders.services.do_place_order` with the
   stored value under the customer's mandate (loyalty.presence.mandate), or with a pending card
   payment. A card's order commits first (`charging_order_id` records it as awaiting its charge);
   then, outside any transaction, `orders.services.do_charge_stored_card` charges it (once, however
   many workers ask) and the outcome is read back through `orders.queries.card_charge`: paid → the
   cycle is done; cancelled (declined) → a failure; unknown → the next run (or orders' `OrderPaid` /
   `OrderCancelled`, handlers.py) settles it after orders' sweep asked Transbank. So a crash at any
   point leaves a paid order or no charge. A failure (no balance, a declined card, no stock, a product
   no longer sold) is retried after `RETRY_HOURS` (12, 24, 48); after the last it pauses the
   subscription (`pause_reason` payment_failed) and tells the customer.

Every step locks the subscription's row (one transaction each), and the `*_for` dates say which
cycle a step already did, so two workers running the hourly task do each step once.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import re
import unicodedata
import zoneinfo

from django.conf import settings
from django.db import transaction
from django.utils import formats, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from omnicanal.catalog import queries as catalog
from omnicanal.conversations import services as conversations
from omnicanal.core import clock, outbox
from omnicanal.core.auth import SYSTEM, Principal
from omnicanal.core.errors import Conflict, FieldError, NotFound, Problem, ValidationFailed
from omnicanal.core.money import Money
from omnicanal.customers import queries as customers
from omnicanal.customers import services as customer_services
from omnicanal.inventory import queries as inventory_queries
from omnicanal.inventory import services as inventory
from omnicanal.loyalty import presence
from omnicanal.marketing.events import SubscriptionChanged
from omnicanal.marketing.models import Subscription, SubscriptionState
from omnicanal.orders import queries as order_queries
from omnicanal.orders import services as orders

log = logging.getLogger(__name__)

TRANSACTIONAL = "transactional"
NOTIFY_FALLBACK = ("whatsapp", "email", "sms", "telegram")
TOPIC = "marketing.subscription"
MIN_INTERVAL, MAX_INTERVAL = 7, 180
MAX_LINES = 10
DELIVERY = ("ship", "pickup")
PAYMENT_SOURCES = ("stored_value", "card")
SKIP_WORDS = {"saltar", "salta", "skip", "omitir"}
PAUSE_WORDS = {"pausar", "pausa", "pause"}


def setting(name: str):
    defaults = {"RESERVE_DAYS": 3, "REMIND_DAYS": 2, "RETRY_HOURS": (12, 24, 48)}
    return settings.OMNICANAL.get(f"SUBSCRIPTION_{name}", defaults[name])


def today(at: dt.datetime | None = None) -> dt.date:
    """The business's date now: cycles are calendar days where the shop is."""
    zone = zoneinfo.ZoneInfo(settings.OMNICANAL.get("TIME_ZONE", "UTC"))
    return (at or clock.now()).astimezone(zone).date()


@dataclasses.dataclass(frozen=True)
class LineSpec:
    sku: str
    quantity: int


# --- checks ---------------------------------------------------------------------------------------


def _check_lines(lines: list[LineSpec], channel: str) -> list[dict]:
    if not lines:
        raise ValidationFailed.on("lines", _("at least one product"))
    if len(lines) > MAX_LINES:
        raise ValidationFailed.on("lines", _("at most %(n)s products") % {"n": MAX_LINES})
    prices = catalog.channel_prices([line.sku for line in lines], channel)
    out: dict[str, int] = {}
    for i, line in enumerate(lines):
        found = prices.get(line.sku)
        if found is None or not found.active or not found.published:
            raise ValidationFailed.on(f"lines.{i}.sku", _("is not sold on this channel"))
        if not 1 <= int(line.quantity) <= 99:
            raise ValidationFailed.on(f"lines.{i}.quantity", _("must be between 1 and 99"))
        out[line.sku] = out.get(line.sku, 0) + int(line.quantity)
    return [{"sku": sku, "quantity": q} for sku, q in out.items()]


def _check_interval(interval_days: int) -> int:
    if not MIN_INTERVAL <= int(interval_days) <= MAX_INTERVAL:
        raise ValidationFailed.on("interval_days", _("must be between %(lo)s and %(hi)s days")
                                  % {"lo": MIN_INTERVAL, "hi": MAX_INTERVAL})
    return int(interval_days)


def _check_delivery(method: str, location: str, address: dict | None, channel: str) -> tuple[str, str, dict | None]:
    if method not in DELIVERY:
        raise ValidationFailed.on("delivery_method", _("must be ship or pickup"))
    location = (location or "").strip().upper()
    if method == "pickup":
        if not location or not any(s.code == location for s in inventory_queries.pickup_locations(channel=channel)):
            raise ValidationFailed.on("location", _("is not a store that hands over orders"))
        return method, location, None
    if not address:
        raise ValidationFailed.on("address", _("is required to ship"))
    return method, "", _checked_address(address)


def _checked_address(address: dict) -> dict:
    """The address as customers check a saved one (street and city required), fields named address.*."""
    try:
        clean = customer_services.check_address(address)
    except ValidationFailed as failed:
        failed.errors = [FieldError(f"address.{e.field}", e.message) for e in failed.errors]
        raise
    clean.pop("label", None), clean.pop("recipient", None)
    return clean


def _check_payment(payment_source: str, card_id: str, customer_id: str) -> tuple[str, str]:
    """(payment_source, card_id): a card must be one the customer saved (orders' stored cards)."""
    if payment_source not in PAYMENT_SOURCES:
        raise ValidationFailed.on("payment_source", _("must be stored_value or card"))
    if payment_source != "card":
        return payment_source, ""
    card_id = (card_id or "").strip()
    if not card_id:
        raise ValidationFailed.on("card_id", _("choose one of your saved cards"))
    if not any(card.id == card_id for card in order_queries.stored_cards(customer_id)):
        raise ValidationFailed.on("card_id", _("is not one of your saved cards"))
    return payment_source, card_id


def _check_next_date(next_date: dt.date | None, at: dt.datetime) -> dt.date:
    first = today(at) + dt.timedelta(days=1)
    if next_date is None:
        return first
    if next_date < first:
        raise ValidationFailed.on("next_date", _("must be from tomorrow on"))
    return next_date


# --- writers (each in the caller's transaction; the API and views wrap them) ----------------------


def _locked(subscription_id: str) -> Subscription:
    found = Subscription.objects.select_for_update().filter(public_id=subscription_id).first()
    if found is None:
        raise NotFound(detail=_("No subscription %(id)s.") % {"id": subscription_id})
    return found


def _emit(sub: Subscription, action: str, by: str, order_id: str = "") -> None:
    outbox.emit(SubscriptionChanged(subscription_id=sub.public_id, customer_id=sub.customer_id, action=action,
                                    state=sub.state, next_date=sub.next_date.isoformat(), order_id=order_id, by=by))


def _ref(sub: Subscription) -> str:
    return f"{sub.public_id}:{sub.next_date.isoformat()}"


def _release(sub: Subscription, reason: str) -> None:
    """Give back the units held for the current cycle (a skip, a pause, a change, the order placed)."""
    if sub.reserved_for == sub.next_date and inventory_queries.has_active_reservation(_ref(sub)):
        inventory.do_release(reference=_ref(sub), reason=reason)
    sub.reserved_for = None


def do_subscribe(*, customer_id: str, lines: list[LineSpec], interval_days: int, delivery_method: str,
                 location: str = "", address: dict | None = None, next_date: dt.date | None = None,
                 channel: str = "web", payment_source: str = "stored_value", card_id: str = "",
                 by: str = "customer", actor: Principal = SYSTEM) -> Subscription:
    """A new active subscription. The customer's own act (their session, or staff at the POS with
    the customer's loyalty QR: the caller checks the presence) is the mandate to pay each cycle."""
    now = clock.now()
    customer_id = customers.resolve_id(customer_id)
    payment_source, card_id = _check_payment(payment_source, card_id, customer_id)
    checked_lines = _check_lines(lines, channel)
    method, location, address = _check_delivery(delivery_method, location, address, channel)
    sub = Subscription.objects.create(
        customer_id=customer_id, lines=checked_lines, interval_days=_check_interval(interval_days), channel=channel,
        delivery_method=method, location=location, address=address, payment_source=payment_source,
        card_id=card_id, next_date=_check_next_date(next_date, now), created_by=_creator(actor, by), created_at=now,
        updated_at=now)
    _emit(sub, "subscribed", by)
    return sub


def _creator(actor: Principal, by: str) -> str:
    """Who made it: the staff member or key that acted, else the caller's words (a shopper's own
    session is "customer", the demo "demo"), never "system" for someone's own act."""
    return (by if actor is SYSTEM else actor.name or by)[:100]


def _save(sub: Subscription, action: str, by: str, order_id: str = "") -> Subscription:
    sub.updated_at = clock.now()
    sub.save()
    _emit(sub, action, by, order_id)
    return sub


def _check_open(sub: Subscription) -> None:
    if sub.state == SubscriptionState.CANCELLED:
        raise Conflict(detail=_("The subscription %(id)s is cancelled.") % {"id": sub.public_id})


def coming_date(sub: Subscription) -> dt.date:
    """The date of the next cycle not yet ordered: while a card charge is pending for the cycle on
    next_date (not moved since), that cycle is already ordered and the coming one is an interval on.
    (A charge pending from before `charging_for` was recorded is for next_date.)"""
    if sub.charging_order_id and sub.charging_for in (None, sub.next_date):
        return sub.next_date + dt.timedelta(days=sub.interval_days)
    return sub.next_date


def do_skip_next(*, subscription_id: str, by: str = "customer") -> Subscription:
    """The next delivery does not happen; the one after it is the next (its reservation is freed).
    During a pending card charge the skipped one is the cycle after the charged one."""
    sub = _locked(subscription_id)
    _check_open(sub)
    _release(sub, "skipped")
    sub.next_date = coming_date(sub) + dt.timedelta(days=sub.interval_days)
    sub.failures, sub.retry_at, sub.last_error = 0, None, ""
    return _save(sub, "skipped", by)


def do_pause(*, subscription_id: str, by: str = "customer", reason: str = "") -> Subscription:
    reason = reason or ("staff" if by.startswith("staff") else "customer")
    sub = _locked(subscription_id)
    _check_open(sub)
    _release(sub, "paused")
    sub.state, sub.pause_reason, sub.retry_at = SubscriptionState.PAUSED, reason, None
    return _save(sub, "paused", by)


def do_pause_for_removed_card(*, card_id: str, at: dt.datetime | None = None) -> list[str]:
    """The saved card some active subscriptions pay with is gone (orders' StoredCardRemoved: removed
    by the customer or erased): each is paused (`card_removed`), in a transaction of its own, and
    its customer told after the commit, rather than letting its next cycle fail three times. The
    ids paused. A paused one stays paused: resuming asks for another card or the balance."""
    at = at or clock.now()
    paused = []
    for subscription_id in Subscription.objects.filter(
            card_id=card_id, payment_source="card", state=SubscriptionState.ACTIVE).values_list("public_id", flat=True):
        with transaction.atomic():
            sub = _locked(subscription_id)
            if sub.state != SubscriptionState.ACTIVE or sub.card_id != card_id:
                continue  # changed meanwhile
            _release(sub, "paused")
            sub.state, sub.pause_reason, sub.retry_at = SubscriptionState.PAUSED, "card_removed", None
            _save(sub, "paused", "system")
        _tell(sub, "card_removed", at)
        paused.append(subscription_id)
    return paused


def _check_card_still_saved(sub: Subscription) -> None:
    if sub.payment_source == "card" and not any(card.id == sub.card_id
                                                for card in order_queries.stored_cards(sub.customer_id)):
        raise ValidationFailed.on("card_id", _("is no longer saved: choose another card or your balance"))


def do_resume(*, subscription_id: str, by: str = "customer", next_date: dt.date | None = None) -> Subscription:
    """Active again; a date passed while paused moves on by whole intervals to tomorrow or later."""
    sub = _locked(subscription_id)
    _check_open(sub)
    _check_card_still_saved(sub)
    first = today() + dt.timedelta(days=1)
    if next_date is not None:
        sub.next_date = _check_next_date(next_date, clock.now())
    while sub.next_date < first:
        sub.next_date += dt.timedelta(days=sub.interval_days)
    sub.state, sub.pause_reason, sub.failures, sub.retry_at, sub.last_error = SubscriptionState.ACTIVE, "", 0, None, ""
    return _save(sub, "resumed", by)


def do_change(*, subscription_id: str, by: str = "customer", lines: list[LineSpec] | None = None,
              interval_days: int | None = None, delivery_method: str | None = None, location: str | None = None,
              address: dict | None = None, next_date: dt.date | None = None, payment_source: str | None = None,
              card_id: str | None = None) -> Subscription:
    """What (add, change or remove lines: never the last one, that is cancelling), how often, where,
    when and how it is paid. The held units follow: given back, and held again at once for the new
    lines, place or date when the cycle is within the reservation days (else the run reserves)."""
    sub = _locked(subscription_id)
    _check_open(sub)
    if lines is not None and not lines:
        raise ValidationFailed.on("lines", _("keep at least one product: to stop the subscription, cancel it"))
    _release(sub, "changed")
    if lines is not None:
        sub.lines = _check_lines(lines, sub.channel)
    if interval_days is not None:
        sub.interval_days = _check_interval(interval_days)
    if delivery_method is not None or location is not None or address is not None:
        sub.delivery_method, sub.location, sub.address = _check_delivery(
            delivery_method or sub.delivery_method, location if location is not None else sub.location,
            address if address is not None else sub.address, sub.channel)
    if next_date is not None:
        sub.next_date = _check_next_date(next_date, clock.now())
    if payment_source is not None or card_id is not None:
        sub.payment_source, sub.card_id = _check_payment(
            payment_source or sub.payment_source, card_id if card_id is not None else sub.card_id, sub.customer_id)
    sub.reminded_for = None if sub.reminded_for != sub.next_date else sub.reminded_for
    _hold_again(sub, clock.now())
    return _save(sub, "changed", by)


def _hold_again(sub: Subscription, at: dt.datetime) -> None:
    """After a change, hold the coming cycle's units now if the run would have (short stock: the
    run tries again); not while paused or while a charged cycle's order is pending."""
    day = today(at)
    if (sub.state == SubscriptionState.ACTIVE and not sub.charging_order_id and sub.next_date > day
            and day >= sub.next_date - dt.timedelta(days=setting("RESERVE_DAYS"))):
        _reserve(sub, at)


def do_cancel(*, subscription_id: str, by: str = "customer") -> Subscription:
    sub = _locked(subscription_id)
    if sub.state == SubscriptionState.CANCELLED:
        return sub
    _release(sub, "cancelled")
    sub.state, sub.retry_at = SubscriptionState.CANCELLED, None
    return _save(sub, "cancelled", by)


# --- the cycle ------------------------------------------------------------------------------------


def _reserve(sub: Subscription, at: dt.datetime) -> bool:
    """Hold the cycle's units; short stock is tried again at the next run (the order itself will
    take what there is then, or fail and retry)."""
    until = dt.datetime.combine(sub.next_date + dt.timedelta(days=2), dt.time(), tzinfo=dt.UTC)
    pinned = sub.location if sub.delivery_method == "pickup" else None
    try:
        with transaction.atomic():
            inventory.do_reserve(reference=_ref(sub), channel=sub.channel, expires_in=until - at,
                                 lines=[inventory.ReserveLine(line["sku"], line["quantity"], location=pinned)
                                        for line in sub.lines])
    except Problem as problem:
        log.info("subscription %s: nothing reserved for %s: %s", sub.public_id, sub.next_date, problem)
        return False
    sub.reserved_for = sub.next_date
    return True


def _names(sub: Subscription) -> str:
    prices = catalog.channel_prices([line["sku"] for line in sub.lines], sub.channel)
    return ", ".join(f"{line['quantity']} × {prices[line['sku']].title if line['sku'] in prices else line['sku']}"
                     for line in sub.lines)


def _tell(sub: Subscription, kind: str, at: dt.datetime) -> str | None:
    """A transactional message about the subscription, on the first channel it may go; the channel."""
    try:
        customer = customers.customer_summary(sub.customer_id)
    except NotFound:
        return None
    if customer.erased:
        return None
    preferred = customer.preferred_for(TRANSACTIONAL)
    language = customer.language if customer.language in ("es", "en") else settings.LANGUAGE_CODE
    for channel in dict.fromkeys([*([preferred] if preferred else []), *NOTIFY_FALLBACK]):
        if not customers.may_contact(customer.id, channel, TRANSACTIONAL, at=at):
            continue
        if not customers.reachable_on(customer.id, channel):
            continue
        with translation.override(language):
            subject, body = _text(sub, kind, customer.first_name, replies=channel in ("whatsapp", "sms", "telegram"))
        try:
            with transaction.atomic():
                conversations.do_notify(customer_id=customer.id, channel=channel, text=body, subject=subject,
                                        topic=f"{TOPIC}.{kind}")
            return channel
        except Problem as problem:
            log.info("subscription %s: %s not sent on %s: %s", sub.public_id, kind, channel, problem)
    return None


def _text(sub: Subscription, kind: str, first_name: str, *, replies: bool) -> tuple[str, str]:
    when = formats.date_format(sub.next_date, "l j F")
    hello = _("Hi %(name)s,") % {"name": first_name or _("there")}
    if kind == "reminder":
        subject = _("Your subscription: next order on %(date)s") % {"date": when}
        if sub.payment_source == "card":
            body = _("%(hello)s on %(date)s we will place your subscription's order (%(items)s), paid with your "
                     "saved card.") % {"hello": hello, "date": when, "items": _names(sub)}
        else:
            body = _("%(hello)s on %(date)s we will place your subscription's order (%(items)s), paid with your "
                     "balance.") % {"hello": hello, "date": when, "items": _names(sub)}
        if replies:
            body += " " + _("Reply SKIP to skip this one or PAUSE to pause the subscription.")
        else:
            body += " " + _("You can skip, pause or change it from your account.")
        return subject, body
    subject = _("Your subscription is paused")
    if kind == "card_removed":
        body = _("%(hello)s the card your subscription (%(items)s) was paid with is no longer saved, so we paused "
                 "it. Choose another card or your balance from your account to resume it.") % {
            "hello": hello, "items": _names(sub)}
        return subject, body
    body = _("%(hello)s we could not place your subscription's order (%(items)s): %(why)s. We paused it; "
             "resume it from your account when you are ready.") % {
        "hello": hello, "items": _names(sub), "why": _failure_words(sub.last_error)}
    return subject, body


def _failure_words(last_error: str) -> str:
    if last_error.startswith("payment-declined"):
        return _("your card was declined")
    if "balance" in last_error:
        return _("your balance was not enough")
    return _("it could not be completed")


def _payments(sub: Subscription) -> list[orders.PaymentIn]:
    if sub.payment_source == "card":  # pending at placement; charged to the saved card right after
        return [orders.PaymentIn(method="card", amount=None, provider="oneclick")]
    return [orders.PaymentIn(method=sub.payment_source, amount=None)]


class ChargeDeclined(Problem):
    """The cycle's order was cancelled instead of paid (orders: the card declined, or never charged)."""

    status = 402
    slug = "payment-declined"
    title = gettext_lazy("The card was declined")


def _place(sub: Subscription, at: dt.datetime) -> str:
    """Place the cycle's order (the reservation hands its units to the order), or record the failure:
    retried after RETRY_HOURS, then paused with the customer told. The order's id, or "". A card's
    order is left awaiting its charge (`charging_order_id`), made after this transaction commits."""
    held = sub.reserved_for
    try:
        with transaction.atomic():
            if sub.payment_source == "card" and not any(c.id == sub.card_id
                                                        for c in order_queries.stored_cards(sub.customer_id)):
                raise ValidationFailed.on("card_id", _("is not one of your saved cards"))
            _release(sub, "ordered")  # the order reserves the same units in the same transaction
            delivery = {"method": sub.delivery_method, "location": sub.location, "address": sub.address}
            order = orders.do_place_order(
                channel=sub.channel, delivery=delivery, customer_id=sub.customer_id,
                lines=[orders.LineIn(sku=line["sku"], quantity=line["quantity"]) for line in sub.lines],
                payments=_payments(sub), contact={"subscription": sub.public_id},
                presence=presence.mandate(sub.customer_id, sub.public_id))
    except Problem as problem:
        sub.reserved_for = held  # the release rolled back with the order: the units are still held
        return _failed(sub, problem, at)
    if sub.payment_source == "card":
        sub.charging_order_id, sub.charging_for, sub.reserved_for = order.public_id, sub.next_date, None
        _save(sub, "charging", "system", order.public_id)
        return order.public_id
    return _placed(sub, order.public_id)


def _placed(sub: Subscription, order_id: str) -> str:
    """The cycle's order is placed and paid: the cycle is done, the next one is due an interval on.
    A card's cycle is the one its order was placed for (`charging_for`): a skip or a new date set
    while its charge was pending moved next_date already, and is kept as it is."""
    sub.last_order_id, sub.orders_placed = order_id, sub.orders_placed + 1
    sub.next_date = coming_date(sub) if sub.charging_order_id else sub.next_date + dt.timedelta(days=sub.interval_days)
    sub.failures, sub.retry_at, sub.last_error, sub.reserved_for = 0, None, "", None
    sub.charging_order_id, sub.charging_for = "", None
    _save(sub, "ordered", "system", order_id)
    return order_id


def _settle_charge(sub: Subscription, at: dt.datetime) -> str:
    """The awaited card charge's outcome, from orders (its row locked by the caller): "paid",
    "failed", or "" while Transbank's answer is not known yet."""
    order_id = sub.charging_order_id
    state = order_queries.card_charge(order_id)
    if state == "paid":
        _placed(sub, order_id)
        return "paid"
    if state in ("cancelled", ""):
        sub.charging_order_id, sub.charging_for = "", None
        if sub.state != SubscriptionState.ACTIVE:  # paused or cancelled meanwhile: nothing to retry
            _save(sub, "failed", "system", order_id)
            return "failed"
        _failed(sub, ChargeDeclined(detail=_("The order %(id)s was cancelled: the card was not charged.")
                                    % {"id": order_id}), at)
        return "failed"
    return ""


def _charge(subscription_id: str, at: dt.datetime) -> str:
    """After the placement committed, outside any transaction: charge the awaited order (orders
    charges it once), then settle the subscription by the outcome in a transaction of its own."""
    sub = Subscription.objects.filter(public_id=subscription_id).first()
    if sub is None or not sub.charging_order_id:
        return ""
    charge = orders.do_charge_stored_card(order_id=sub.charging_order_id, card_id=sub.card_id)
    do_settle_charge(subscription_id=subscription_id, at=at)  # (orders' OrderPaid handler may have already)
    if not charge.decided:  # another worker sent it: its run says how it ended
        return "charging" if charge.result == "pending" else ""
    return {"captured": "ordered", "declined": "failed"}.get(charge.result, "charging")


def settle_order(*, order_id: str, customer_id: str) -> str:
    """Orders settled an order (paid or cancelled): the subscription awaiting it, if any, learns it."""
    awaiting = (Subscription.objects.filter(customer_id=customer_id, charging_order_id=order_id)
                .values_list("public_id", flat=True).first()) if order_id else None
    return do_settle_charge(subscription_id=awaiting) if awaiting else ""


def do_settle_charge(*, subscription_id: str, at: dt.datetime | None = None) -> str:
    """Apply the outcome of the subscription's awaited card charge, if it is known; makes its own
    transaction (the run after a charge, and handlers.py on orders' OrderPaid / OrderCancelled)."""
    with transaction.atomic():
        sub = _locked(subscription_id)
        return _settle_charge(sub, at or clock.now()) if sub.charging_order_id else ""


def _failed(sub: Subscription, problem: Problem, at: dt.datetime) -> str:
    backoff = list(setting("RETRY_HOURS"))
    sub.failures += 1
    sub.last_error = f"{problem.slug}: {problem.detail}"[:200]
    if sub.failures > len(backoff):
        sub.state, sub.pause_reason, sub.retry_at = SubscriptionState.PAUSED, "payment_failed", None
        _save(sub, "paused", "system")
        _tell(sub, "paused", at)
    else:
        sub.retry_at = at + dt.timedelta(hours=backoff[sub.failures - 1])
        _save(sub, "failed", "system")
    log.info("subscription %s: order for %s failed (%s), attempt %s", sub.public_id, sub.next_date, problem,
             sub.failures)
    return ""


def do_run_subscription(*, subscription_id: str, at: dt.datetime | None = None) -> list[str]:
    """Do what is due for one subscription now (settle an awaited charge: "paid" or "failed";
    reserve, remind, place, then charge a card's order after the commit: "ordered", "failed" or
    "charging" while Transbank's answer is unknown); the steps done."""
    at = at or clock.now()
    done: list[str] = []
    with transaction.atomic():
        sub = _locked(subscription_id)
        if sub.charging_order_id:  # a charge left unknown by an earlier run: orders' sweep may know it now
            done += [step for step in [_settle_charge(sub, at)] if step]
        if sub.state != SubscriptionState.ACTIVE:
            return done
        day = today(at)
        if (sub.reserved_for != sub.next_date and sub.next_date > day
                and day >= sub.next_date - dt.timedelta(days=setting("RESERVE_DAYS"))):
            if _reserve(sub, at):
                done.append("reserved")
        if (sub.reminded_for != sub.next_date and sub.next_date > day
                and day >= sub.next_date - dt.timedelta(days=setting("REMIND_DAYS"))):
            sub.reminded_for = sub.next_date  # once per cycle, sent or not (no channel: the account shows it)
            if _tell(sub, "reminder", at):
                done.append("reminded")
        sub.save()
        if not sub.charging_order_id and day >= sub.next_date and (sub.retry_at is None or sub.retry_at <= at):
            placed = _place(sub, at)
            done.append("failed" if not placed else "charging" if sub.charging_order_id else "ordered")
        charging = bool(sub.charging_order_id)
    if charging:  # committed: the card is charged now, outside the transaction
        outcome = _charge(subscription_id, at)
        done = [step for step in done if step != "charging"] + ([outcome] if outcome else [])
    return done


def due_ids(at: dt.datetime) -> list[str]:
    """Active subscriptions with something to do within the reservation horizon."""
    horizon = today(at) + dt.timedelta(days=max(setting("RESERVE_DAYS"), setting("REMIND_DAYS")))
    return list(Subscription.objects.filter(state=SubscriptionState.ACTIVE, next_date__lte=horizon)
                .order_by("next_date", "pk").values_list("public_id", flat=True))


def do_run_due(*, at: dt.datetime | None = None) -> int:
    """The periodic task: every due subscription, each in its own transaction; how many ordered."""
    at = at or clock.now()
    placed = 0
    for subscription_id in due_ids(at):
        try:
            placed += "ordered" in do_run_subscription(subscription_id=subscription_id, at=at)
        except Exception:  # one broken subscription must not stop the others
            log.exception("subscription %s: the run failed", subscription_id)
    return placed


# --- answers to the reminder (bot.registry) --------------------------------------------------------


def _words(text: str) -> list[str]:
    plain = unicodedata.normalize("NFKD", text.lower()).encode("ascii", "ignore").decode()
    return re.findall(r"[a-z]+", plain)


def answer_reminder(*, customer_id: str, channel: str, text: str, language: str) -> str | None:
    """SKIP / PAUSE (saltar / pausar) in answer to a subscription's reminder, acted on for the
    subscription whose coming cycle was reminded; None when the message is not such an answer."""
    words = _words(text)
    if not words or len(words) > 3:
        return None
    action = "skip" if SKIP_WORDS & set(words) else "pause" if PAUSE_WORDS & set(words) else ""
    if not action:
        return None
    customer_id = customers.resolve_id(customer_id)
    sub = (Subscription.objects.filter(customer_id=customer_id, state=SubscriptionState.ACTIVE,
                                       reminded_for__isnull=False, next_date__gte=today())
           .order_by("next_date", "pk").first())
    if sub is None or sub.reminded_for != sub.next_date:
        return None
    lang = language if language in ("es", "en") else settings.LANGUAGE_CODE
    with translation.override(lang):
        if action == "skip":
            skipped = coming_date(sub)  # the charged cycle's order stands: the one after it is skipped
            sub = do_skip_next(subscription_id=sub.public_id, by=f"customer:{channel}")
            return _("Done: we skip the order of %(skipped)s. The next one is on %(next)s.") % {
                "skipped": formats.date_format(skipped, "j F"), "next": formats.date_format(sub.next_date, "j F")}
        do_pause(subscription_id=sub.public_id, by=f"customer:{channel}")
        return _("Done: your subscription is paused. Resume it from your account whenever you like.")


def estimate(sub: Subscription) -> Money:
    """What the next order should cost at today's prices (shipping left out)."""
    prices = catalog.channel_prices([line["sku"] for line in sub.lines], sub.channel)
    total = None
    for line in sub.lines:
        if line["sku"] in prices:
            amount = prices[line["sku"]].price * line["quantity"]
            total = amount if total is None else total + amount
    return total or Money.zero(settings.OMNICANAL.get("CURRENCY", "CLP"))


# --- readers ----------------------------------------------------------------------------------------


def listed(*, customer_id: str = "", state: str = "", limit: int = 500) -> list[Subscription]:
    rows = Subscription.objects.all()
    if customer_id:
        rows = rows.filter(customer_id=customers.resolve_id(customer_id))
    if state:
        rows = rows.filter(state=state)
    return list(rows.order_by("state", "next_date", "pk")[:limit])


def one(subscription_id: str) -> Subscription:
    found = Subscription.objects.filter(public_id=subscription_id).first()
    if found is None:
        raise NotFound(detail=_("No subscription %(id)s.") % {"id": subscription_id})
    return found


def owned_by(subscription_id: str, customer_id: str) -> bool:
    return Subscription.objects.filter(public_id=subscription_id, customer_id=customers.resolve_id(customer_id)).exists()
