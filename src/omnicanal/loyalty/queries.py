"""Reads of the loyalty domain, for other domains, the API and the console (no writes)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_DOWN, Decimal

from django.db.models import Count, Q, Sum

from omnicanal.core.errors import NotFound
from omnicanal.core.money import Money, business_currency, minor_units
from omnicanal.customers import queries as customer_queries
from omnicanal.loyalty.models import (
    COINS,
    POINTS,
    Account,
    AccountKind,
    Coupon,
    CouponBatch,
    CouponUse,
    Entry,
    GiftCard,
    Lot,
    OwnerKind,
    Program,
    Spend,
    Tier,
    TierState,
    Transfer,
    TransferStatus,
)


def survivor_id(customer_id: str) -> str:
    """The id a customer's loyalty lives under: the merge survivor when customers knows the id,
    else the id as given (the ledger itself only needs an owner id string)."""
    if not customer_id:
        return customer_id
    try:
        return customer_queries.resolve_id(customer_id)
    except NotFound:
        return customer_id


def qr_ttl_seconds() -> int:
    """How long a loyalty QR works: the active program's setting, else the field's default (a read:
    the program row is created by services.program.get_program, not here)."""
    program = _active_program()
    return program.qr_ttl_seconds if program is not None else int(Program._meta.get_field("qr_ttl_seconds").default)


def _active_program() -> Program | None:
    """The program in force, read only (services.program.get_program creates a plain one on first need)."""
    return Program.objects.filter(active=True).order_by("pk").first()


def current_tier(customer_id: str) -> Tier | None:
    """The customer's tier: as last refreshed, else the program's entry tier (min spend 0), if any."""
    state = TierState.objects.filter(owner_id=customer_id).select_related("tier").first()
    if state is not None:
        return state.tier
    program = _active_program()
    if program is None:
        return None
    return Tier.objects.filter(program=program, min_spend__lte=0).order_by("-min_spend").first()


def tier_codes() -> list[str]:
    """The active program's tier codes, lowest first (by minimum spend): how a reader tells an
    upgrade from a downgrade (marketing's tier-change flow)."""
    program = _active_program()
    if program is None:
        return []
    return list(Tier.objects.filter(program=program).order_by("min_spend", "pk").values_list("code", flat=True))


@dataclass(frozen=True)
class Summary:
    customer_id: str
    points: int
    points_held: int
    coins: int
    store_credit: Money
    wallet: Money
    tier: Tier | None
    spend_12m: Money
    next_expiry: dict | None = None  # {"points": n, "expires_at": datetime}

    @property
    def stored_value(self) -> Money:
        return self.store_credit + self.wallet


def order_earn_recorded(order_ref: str) -> bool:
    """Whether the earn of this order ran (it records the order's spend even when it earns 0 points)."""
    return Spend.objects.filter(reference=f"order:{order_ref}").exists()


def _balance(accounts: dict, kind: str, unit: str) -> Decimal:
    account = accounts.get((kind, unit))
    return account.balance if account is not None else Decimal(0)


def summary(customer_id: str) -> Summary:
    """Balances of one customer: points, coins, stored value (store credit + wallet, business currency)."""
    currency = business_currency()
    program = _active_program()
    accounts = {(a.kind, a.unit): a for a in Account.objects.filter(owner_kind=OwnerKind.CUSTOMER, owner_id=customer_id)}
    points = accounts.get((AccountKind.POINTS, POINTS))
    state = TierState.objects.filter(owner_id=customer_id).first()
    next_lot = None
    if points is not None:
        lot = Lot.objects.filter(account=points, remaining__gt=0, expires_at__isnull=False).order_by("expires_at").first()
        if lot is not None:
            same_day = Lot.objects.filter(account=points, remaining__gt=0, expires_at=lot.expires_at).aggregate(s=Sum("remaining"))["s"]
            next_lot = {"points": int(same_day or 0), "expires_at": lot.expires_at}
    return Summary(
        customer_id=customer_id,
        points=int(points.balance or 0) if points else 0,  # only system accounts cache no balance
        points_held=int(points.pending) if points else 0,
        coins=int(_balance(accounts, AccountKind.COINS, COINS)),
        store_credit=Money(_balance(accounts, AccountKind.STORE_CREDIT, currency), currency),
        wallet=Money(_balance(accounts, AccountKind.WALLET, currency), currency),
        tier=current_tier(customer_id),
        spend_12m=Money(state.spend_12m if state else Decimal(0), program.currency if program is not None else currency),
        next_expiry=next_lot,
    )


@dataclass(frozen=True)
class Line:
    at: object
    transfer_id: str
    kind: str
    kind_label: str
    account: str
    account_label: str
    unit: str
    amount: Decimal
    balance_after: Decimal | None
    reference: str
    memo: str
    channel: str
    extra: dict = field(default_factory=dict)


def entries(customer_id: str, limit: int = 50) -> list[Line]:
    """The customer's statement, newest first, every unit."""
    rows = (
        Entry.objects.filter(account__owner_kind=OwnerKind.CUSTOMER, account__owner_id=customer_id)
        .select_related("transfer", "account").order_by("-pk")[:limit]
    )
    return [
        Line(at=e.created_at, transfer_id=e.transfer.public_id, kind=e.transfer.kind, kind_label=str(e.transfer.get_kind_display()),
             account=e.account.kind, account_label=str(e.account.get_kind_display()), unit=e.unit, amount=e.amount, balance_after=e.balance_after, reference=e.transfer.reference,
             memo=e.transfer.memo, channel=e.transfer.channel)
        for e in rows
    ]


def open_holds(customer_id: str) -> list[Transfer]:
    return list(
        Transfer.objects.filter(status=TransferStatus.PENDING, resolution__isnull=True, debit__owner_id=customer_id)
        .select_related("debit").order_by("pk")
    )


# --- the books -------------------------------------------------------------------------------


def books_problems() -> list[str]:
    """Every way the ledger could be wrong, checked from the entries up; [] when sound.

    Each unit's entries add up to zero; each posted transfer's entries add up to zero and number
    two; each cached balance equals the sum of its entries and is not negative; each held amount
    equals the open holds; each account's lots add up to its balance."""
    problems = []
    for row in Entry.objects.values("unit").annotate(total=Sum("amount")).order_by("unit"):
        if row["total"] != 0:
            problems.append(f"unit {row['unit']} sums to {row['total']}")
    unbalanced = (
        Transfer.objects.filter(status=TransferStatus.POSTED).annotate(total=Sum("entries__amount"), lines=Count("entries"))
        .exclude(total=0, lines=2).values_list("key", flat=True)[:20]
    )
    problems += [f"transfer {key} is not balanced" for key in unbalanced]
    if Transfer.objects.exclude(status=TransferStatus.POSTED).filter(entries__isnull=False).exists():
        problems.append("a pending or void transfer has entries")
    derived = dict(Entry.objects.values_list("account_id").annotate(total=Sum("amount")).order_by())
    held = dict(
        Transfer.objects.filter(status=TransferStatus.PENDING, resolution__isnull=True)
        .values_list("debit_id").annotate(total=Sum("amount")).order_by()
    )
    lots = dict(Lot.objects.values_list("account_id").annotate(total=Sum("remaining")).order_by())
    for account in Account.objects.exclude(owner_kind=OwnerKind.SYSTEM).order_by("pk"):
        entries_sum = derived.get(account.pk, Decimal(0))
        balance = account.balance  # NULL only on system accounts, excluded here: a NULL is itself a problem
        if balance is None or balance != entries_sum:
            problems.append(f"account {account} caches {account.balance}, entries say {entries_sum}")
        if balance is not None and (balance < 0 or balance < account.pending):
            problems.append(f"account {account} is overdrawn: {account.balance} held {account.pending}")
        if account.pending != held.get(account.pk, Decimal(0)):
            problems.append(f"account {account} holds {account.pending}, open holds say {held.get(account.pk, 0)}")
        if lots.get(account.pk, Decimal(0)) != account.balance:
            problems.append(f"account {account} lots sum to {lots.get(account.pk, 0)}, balance {account.balance}")
    return problems


def books_figures() -> dict[str, int]:
    """The ledger's size (invariants' counts, compared before and after a drill): transfers posted
    and pending, entries."""
    return {"transfers_posted": Transfer.objects.filter(status=TransferStatus.POSTED).count(),
            "transfers_pending": Transfer.objects.filter(status=TransferStatus.PENDING).count(),
            "entries": Entry.objects.count()}


def system_balances() -> list[dict]:
    """Balances of the system accounts (derived from entries) per unit."""
    rows = (
        Entry.objects.filter(account__owner_kind=OwnerKind.SYSTEM)
        .values("account__kind", "unit").annotate(total=Sum("amount")).order_by("unit", "account__kind")
    )
    labels = dict(AccountKind.choices)
    return [{"kind": r["account__kind"], "label": labels.get(r["account__kind"]), "unit": r["unit"], "balance": r["total"]} for r in rows]


def outstanding() -> dict:
    """What customers and cards hold, per unit (the business's loyalty liability)."""
    rows = (
        Account.objects.exclude(owner_kind=OwnerKind.SYSTEM).values("kind", "unit")
        .annotate(total=Sum("balance"), held=Sum("pending"), accounts=Count("pk", filter=Q(balance__gt=0))).order_by("kind")
    )
    labels = dict(AccountKind.choices)
    return {f"{r['kind']}:{r['unit']}": {**r, "label": labels.get(r["kind"])} for r in rows}


# --- coupons and gift cards ------------------------------------------------------------------


def coupons(*, search: str = "", limit: int = 100):
    qs = Coupon.objects.filter(batch__isnull=True).order_by("-created_at")
    if search:
        qs = qs.filter(code__icontains=search.strip())
    return list(qs[:limit])


def batches(limit: int = 50):
    return list(
        CouponBatch.objects.annotate(used=Sum("coupons__uses")).order_by("-created_at")[:limit]
    )


def batch_coupons(batch_id: str):
    return Coupon.objects.filter(batch__public_id=batch_id).order_by("code")


def coupon_usage(coupon: Coupon, limit: int = 200) -> list[CouponUse]:
    return list(CouponUse.objects.filter(coupon=coupon).order_by("-used_at")[:limit])


def usage_by_channel(coupon_filter: dict) -> list[dict]:
    return [dict(row) for row in CouponUse.objects.filter(**coupon_filter, released_at__isnull=True).values("channel")
            .annotate(uses=Count("pk"), discount=Sum("discount")).order_by("channel")]


def gift_cards(limit: int = 100) -> list[GiftCard]:
    return list(GiftCard.objects.select_related("account").order_by("-issued_at")[:limit])


@dataclass(frozen=True)
class CustomerGiftCard:
    """A gift card the customer bought, as their account shows it: never the whole code nor the PIN."""
    masked_code: str
    balance: Money
    initial: Money
    issued_at: object
    expires_at: object
    blocked: bool


def customer_gift_cards(customer_id: str, limit: int = 20) -> list[CustomerGiftCard]:
    """The gift cards bought by this customer, newest first."""
    ids = {customer_id, survivor_id(customer_id)}
    rows = GiftCard.objects.filter(purchaser_id__in=ids).select_related("account").order_by("-issued_at")[:limit]
    return [CustomerGiftCard(masked_code=str(card), balance=Money.of(card.account.balance or 0, card.currency),
                             initial=Money.of(card.initial_amount, card.currency), issued_at=card.issued_at,
                             expires_at=card.expires_at, blocked=card.blocked_at is not None)
            for card in rows]


@dataclass(frozen=True)
class Spendable:
    """What a customer can pay an order with right now: points not held by a pending payment and
    what they pay at the program's point value (loyalty's rule: a payment of X takes ⌈X / value⌉
    points, so any X up to `points_value` is covered), and the store credit not held."""
    points: int
    points_value: Money
    store_credit: Money


def _point_value() -> Decimal:
    """No program yet: nobody has earned points, and none pay anything."""
    program = _active_program()
    return program.point_value if program is not None else Decimal(0)


def spendable(customer_id: str) -> Spendable:
    currency = business_currency()
    owner = survivor_id(customer_id)
    accounts = {(a.kind, a.unit): a for a in Account.objects.filter(
        owner_kind=OwnerKind.CUSTOMER, owner_id=owner, kind__in=(AccountKind.POINTS, AccountKind.STORE_CREDIT))}
    points_account = accounts.get((AccountKind.POINTS, POINTS))
    credit_account = accounts.get((AccountKind.STORE_CREDIT, currency))
    points = max(int(points_account.available), 0) if points_account is not None else 0
    credit = max(credit_account.available, Decimal(0)) if credit_account is not None else Decimal(0)
    # down to the currency's smallest unit: never more than the points cover
    worth = (Decimal(points) * (_point_value() if points else Decimal(0))).quantize(Decimal(1).scaleb(-minor_units(currency)), rounding=ROUND_DOWN)
    return Spendable(points=points, points_value=Money(worth, currency), store_credit=Money(credit, currency))


def codes_used_on(order_ref: str) -> list[str]:
    """The coupon codes an order used (not given back): marketing attributes an order to the
    campaign whose unique code it carries, whoever placed it."""
    return codes_used_on_many([order_ref])[order_ref]


def codes_used_on_many(order_refs: list[str]) -> dict[str, list[str]]:
    """{order ref: the codes it used, not given back} for many orders in one query, every ref a key
    ([] without a coupon): the worker's hand-over of placed orders attributes them at once."""
    codes: dict[str, list[str]] = {ref: [] for ref in order_refs}
    if not codes:
        return codes
    for ref, code in (CouponUse.objects.filter(order_ref__in=list(codes), released_at__isnull=True)
                      .order_by("pk").values_list("order_ref", "coupon__code")):
        codes[ref].append(code)
    return codes


@dataclass(frozen=True)
class Standing:
    """A customer's tier (its code, "" without one) and points balance, as marketing's segments read them."""

    tier: str
    points: int


def standings(customer_ids: list[str] | None) -> dict[str, Standing]:
    """{customer id: Standing} for many customers in three queries; a customer the program never saw
    holds the entry tier (min spend 0) if any, and 0 points. None: every customer the program saw
    (a tier state or a points account; the others hold `entry_standing()`), without a list of ids."""
    ids = None if customer_ids is None else list(customer_ids)
    entry = entry_standing()
    states, accounts = TierState.objects.all(), Account.objects.filter(
        owner_kind=OwnerKind.CUSTOMER, kind=AccountKind.POINTS, unit=POINTS)
    if ids is not None:
        states, accounts = states.filter(owner_id__in=ids), accounts.filter(owner_id__in=ids)
    tiers = dict(states.values_list("owner_id", "tier__code"))  # as current_tier
    points = dict(accounts.values_list("owner_id", "balance"))
    return {cid: Standing(tier=(tiers[cid] or "") if cid in tiers else entry.tier, points=int(points.get(cid) or 0))
            for cid in (ids if ids is not None else {**tiers, **points})}


def entry_standing() -> Standing:
    """What a customer the program never saw holds: the entry tier (min spend 0) if any, 0 points."""
    program = _active_program()
    entry = (Tier.objects.filter(program=program, min_spend__lte=0).order_by("-min_spend").values_list("code", flat=True)
             .first() if program is not None else None)
    return Standing(tier=entry or "", points=0)
