"""The program: how points are earned (per amount spent, per activity), tiers by 12-month spend,
manual adjustments, and the periodic expiry of points."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_FLOOR, Decimal

from django.db.models import Q, Sum
from django.utils.translation import gettext as _

from omnicanal.core import audit, clock, outbox
from omnicanal.core.auth import SYSTEM, Principal
from omnicanal.core.errors import ValidationFailed
from omnicanal.core.ids import new_id
from omnicanal.core.money import Money, business_currency, check_currency
from omnicanal.loyalty import events
from omnicanal.loyalty.models import (
    COINS,
    POINTS,
    AccountKind,
    Activity,
    EarnRule,
    Lot,
    Program,
    RuleKind,
    Spend,
    Tier,
    TierState,
    Transfer,
    TransferKind,
)
from omnicanal.loyalty.queries import current_tier, survivor_id
from omnicanal.loyalty.services import ledger
from omnicanal.loyalty.services.common import Line, add_months, announce, lines_total, unit_label

TIER_WINDOW = timedelta(days=365)


# --- configuration ---------------------------------------------------------------------------


def get_program() -> Program:
    """The active program; a plain one is created on first need (1 point per 100, a point pays 1)."""
    program = Program.objects.filter(active=True).order_by("pk").first()
    if program is None:
        currency = business_currency()
        program, _created = Program.objects.get_or_create(
            code="default",
            defaults={"name": "Programa de puntos", "currency": currency, "earn_per": Decimal(100), "earn_points": 1,
                      "point_value": Decimal(1), "updated_at": clock.now()},
        )
    return program


def do_configure_program(
    *,
    name: str,
    earn_per: Decimal,
    earn_points: int,
    point_value: Decimal,
    points_expire_months: int,
    expiry_notice_days: int,
    qr_ttl_seconds: int = 300,
    code: str | None = None,
    currency: str | None = None,
    actor: Principal = SYSTEM,
) -> Program:
    errors = []
    if not name.strip():
        errors.append(("name", _("is required")))
    if Decimal(earn_per) <= 0:
        errors.append(("earn_per", _("must be more than zero")))
    if int(earn_points) < 1:
        errors.append(("earn_points", _("must be at least 1")))
    if Decimal(point_value) <= 0:
        errors.append(("point_value", _("must be more than zero")))
    if not 30 <= int(qr_ttl_seconds) <= 3600:
        errors.append(("qr_ttl_seconds", _("must be between 30 and 3600 seconds")))
    if errors:
        raise ValidationFailed.on(*errors[0])
    program = get_program()
    before = _program_terms(program)
    program.name = name.strip()
    program.code = code or program.code
    program.currency = check_currency(currency or program.currency)
    program.earn_per = Decimal(earn_per)
    program.earn_points = int(earn_points)
    program.point_value = Decimal(point_value)
    program.points_expire_months = int(points_expire_months)
    program.expiry_notice_days = int(expiry_notice_days)
    program.qr_ttl_seconds = int(qr_ttl_seconds)
    program.updated_at = clock.now()
    program.save()
    audit.record(actor=actor, action="loyalty.program.configure", target_type="program", target_id=program.code,
                 before=before, after=_program_terms(program))
    return program


def _program_terms(program: Program) -> dict:
    return {"name": program.name, "earn_per": str(program.earn_per), "earn_points": program.earn_points,
            "point_value": str(program.point_value), "points_expire_months": program.points_expire_months,
            "expiry_notice_days": program.expiry_notice_days, "qr_ttl_seconds": program.qr_ttl_seconds}


def do_set_tier(
    *, code: str, name: str, min_spend: Decimal, earn_multiplier: Decimal = Decimal(1), benefits: list[str] | None = None,
    actor: Principal = SYSTEM,
) -> Tier:
    if Decimal(min_spend) < 0:
        raise ValidationFailed.on("min_spend", _("cannot be negative"))
    if Decimal(earn_multiplier) <= 0:
        raise ValidationFailed.on("earn_multiplier", _("must be more than zero"))
    tier, _created = Tier.objects.update_or_create(
        program=get_program(), code=code,
        defaults={"name": name, "min_spend": Decimal(min_spend), "earn_multiplier": Decimal(earn_multiplier),
                  "benefits": list(benefits or [])},
    )
    audit.record(actor=actor, action="loyalty.tier.set", target_type="tier", target_id=code,
                 after={"min_spend": str(tier.min_spend), "earn_multiplier": str(tier.earn_multiplier)})
    return tier


def do_add_rule(
    *,
    kind: str,
    name: str,
    category: str = "",
    multiplier: Decimal = Decimal(1),
    activity: str = "",
    reward: int = 0,
    unit: str = POINTS,
    max_per_customer: int | None = None,
    channels: list[str] | None = None,
    starts_at: datetime | None = None,
    ends_at: datetime | None = None,
    actor: Principal = SYSTEM,
) -> EarnRule:
    """A category multiplier (kind=category) or an activity reward (kind=activity). A rule applies
    in every channel unless `channels` names some: a marketer scopes a rule on purpose."""
    if kind not in RuleKind.values:
        raise ValidationFailed.on("kind", _("must be category or activity"))
    if kind == RuleKind.CATEGORY:
        if not category.strip():
            raise ValidationFailed.on("category", _("is required for a category rule"))
        if Decimal(multiplier) <= 0:
            raise ValidationFailed.on("multiplier", _("must be more than zero"))
    else:
        if activity not in Activity.values:
            raise ValidationFailed.on("activity", _("must be one of %(values)s") % {"values": ", ".join(Activity.values)})
        if int(reward) < 1:
            raise ValidationFailed.on("reward", _("must be at least 1"))
        if unit not in (POINTS, COINS):
            raise ValidationFailed.on("unit", _("must be PTS or COIN"))
    if starts_at and ends_at and ends_at <= starts_at:
        raise ValidationFailed.on("ends_at", _("must be after the start"))
    rule = EarnRule.objects.create(
        program=get_program(), kind=kind, name=name.strip() or kind, category=category.strip(), multiplier=Decimal(multiplier),
        activity=activity, reward=int(reward), unit=unit, max_per_customer=max_per_customer,
        channels=sorted({c.strip() for c in channels or [] if c.strip()}), starts_at=starts_at, ends_at=ends_at,
        created_at=clock.now(),
    )
    audit.record(actor=actor, action="loyalty.rule.add", target_type="rule", target_id=rule.public_id,
                 after={"kind": kind, "category": rule.category, "multiplier": str(rule.multiplier),
                        "activity": activity, "reward": rule.reward, "channels": rule.channels})
    return rule


def do_set_rule_active(*, rule_id: str, active: bool, actor: Principal = SYSTEM) -> EarnRule:
    rule = EarnRule.objects.get(public_id=rule_id)
    rule.active = active
    rule.save(update_fields=["active"])
    audit.record(actor=actor, action="loyalty.rule.activate" if active else "loyalty.rule.deactivate",
                 target_type="rule", target_id=rule_id)
    return rule


def rules_in_effect(*, kind: str, channel: str, at: datetime | None = None):
    at = at or clock.now()
    rules = EarnRule.objects.filter(program=get_program(), kind=kind, active=True).filter(
        Q(starts_at__isnull=True) | Q(starts_at__lte=at), Q(ends_at__isnull=True) | Q(ends_at__gt=at)
    )
    return [rule for rule in rules if not rule.channels or channel in rule.channels]


# --- tiers -----------------------------------------------------------------------------------


def spend_12m(customer_id: str, at: datetime | None = None) -> Decimal:
    at = at or clock.now()
    total = Spend.objects.filter(owner_id=customer_id, at__gt=at - TIER_WINDOW, at__lte=at).aggregate(s=Sum("amount"))["s"]
    return max(total or Decimal(0), Decimal(0))


def tier_for(spend: Decimal) -> Tier | None:
    return Tier.objects.filter(program=get_program(), min_spend__lte=spend).order_by("-min_spend").first()


def do_refresh_tier(*, customer_id: str, at: datetime | None = None) -> TierState:
    """Recompute the tier from the last 12 months of spend; TierChanged when it moves."""
    now = at or clock.now()
    spend = spend_12m(customer_id, now)
    tier = tier_for(spend)
    state = TierState.objects.select_for_update().filter(owner_id=customer_id).first()
    if state is None:
        state = TierState.objects.create(owner_id=customer_id, tier=tier, spend_12m=spend, since=now, updated_at=now)
        old = None
        changed = tier is not None and tier.min_spend > 0
    else:
        old = state.tier.code if state.tier else None
        changed = state.tier_id != (tier.pk if tier else None)
        state.spend_12m, state.updated_at = spend, now
        if changed:
            state.tier, state.since = tier, now
        state.save()
    if changed:
        outbox.emit(events.TierChanged(customer_id=customer_id, old_tier=old, new_tier=tier.code if tier else None,
                                       spend_12m=Money(spend, get_program().currency).as_dict()))
    return state


def do_refresh_tiers(*, at: datetime | None = None) -> int:
    """Daily: spend older than 12 months leaves the window, and tiers fall with it."""
    changed = 0
    for owner_id in TierState.objects.values_list("owner_id", flat=True).order_by("owner_id"):
        before = TierState.objects.get(owner_id=owner_id).tier_id
        changed += do_refresh_tier(customer_id=owner_id, at=at).tier_id != before
    return changed


@dataclass(frozen=True)
class PastSpend:
    """A purchase (positive) or a refund of one (negative) made before the programme recorded it.
    `reference` uses the keys an earn or a reversal would (`order:<order_id>`,
    `return:<order_id>:<return_id>`), so the same order reaching the programme again counts once."""

    reference: str
    amount: Money
    at: datetime


def do_import_spend(*, customer_id: str, spends: list[PastSpend], earn_points: bool = False) -> TierState | None:
    """Past spend (an order history brought over from another system, or the demo's) counts for
    the tier exactly as an earn's would; the tier is then recomputed by the programme's own rule.
    With `earn_points`, the net spend of the last 12 months also earns its points at the base rate
    (one transfer, once per customer and history: no category or tier multipliers, which the
    history's own dates no longer tell). None while no programme is configured."""
    if not do_import_spends(histories={customer_id: spends}, earn_points=earn_points):
        return None
    return TierState.objects.get(owner_id=survivor_id(customer_id))


def do_import_spends(*, histories: dict[str, list[PastSpend]], earn_points: bool = False) -> int:
    """do_import_spend for many customers in the caller's transaction (the batched form: an order
    history brought over, the demo's): one INSERT of the spend, the earns posted together, each
    tier computed by the same rule from one read of the window's spend. The same events as one
    call per customer. Returns how many customers were imported (0 while no programme is configured)."""
    if _active_program_or_none() is None:
        return 0
    merged: dict[str, list[PastSpend]] = {}
    for customer_id, spends in histories.items():
        merged.setdefault(survivor_id(customer_id), []).extend(spends)
    Spend.objects.bulk_create([
        Spend(owner_id=customer_id, reference=s.reference[:150], amount=s.amount.amount, currency=s.amount.currency,
              at=s.at) for customer_id, spends in merged.items() for s in spends], ignore_conflicts=True, batch_size=500)
    if earn_points:
        _earn_imported_many(merged)
    _refresh_tiers_of(sorted(merged))
    return len(merged)


def _imported_points(program: Program, spends: list[PastSpend], now: datetime) -> int:
    net = sum((s.amount.amount for s in spends if s.at > now - TIER_WINDOW), Decimal(0))
    return int(max(net / program.earn_per * program.earn_points, Decimal(0)).to_integral_value(rounding=ROUND_FLOOR))


def _earn_imported_many(histories: dict[str, list[PastSpend]]) -> None:
    program, now = get_program(), clock.now()
    points = {customer_id: _imported_points(program, spends, now) for customer_id, spends in histories.items()}
    keys = {f"earn-import:{customer_id}": customer_id for customer_id, p in points.items() if p > 0}
    for key in Transfer.objects.filter(key__in=list(keys)).values_list("key", flat=True):
        del keys[key]  # earned at an earlier import: once per customer
    if not keys:
        return
    issuance, expires = ledger.system_account(AccountKind.ISSUANCE, POINTS), points_expiry(now)
    accounts = ledger.customer_accounts(list(keys.values()), AccountKind.POINTS)
    postings = [ledger.Posting(
        key=key, kind=TransferKind.EARN, debit=issuance, credit=accounts[customer_id], amount=points[customer_id],
        reference="import", actor="system", lot_expires_at=expires,
        metadata={"spend": str(sum((s.amount.amount for s in histories[customer_id] if s.at > now - TIER_WINDOW),
                                   Decimal(0))),
                  "currency": program.currency, "imported": len(histories[customer_id])},
    ) for key, customer_id in keys.items()]
    for transfer, posting in zip(ledger.do_transfers(postings), postings, strict=True):
        announce(transfer, posting.credit, transfer.amount)


def _refresh_tiers_of(customer_ids: list[str]) -> None:
    """do_refresh_tier for many customers: the same rule and events, the reads and writes batched."""
    now = clock.now()
    sums = dict(Spend.objects.filter(owner_id__in=customer_ids, at__gt=now - TIER_WINDOW, at__lte=now)
                .values_list("owner_id").annotate(s=Sum("amount")).values_list("owner_id", "s"))
    program = get_program()
    tiers = list(Tier.objects.filter(program=program).order_by("-min_spend"))
    codes = {t.pk: t.code for t in tiers}
    states = {s.owner_id: s for s in TierState.objects.select_for_update().filter(owner_id__in=customer_ids)}
    created, updated, changes = [], [], []
    for customer_id in customer_ids:
        spend = max(sums.get(customer_id) or Decimal(0), Decimal(0))
        tier = next((t for t in tiers if t.min_spend <= spend), None)
        state = states.get(customer_id)
        if state is None:
            created.append(TierState(owner_id=customer_id, tier=tier, spend_12m=spend, since=now, updated_at=now))
            old, changed = None, tier is not None and tier.min_spend > 0
        else:
            old = codes.get(state.tier_id) if state.tier_id else None
            changed = state.tier_id != (tier.pk if tier else None)
            state.spend_12m, state.updated_at = spend, now
            if changed:
                state.tier, state.since = tier, now
            updated.append(state)
        if changed:
            changes.append(events.TierChanged(customer_id=customer_id, old_tier=old, new_tier=tier.code if tier else None,
                                              spend_12m=Money(spend, program.currency).as_dict()))
    TierState.objects.bulk_create(created, batch_size=500)
    TierState.objects.bulk_update(updated, ["tier", "spend_12m", "since", "updated_at"], batch_size=500)
    if changes:
        outbox.emit_many(changes)


def _active_program_or_none() -> Program | None:
    return Program.objects.filter(active=True).order_by("pk").first()


# --- earning ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class EarnQuote:
    points: int
    spend: Money
    tier: str | None
    multiplier_by_sku: dict[str, str]


def quote_earn(*, customer_id: str, lines: list[Line], channel: str, at: datetime | None = None) -> EarnQuote:
    """Points a purchase earns: per line, amount × the best category multiplier in effect on
    this channel, then × the customer's tier multiplier, at `earn_points` per `earn_per`."""
    program = get_program()
    spend = lines_total(lines, program.currency)
    rules = rules_in_effect(kind=RuleKind.CATEGORY, channel=channel, at=at)
    best: dict[str, Decimal] = {}
    for rule in rules:
        best[rule.category] = max(best.get(rule.category, Decimal(1)), rule.multiplier)
    weighted = Decimal(0)
    multipliers = {}
    for line in lines:
        factor = best.get(line.category, Decimal(1))
        multipliers[line.sku] = str(factor)
        weighted += line.amount.amount * factor
    tier = current_tier(customer_id)
    tier_factor = tier.earn_multiplier if tier else Decimal(1)
    raw = weighted / program.earn_per * program.earn_points * tier_factor
    points = int(max(raw, Decimal(0)).to_integral_value(rounding=ROUND_FLOOR))
    return EarnQuote(points=points, spend=spend, tier=tier.code if tier else None, multiplier_by_sku=multipliers)


def points_expiry(at: datetime | None = None) -> datetime | None:
    months = get_program().points_expire_months
    return add_months(at or clock.now(), months) if months else None


@dataclass(frozen=True)
class PaidOrder:
    """One paid order to earn on (do_earn_for_orders)."""

    customer_id: str
    order_ref: str
    lines: list[Line]
    channel: str = ""


def do_earn_for_order(
    *, customer_id: str, order_ref: str, lines: list[Line], channel: str = "", actor: str = "system"
) -> Transfer | None:
    """Earn on a paid order (loyalty's handler of orders.OrderPaid calls this; the same order again
    earns nothing more: the key is `earn:<order_ref>`). Records the spend for tiers. None when the
    order earns no points."""
    [transfer] = do_earn_for_orders([PaidOrder(customer_id, order_ref, lines, channel)], actor=actor)
    return transfer


def do_earn_for_orders(orders: list[PaidOrder], *, actor: str = "system") -> list[Transfer | None]:
    """Earn on many paid orders in the caller's transaction, the points of all of them posted in one
    batch (ledger.do_transfers: one call on PostgreSQL). Each order is quoted, its spend recorded and
    its customer's tier refreshed in order, so an order sees the tier the ones before it reached, as
    one call each would; PointsEarned carries the balance after the batch."""
    now = clock.now()
    issuance = ledger.system_account(AccountKind.ISSUANCE, POINTS)
    # An order that already earned is answered with its transfer, not quoted again: its customer's
    # tier may have changed since, and a new quote under the same key would be refused as a conflict.
    earned = {t.key: t for t in Transfer.objects.filter(key__in=[f"earn:{o.order_ref}" for o in orders])}
    postings: dict[int, ledger.Posting] = {}
    for i, order in enumerate(orders):
        if f"earn:{order.order_ref}" in earned:
            continue
        customer_id = survivor_id(order.customer_id)
        quote = quote_earn(customer_id=customer_id, lines=order.lines, channel=order.channel)
        Spend.objects.get_or_create(
            reference=f"order:{order.order_ref}",
            defaults={"owner_id": customer_id, "amount": quote.spend.amount, "currency": quote.spend.currency, "at": now},
        )
        if quote.points > 0:
            postings[i] = ledger.Posting(
                key=f"earn:{order.order_ref}", kind=TransferKind.EARN, debit=issuance,
                credit=ledger.customer_account(customer_id, AccountKind.POINTS), amount=quote.points,
                reference=order.order_ref, channel=order.channel, actor=actor, lot_expires_at=points_expiry(now),
                metadata={"spend": str(quote.spend.amount), "currency": quote.spend.currency, "tier": quote.tier,
                          "multipliers": quote.multiplier_by_sku},
            )
        do_refresh_tier(customer_id=customer_id)
    done = set(earned)
    transfers = dict(zip(postings, ledger.do_transfers(list(postings.values())), strict=True))
    for i, transfer in transfers.items():
        if transfer.key not in done:  # new, and announced once even if the batch names an order twice
            done.add(transfer.key)
            announce(transfer, postings[i].credit, transfer.amount)
    return [transfers.get(i) or earned.get(f"earn:{order.order_ref}") for i, order in enumerate(orders)]


@dataclass(frozen=True)
class Reversal:
    points: int  # taken back now
    shortfall: int  # due but already spent by the customer (the balance never goes below zero)
    transfer: Transfer | None


def do_reverse_earn_for_return(*, order_ref: str, return_ref: str, amount: Money, actor: str = "system") -> Reversal:
    """Take back the points an order earned, in proportion to the amount returned (cumulative over
    the order's returns, never more than was earned). A cancellation is a return of everything."""
    earn = Transfer.objects.filter(key=f"earn:{order_ref}").select_related("credit").first()
    spend_row = Spend.objects.filter(reference=f"order:{order_ref}").first()
    if spend_row is None:
        return Reversal(0, 0, None)
    key = f"reverse:{order_ref}:{return_ref}"
    if (done := Transfer.objects.filter(key=key).first()) is not None:
        return Reversal(int(done.amount), int(done.metadata.get("shortfall", 0)), done)
    Spend.objects.get_or_create(
        reference=f"return:{order_ref}:{return_ref}",
        defaults={"owner_id": spend_row.owner_id, "amount": -amount.amount, "currency": amount.currency, "at": clock.now()},
    )
    owner = survivor_id(spend_row.owner_id)
    if earn is None:
        do_refresh_tier(customer_id=owner)
        return Reversal(0, 0, None)
    spent = Decimal(earn.metadata.get("spend") or spend_row.amount)
    returned = -(Spend.objects.filter(reference__startswith=f"return:{order_ref}:").aggregate(s=Sum("amount"))["s"] or 0)
    share = min(returned, spent) / spent if spent > 0 else Decimal(1)
    target = int((earn.amount * share).to_integral_value(rounding=ROUND_FLOOR)) if share < 1 else int(earn.amount)
    already = int(sum(r.amount for r in earn.reversals.all()))
    due = max(target - already, 0)
    account = ledger.customer_account(owner, AccountKind.POINTS)
    available = int(ledger.locks.lock_account(account).available)
    take = min(due, available)
    transfer = None
    if take > 0:
        transfer = ledger.do_transfer(
            key=key, kind=TransferKind.REVERSE, debit=account, credit=ledger.system_account(AccountKind.ISSUANCE, POINTS),
            amount=take, reverses=earn, reference=order_ref, actor=actor,
            metadata={"return_ref": return_ref, "returned": str(amount.amount), "shortfall": due - take},
        )
        announce(transfer, account, -transfer.amount)
    do_refresh_tier(customer_id=owner)
    return Reversal(take, due - take, transfer)


def do_earn_activity(
    *, customer_id: str, activity: str, reference: str, channel: str = "", amount: int | None = None, actor: str = "system"
) -> Transfer | None:
    """Reward an activity (review, survey, referral, profile completion; coins from games) per the
    rule in effect on the channel. `amount` may lower the reward (a game's score), never raise it.
    The same reference earns once; `max_per_customer` caps a rule (profile completion: once)."""
    if activity not in Activity.values:
        raise ValidationFailed.on("activity", _("must be one of %(values)s") % {"values": ", ".join(Activity.values)})
    customer_id = survivor_id(customer_id)
    rules = [r for r in rules_in_effect(kind=RuleKind.ACTIVITY, channel=channel) if r.activity == activity]
    if not rules:
        raise ValidationFailed.on("activity", _("no rule rewards this activity now"))
    rule = max(rules, key=lambda r: r.reward)
    kind = AccountKind.COINS if rule.unit == COINS else AccountKind.POINTS
    account = ledger.customer_account(customer_id, kind)
    key = f"activity:{activity}:{customer_id}:{ledger.key_part(reference)}"
    if (done := Transfer.objects.filter(key=key).first()) is not None:
        return done
    if rule.max_per_customer is not None:
        ledger.locks.lock_account(account)  # count and write under the account's lock
        earned = Transfer.objects.filter(kind=TransferKind.ACTIVITY, credit=account, metadata__rule=rule.public_id).count()
        if earned >= rule.max_per_customer:
            raise ValidationFailed.on("activity", _("this reward was already given as many times as allowed"))
    reward = rule.reward if amount is None else min(int(amount), rule.reward)
    if reward <= 0:
        return None
    transfer = ledger.do_transfer(
        key=key, kind=TransferKind.ACTIVITY, debit=ledger.system_account(AccountKind.ISSUANCE, rule.unit), credit=account,
        amount=reward, reference=reference, channel=channel, actor=actor, lot_expires_at=points_expiry(),
        metadata={"rule": rule.public_id, "activity": activity},
    )
    announce(transfer, account, transfer.amount)
    return transfer


# --- manual adjustments ----------------------------------------------------------------------

ADJUSTABLE = (AccountKind.POINTS, AccountKind.COINS, AccountKind.STORE_CREDIT, AccountKind.WALLET)


def do_adjust(
    *, customer_id: str, kind: str, amount: Decimal | int | str, reason: str, actor: Principal, key: str | None = None
) -> Transfer:
    """A manager's correction, with a reason, in the audit log. Positive adds, negative takes away
    (never below zero)."""
    if kind not in ADJUSTABLE:
        raise ValidationFailed.on("kind", _("must be one of %(values)s") % {"values": ", ".join(ADJUSTABLE)})
    if not reason or not reason.strip():
        raise ValidationFailed.on("reason", _("a reason is required"))
    customer_id = survivor_id(customer_id)
    account = ledger.customer_account(customer_id, kind)
    signed = Decimal(str(amount))
    value = ledger.check_amount(account.unit, abs(signed))
    system = ledger.system_account(AccountKind.ADJUSTMENT, account.unit)
    before = ledger.locks.lock_account(account).balance
    debit, credit = (system, account) if signed > 0 else (account, system)
    transfer = ledger.do_transfer(
        key=key or f"adjust:{new_id('adj')}", kind=TransferKind.ADJUST, debit=debit, credit=credit, amount=value,
        memo=reason.strip(), actor=ledger.actor_label(actor),
        lot_expires_at=points_expiry() if account.unit in (POINTS, COINS) else None,
    )
    after = before + (value if signed > 0 else -value)
    audit.record(actor=actor, action="loyalty.adjust", target_type="loyalty_account", target_id=account.public_id,
                 before={"balance": str(before), "unit": account.unit},
                 after={"balance": str(after), "unit": account.unit, "transfer": transfer.public_id, "customer": customer_id},
                 reason=reason.strip(), subject=customer_id)
    announce(transfer, account, value if signed > 0 else -value)
    return transfer


# --- expiry ----------------------------------------------------------------------------------


def do_notify_expiring(*, now: datetime | None = None) -> int:
    """PointsExpiring once per lot, `expiry_notice_days` before it expires (grouped per account)."""
    now = now or clock.now()
    horizon = now + timedelta(days=get_program().expiry_notice_days)
    lots = (
        Lot.objects.filter(remaining__gt=0, notified_at__isnull=True, expires_at__gt=now, expires_at__lte=horizon,
                           account__owner_kind="customer", account__unit__in=[POINTS, COINS])
        .select_related("account").order_by("account_id", "expires_at")
    )
    grouped: dict[int, list[Lot]] = {}
    for lot in lots:
        grouped.setdefault(lot.account_id, []).append(lot)
    for group in grouped.values():
        account = group[0].account
        outbox.emit(events.PointsExpiring(customer_id=account.owner_id, amount=int(sum(lot.remaining for lot in group)),
                                          unit=unit_label(account.unit), expires_at=group[0].expires_at.isoformat()))
        Lot.objects.filter(pk__in=[lot.pk for lot in group]).update(notified_at=now)
    return len(grouped)


def do_expire_points(*, now: datetime | None = None) -> int:
    """Expire what is left of lots past their date (points, coins, gift cards), oldest first."""
    expired = ledger.do_expire_lots(now=now)
    for item in expired:
        announce(item.transfer, item.account, -item.transfer.amount)
    return len(expired)


def points_to_money(points: int | Decimal) -> Money:
    program = get_program()
    return Money(Decimal(points) * program.point_value, program.currency)


def money_to_points(amount: Money) -> int:
    """Points needed to pay `amount` (rounded up: a payment is never short)."""
    program = get_program()
    if amount.currency != program.currency:
        raise ValidationFailed.on("amount", _("must be in %(currency)s") % {"currency": program.currency})
    return math.ceil(amount.amount / program.point_value)
