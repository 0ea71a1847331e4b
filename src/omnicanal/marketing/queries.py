"""Marketing's reads, for its API, console, tasks and the lower domains' registries (no writes).

Everything it knows about a customer it asks the owners: the order book (orders.queries:
purchase_history, returned_lines, cart_skus), the shop's views (storefront.queries), the catalog's
categories, products and channel publication (catalog.queries) and the stock a channel may promise
(inventory.queries). It hands out frozen dataclasses."""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, replace
from decimal import Decimal

from django.utils import translation
from django.utils.translation import gettext as _

from omnicanal.catalog import queries as catalog
from omnicanal.core import clock
from omnicanal.customers import queries as customers
from omnicanal.inventory import queries as inventory
from omnicanal.marketing import cycles, population, recommender, registry, segments
from omnicanal.marketing.models import Reminder, Segment, TrainedRecommender
from omnicanal.orders import queries as orders
from omnicanal.storefront import queries as storefront

# A return for these reasons says "not this product" (size: "not this size": only that SKU).
UNWANTED_REASONS = ("changed_mind", "defective", "not_as_described", "other")
CACHE_SECONDS = 60  # how long a process serves its model before checking for a newer training


# --- purchase cycles ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class CycleInfo:
    category: str
    category_name: str
    cycle: str
    interval_days: int | None
    purchases: int
    last_purchase_at: dt.datetime
    next_due_at: dt.datetime | None
    suppressed_until: dt.datetime | None


def category_infos() -> dict[str, cycles.CategoryInfo]:
    return {slug: cycles.CategoryInfo(slug=slug, cycle=c.cycle, default_days=c.default_days)
            for slug, c in catalog.category_cycles().items()}


def learned_cycles(customer_id: str, *, history: list[orders.PurchasedLine] | None = None,
                   categories: dict[str, cycles.CategoryInfo] | None = None) -> list[cycles.Cycle]:
    """The customer's cycles per category they bought in (any channel), most recent first."""
    lines = history if history is not None else orders.purchase_history(customer_id=customers.resolve_id(customer_id))
    return cycles.cycles_of(((line.category, line.placed_at) for line in lines),
                            categories if categories is not None else category_infos())


def purchase_cycles(customer_id: str, *, language: str = "es") -> list[CycleInfo]:
    """GET /customers/{id}/purchase-cycles and the 360 panel (NotFound for an unknown customer)."""
    customer = customers.customer_summary(customer_id)
    names = catalog.category_cycles()
    out = []
    for cycle in learned_cycles(customer.id):
        name = names.get(cycle.category)
        out.append(CycleInfo(
            category=cycle.category,
            category_name=(name.name_en if language == "en" else name.name_es) if name else cycle.category,
            cycle=cycle.cycle, interval_days=round(cycle.interval_days) if cycle.interval_days is not None else None,
            purchases=cycle.purchases, last_purchase_at=cycle.last_purchase_at, next_due_at=cycle.next_due_at,
            suppressed_until=cycle.suppressed_until))
    return out


def suppressed_categories(customer_id: str, *, at: dt.datetime | None = None,
                          history: list[orders.PurchasedLine] | None = None) -> set[str]:
    """Categories the customer must not be promoted now (a durable good bought within its life)."""
    at = at or clock.now()
    return {c.category for c in learned_cycles(customer_id, history=history) if c.suppressed(at)}


def promotable_skus(customer_id: str, skus: list[str], *, at: dt.datetime | None = None) -> list[str]:
    """Of these SKUs, those a promotion may show this customer now: none of a category suppressed by
    their purchase cycle (a second bicycle), the rest (a helmet for the bicycle) are welcome."""
    blocked = suppressed_categories(customer_id, at=at)
    if not blocked:
        return list(skus)
    served = served_model()
    category = {sku: served.products[handle].category for sku, handle in served.handle_of.items()}
    return [sku for sku in skus if category.get(sku) not in blocked]


@dataclass(frozen=True)
class DueReminder:
    customer_id: str
    category: str
    due_on: dt.date
    last_sku: str


