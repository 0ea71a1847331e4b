"""Marketing's writers: training the recommender, sending the replenishment reminders that are due.

A reminder is a marketing message: it goes only on a channel where the customer granted the
marketing purpose and within their contact hours (customers.may_contact), on their preferred
channel for marketing first; it is written into their thread by conversations' do_notify (the
channels deliver it after commit), once per customer, category and due date (Reminder's unique key).
A customer outside their contact hours is tried again at the task's next run; one with no consented
channel is not sent anything. A reminder counts against the weekly frequency cap like a campaign's
message (campaigns.over_cap); a capped one waits for a later run while it is still due."""

from __future__ import annotations

import datetime as dt
import logging
import time

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.utils import formats, translation
from django.utils.translation import gettext as _

from omnicanal.catalog import queries as catalog
from omnicanal.conversations import services as conversations
from omnicanal.core import audit, clock, outbox
from omnicanal.core.auth import SYSTEM, Principal
from omnicanal.core.errors import FieldError, NotFound, Problem, ValidationFailed
from omnicanal.customers import queries as customers
from omnicanal.marketing import campaigns, governance, queries, recommender, segments
from omnicanal.marketing.events import RecommenderTrained, ReminderSent
from omnicanal.marketing.models import (
    Flow,
    FlowKind,
    Reminder,
    ReminderStatus,
    Segment,
    Touch,
    TrainedRecommender,
)
from omnicanal.orders import queries as orders
from omnicanal.storefront import queries as storefront

log = logging.getLogger(__name__)

MARKETING = "marketing"
FALLBACK = ("email", "whatsapp", "sms", "telegram")
SMS_LIMIT = 160  # one GSM-7 segment: a marketing text never costs two
KEEP_TRAININGS = 3


# --- the recommender -------------------------------------------------------------------------------


def training_data() -> tuple[list[recommender.Item], list[recommender.Purchase], list[recommender.View]]:
    """The catalog, every bought line and every signed-in view, as the recommender's plain values."""
    products = catalog.product_features()
    handle_of = {sku: p.handle for p in products for sku in p.skus}
    items = [recommender.Item(handle=p.handle, category=p.category, parent=p.parent_category, brand=p.brand,
                              attributes=p.attributes) for p in products if p.active]
    purchases = [recommender.Purchase(customer_id=line.customer_id, order_id=line.order_id, handle=handle_of[line.sku],
                                      channel=line.channel, at=line.placed_at, store=line.store)
                 for line in orders.purchase_history() if line.sku in handle_of]
    views = [recommender.View(customer_id=v.customer_id, handle=v.handle, at=v.viewed_at)
             for v in storefront.viewed_products()]
    return items, purchases, views


def do_train_recommender() -> TrainedRecommender:
    """Train on everything known now and keep the model (the last few trainings stay, for audit)."""
    started = time.perf_counter()
    items, purchases, views = training_data()
    model = recommender.train(items=items, purchases=purchases, views=views, now=clock.now())
    seconds = time.perf_counter() - started
    row = TrainedRecommender.objects.create(trained_at=clock.now(), purchases=len(purchases), products=len(items),
                                            seconds=round(seconds, 3), model=model.as_json())
    old = TrainedRecommender.objects.order_by("-trained_at", "-pk").values_list("pk", flat=True)[KEEP_TRAININGS:]
    TrainedRecommender.objects.filter(pk__in=list(old)).delete()
    outbox.emit(RecommenderTrained(trained_id=row.pk, purchases=row.purchases, products=row.products,
                                   seconds=row.seconds))
    transaction.on_commit(queries.forget_model)
    queries.forget_model()
    return row


# --- replenishment reminders ------------------------------------------------------------------------


def _channels(customer: customers.CustomerSummary) -> list[str]:
    preferred = customer.preferred_for(MARKETING)
    return [c for c in dict.fromkeys([*([preferred] if preferred else []), *FALLBACK]) if c]


def reminder_text(*, customer: customers.CustomerSummary, category: str, product: str, due_on: dt.date,
                  channel: str) -> tuple[str, str]:
    """(subject, body) in the customer's language; an SMS fits one segment."""
    language = customer.language if customer.language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
    names = catalog.category_cycles()
    found = names.get(category)
    with translation.override(language):
        category_name = (found.name_en if language == "en" else found.name_es) if found else category
        subject = _("Time to restock your %(category)s?") % {"category": category_name.lower()}
        body = _("Hi %(name)s, your %(product)s should be running out around %(date)s. Order again online or "
                 "pick it up at your store.") % {
            "name": customer.first_name or _("there"), "product": product,
            "date": formats.date_format(due_on, "j F")}
        if channel in ("sms", "whatsapp"):
            stop = _("Reply STOP to opt out.")
            if channel == "sms" and len(body) + 1 + len(stop) > SMS_LIMIT:
                body = body[: SMS_LIMIT - len(stop) - 2].rstrip() + "…"
            body = f"{body} {stop}"
    return subject, body


