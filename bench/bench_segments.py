"""Segments' live count (issue 18): what a count costs cold (the window's first: the population built,
the whole order history and every customer's facts read) and warm (the kept population filtered:
the builder's next keystrokes), beside the full read every count made before (`segment_members`,
which exports, campaigns and saves still make), at the demo's size or larger.

    .venv/bin/python bench/run.py segments [--customers 20000] [--orders 100000] [--repeat 5]
    PYTHONPATH=src .venv/bin/python bench/bench_segments.py ...

Creates (and drops) `omnicanal_bench_segments` on DATABASE_URL's server (default
postgres://postgres@127.0.0.1:5432). Customers have an email, a third a marketing grant, a city and a
language; orders (1–3 lines over 12 categories, 7 channels, the last 365 days, 3 % cancelled) are
spread over 80 % of them. Prints per rule set: the full read, the cold count and the warm count
(median of --repeat), the statements each asks, the kept population's memory (tracemalloc), and a
check that every count equals the fresh computation. The clock is frozen for the counts (one window).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import time
import tracemalloc
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

DB_NAME = "omnicanal_bench_segments"
NOW = dt.datetime(2026, 12, 1, 15, 0, tzinfo=dt.UTC)
CATEGORIES = ["geles", "proteinas", "zapatillas-running", "bicicletas", "cascos", "luces", "poleras", "calcetines",
              "carpas", "mochilas", "botellas", "relojes"]
CHANNELS = [("web", 34), ("app", 20), ("marketplace", 14), ("pos", 22), ("mpos", 4), ("phone", 3), ("chat", 3)]
CITIES = ["Las Condes", "Ñuñoa", "Valparaíso", "Concepción", "Providencia", "Viña del Mar"]
STORES = ["SCL-CENTRO", "SCL-COSTANERA", "VAL-PLAZA", "CCP-MALL"]
RULE_SETS = {
    "everyone": [],
    "bought gels": [{"field": "categories_bought", "op": "any_of", "value": ["geles"]}],
    "gels, no bicycle, 3+ orders": [{"field": "categories_bought", "op": "any_of", "value": ["geles"]},
                                    {"field": "categories_bought", "op": "none_of", "value": ["bicicletas"]},
                                    {"field": "orders", "op": "gte", "value": 3}],
    "RFM champions": [{"field": "rfm_recency", "op": "gte", "value": 4}, {"field": "rfm_frequency", "op": "gte", "value": 4},
                      {"field": "rfm_monetary", "op": "gte", "value": 4}],
    "lapsed in Valparaíso, email": [{"field": "days_since_last_purchase", "op": "gte", "value": 120},
                                    {"field": "city", "op": "any_of", "value": ["valparaiso"]},
                                    {"field": "consent", "op": "any_of", "value": ["email"]}],
}


def _urls() -> tuple[str, str]:
    base = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    parts = urlsplit(base)
    return urlunsplit(parts._replace(path="/postgres")), urlunsplit(parts._replace(path=f"/{DB_NAME}"))


def _django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("OMNICANAL_ENV", "development")
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-0000000000000000000000000000")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "omnicanal.web.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()


def _pick(rng: random.Random, weighted):
    return rng.choices([v for v, _ in weighted], weights=[w for _, w in weighted])[0]


def _prepare(admin_url: str, bench_url: str, customers: int, orders: int) -> None:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{DB_NAME}"')
    _django(bench_url)
    from decimal import Decimal

    from django.core.management import call_command
    from django.db import transaction

    from omnicanal.core.ids import new_id
    from omnicanal.customers.models import Consent, Customer, Identity
    from omnicanal.orders.models import Order, OrderLine

    call_command("migrate", verbosity=0)
    rng = random.Random(18)
    ids: list[str] = []
    for start in range(0, customers, 5000):
        with transaction.atomic():
            people = Customer.objects.bulk_create([
                Customer(public_id=new_id("cus"), name=f"Cliente {i}", anonymous=False, created_at=NOW,
                         updated_at=NOW, language=rng.choice(["es", "es", "es", "en"]),
                         address_city=rng.choice(CITIES)) for i in range(start, min(start + 5000, customers))])
            Identity.objects.bulk_create([
                Identity(customer=c, kind="email", value=f"c{start + i}@example.cl", verified=True,
                         first_seen_at=NOW, last_seen_at=NOW) for i, c in enumerate(people)])
            Consent.objects.bulk_create([
                Consent(customer=c, channel="email", purpose="marketing", granted=True, source="bench", changed_at=NOW)
                for c in people if rng.random() < 1 / 3])
            ids += [c.public_id for c in people]
    buyers = ids[: int(len(ids) * 0.8)]
    for start in range(0, orders, 5000):
        with transaction.atomic():
            made, plans = [], []
            for _ in range(start, min(start + 5000, orders)):
                channel = _pick(rng, CHANNELS)
                method = "carry_out" if channel in ("pos", "mpos") else rng.choice(["ship", "ship", "pickup"])
                lines = [(rng.choice(CATEGORIES), rng.randint(1, 3), Decimal(rng.randrange(2000, 200000, 500)))
                         for _ in range(rng.choice([1, 1, 2, 3]))]
                total = sum((price * quantity for _c, quantity, price in lines), Decimal(0))
                made.append(Order(
                    public_id=new_id("ord"), channel=channel, customer_id=rng.choice(buyers),
                    status="cancelled" if rng.random() < 0.03 else "completed", delivery_method=method,
                    delivery_location=rng.choice(STORES) if method != "ship" else "", currency="CLP", subtotal=total,
                    total=total, placed_at=NOW - dt.timedelta(days=rng.uniform(1, 365))))
                plans.append(lines)
            Order.objects.bulk_create(made)
            OrderLine.objects.bulk_create([
                OrderLine(order=order, sku=f"{category.upper()}-{quantity}", title=category, category=category,
                          quantity=quantity, unit_price=price, total=price * quantity)
                for order, lines in zip(made, plans, strict=True) for category, quantity, price in lines])


def _timed(call, statements: list[int]):
    from django.db import connection

    count = [0]

    def wrapper(execute, sql, params, many, context):
        count[0] += 1
        return execute(sql, params, many, context)

    started = time.perf_counter()
    with connection.execute_wrapper(wrapper):
        value = call()
    statements.append(count[0])
    return value, time.perf_counter() - started


def _measure(repeat: int) -> bool:
    from omnicanal.core import clock, memo
    from omnicanal.marketing import population, queries

    ok = True
    colds, warms, fulls = [], [], []
    print(f"{'rule set':32} {'size':>7} {'full read':>10} {'cold count':>11} {'warm count':>11}  statements full/cold/warm")
    for name, raw in RULE_SETS.items():
        rules, errors = queries.parse_rules(raw)
        assert not errors, errors
        with clock.frozen(NOW):
            full_statements: list[int] = []
            members, full = _timed(lambda rules=rules: queries.segment_members(rules), full_statements)
            memo.forget_all()
            cold_statements: list[int] = []
            size, cold = _timed(lambda rules=rules: queries.segment_count(rules), cold_statements)
            warm_statements: list[int] = []
            warm = statistics.median(_timed(lambda rules=rules: queries.segment_count(rules), warm_statements)[1]
                                     for _ in range(repeat))
        ok &= size == len(members)
        colds.append(cold)
        warms.append(warm)
        fulls.append(full)
        print(f"{name:32} {size:>7,} {full:>9.2f}s {cold:>10.2f}s {warm * 1000:>9.1f}ms  "
              f"{full_statements[0]}/{cold_statements[0]}/{max(warm_statements)}")
    with clock.frozen(NOW):
        tracemalloc.start()
        kept = population.build()
        held, _peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    print(f"kept population: {len(kept):,} customers' facts, {held / 2**20:.0f} MiB in this process")
    warm, full = statistics.median(warms), statistics.median(fulls)
    print(f"live count (medians): cold {statistics.median(colds):.1f} s to build the population, warm "
          f"{1 / warm:,.0f} counts/s ({warm * 1000:.0f} ms), {full / warm:,.0f}x faster than the full read "
          f"({full:.1f} s)")
    print(f"check: every count equals the fresh computation: {'OK' if ok else 'FAILED'}")
    return ok


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=20_000)
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    options = parser.parse_args()
    admin_url, bench_url = _urls()
    print(f"preparing {options.customers:,} customers and {options.orders:,} orders (load average {_loadavg()})",
          flush=True)
    started = time.perf_counter()
    _prepare(admin_url, bench_url, options.customers, options.orders)
    print(f"prepared in {time.perf_counter() - started:.0f} s", flush=True)
    ok = _measure(options.repeat)
    print(f"load average {_loadavg()}")
    if not ok:
        raise SystemExit("a check failed")


def _loadavg() -> str:
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


if __name__ == "__main__":
    main()
