"""Availability (ATP) of one SKU across every location, p50 and p99, on PostgreSQL.

    .venv/bin/python bench/bench_availability.py            # 20k variants x 7 locations, 10k x 200
    .venv/bin/python bench/bench_availability.py --small    # 2k x 7 and 1k x 200 (a quick check)

Creates (and drops) its own database, `omnicanal_bench_availability` on DATABASE_URL's server
(default postgres://postgres@127.0.0.1:5432). Stock rows are written with COPY, without a ledger:
availability reads stock levels only. Target: p99 <= 5 ms.
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import time
from urllib.parse import urlsplit, urlunsplit

DB_NAME = "omnicanal_bench_availability"


def _setup_django() -> str:
    base = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    parts = urlsplit(base)
    admin_url = urlunsplit(parts._replace(path="/postgres"))
    bench_url = urlunsplit(parts._replace(path=f"/{DB_NAME}"))
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{DB_NAME}"')
    os.environ["DATABASE_URL"] = bench_url
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-0000000000000000000000000000")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "omnicanal.web.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    return admin_url


def _drop(admin_url: str) -> None:
    import psycopg
    from django.db import connections

    connections.close_all()
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')


def _reset() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE inventory_stocklevel, inventory_locationchannel, inventory_location, "
                       "catalog_listing, catalog_productimage, catalog_variant, catalog_product CASCADE")


def _load(n_variants: int, n_locations: int, rng: random.Random) -> list[str]:
    from django.db import connection

    from omnicanal.catalog.models import Category, Product, Variant
    from omnicanal.catalog.services import do_ensure_default_channels
    from omnicanal.core import clock
    from omnicanal.core.ids import new_id
    from omnicanal.inventory.models import Location, LocationChannel

    _reset()
    do_ensure_default_channels()
    now = clock.now()
    category = Category.objects.get_or_create(slug="bench", defaults={"name_es": "Bench"})[0]
    products = [Product(public_id=new_id("prd"), handle=f"p-{i}", name_es=f"Producto {i}", category=category,
                        base_price=9990, currency="CLP", created_at=now, updated_at=now)
                for i in range(n_variants // 4 + 1)]
    Product.objects.bulk_create(products, batch_size=5000)
    skus = [f"B-{i:06d}" for i in range(n_variants)]
    Variant.objects.bulk_create([Variant(public_id=new_id("var"), product=products[i // 4], sku=sku)
                                 for i, sku in enumerate(skus)], batch_size=5000)
    hours = {"mon-fri": "10:00-20:00", "sat": "10:00-21:00", "sun": "11:00-19:00"}
    locations = Location.objects.bulk_create([
        Location(code=f"L{j:03d}", name=f"Local {j}", kind="store" if j % 5 else "warehouse", ships=True,
                 pickup=bool(j % 5), lat=-33.4 + rng.uniform(-4, 4), lon=-70.6 + rng.uniform(-1, 1),
                 opening_hours=hours)
        for j in range(n_locations)
    ])
    LocationChannel.objects.bulk_create([
        LocationChannel(location=loc, channel_id="web", ships=True, pickup=loc.pickup, safety_stock=1 if loc.pickup else 0)
        for loc in locations
    ])
    variant_ids = list(Variant.objects.order_by("pk").values_list("pk", flat=True))
    location_ids = [loc.pk for loc in locations]
    with connection.cursor() as cursor:
        with cursor.cursor.copy("COPY inventory_stocklevel (location_id, variant_id, on_hand, reserved, updated_at) "
                                "FROM STDIN") as copy:
            for vid in variant_ids:
                for lid in location_ids:
                    on_hand = rng.randint(0, 20)
                    copy.write_row((lid, vid, on_hand, min(on_hand, rng.choice((0, 0, 0, 1))), now))
        cursor.execute("ANALYZE")
    return skus


def _percentile(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def _measure(skus: list[str], rng: random.Random, n: int) -> dict:
    from omnicanal.inventory import queries

    for sku in rng.sample(skus, min(200, len(skus))):  # warm the caches and the connection
        queries.availability(sku=sku, channel="web", lat=-33.45, lon=-70.66)
    timings = []
    for _ in range(n):
        sku = rng.choice(skus)
        started = time.perf_counter()
        result = queries.availability(sku=sku, channel="web", lat=-33.45, lon=-70.66)
        timings.append((time.perf_counter() - started) * 1000)
        assert result.sku == sku
    bulk = []
    for _ in range(max(20, n // 100)):
        batch = rng.sample(skus, 100)
        started = time.perf_counter()
        queries.availability_many(skus=batch, channel="web")
        bulk.append((time.perf_counter() - started) * 1000)
    return {"p50": statistics.median(timings), "p99": _percentile(timings, 99), "max": max(timings),
            "bulk100_p50": statistics.median(bulk)}


def main(argv: list[str]) -> None:
    small = "--small" in argv
    keep = "--keep" in argv
    scenarios = [(2000, 7), (1000, 200)] if small else [(20000, 7), (10000, 200)]
    samples = 1000 if small else 3000
    admin_url = _setup_django()
    rng = random.Random(7)
    try:
        print(f"{'variants':>9} {'locations':>9} {'rows':>10} {'load s':>7} {'p50 ms':>7} {'p99 ms':>7} "
              f"{'max ms':>7} {'bulk100 p50 ms':>15}  (target p99 <= 5 ms)", flush=True)
        for n_variants, n_locations in scenarios:
            started = time.perf_counter()
            skus = _load(n_variants, n_locations, rng)
            load_s = time.perf_counter() - started
            figures = _measure(skus, rng, samples)
            print(f"{n_variants:>9} {n_locations:>9} {n_variants * n_locations:>10} {load_s:>7.1f} "
                  f"{figures['p50']:>7.2f} {figures['p99']:>7.2f} {figures['max']:>7.2f} "
                  f"{figures['bulk100_p50']:>15.2f}", flush=True)
    finally:
        if not keep:
            _drop(admin_url)


if __name__ == "__main__":
    main(sys.argv[1:])