def due_reminders(*, at: dt.datetime | None = None) -> list[DueReminder]:
    """Replenishable cycles whose reminder is due now and not yet sent, over every customer."""
    at = at or clock.now()
    since = at - dt.timedelta(days=800)
    categories = category_infos()
    per_customer: dict[str, list[orders.PurchasedLine]] = {}
    for line in orders.purchase_history(since=since):
        if categories.get(line.category, cycles.CategoryInfo(line.category, cycles.ONE_OFF, None)).cycle == cycles.REPLENISHABLE:
            per_customer.setdefault(line.customer_id, []).append(line)
    due = []
    for customer_id, lines in per_customer.items():
        for cycle in cycles.cycles_of(((line.category, line.placed_at) for line in lines), categories):
            if cycle.reminder_due(at) and cycle.next_due_at is not None:
                last = [line.sku for line in lines if line.category == cycle.category][-1]
                due.append(DueReminder(customer_id=customer_id, category=cycle.category,
                                       due_on=cycle.next_due_at.date(), last_sku=last))
    if not due:
        return []
    sent = set(Reminder.objects.filter(customer_id__in={d.customer_id for d in due})
               .values_list("customer_id", "category", "due_on"))
    return [d for d in due if (d.customer_id, d.category, d.due_on) not in sent]


@dataclass(frozen=True)
class ReminderInfo:
    category: str
    due_on: dt.date
    channel: str
    created_at: dt.datetime


def reminders_of(customer_id: str) -> list[ReminderInfo]:
    return [ReminderInfo(category=r.category, due_on=r.due_on, channel=r.channel, created_at=r.created_at)
            for r in Reminder.objects.filter(customer_id=customer_id).order_by("-created_at", "-pk")]


# --- recommendations ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Served:
    """The model a process serves, with the catalog's facts it was trained beside."""

    trained_id: int
    model: recommender.Model
    products: dict[str, catalog.ProductFeatures]
    handle_of: dict[str, str]  # sku -> handle
    loaded_at: float
    categories: dict[str, cycles.CategoryInfo]


_served: list[Served] = []


def forget_model() -> None:
    """After a training in this process (services) and in tests."""
    _served.clear()


def served_model() -> Served:
    """The newest trained model (an empty one before the first training), re-read every CACHE_SECONDS."""
    now = time.monotonic()
    if _served and now - _served[0].loaded_at < CACHE_SECONDS:
        return _served[0]
    newest = TrainedRecommender.objects.order_by("-trained_at", "-pk").values_list("pk", flat=True).first() or 0
    if _served and _served[0].trained_id == newest:
        _served[0] = Served(_served[0].trained_id, _served[0].model, _served[0].products, _served[0].handle_of, now,
                            category_infos())
        return _served[0]
    data = TrainedRecommender.objects.get(pk=newest).model if newest else {}
    products = {p.handle: p for p in catalog.product_features()}
    served = Served(trained_id=newest, model=recommender.Model.from_json(data), products=products,
                    handle_of={sku: p.handle for p in products.values() for sku in p.skus}, loaded_at=now,
                    categories=category_infos())
    _served[:] = [served]
    return served


@dataclass(frozen=True)
class RecommendationInfo:
    sku: str
    handle: str
    name: str
    score: float
    reason: str


@dataclass(frozen=True)
class Exclusions:
    handles: frozenset[str]
    skus: frozenset[str]
    categories: frozenset[str]


def exclusions(customer_id: str, history: list[orders.PurchasedLine], handle_of: dict[str, str],
               *, at: dt.datetime, categories: dict[str, cycles.CategoryInfo] | None = None) -> Exclusions:
    """What this customer must not be recommended: a one-off or durable product they bought, any
    product of a category their purchase cycle suppresses, what they returned as unwanted."""
    categories = (categories if categories is not None else category_infos()) if history else {}
    handles, skus = set(), set()
    for line in history:
        kind = categories.get(line.category, cycles.CategoryInfo(line.category, cycles.ONE_OFF, None)).cycle
        if kind != cycles.REPLENISHABLE and line.sku in handle_of:
            handles.add(handle_of[line.sku])
    for ret in orders.returned_lines(customer_id=customer_id):
        if ret.reason in UNWANTED_REASONS and ret.sku in handle_of:
            handles.add(handle_of[ret.sku])
        else:
            skus.add(ret.sku)
    blocked = {c.category for c in cycles.cycles_of(((line.category, line.placed_at) for line in history), categories)
               if c.suppressed(at)}
    return Exclusions(handles=frozenset(handles), skus=frozenset(skus), categories=frozenset(blocked))


