"""Coupons and promotions: one shared code with a use limit, batches of unique codes, or many unique
codes drawn by another domain (a campaign's one per message: `new_code`, then `do_create_coupons`).

A use is counted when the order is placed (do_use_coupon), under the coupon's row lock and by a
conditional UPDATE, and the database's CHECK refuses a count above max_uses: N uses at most, however
many checkouts race for the last one, in whichever channels. Cancellation or return gives it back
(do_release_coupon).
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db.models import F, Q
from django.utils.translation import gettext as _

from omnicanal.core import audit, clock, outbox, throttle
from omnicanal.core.auth import SYSTEM, Principal
from omnicanal.core.errors import CouponExhausted, InvalidTransition, NotFound, ValidationFailed
from omnicanal.core.money import Money, business_currency, check_currency
from omnicanal.loyalty import events, locks
from omnicanal.loyalty.models import Coupon, CouponBatch, CouponKind, CouponUse
from omnicanal.loyalty.queries import survivor_id
from omnicanal.loyalty.services.common import Line, lines_total
from omnicanal.loyalty.services.stored_value import CODE_ALPHABET

CODE = re.compile(r"^[A-Z0-9][A-Z0-9_-]{2,39}$")
CHANNEL = re.compile(r"^[a-z][a-z0-9_]{1,19}$")
MAX_BATCH = 10_000
# A unique code's random part: CODE_ALPHABET (no 0/O, 1/I: read aloud at a till). 8 characters after
# a batch's prefix (32⁸), 10 for codes drawn one message at a time (32¹⁰: two launches drawing at
# once never meet in practice; the table's unique index refuses it if they ever do).
BATCH_CODE_LENGTH = 8
DRAWN_CODE_LENGTH = 10


def normalize_code(code: str) -> str:
    return (code or "").strip().upper()


@dataclass(frozen=True)
class Terms:
    """What a coupon (or every coupon of a batch) grants and where."""

    kind: str
    value: Decimal = Decimal(0)
    currency: str = ""
    buy_quantity: int = 0
    get_quantity: int = 0
    min_spend: Decimal = Decimal(0)
    skus: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    channels: tuple[str, ...] = ()
    max_uses_per_customer: int | None = None
    starts_at: datetime | None = None
    ends_at: datetime | None = None


def check_terms(terms: Terms) -> Terms:
    if terms.kind not in CouponKind.values:
        raise ValidationFailed.on("kind", _("must be one of %(values)s") % {"values": ", ".join(CouponKind.values)})
    value = Decimal(str(terms.value))
    if terms.kind == CouponKind.PERCENT and not Decimal(0) < value <= Decimal(100):
        raise ValidationFailed.on("value", _("a percent must be more than 0 and at most 100"))
    if terms.kind == CouponKind.AMOUNT and value <= 0:
        raise ValidationFailed.on("value", _("must be more than zero"))
    if terms.kind == CouponKind.BUY_X_GET_Y and (terms.buy_quantity < 1 or terms.get_quantity < 1):
        raise ValidationFailed.on("buy_quantity", _("buy X get Y needs both quantities of at least 1"))
    if terms.kind != CouponKind.PERCENT and value < 0:
        raise ValidationFailed.on("value", _("cannot be negative"))
    if Decimal(str(terms.min_spend)) < 0:
        raise ValidationFailed.on("min_spend", _("cannot be negative"))
    bad = [c for c in terms.channels if not CHANNEL.match(c)]
    if bad:
        raise ValidationFailed.on("channels", _("not channel names: %(names)s") % {"names": ", ".join(bad)})
    if terms.max_uses_per_customer is not None and terms.max_uses_per_customer < 1:
        raise ValidationFailed.on("max_uses_per_customer", _("must be at least 1"))
    if terms.starts_at and terms.ends_at and terms.ends_at <= terms.starts_at:
        raise ValidationFailed.on("ends_at", _("must be after the start"))
    currency = check_currency(terms.currency or business_currency())
    return Terms(**{**terms.__dict__, "value": value, "currency": currency, "min_spend": Decimal(str(terms.min_spend))})


def _fields(terms: Terms) -> dict:
    return {
        "kind": terms.kind, "value": terms.value, "currency": terms.currency, "buy_quantity": terms.buy_quantity,
        "get_quantity": terms.get_quantity, "min_spend": terms.min_spend, "skus": sorted(set(terms.skus)),
        "categories": sorted(set(terms.categories)), "channels": sorted(set(terms.channels)),
        "max_uses_per_customer": terms.max_uses_per_customer, "starts_at": terms.starts_at, "ends_at": terms.ends_at,
    }


def do_create_coupon(
    *, code: str, terms: Terms, max_uses: int | None = None, name: str = "", owner_id: str = "",
    actor: Principal = SYSTEM,
) -> Coupon:
    code = normalize_code(code)
    if not CODE.match(code):
        raise ValidationFailed.on("code", _("3 to 40 letters, digits, - or _"))
    if max_uses is not None and max_uses < 1:
        raise ValidationFailed.on("max_uses", _("must be at least 1"))
    terms = check_terms(terms)
    if Coupon.objects.filter(code=code).exists():
        raise ValidationFailed.on("code", _("is taken"))
    coupon = Coupon.objects.create(
        code=code, name=name, owner_id=owner_id, max_uses=max_uses, created_by=_label(actor), created_at=clock.now(),
        **_fields(terms),
    )
    audit.record(actor=actor, action="loyalty.coupon.create", target_type="coupon", target_id=coupon.public_id,
                 after={"code": code, "kind": terms.kind, "value": str(terms.value), "max_uses": max_uses})
    return coupon


def new_code(prefix: str, *, length: int = DRAWN_CODE_LENGTH) -> str:
    """A fresh random code PREFIX-XXXXXXXXXX (the one rule for unique codes: alphabet and length). Not
    checked against the table: the caller may put it in a message first, then make the coupons with
    `do_create_coupons`, which refuses a taken one."""
    return f"{normalize_code(prefix)}-{''.join(secrets.choice(CODE_ALPHABET) for _ in range(length))}"


def do_create_coupons(
    *, codes: list[str], terms: Terms, max_uses: int | None = 1, name: str = "", actor: Principal = SYSTEM,
) -> list[Coupon]:
    """Many coupons sharing `terms`, one per code (e.g. `new_code` drawn for each message of a
    campaign), in three statements whatever their number: one check that no code is taken, one
    INSERT of the coupons, one audit entry naming them. Codes are checked as `do_create_coupon`
    checks one (format, not taken) and must differ from each other; a code taken by a concurrent
    writer between the check and the INSERT is refused by the table's unique index (the caller's
    transaction rolls back). Runs inside the caller's transaction."""
    wanted = [normalize_code(code) for code in codes]
    if not 1 <= len(wanted) <= MAX_BATCH:
        raise ValidationFailed.on("codes", _("must be between 1 and %(max)d") % {"max": MAX_BATCH})
    if len(set(wanted)) != len(wanted):
        raise ValidationFailed.on("codes", _("each code must be different"))
    if not all(CODE.match(code) for code in wanted):
        raise ValidationFailed.on("codes", _("3 to 40 letters, digits, - or _"))
    if max_uses is not None and max_uses < 1:
        raise ValidationFailed.on("max_uses", _("must be at least 1"))
    terms = check_terms(terms)
    if Coupon.objects.filter(code__in=wanted).exists():
        raise ValidationFailed.on("codes", _("is taken"))
    now, label = clock.now(), _label(actor)
    made = Coupon.objects.bulk_create([
        Coupon(code=code, name=name[:100], max_uses=max_uses, created_by=label, created_at=now,
               public_id=_new_coupon_id(), **_fields(terms)) for code in wanted])
    audit.record(actor=actor, action="loyalty.coupon.create_many", target_type="coupon", target_id=made[0].public_id,
                 after={"count": len(made), "codes": wanted, "kind": terms.kind, "value": str(terms.value),
                        "max_uses": max_uses, "name": name[:100]})
    return made


