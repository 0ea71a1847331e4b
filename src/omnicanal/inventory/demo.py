"""Andes Sport's stock: the seven locations of core.demo.LOCATIONS, which channels each serves, and
stock of every variant across them, as receipts in the ledger (bulk inserts, about a second).

Then a little life, through the services: a few active reservations, a transfer on the road to
Valparaíso, one received in Concepción, a cycle count with a variance in Santiago, an adjustment.
Two variants published on the marketplace are left without stock, for the consistency audit.
"""

from __future__ import annotations

import datetime as dt
import random

from django.db.models import Count

from omnicanal.catalog import queries as catalog_queries
from omnicanal.catalog.queries import VariantSummary
from omnicanal.core import clock
from omnicanal.core.demo import BUSINESS, LOCATIONS
from omnicanal.inventory import services
from omnicanal.inventory.models import Location, MovementKind, StockLevel, StockMovement
from omnicanal.inventory.services import ReserveLine

WAREHOUSE, DARK, SUPPLIER, LOCKER = "WH-CENTRAL", "DS-PROVI", "SUP-MONTANA", "LOCKER-LOSLEONES"
STORES = ["SCL-CENTRO", "VAP-PLAZA", "CCP-MALL"]

# Per channel: (location, ships, pickup, safety stock, priority). Stores keep one unit of each size
# for walk-ins on the remote channels; the POS sells them.
_REMOTE = [(WAREHOUSE, True, False, 0, 10), (DARK, True, False, 0, 20),
           *[(s, True, True, 1, 50) for s in STORES], (SUPPLIER, True, False, 0, 90), (LOCKER, False, True, 0, 100)]
LINKS = {
    "web": _REMOTE,
    "app": _REMOTE,
    "chat": _REMOTE,
    "phone": _REMOTE,
    "marketplace": [(WAREHOUSE, True, False, 0, 10), (SUPPLIER, True, False, 0, 90)],
    "pos": [(s, False, True, 0, 10) for s in STORES],
    "mpos": [(s, False, True, 0, 10) for s in STORES],
}


def _quantities(rng: random.Random, family: str, code: str) -> int:
    if code == WAREHOUSE:
        return rng.randint(4, 40)
    if code == SUPPLIER:
        return rng.randint(2, 12) if family in ("bicicletas", "outdoor") else 0
    if code == DARK:
        return rng.randint(5, 30) if family in ("geles-energeticos", "proteinas", "accesorios") else rng.randint(0, 4)
    if code in STORES:
        return 0 if family == "bicicletas" and code == "CCP-MALL" else rng.choice([0, 1, 2, 2, 3, 4, 6])
    return 0


def load(*, seed: int, rng: random.Random, out) -> None:
    channels = set(catalog_queries.channel_codes(active_only=False))
    locations: dict[str, Location] = {}
    for demo in LOCATIONS:
        locations[demo.code] = services.do_create_location(
            code=demo.code, name=demo.name, kind=demo.kind, capabilities=demo.capabilities,
            address={"line1": demo.line1, "city": demo.city, "region": demo.region, "country": BUSINESS["country"]},
            lat=demo.lat, lon=demo.lon, timezone=BUSINESS["time_zone"], opening_hours=demo.hours, channels=[],
        )
    for channel, links in LINKS.items():
        if channel not in channels:
            continue
        for code, ships, pickup, safety, priority in links:
            services.do_link_channel(location=locations[code], channel=channel, ships=ships, pickup=pickup,
                                     safety_stock=safety, priority=priority)

    now = clock.now()
    variants = catalog_queries.variant_summaries()
    # Two variants the marketplace publishes are sold out everywhere it ships from (audit: stock).
    sold_out = set(catalog_queries.listed_skus("marketplace")[10:12])
    levels = []
    for variant in variants:
        family = variant.category
        for code, location in locations.items():
            if code == LOCKER:
                continue
            quantity = 0 if variant.sku in sold_out and code in (WAREHOUSE, SUPPLIER) else _quantities(rng, family, code)
            if quantity:
                levels.append(StockLevel(location=location, variant_id=variant.id, on_hand=quantity, reserved=0,
                                         updated_at=now))
    StockLevel.objects.bulk_create(levels, batch_size=2000)
    StockMovement.objects.bulk_create(
        [StockMovement(stock=level, kind=MovementKind.RECEIPT, quantity=level.on_hand, on_hand_after=level.on_hand,
                       reference="GD-INICIAL", reason="Stock inicial", actor="system:demo", at=now)
         for level in levels],
        batch_size=2000,
    )
    _a_little_life(rng, locations, variants)
    holidays = _chilean_holidays([locations[code] for code in STORES], now.year)
    out.write(f"  {len(locations)} locations, {len(levels)} stock levels, {holidays} holidays\n")