def _reason(scored: recommender.Scored, products: dict[str, catalog.ProductFeatures], language: str,
            store_name: str = "") -> str:
    seed = products.get(scored.seed)
    name = (seed.name_en if language == "en" else seed.name_es) if seed else ""
    with translation.override(language):
        if scored.link == "store" and store_name:
            return _("Popular at %(store)s") % {"store": store_name}
        if scored.seed_kind == "popular" or not name:
            return _("Popular right now")
        if scored.seed_kind == "bought":
            return _("Because you bought %(name)s") % {"name": name}
        if scored.seed_kind == "viewed":
            return _("Because you viewed %(name)s") % {"name": name}
        if scored.seed_kind == "cart":
            return _("Goes well with %(name)s in your cart") % {"name": name}
        if scored.link == "bought":
            return _("Often bought with %(name)s") % {"name": name}
        if scored.link == "viewed":
            return _("Shoppers who viewed %(name)s viewed this too") % {"name": name}
        if scored.link == "next":
            return _("Often bought after %(name)s") % {"name": name}
        return _("Similar to %(name)s") % {"name": name}


FOR_YOU = "for_you"
BECAUSE_VIEWED = "because_viewed"
KINDS = (FOR_YOU, BECAUSE_VIEWED)  # "for you": every signal; "because you viewed": views and likeness only


def check_store(code: str) -> str:
    """A store asking for recommendations (a POS, a store's tablet): an active location's code, else a
    422 on `store`."""
    from omnicanal.core.errors import ValidationFailed

    found = inventory.location_info(code.strip().upper()) if code.strip() else None
    if found is None or not found.active:
        raise ValidationFailed.on("store", _("No store %(code)s.") % {"code": code})
    return found.code


def check_kind(kind: str) -> str:
    from omnicanal.core.errors import ValidationFailed

    if kind not in KINDS:
        raise ValidationFailed.on("kind", _("Use for_you or because_viewed."))
    return kind


def recommend(*, customer_id: str = "", channel: str = "web", context: str = "home", handle: str = "",
              cart_skus: tuple[str, ...] = (), limit: int = 8, language: str = "es",
              at: dt.datetime | None = None, kind: str = FOR_YOU, store: str = "") -> list[RecommendationInfo]:
    """Products to suggest, best first, each as one SKU the channel sells and can promise now:
    never unpublished or unavailable there, never excluded for this customer (`exclusions`).

    `kind` "for_you" blends every signal and tops up with popularity: of the asking `store` (a POS,
    a store's tablet), else of the customer's preferred store, then the channel's, then everyone's.
    "because_viewed" is only what is like, or viewed with, the customer's recently viewed products,
    each reason naming one (empty without views). With a `store`, only what that store has for the
    channel now (inventory's availability there)."""
    at = at or clock.now()
    served = served_model()
    history: list[orders.PurchasedLine] = []
    viewed: list[str] = []
    preferred_store = ""
    if customer_id:
        customer = customers.customer_summary(customer_id)  # merged ids answer the survivor
        customer_id, preferred_store = customer.id, customer.preferred_store
        viewed = [v.handle for v in reversed(storefront.viewed_products(customer_id=customer_id))]
        if kind == BECAUSE_VIEWED and not viewed:
            return []
        history = orders.purchase_history(customer_id=customer_id)
        if not cart_skus:
            cart_skus = orders.cart_skus(customer_id=customer_id)
    elif kind == BECAUSE_VIEWED:
        return []  # an anonymous device's views are its own cookie's, not ours
    excluded = exclusions(customer_id, history, served.handle_of, at=at, categories=served.categories) if customer_id else Exclusions(
        frozenset(), frozenset(), frozenset())
    cart = [served.handle_of[sku] for sku in cart_skus if sku in served.handle_of]
    hidden = set(cart) | ({handle} if context == "product" and handle else set())  # in the cart, on screen

    def allowed(candidate: str) -> bool:
        product = served.products.get(candidate)
        return (product is not None and product.active and candidate not in excluded.handles
                and candidate not in hidden and product.category not in excluded.categories)

    if kind == BECAUSE_VIEWED:
        scored = recommender.because_viewed(served.model, viewed, limit=limit + 6, allowed=allowed)
    else:
        bought = [served.handle_of[line.sku] for line in reversed(history) if line.sku in served.handle_of]
        seeds = recommender.seeds_for(bought=bought, viewed=viewed, cart=cart,
                                      product=handle if context == "product" else "")
        scored = recommender.score(served.model, seeds, channel=channel, store=store or preferred_store,
                                   limit=limit + 6, allowed=allowed)
    return _shown(scored, served, excluded.skus, channel=channel, store=store, popular_store=store or preferred_store,
                  limit=limit, language=language)