def do_create_batch(
    *, name: str, prefix: str, count: int, terms: Terms, uses_per_code: int = 1, actor: Principal = SYSTEM
) -> CouponBatch:
    """`count` unique codes PREFIX-XXXXXXXX sharing `terms`, each usable `uses_per_code` times."""
    prefix = normalize_code(prefix)
    if not re.match(r"^[A-Z0-9]{2,12}$", prefix):
        raise ValidationFailed.on("prefix", _("2 to 12 letters or digits"))
    if not 1 <= count <= MAX_BATCH:
        raise ValidationFailed.on("count", _("must be between 1 and %(max)d") % {"max": MAX_BATCH})
    if uses_per_code < 1:
        raise ValidationFailed.on("uses_per_code", _("must be at least 1"))
    terms = check_terms(terms)
    now = clock.now()
    batch = CouponBatch.objects.create(name=name.strip() or prefix, prefix=prefix, count=count, created_by=_label(actor), created_at=now)
    codes: set[str] = set()
    while len(codes) < count:
        fresh = {new_code(prefix, length=BATCH_CODE_LENGTH) for _ in range(count - len(codes))}
        taken = set(Coupon.objects.filter(code__in=fresh).values_list("code", flat=True))
        codes |= fresh - taken
    Coupon.objects.bulk_create(
        [Coupon(code=code, name=batch.name, max_uses=uses_per_code, batch=batch, created_by=batch.created_by, created_at=now,
                public_id=_new_coupon_id(), **_fields(terms)) for code in sorted(codes)]
    )
    audit.record(actor=actor, action="loyalty.coupon_batch.create", target_type="coupon_batch", target_id=batch.public_id,
                 after={"count": count, "prefix": prefix, "kind": terms.kind, "value": str(terms.value)})
    return batch