# Chile's fixed public holidays (Ley 19.973 and others) and the shortened eves the stores keep:
# (month, day, name, special hours or None for closed).
CHILEAN_HOLIDAYS = [
    (1, 1, "Año Nuevo", None), (5, 1, "Día del Trabajo", None), (5, 21, "Día de las Glorias Navales", None),
    (9, 18, "Fiestas Patrias", None), (9, 19, "Día de las Glorias del Ejército", None),
    (12, 8, "Inmaculada Concepción", None), (12, 24, "Nochebuena", ("10:00", "16:00")),
    (12, 25, "Navidad", None), (12, 31, "Fin de año", ("10:00", "15:00")),
]


def _chilean_holidays(stores: list[Location], year: int) -> int:
    """This year's and next year's holidays at the stores (so the next days always have some ahead)."""
    count = 0
    for store in stores:
        for y in (year, year + 1):
            for month, day, name, special in CHILEAN_HOLIDAYS:
                opens, closes = (dt.time.fromisoformat(t) for t in special) if special else (None, None)
                services.do_set_holiday(location=store, date=dt.date(y, month, day), name=name,
                                        closed=special is None, opens=opens, closes=closes)
                count += 1
    return count


def _a_little_life(rng: random.Random, locations: dict[str, Location], variants: list[VariantSummary]) -> None:
    stocked = list(StockLevel.objects.filter(location__code=WAREHOUSE, on_hand__gte=10)
                   .values_list("variant__sku", flat=True).order_by("variant__sku")[:60])
    for i, sku in enumerate(stocked[:6]):
        services.do_reserve(reference=f"DEMO-CART-{i + 1}", channel="web", lines=[ReserveLine(sku, 1 + i % 2)])
    trip = services.do_request_transfer(origin=locations[WAREHOUSE], destination=locations["VAP-PLAZA"],
                                        lines=[(sku, 3) for sku in stocked[10:14]], note="Reposición semanal")
    services.do_ship_transfer(transfer_id=trip.id)
    done = services.do_request_transfer(origin=locations[WAREHOUSE], destination=locations["CCP-MALL"],
                                        lines=[(sku, 2) for sku in stocked[20:23]], note="Reposición")
    services.do_ship_transfer(transfer_id=done.id)
    services.do_receive_transfer(transfer_id=done.id)
    services.do_request_transfer(origin=locations["SCL-CENTRO"], destination=locations[DARK],
                                 lines=[(stocked[30], 1)], note="Pedido de la dark store")
    store_skus = list(StockLevel.objects.filter(location__code="SCL-CENTRO", on_hand__gte=2)
                      .values_list("variant__sku", "on_hand").order_by("variant__sku")[:8])
    services.do_count(location=locations["SCL-CENTRO"], reason="Conteo cíclico semanal",
                      lines=[(sku, max(0, n + rng.choice([0, 0, -1, 1]))) for sku, n in store_skus])
    if store_skus:
        services.do_adjust_stock(location=locations["SCL-CENTRO"], sku=store_skus[-1][0], delta=-1,
                                 reason="Producto dañado en vitrina")
    assert not StockLevel.objects.values("location", "variant").annotate(n=Count("id")).filter(n__gt=1).exists()