def _shown(scored: list[recommender.Scored], served: Served, excluded_skus: frozenset[str], *, channel: str,
           store: str, popular_store: str, limit: int, language: str) -> list[RecommendationInfo]:
    """The scored products as the first SKU of each the channel sells and can promise now (at the
    asking store when there is one), at most `limit`; `popular_store` names the store whose
    popularity topped them up ("Popular en Tienda Providencia")."""
    skus = [sku for s in scored for sku in served.products[s.handle].skus if sku not in excluded_skus]
    if not skus:
        return []
    prices = catalog.channel_prices(skus, channel)
    if store:  # what this store can hand over on the channel, not what the chain has somewhere
        stock = {sku: next((place.available for place in found.locations if place.code == store), 0)
                 for sku, found in inventory.availability_many(skus=skus[:inventory.MAX_BULK_SKUS], channel=channel).items()}
    else:
        stock = {sku: n for (sku, _channel), n in inventory.available_by_channel(skus, [channel]).items()}
    store_name = ""
    if any(s.link == "store" for s in scored):
        found = inventory.location_info(popular_store)
        store_name = found.name if found else ""
    out = []
    for s in scored:
        sku = next((sku for sku in served.products[s.handle].skus if sku not in excluded_skus and sku in prices
                    and prices[sku].sellable and stock.get(sku, 0) > 0), None)
        if sku is None:
            continue
        product = served.products[s.handle]
        out.append(RecommendationInfo(sku=sku, handle=s.handle, name=product.name_en if language == "en" else product.name_es,
                                      score=round(s.score, 4), reason=_reason(s, served.products, language, store_name)))
        if len(out) >= limit:
            break
    return out


@dataclass(frozen=True)
class TrainingInfo:
    trained_at: dt.datetime
    purchases: int
    products: int
    seconds: float


def last_training() -> TrainingInfo | None:
    row = TrainedRecommender.objects.order_by("-trained_at", "-pk").only(
        "trained_at", "purchases", "products", "seconds").first()
    return TrainingInfo(row.trained_at, row.purchases, row.products, row.seconds) if row else None


# --- segments ------------------------------------------------------------------------------------

SEGMENT_BATCH = population.BATCH


def parse_rules(raw) -> tuple[list[segments.Rule], list[tuple[str, str]]]:
    """segments.parse with the fields higher domains registered (registry.rule_sources)."""
    return segments.parse(raw, {name: source.kind for name, source in registry.rule_sources().items()})


def customer_facts(customer_ids: list[str], *, history: list[orders.PurchasedLine] | None = None,
                   rfm: dict[str, tuple[int, int, int]] | None = None,
                   wanted_fields: set[str] | None = None) -> list[segments.Facts]:
    """What segment rules read about these customers, from the owners, in a few queries (`history`/
    `rfm`: read once by the caller, else now; `wanted_fields`: the registered fields to ask, None for
    all). Counting and listing a segment read the whole population: `population`."""
    if history is None:
        history = orders.purchase_history()
    if rfm is None:
        rfm = population.rfm_population(history)
    facts = population.facts_of(customer_ids, population.by_customer(history), rfm)
    extra = {name: population.extra_values(name, [f.customer_id for f in facts])
             for name in registry.rule_sources() if wanted_fields is None or name in wanted_fields}
    return [replace(f, extra={name: values[f.customer_id] for name, values in extra.items() if f.customer_id in values})
            for f in facts]


def segment_members(rules: list[segments.Rule], *, at: dt.datetime | None = None) -> list[str]:
    """Every customer (not merged away, not erased) all the rules hold for, oldest first, read now:
    for whoever acts on them (a campaign's enrolment, exports, a save's size)."""
    return population.members(rules, at=at)


def segment_count(rules: list[segments.Rule], *, at: dt.datetime | None = None) -> int:
    """How many customers the rules select, from the population kept for the live count (at most
    SEGMENT_COUNT_SECONDS old: marketing/population.py)."""
    return population.count(rules, at=at)


@dataclass(frozen=True)
class SegmentInfo:
    id: str
    name: str
    rules: list
    size: int  # live
    saved_size: int
    created_at: dt.datetime


def get_segment(segment_id: str) -> SegmentInfo:
    from omnicanal.core.errors import NotFound

    row = Segment.objects.filter(public_id=segment_id).first()
    if row is None:
        raise NotFound(detail=_("No segment %(id)s.") % {"id": segment_id})
    rules, _errors = parse_rules(row.rules)
    return SegmentInfo(id=row.public_id, name=row.name, rules=row.rules, size=segment_count(rules),
                       saved_size=row.size, created_at=row.created_at)


def get_segment_row(segment_id: str) -> Segment:
    from omnicanal.core.errors import NotFound

    row = Segment.objects.filter(public_id=segment_id).first()
    if row is None:
        raise NotFound(detail=_("No segment %(id)s.") % {"id": segment_id})
    return row