def do_send_reminder(*, due: queries.DueReminder, at: dt.datetime | None = None) -> str | None:
    """Send one due reminder on the customer's first consented, reachable channel now; the channel
    used, or None (no consent, outside their hours, already sent)."""
    at = at or clock.now()
    try:
        customer = customers.customer_summary(due.customer_id)
    except NotFound:
        return None
    if customer.erased:
        return None
    product = queries.served_model().products.get(queries.served_model().handle_of.get(due.last_sku, ""))
    language = customer.language if customer.language in ("es", "en") else "es"
    name = (product.name_en if language == "en" else product.name_es) if product else due.last_sku
    for channel in _channels(customer):
        if not customers.may_contact(customer.id, channel, MARKETING, at=at):
            continue
        if not customers.reachable_on(customer.id, channel):
            continue
        subject, body = reminder_text(customer=customer, category=due.category, product=name, due_on=due.due_on,
                                      channel=channel)
        try:
            with transaction.atomic():
                if campaigns.over_cap(customer.id, at):
                    return None  # the week's marketing is spent; a later run tries again while it is due
                Touch.objects.create(customer_id=customer.id, kind="reminder", ref=due.category, channel=channel, at=at)
                Reminder.objects.create(customer_id=customer.id, category=due.category, due_on=due.due_on,
                                        status=ReminderStatus.SENT, channel=channel, created_at=at)
                conversations.do_notify(customer_id=customer.id, channel=channel, text=body, subject=subject,
                                        topic="marketing.replenishment")
                outbox.emit(ReminderSent(customer_id=customer.id, category=due.category,
                                         due_on=due.due_on.isoformat(), channel=channel))
            return channel
        except IntegrityError:
            return None  # another run sent it
        except Problem as problem:
            log.info("replenishment reminder for %s not sent on %s: %s", customer.id, channel, problem)
            continue
    return None


def do_send_due_reminders(*, at: dt.datetime | None = None) -> int:
    """Every reminder due now (the periodic task); how many went out. Each send commits alone."""
    at = at or clock.now()
    if Flow.objects.filter(kind=FlowKind.REPLENISHMENT, enabled=True).exists():
        return 0  # the replenishment flow sends them (marketing.flows): never both
    return sum(do_send_reminder(due=due, at=at) is not None for due in queries.due_reminders(at=at))


# --- segments -------------------------------------------------------------------------------------

def _rule_problem(code: str) -> str:
    return {
        "not_a_list": _("must be a list of rules"),
        "too_many": _("at most %(n)s rules") % {"n": segments.MAX_RULES},
        "unknown_field": _("unknown field"),
        "unknown_op": _("this field does not take that operator"),
        "bad_value": _("not a valid value for this field and operator"),
    }[code]


def check_rules(raw) -> list[segments.Rule]:
    """The parsed rules, else a 422 naming every bad part (rules.<i>.field|op|value)."""
    rules, errors = queries.parse_rules(raw)
    if errors:
        raise ValidationFailed(detail=_rule_problem(errors[0][1]),
                               errors=[FieldError(path, _rule_problem(code)) for path, code in errors])
    return rules


def _count_audited(actor: Principal, size: int) -> bool:
    """Whether this live count gets its own audit entry: always when it is small (a count of a few
    may single people out: "the one customer in this city who spent over a million"), else the first
    of each minute per staff member (the builder asks on every change of a row: one entry per
    keystroke would bury the log). Without a reachable cache every count is audited."""
    if size < int(governance.setting("SEGMENT_COUNT_AUDIT_BELOW")):
        return True
    minute = int(clock.now().timestamp() // 60)
    try:
        return bool(cache.add(f"marketing:segment-count-audit:{actor.kind}:{actor.id}:{minute}", 1, timeout=120))
    except Exception:  # noqa: BLE001  # a cache down costs log volume, never an unaudited count
        log.warning("segment count audit: cache unreachable, auditing every count", exc_info=True)
        return True


def _rules_for_audit(rules: list[segments.Rule]) -> list[dict]:
    return [{"field": r.field, "op": r.op,
             "value": [v[:80] for v in r.value[:20]] if isinstance(r.value, tuple) else str(r.value)} for r in rules]


def do_count_segment(*, rules: list, actor: Principal, via: str) -> int:
    """The live count of these rules (the console's builder, `POST /segments/count`): the customers
    they select in the population kept for counting (at most SEGMENT_COUNT_SECONDS old), audited
    `segment.count` (the rules, the size, `via`) as `_count_audited` says. A bad rule is a 422 and
    counts nothing. Runs inside the caller's transaction (the audit entry)."""
    parsed = check_rules(rules)
    size = queries.segment_count(parsed)
    if _count_audited(actor, size):
        audit.record(actor=actor, action="segment.count", target_type="segment", target_id="live",
                     after={"rules": _rules_for_audit(parsed), "size": size, "via": via})
    return size


def do_create_segment(*, name: str, rules: list, actor: Principal = SYSTEM, via: str = "console") -> Segment:
    """Save a segment (the console's builder, `POST /segments`), its size counted fresh, audited
    `segment.save` like every marketer action (who, the rule count, the size, `via` api or console),
    in the caller's transaction. A bad rule is a 422 and saves nothing."""
    name = (name or "").strip()
    if not name:
        raise ValidationFailed.on("name", _("is required"))
    parsed = check_rules(rules)
    row = Segment.objects.create(name=name[:120], rules=rules, size=len(queries.segment_members(parsed)),
                                 created_by=actor.name[:100], created_at=clock.now())
    audit.record(actor=actor, action="segment.save", target_type="segment", target_id=row.public_id,
                 after={"name": row.name, "rules": len(rules), "size": row.size, "via": via})
    return row


# --- the customer's data --------------------------------------------------------------------------


def do_move_reminders(*, survivor_id: str, merged_id: str) -> None:
    for row in Reminder.objects.filter(customer_id=merged_id):
        if Reminder.objects.filter(customer_id=survivor_id, category=row.category, due_on=row.due_on).exists():
            row.delete()
        else:
            Reminder.objects.filter(pk=row.pk).update(customer_id=survivor_id)


def do_erase_reminders(*, customer_id: str) -> None:
    Reminder.objects.filter(customer_id=customer_id).delete()
