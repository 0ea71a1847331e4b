"""Demo loyalty of Andes Sport: the "Club Andes" program (Base, Plata, Oro), earning rules, a few
gift cards and coupons, and opening balances for some demo customers when the customers app is
installed. Balances from demo orders come when the orders domain lands."""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal

from omnicanal.core import clock
from omnicanal.core.money import Money
from omnicanal.loyalty.services import coupons, program, stored_value

TIERS = [
    ("base", "Base", 0, "1", ["1 punto por cada $100 en cualquier canal", "Puntos valen como dinero en tienda y en línea"]),
    ("plata", "Plata", 400_000, "1.25", ["25% más puntos", "Envío gratis sobre $30.000", "Doble puntaje en tu cumpleaños"]),
    ("oro", "Oro", 1_200_000, "1.5", ["50% más puntos", "Envío gratis siempre", "Acceso anticipado a ventas", "Atención preferente"]),
]
CATEGORY_RULES = [("Running suma doble", "running", "2"), ("Trekking x1,5", "trekking", "1.5")]
ACTIVITY_RULES = [
    ("Reseña de producto", "review", 50, "PTS", None),
    ("Encuesta respondida", "survey", 30, "PTS", None),
    ("Amigo referido", "referral", 500, "PTS", 10),
    ("Perfil completo", "profile", 200, "PTS", 1),
    ("Ruleta Club Andes", "game", 20, "COIN", None),
]


def load(*, seed: int, rng: random.Random, out) -> None:
    program.do_configure_program(
        code="club-andes", name="Club Andes", earn_per=Decimal(100), earn_points=1, point_value=Decimal(1),
        points_expire_months=12, expiry_notice_days=30, qr_ttl_seconds=300,
    )
    for code, name, min_spend, multiplier, benefits in TIERS:
        program.do_set_tier(code=code, name=name, min_spend=Decimal(min_spend), earn_multiplier=Decimal(multiplier), benefits=benefits)
    for name, category, multiplier in CATEGORY_RULES:
        program.do_add_rule(kind="category", name=name, category=category, multiplier=Decimal(multiplier))
    program.do_add_rule(kind="category", name="App: camping x3", category="camping", multiplier=Decimal(3), channels=["app"])
    for name, activity, reward, unit, cap in ACTIVITY_RULES:
        program.do_add_rule(kind="activity", name=name, activity=activity, reward=reward, unit=unit, max_per_customer=cap)
    _coupons(rng)
    cards = _gift_cards(rng)
    out.write(f"  Club Andes: {len(TIERS)} tiers, {len(cards)} gift cards (code/PIN: {cards[0][0]} / {cards[0][1]})\n")
    given = _opening_balances(rng)
    if given:
        out.write(f"  Club Andes: opening balances for {given} demo customers\n")


def _coupons(rng: random.Random) -> None:
    now = clock.now()
    Terms = coupons.Terms
    coupons.do_create_coupon(code="BIENVENIDA10", name="Bienvenida 10%", terms=Terms(kind="percent", value=Decimal(10), max_uses_per_customer=1))
    coupons.do_create_coupon(code="ENVIOGRATIS", name="Envío gratis sobre $30.000", terms=Terms(kind="free_shipping", min_spend=Decimal(30_000)))
    coupons.do_create_coupon(code="RUNNING5000", name="$5.000 en running", max_uses=500,
                             terms=Terms(kind="amount", value=Decimal(5000), categories=("running",), min_spend=Decimal(40_000)))
    coupons.do_create_coupon(code="APP15", name="15% comprando en la app", terms=Terms(kind="percent", value=Decimal(15), channels=("app",)))
    coupons.do_create_coupon(code="CALCETINES3X2", name="Calcetines 3x2",
                             terms=Terms(kind="buy_x_get_y", buy_quantity=2, get_quantity=1, categories=("calcetines",)))
    coupons.do_create_coupon(code="VIP-UNICO", name="Un solo uso", max_uses=1, terms=Terms(kind="amount", value=Decimal(20_000)))
    coupons.do_create_batch(name="Cyber Day", prefix="CYBER", count=40,
                            terms=Terms(kind="percent", value=Decimal(20), ends_at=now + timedelta(days=30)))


def _gift_cards(rng: random.Random) -> list[tuple[str, str]]:
    cards = []
    for index, amount in enumerate((20_000, 50_000, 10_000)):
        code = "".join(rng.choice(stored_value.CODE_ALPHABET) for _ in range(16))
        pin = f"{rng.randrange(10**6):06d}"
        stored_value.do_issue_gift_card(amount=Money.of(amount), code=code, pin=pin, reference=f"demo-gc-{index + 1}")
        cards.append((code, pin))
    return cards


def _opening_balances(rng: random.Random) -> int:
    """Some demo customers start with points, coins and store credit (service recovery)."""
    from omnicanal.core.auth import SYSTEM
    from omnicanal.customers import queries as customer_queries

    people = sorted(customer_queries.customer_ids(limit=60, newest_first=True))
    for index, customer_id in enumerate(people):
        program.do_adjust(customer_id=customer_id, kind="points", amount=rng.randrange(200, 12_000, 10),
                          reason="Saldo inicial del programa (demo)", actor=SYSTEM, key=f"demo-opening:{customer_id}")
        if index % 3 == 0:
            program.do_earn_activity(customer_id=customer_id, activity="profile", reference="demo-profile")
        if index % 4 == 0:
            program.do_earn_activity(customer_id=customer_id, activity="game", reference=f"demo-game-{index}",
                                     amount=rng.randrange(5, 21))
        if index % 10 == 0:
            stored_value.do_grant_store_credit(customer_id=customer_id, amount=Money.of(rng.randrange(5, 30) * 1000),
                                               reason="service_recovery", reference="demo", key=f"demo-credit:{customer_id}")
    return len(people)