def segment_rules(segment_id: str) -> list[segments.Rule]:
    rules, _errors = parse_rules(get_segment_row(segment_id).rules)
    return rules


# --- campaigns -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CampaignResults:
    """GET /campaigns/{id}: counts over the recipients now. Rates are fractions 0–1; `lift` is the
    treated rate over the control group's, minus one (None without a control conversion)."""

    id: str
    name: str
    status: str
    segment_id: str
    channels: list[str]
    control_percent: int
    attribution_days: int
    scheduled_at: dt.datetime | None
    launched_at: dt.datetime | None
    targeted: int
    sent: int
    held: int  # waiting for the customer's window to open
    held_out: int
    suppressed: dict[str, int]
    delivered: int
    clicked: int
    converted: int
    revenue: Decimal
    currency: str
    conversion_rate: float | None
    control_converted: int
    control_conversion_rate: float | None
    lift: float | None
    by_channel: dict[str, int]


SUPPRESSION_REASONS = ("no_consent", "frequency_cap", "quiet_hours", "purchase_cycle", "unavailable", "bounced",
                       "no_channel")


def campaign_results(campaign_id: str) -> CampaignResults:
    from django.db.models import Count, Sum

    from omnicanal.core.errors import NotFound
    from omnicanal.core.money import business_currency
    from omnicanal.marketing.models import Campaign, Recipient

    campaign = Campaign.objects.filter(public_id=campaign_id).first()
    if campaign is None:
        raise NotFound(detail=_("No campaign %(id)s.") % {"id": campaign_id})
    rows = Recipient.objects.filter(campaign=campaign)
    by_status = dict(rows.values_list("status").annotate(n=Count("pk")).values_list("status", "n"))
    reasons = dict(rows.filter(status="suppressed").values_list("reason").annotate(n=Count("pk"))
                   .values_list("reason", "n"))
    sent_rows = rows.filter(status="sent")
    control_rows = rows.filter(status="held_out")
    sent, held_out = by_status.get("sent", 0), by_status.get("held_out", 0)
    converted = sent_rows.filter(converted_at__isnull=False).count()
    control_converted = control_rows.filter(converted_at__isnull=False).count()
    rate = converted / sent if sent else None
    control_rate = control_converted / held_out if held_out else None
    suppressed = {reason: reasons.get(reason, 0) for reason in SUPPRESSION_REASONS}
    suppressed["quiet_hours"] = by_status.get("held", 0)
    return CampaignResults(
        id=campaign.public_id, name=campaign.name, status=campaign.status, segment_id=campaign.segment_id,
        channels=list(campaign.channels), control_percent=campaign.control_percent,
        attribution_days=campaign.attribution_days, scheduled_at=campaign.scheduled_at,
        launched_at=campaign.launched_at, targeted=rows.count(), sent=sent, held=by_status.get("held", 0),
        held_out=held_out, suppressed=suppressed,
        delivered=sent_rows.filter(delivered_at__isnull=False).count(),
        clicked=sent_rows.filter(clicked_at__isnull=False).count(), converted=converted,
        revenue=sent_rows.aggregate(s=Sum("revenue"))["s"] or Decimal(0), currency=business_currency(),
        conversion_rate=rate, control_converted=control_converted, control_conversion_rate=control_rate,
        lift=(rate / control_rate - 1) if rate is not None and control_rate else None,
        by_channel=dict(sent_rows.values_list("channel").annotate(n=Count("pk")).values_list("channel", "n")))


@dataclass(frozen=True)
class CampaignRow:
    id: str
    name: str
    status: str
    scheduled_at: dt.datetime | None
    launched_at: dt.datetime | None
    created_at: dt.datetime


def campaigns(limit: int = 100) -> list[CampaignRow]:
    from omnicanal.marketing.models import Campaign

    return [CampaignRow(c.public_id, c.name, c.status, c.scheduled_at, c.launched_at, c.created_at)
            for c in Campaign.objects.order_by("-created_at", "-pk")[:limit]]


def promoted_stock_at(store: str, skus: list[str]) -> set[str] | None:
    """Of these SKUs, those with units available at a store (a customer's preferred store); None when
    the code is no active location any more (the campaign's channel check alone applies then)."""
    from omnicanal.core.errors import NotFound

    if inventory.location_info(store) is None:
        return None
    found = set()
    for sku in skus:
        try:
            if inventory.stock_level(location=store, sku=sku)["available"] > 0:
                found.add(sku)
        except NotFound:
            continue
    return found
