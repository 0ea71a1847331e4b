"""When surveys and review requests go out (docs/feedback.md, "Triggers"): a survey's triggers (an
event, a delay in hours, targeting by what the customer used and where), a one-off send to a
marketing segment, and the review request after a line reached the customer, timed by the product's
usage time. Each schedules a DueSend (key: once per trigger and event); the worker's task sends the
due ones, each asking the fatigue governor at that moment (services.budget), and holds those that
fall in the customer's quiet hours until they end (customers.queries.quiet_until)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from omnicanal.catalog import queries as catalog
from omnicanal.conversations import queries as conversations_queries
from omnicanal.conversations.contract import CHANNELS as MESSAGING_CHANNELS
from omnicanal.core import audit, clock, outbox
from omnicanal.core.auth import Principal
from omnicanal.core.errors import Conflict, FieldError, NotFound, Problem, ValidationFailed
from omnicanal.customers import queries as customers
from omnicanal.feedback import config
from omnicanal.feedback.events import ReviewRequested
from omnicanal.feedback.models import (
    ContactKind,
    DueKind,
    DueSend,
    DueStatus,
    Review,
    Survey,
    SurveyTrigger,
    TriggerEvent,
)
from omnicanal.feedback.services import budget, delivery, surveys
from omnicanal.inventory import queries as inventory
from omnicanal.orders import queries as orders

MAX_DELAY_HOURS = 24 * 90
MAX_ROW_ID = 2**63 - 1  # a bigger id from a URL is no row (and never reaches the database)
CANCELLED = "cancelled"  # a due send staff cancelled (status skipped)


@dataclass(frozen=True)
class Facts:
    """What the customer used, for targeting: the order's or conversation's channel, curbside, the
    bot alone, the store (a location code); conversation_id for the web chat's inline delivery."""

    channel: str = ""
    curbside: bool = False
    bot: bool = False
    store: str = ""
    conversation_id: str = ""


def targeting_channels() -> list[str]:
    """The channels a trigger can target: the sale channels (an order's) and the messaging ones (a
    conversation's)."""
    return sorted({*catalog.channel_codes(active_only=False), *MESSAGING_CHANNELS})


def _check_trigger(event: str, delay_hours, channel: str = "", store: str = "") -> None:
    """Every field at once, so a form shows every mistake; a channel or store no facts can carry would
    make a trigger that never fires, so it is refused, not kept."""
    errors = []
    if event not in TriggerEvent.values:
        errors.append(FieldError("event", _("Not an event a survey can follow.")))
    if isinstance(delay_hours, bool) or not isinstance(delay_hours, int) or not 0 <= delay_hours <= MAX_DELAY_HOURS:
        errors.append(FieldError("delay_hours", _("From 0 to 2160 hours (90 days).")))
    if channel and channel not in targeting_channels():
        errors.append(FieldError("channel", _("Not a sale or messaging channel of this business.")))
    if store and inventory.location_info(store) is None:
        errors.append(FieldError("store", _("No store with this code.")))
    if errors:
        raise ValidationFailed(detail=str(errors[0].message), errors=errors)


def do_create_trigger(*, survey_id: str, event: str, delay_hours: int = 0, channel: str = "", curbside: bool = False,
                      bot: bool = False, store: str = "", actor: Principal | None = None) -> SurveyTrigger:
    survey = Survey.objects.filter(public_id=survey_id).first()
    if survey is None:
        raise NotFound(detail=_("No survey %(id)s.") % {"id": survey_id})
    _check_trigger(event, delay_hours, channel, store)
    trigger = SurveyTrigger.objects.create(survey=survey, event=event, delay_hours=delay_hours, channel=channel,
                                           curbside=bool(curbside), bot=bool(bot), store=store,
                                           created_at=clock.now())
    if actor is not None:
        audit.record(actor=actor, action="feedback.trigger.create", target_type="survey_trigger",
                     target_id=trigger.public_id, after=_trigger_facts(trigger))
    return trigger


def _trigger_facts(trigger: SurveyTrigger) -> dict:
    return {"survey": trigger.survey.public_id, "event": trigger.event, "delay_hours": trigger.delay_hours,
            "channel": trigger.channel, "curbside": trigger.curbside, "bot": trigger.bot, "store": trigger.store,
            "active": trigger.active}


def _locked_trigger(trigger_id: str) -> SurveyTrigger:
    trigger = SurveyTrigger.objects.select_for_update().select_related("survey").filter(public_id=trigger_id).first()
    if trigger is None:
        raise NotFound(detail=_("No survey trigger %(id)s.") % {"id": trigger_id})
    return trigger