def _new_coupon_id() -> str:
    from omnicanal.core.ids import new_id

    return new_id("cpn")


def _label(actor) -> str:
    return "system" if actor.kind == "system" else f"{actor.kind}:{actor.id}"


def do_set_coupon_active(*, coupon_id: str, active: bool, actor: Principal) -> Coupon:
    coupon = Coupon.objects.get(public_id=coupon_id)
    Coupon.objects.filter(pk=coupon.pk).update(active=active)
    audit.record(actor=actor, action="loyalty.coupon.activate" if active else "loyalty.coupon.deactivate",
                 target_type="coupon", target_id=coupon_id)
    coupon.active = active
    return coupon


# --- validation and discount -----------------------------------------------------------------


@dataclass(frozen=True)
class Discount:
    coupon: Coupon
    amount: Money
    free_shipping: bool


def _guessing() -> tuple[tuple[str, object], ...]:
    """Unknown codes count per client address and per credential (core.throttle): validating,
    looking up or redeeming codes cannot enumerate them; a locked caller gets 429."""
    return (("coupon_address", throttle.current_address()), ("coupon_credential", throttle.current_credential()))


def _unknown(code: str) -> NotFound:
    throttle.failed(*_guessing())
    return NotFound(detail=_("No coupon %(code)s.") % {"code": normalize_code(code)})


def find_coupon(code: str) -> Coupon:
    throttle.check(*_guessing())
    coupon = Coupon.objects.filter(code=normalize_code(code)).first()
    if coupon is None:
        raise _unknown(code)
    return coupon


def check_coupon_quietly(
    *, code: str, channel: str, lines: list[Line], subtotal: Money | None = None, customer_id: str = "",
) -> Discount:
    """check_coupon for a caller who must not learn whether a code exists (the coming Store API, a
    shopper): an unknown, inactive, expired, exhausted or someone else's coupon all answer the same
    422 on `coupon`. Staff and integrations get the precise reason (they are authenticated and
    throttled)."""
    try:
        return check_coupon(coupon=find_coupon(code), channel=channel, lines=lines, subtotal=subtotal,
                            customer_id=customer_id)
    except (NotFound, CouponExhausted) as exc:
        raise ValidationFailed.on("coupon", _("this coupon cannot be used")) from exc
    except ValidationFailed as exc:
        if any(e.field in ("coupon", "customer_id") for e in exc.errors):
            raise ValidationFailed.on("coupon", _("this coupon cannot be used")) from exc
        raise


def _in_scope(coupon: Coupon, line: Line) -> bool:
    if not coupon.skus and not coupon.categories:
        return True
    return line.sku in coupon.skus or (bool(line.category) and line.category in coupon.categories)


def uses_by(coupon: Coupon, customer_id: str) -> int:
    return CouponUse.objects.filter(coupon=coupon, customer_id=customer_id, released_at__isnull=True).count()


def check_coupon(
    *, coupon: Coupon, channel: str, lines: list[Line], subtotal: Money | None = None, customer_id: str = "",
    at: datetime | None = None,
) -> Discount:
    """The discount the coupon gives this order, or the problem that stops it: unknown (404),
    used up (409 coupon-exhausted), or not valid here (422 on the field `coupon`)."""
    at = at or clock.now()
    if not coupon.active:
        raise ValidationFailed.on("coupon", _("this coupon is no longer active"))
    if coupon.starts_at and at < coupon.starts_at:
        raise ValidationFailed.on("coupon", _("this coupon is not valid yet"))
    if coupon.ends_at and at >= coupon.ends_at:
        raise ValidationFailed.on("coupon", _("this coupon has expired"))
    if coupon.channels and channel not in coupon.channels:
        raise ValidationFailed.on("coupon", _("this coupon is not valid in the channel %(channel)s") % {"channel": channel})
    if coupon.max_uses is not None and coupon.uses >= coupon.max_uses:
        raise CouponExhausted(detail=_("The coupon %(code)s has been used as many times as allowed.") % {"code": coupon.code})
    if customer_id and coupon.max_uses_per_customer is not None and uses_by(coupon, customer_id) >= coupon.max_uses_per_customer:
        raise CouponExhausted(detail=_("This customer has used the coupon %(code)s as many times as allowed.") % {"code": coupon.code})
    if coupon.max_uses_per_customer is not None and not customer_id:
        raise ValidationFailed.on("customer_id", _("this coupon is limited per customer: name the customer"))
    if coupon.owner_id and survivor_id(customer_id) != survivor_id(coupon.owner_id):
        raise ValidationFailed.on("coupon", _("this coupon was made for another customer"))
    total = lines_total(lines, coupon.currency) if lines else subtotal
    if total is None:
        raise ValidationFailed.on("subtotal", _("give the order's lines or its subtotal"))
    if total.currency != coupon.currency:
        raise ValidationFailed.on("subtotal", _("must be in %(currency)s") % {"currency": coupon.currency})
    if total.amount < coupon.min_spend:
        raise ValidationFailed.on("coupon", _("the order must reach %(amount)s") % {"amount": Money(coupon.min_spend, coupon.currency).format()})
    scoped = bool(coupon.skus or coupon.categories)
    eligible = [line for line in lines if _in_scope(coupon, line)]
    if scoped and not eligible:
        raise ValidationFailed.on("coupon", _("no line of the order is eligible for this coupon"))
    base = lines_total(eligible, coupon.currency) if (scoped or lines) else total
    return Discount(coupon=coupon, amount=_discount(coupon, base, eligible), free_shipping=coupon.kind == CouponKind.FREE_SHIPPING)


def _discount(coupon: Coupon, base: Money, eligible: list[Line]) -> Money:
    zero = Money.zero(coupon.currency)
    if coupon.kind == CouponKind.PERCENT:
        return min(base, Money(base.amount * coupon.value / 100, coupon.currency))
    if coupon.kind == CouponKind.AMOUNT:
        return min(base, Money(coupon.value, coupon.currency))
    if coupon.kind == CouponKind.BUY_X_GET_Y:
        group = coupon.buy_quantity + coupon.get_quantity
        units = sorted((price for line in eligible for price in [line.unit_price.amount] * max(line.quantity, 0)), reverse=True)
        if len(units) < group:
            raise ValidationFailed.on("coupon", _("buy %(x)d to get %(y)d free") % {"x": coupon.buy_quantity, "y": coupon.get_quantity})
        # Within each group of X+Y units (dearest first) the cheapest Y are free.
        free = sum((price for index, price in enumerate(units[: len(units) // group * group]) if index % group >= coupon.buy_quantity), Decimal(0))
        return Money(free, coupon.currency)
    return zero


# --- use and give back -----------------------------------------------------------------------


def do_use_coupon(
    *, code: str, order_ref: str, channel: str, lines: list[Line] | None = None, subtotal: Money | None = None,
    customer_id: str = "",
) -> CouponUse:
    """Count one use for an order (at placement). The same order again returns its use."""
    if not order_ref:
        raise ValidationFailed.on("order_ref", _("is required"))
    customer_id = survivor_id(customer_id)
    throttle.check(*_guessing())
    coupon = locks.lock_coupon(normalize_code(code))
    if coupon is None:
        raise _unknown(code)
    existing = CouponUse.objects.filter(coupon=coupon, order_ref=order_ref).first()
    if existing is not None:
        if existing.released_at is not None:
            raise InvalidTransition(detail=_("This order gave the coupon back already."))
        return existing
    discount = check_coupon(coupon=coupon, channel=channel, lines=list(lines or []), subtotal=subtotal, customer_id=customer_id)
    counted = Coupon.objects.filter(pk=coupon.pk).filter(Q(max_uses__isnull=True) | Q(uses__lt=F("max_uses"))).update(uses=F("uses") + 1)
    if counted != 1:  # belt and braces: the lock already serialized us
        raise CouponExhausted(detail=_("The coupon %(code)s has been used as many times as allowed.") % {"code": coupon.code})
    use = CouponUse.objects.create(
        coupon=coupon, order_ref=order_ref, customer_id=customer_id, channel=channel, discount=discount.amount.amount,
        currency=discount.amount.currency, free_shipping=discount.free_shipping, used_at=clock.now(),
    )
    outbox.emit(events.CouponUsed(coupon_id=coupon.public_id, code=coupon.code, customer_id=customer_id, order_ref=order_ref,
                                  channel=channel, discount=discount.amount.as_dict(), free_shipping=discount.free_shipping))
    return use


def do_release_coupon(*, order_ref: str) -> list[CouponUse]:
    """Give back the coupon uses of a cancelled or returned order (again: nothing more)."""
    released = []
    for use in CouponUse.objects.filter(order_ref=order_ref, released_at__isnull=True).order_by("coupon_id"):
        coupon = locks.lock_coupon(use.coupon.code)
        if CouponUse.objects.filter(pk=use.pk, released_at__isnull=True).update(released_at=clock.now()) != 1:
            continue
        Coupon.objects.filter(pk=coupon.pk, uses__gt=0).update(uses=F("uses") - 1)
        outbox.emit(events.CouponReleased(coupon_id=coupon.public_id, code=coupon.code, order_ref=order_ref))
        released.append(use)
    return released