def do_update_trigger(*, trigger_id: str, actor: Principal, **changes) -> SurveyTrigger:
    """Change a trigger's event, delay, targeting or being active (pause: active False). What it already
    scheduled keeps its due time (cancel a due send on its own); events from now on follow the change."""
    trigger = _locked_trigger(trigger_id)
    before = _trigger_facts(trigger)
    unknown = set(changes) - {"event", "delay_hours", "channel", "curbside", "bot", "store", "active"}
    if unknown:
        raise ValidationFailed.on(sorted(unknown)[0], _("Not a field of a trigger."))
    event, delay = changes.get("event", trigger.event), changes.get("delay_hours", trigger.delay_hours)
    channel = str(changes.get("channel", trigger.channel) or "")
    store = str(changes.get("store", trigger.store) or "")
    _check_trigger(event, delay, channel, store)
    trigger.event, trigger.delay_hours, trigger.channel, trigger.store = event, delay, channel, store
    for flag in ("curbside", "bot", "active"):
        setattr(trigger, flag, bool(changes.get(flag, getattr(trigger, flag))))
    trigger.save(update_fields=["event", "delay_hours", "channel", "store", "curbside", "bot", "active"])
    audit.record(actor=actor, action="feedback.trigger.edit", target_type="survey_trigger", target_id=trigger_id,
                 before=before, after=_trigger_facts(trigger))
    return trigger


def do_cancel_due(*, due_id: int, actor: Principal) -> DueSend:
    """A waiting send is not made: it ends `skipped` with the reason `cancelled` (the governor's budget is
    untouched: nothing was claimed yet). One already sent or skipped: 409."""
    row = (DueSend.objects.select_for_update(of=("self",)).select_related("survey").filter(pk=due_id).first()
           if 0 < due_id <= MAX_ROW_ID else None)
    if row is None:
        raise NotFound(detail=_("No due send %(id)s.") % {"id": due_id})
    if row.status != DueStatus.PENDING:
        raise Conflict(detail=_("This send is no longer waiting: it was sent or skipped already."))
    _done(row, DueStatus.SKIPPED, CANCELLED, clock.now())
    audit.record(actor=actor, action="feedback.due.cancel", target_type="due_send", target_id=str(row.pk),
                 before={"due_at": row.due_at.isoformat(), "customer": row.customer_id, "trigger": row.trigger})
    return row


def _targets(trigger: SurveyTrigger, facts: Facts) -> bool:
    return ((not trigger.channel or trigger.channel == facts.channel)
            and (not trigger.curbside or facts.curbside)
            and (not trigger.bot or facts.bot)
            and (not trigger.store or trigger.store == facts.store))


def do_schedule_for_event(*, event: str, customer_id: str, ref: str, at: dt.datetime, facts: Facts) -> int:
    """Schedule every active trigger of this event that targets the customer; how many were new."""
    if not customer_id:
        return 0
    made = 0
    for trigger in SurveyTrigger.objects.filter(event=event, active=True, survey__active=True).select_related("survey"):
        if not _targets(trigger, facts):
            continue
        _row, created = DueSend.objects.get_or_create(key=f"trg:{trigger.pk}:{ref}"[:120], defaults={
            "kind": DueKind.SURVEY, "survey": trigger.survey, "customer_id": customer_id,
            "trigger": f"{event}:{ref}"[:60], "due_at": at + dt.timedelta(hours=trigger.delay_hours),
            "context": {"channel": facts.channel, "store": facts.store, "conversation_id": facts.conversation_id}})
        made += created
    return made


def do_schedule_segment(*, survey_id: str, segment_id: str, at: dt.datetime | None = None) -> int:
    """A one-off send to a marketing segment's customers (read through marketing.queries), due now:
    the worker sends them, each asking the governor. A segment scheduled twice the same day, once."""
    from omnicanal.marketing import queries as marketing

    at = at or clock.now()
    survey = Survey.objects.filter(public_id=survey_id, active=True).first()
    if survey is None:
        raise NotFound(detail=_("No survey %(id)s.") % {"id": survey_id})
    members = marketing.segment_members(marketing.segment_rules(segment_id), at=at)
    rows = [DueSend(kind=DueKind.SURVEY, key=f"seg:{survey.pk}:{segment_id}:{at.date()}:{customer_id}"[:120],
                    survey=survey, customer_id=customer_id, trigger=f"segment:{segment_id}"[:60], due_at=at)
            for customer_id in members]
    DueSend.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


# --- review requests ---------------------------------------------------------------------------


def usage_days(sku: str) -> int:
    """How long a product is used before its review is asked: the nearest category (or parent) named
    in REVIEW_USAGE_DAYS, else REVIEW_DEFAULT_USAGE_DAYS (the catalog keeps no usage time)."""
    table = config.get("REVIEW_USAGE_DAYS") or {}
    default = int(config.get("REVIEW_DEFAULT_USAGE_DAYS"))
    try:
        category = catalog.get_variant(sku).product.category
    except Problem:
        return default
    for node in reversed(catalog.category_path(category) if category else []):
        if node.slug in table:
            return int(table[node.slug])
    return default


def do_schedule_review_requests(*, customer_id: str, order_id: str, at: dt.datetime) -> int:
    """Every line of the order that reached the customer gets a review request, due after its usage
    time; a line asked once (the key), whatever later fulfilments do."""
    if not customer_id:
        return 0
    made = 0
    for line in orders.lines_received_by(customer_id, order_id=order_id):
        _row, created = DueSend.objects.get_or_create(key=f"rev:{line.order_id}:{line.sku}"[:120], defaults={
            "kind": DueKind.REVIEW_REQUEST, "customer_id": customer_id, "trigger": f"review:{line.order_id}"[:60],
            "due_at": at + dt.timedelta(days=usage_days(line.sku)),
            "context": {"order_id": line.order_id, "sku": line.sku, "title": line.title}})
        made += created
    return made


def review_link(order_id: str, sku: str) -> str:
    return delivery.absolute(f"{reverse('shop-reviews')}?{urlencode({'order': order_id, 'sku': sku})}#to-review")


def _hold(row: DueSend, reason: str, at: dt.datetime) -> str:
    row.due_at = at + dt.timedelta(hours=int(config.get("REVIEW_HOLD_HOURS")))
    row.reason = reason
    row.save(update_fields=["due_at", "reason"])
    return "held"


def _review_request(row: DueSend, at: dt.datetime) -> str:
    order_id, sku = row.context.get("order_id", ""), row.context.get("sku", "")
    if Review.objects.filter(order_id=order_id, sku=sku).exists():
        return _done(row, DueStatus.SKIPPED, "reviewed", at)
    if conversations_queries.open_conversation_of(row.customer_id) is not None:
        return _hold(row, "held_conversation", at)
    if orders.has_open_return(order_id):
        return _hold(row, "held_return", at)
    if not budget.do_claim_contact(customer_id=row.customer_id, kind=ContactKind.REVIEW_REQUEST,
                                   ref=f"rev-{row.pk}", at=at).eligible:
        return _done(row, DueStatus.SKIPPED, "budget", at)
    outbox.emit(ReviewRequested(due_id=row.pk, customer_id=row.customer_id, order_id=order_id, sku=sku))
    return _done(row, DueStatus.SENT, "", at)


# --- the worker --------------------------------------------------------------------------------


def _done(row: DueSend, status: str, reason: str, at: dt.datetime, send_id: str = "") -> str:
    row.status, row.reason, row.done_at, row.send_id = status, reason, at, send_id
    row.save(update_fields=["status", "reason", "done_at", "send_id"])
    return status


def _survey(row: DueSend, at: dt.datetime) -> str:
    if row.survey is None or not row.survey.active:
        return _done(row, DueStatus.SKIPPED, "inactive", at)
    try:
        send = surveys.do_send_survey(survey_id=row.survey.public_id, customer_id=row.customer_id,
                                      trigger=row.trigger, context=row.context)
    except NotFound:  # the customer was erased or the survey removed meanwhile
        return _done(row, DueStatus.SKIPPED, "gone", at)
    if send is None:
        return _done(row, DueStatus.SKIPPED, "budget", at)
    return _done(row, DueStatus.SENT, "", at, send.public_id)


def quiet_until(row: DueSend, at: dt.datetime) -> dt.datetime | None:
    """When the customer's quiet hours (or outside their own contact hours) end, or None now: customers
    own the rule (`customers.queries.quiet_until`), read in the customer's time zone, else that of
    the store the survey is about, else the business's."""
    store = row.context.get("store", "")
    location = inventory.location_info(store) if store else None
    try:
        return customers.quiet_until(row.customer_id, at, zone=location.timezone if location else "")
    except NotFound:  # erased or merged away: the send itself finds out
        return None


def do_send_one(*, pk: int, at: dt.datetime) -> str | None:
    """Send one due row (in the caller's transaction; locked, skipped when another worker has it).
    Inside the customer's quiet hours it is held until they end (reason `quiet_hours`), never dropped."""
    row = (DueSend.objects.select_for_update(skip_locked=True, of=("self",)).select_related("survey")
           .filter(pk=pk, status=DueStatus.PENDING, due_at__lte=at).first())
    if row is None:
        return None
    if (opens := quiet_until(row, at)) is not None:
        row.due_at, row.reason = opens, "quiet_hours"
        row.save(update_fields=["due_at", "reason"])
        return "held"
    return _survey(row, at) if row.kind == DueKind.SURVEY else _review_request(row, at)


def due_ids(at: dt.datetime, limit: int) -> list[int]:
    return list(DueSend.objects.filter(status=DueStatus.PENDING, due_at__lte=at).order_by("due_at", "pk")
                .values_list("pk", flat=True)[:limit])


# --- the customers registry: merge and erasure ---------------------------------------------------


def do_move_due(*, survivor_id: str, merged_id: str) -> int:
    return DueSend.objects.filter(customer_id=merged_id).update(customer_id=survivor_id)


def do_erase_due(*, customer_id: str) -> int:
    """What was still to be sent to the person is not sent; what was sent stays, anonymous."""
    DueSend.objects.filter(customer_id=customer_id, status=DueStatus.PENDING).delete()
    return DueSend.objects.filter(customer_id=customer_id).update(customer_id="", context={})
