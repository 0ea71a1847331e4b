"""The recommender's quality, speed and training time (issue 18, Must show).

    make bench BENCH_ARGS=recommendations
    PYTHONPATH=src .venv/bin/python bench/bench_recommendations.py [--customers 3000] [--big-orders 100000] [--db]

Prints, on a generated realistic history over the demo's catalog (Andes Sport's ~200 products,
customers with one or two sports, a favourite brand and style, bicycles followed by their
accessories, gels bought again every few weeks, 20 % of purchases random), split in time (the
first ~10 months train, the last ~2 months test):
- hit rate at 10: customers of the test period for whom at least one product they bought then
  (and had not bought before) is among their 10 recommendations; beside the same for a popularity
  baseline (the channel's most bought, with the same exclusions) measured in the same run
  (goal: at least 2x popularity's);
- coverage: the share of the catalog that appears in anyone's 10;
- recommendation latency p50/p99 per customer in process (seeds from the customer's history, the
  model's scoring, the exclusions; goal p99 <= 10 ms). The database reads of a live request (the
  customer's history, the channel's prices and stock: three indexed queries) are not in this figure;
  --db measures the whole `marketing.queries.recommend` on the configured database;
- retraining time at --big-orders orders (generated in memory: reading 100k orders from SQLite
  would measure the ORM, not the recommender; --db prints the read time of the demo's history).

--db also runs the same time-split evaluation on the configured database's order history (the
demo's, `omnicanal demo`): its orders are drawn at random from the catalog, so no recommender can
beat popularity there by much; the figure is printed for honesty, not as the goal.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

NOW = dt.datetime(2026, 12, 1, 12, tzinfo=dt.UTC)
SPLIT = NOW - dt.timedelta(days=60)
CHANNELS = [("web", 34), ("app", 20), ("marketplace", 14), ("pos", 26), ("chat", 6)]
STORES = ["SCL", "PRV", "VIN"]  # a customer's till purchases are at their home store


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p * len(ordered)))]


def demo_catalog():
    """The catalog demo's products as the recommender's items, without a database."""
    from omnicanal.catalog.demo import AXES, BRANDS, CATEGORIES, LINES
    from omnicanal.marketing import recommender

    parent = {slug: p or slug for slug, p, *_rest in CATEGORIES}
    cycle = {slug: c for slug, _p, _es, _en, c, _d in CATEGORIES}
    rng = random.Random(7)
    items, n = [], 0
    for category, _family, kinds, models, _prices, axis in LINES:
        name, values, count = AXES[axis]
        for kind_es, _kind_en in kinds:
            for model in models:
                n += 1
                start = rng.randint(0, len(values) - count)
                items.append(recommender.Item(
                    handle=f"{kind_es}-{model}-{n}".lower().replace(" ", "-"), category=category,
                    parent=parent[category], brand=rng.choice(BRANDS),
                    attributes=frozenset(f"{name}={v}" for v in values[start:start + count])))
    return items, cycle


def model_i_of(item) -> int:
    return int(item.handle.rsplit("-", 1)[1])


SPORTS = {
    "running": ["zapatillas-running", "ropa-running", "accesorios", "geles-energeticos"],
    "cycling": ["bicicletas", "accesorios-ciclismo", "accesorios", "geles-energeticos"],
    "nutrition": ["geles-energeticos", "proteinas", "accesorios"],
    "outdoor": ["outdoor", "accesorios", "ropa-running"],
}


def generate(items, cycle, *, customers: int, seed: int = 1, orders_target: int | None = None):
    """A year of orders by customers who shop like people: a sport or two, a favourite brand and a
    style (a third of each category's products), bicycles then accessories, gels again and again."""
    from omnicanal.marketing import recommender

    rng = random.Random(seed)
    homes = random.Random(seed + 1000)  # its own stream: the history's other draws stay as they were
    by_category: dict[str, list] = defaultdict(list)
    for item in items:
        by_category[item.category].append(item)
    brands = sorted({item.brand for item in items})
    popularity = {item.handle: 1 / (i % 37 + 1) for i, item in enumerate(items)}
    purchases: list[recommender.Purchase] = []
    order_n = 0
    channels, weights = zip(*CHANNELS, strict=True)
    for c in range(customers):
        cid = f"cus_{c}"
        sports = rng.sample(sorted(SPORTS), k=rng.choice([1, 1, 2]))
        brand = rng.choice(brands)
        style = rng.randrange(3)
        channel = rng.choices(channels, weights)[0]
        home = homes.choice(STORES)
        favourites: dict[str, list] = {}

        def pick(category: str, favourites=favourites, style=style, brand=brand):
            pool = by_category[category]
            if category not in favourites:
                liked = [it for it in pool if model_i_of(it) % 3 == style] or pool
                branded = [it for it in liked if it.brand == brand]
                favourites[category] = (branded[:2] + liked)[:5]
            if rng.random() < 0.2:
                return rng.choices(pool, [popularity[it.handle] for it in pool])[0]
            return rng.choice(favourites[category])

        at = NOW - dt.timedelta(days=rng.uniform(0, 365))
        visits = rng.randint(2, 9)
        for _ in range(visits):
            order_n += 1
            oid = f"ord_{order_n}"
            shop_channel = channel if rng.random() < 0.7 else rng.choices(channels, weights)[0]
            store = home if shop_channel == "pos" else ""
            sport = rng.choice(sports)
            categories = rng.sample(SPORTS[sport], k=rng.choice([1, 1, 2]))
            for category in categories:
                item = pick(category)
                purchases.append(recommender.Purchase(cid, oid, item.handle, shop_channel, at, store))
                if category == "bicicletas":  # a bicycle brings its accessories within days
                    for extra in rng.sample(favourites.get("accesorios-ciclismo") or by_category["accesorios-ciclismo"], 2):
                        order_n += 1
                        later = at + dt.timedelta(days=rng.uniform(0, 20))
                        purchases.append(recommender.Purchase(cid, f"ord_{order_n}", extra.handle, shop_channel, later,
                                                              store))
            if rng.random() < 0.2:  # something unrelated, as people do
                noise = rng.choices(items, [popularity[it.handle] for it in items])[0]
                purchases.append(recommender.Purchase(cid, oid, noise.handle, shop_channel, at, store))
            gap = 30 if "nutrition" in sports else 45
            at = at + dt.timedelta(days=rng.uniform(gap * 0.6, gap * 1.6))
            if at > NOW:
                break
        if orders_target and order_n >= orders_target:
            break
    return [p for p in purchases if p.at <= NOW], order_n


def evaluate(model, items, cycle, train_rows, test_rows, *, k: int = 10, popular_only: bool = False,
             by_store: bool = False):
    """Hit rate at k, coverage and per-customer latency, with the marketing rules' exclusions.
    `by_store`: the popular top-up starts with the customer's store (the one they last bought at in
    person, as a preferred store), then the channel's."""
    from omnicanal.marketing import recommender

    category = {item.handle: item.category for item in items}
    history: dict[str, list] = defaultdict(list)
    for p in train_rows:
        history[p.customer_id].append(p)
    wanted: dict[str, set[str]] = defaultdict(set)
    for p in test_rows:
        bought_before = {h.handle for h in history.get(p.customer_id, ())}
        if p.handle not in bought_before:
            wanted[p.customer_id].add(p.handle)
    hits, shown, latencies = 0, set(), []
    customers = [c for c in wanted if c in history]
    for cid in customers:
        started = time.perf_counter()
        mine = sorted(history[cid], key=lambda p: p.at, reverse=True)
        channel = mine[0].channel
        owned = {p.handle for p in mine if cycle.get(category.get(p.handle, ""), "one_off") != "replenishable"}
        durable_until = {category[p.handle] for p in mine
                         if cycle.get(category.get(p.handle, "")) == "durable" and (SPLIT - p.at).days < 365}

        def allowed(handle: str, owned=owned, durable_until=durable_until) -> bool:
            return handle not in owned and category.get(handle) not in durable_until

        seeds = [] if popular_only else recommender.seeds_for(bought=[p.handle for p in mine])
        store = next((p.store for p in mine if p.store), "") if by_store else ""
        found = recommender.score(model, seeds, channel=channel, store=store, limit=k, allowed=allowed)
        latencies.append((time.perf_counter() - started) * 1000)
        handles = [s.handle for s in found]
        shown.update(handles)
        hits += bool(wanted[cid] & set(handles))
    return {"customers": len(customers), "hit_rate": hits / max(1, len(customers)),
            "coverage": len(shown) / max(1, len(items)), "p50": percentile(latencies, 0.5) if latencies else 0,
            "p99": percentile(latencies, 0.99) if latencies else 0}


def report(label: str, model, items, cycle, train_rows, test_rows) -> None:
    mine = evaluate(model, items, cycle, train_rows, test_rows)
    popular = evaluate(model, items, cycle, train_rows, test_rows, popular_only=True)
    ratio = mine["hit_rate"] / popular["hit_rate"] if popular["hit_rate"] else float("inf")
    print(f"{label}: {mine['customers']} test customers, {len(train_rows)} bought lines to train on")
    print(f"  hit rate @10: recommender {mine['hit_rate']:.1%}, popularity {popular['hit_rate']:.1%} "
          f"-> {ratio:.2f}x (goal >= 2x)")
    print(f"  coverage @10: recommender {mine['coverage']:.1%}, popularity {popular['coverage']:.1%} of "
          f"{len(items)} products")
    print(f"  latency per customer in process: p50 {mine['p50']:.2f} ms, p99 {mine['p99']:.2f} ms (goal p99 <= 10 ms)")
    if any(p.store for p in train_rows):
        stores = evaluate(model, items, cycle, train_rows, test_rows, popular_only=True, by_store=True)
        mixed = evaluate(model, items, cycle, train_rows, test_rows, by_store=True)
        print(f"  per-store popularity baseline (the customer's store, then the channel's): {stores['hit_rate']:.1%} "
              f"(channel popularity {popular['hit_rate']:.1%}); recommender topped up from the store first: "
              f"{mixed['hit_rate']:.1%}")


def generated(args) -> None:
    from omnicanal.marketing import recommender

    items, cycle = demo_catalog()
    purchases, orders = generate(items, cycle, customers=args.customers)
    train_rows = [p for p in purchases if p.at < SPLIT]
    test_rows = [p for p in purchases if p.at >= SPLIT]
    started = time.perf_counter()
    model = recommender.train(items=items, purchases=train_rows, views=[], now=SPLIT)
    print(f"generated history: {args.customers} customers, {orders} orders, {len(purchases)} lines; "
          f"training {time.perf_counter() - started:.2f} s")
    report("generated history, time split at day 305", model, items, cycle, train_rows, test_rows)

    big, big_orders = generate(items, cycle, customers=10 ** 7, seed=2, orders_target=args.big_orders)
    started = time.perf_counter()
    model = recommender.train(items=items, purchases=big, views=[], now=NOW)
    seconds = time.perf_counter() - started
    print(f"retraining at {big_orders} orders ({len(big)} bought lines, generated in memory): {seconds:.2f} s; "
          f"the model's JSON {len(str(model.as_json())) / 1e6:.1f} MB")


def from_database() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "omnicanal.web.settings")
    import django

    django.setup()
    from django.db import transaction

    from omnicanal.catalog import queries as catalog
    from omnicanal.marketing import queries, recommender, services

    started = time.perf_counter()
    items, purchases, views = services.training_data()
    read = time.perf_counter() - started
    if not purchases:
        print("database: no order history (run `omnicanal demo` first); skipped")
        return
    cycle = {slug: c.cycle for slug, c in catalog.category_cycles().items()}
    times = sorted(p.at for p in purchases)
    split = times[int(len(times) * 0.8)]
    train_rows = [p for p in purchases if p.at < split]
    test_rows = [p for p in purchases if p.at >= split]
    model = recommender.train(items=items, purchases=train_rows, views=[v for v in views if v.at < split], now=split)
    print(f"database: read {len(purchases)} bought lines and {len(views)} views in {read:.2f} s")
    report("database (the demo's random orders), time split at 80 %", model, items, cycle, train_rows, test_rows)
    with transaction.atomic():
        services.do_train_recommender()
    customers = list(dict.fromkeys(p.customer_id for p in reversed(purchases)))[:300]
    latencies = []
    for cid in customers:
        t0 = time.perf_counter()
        queries.recommend(customer_id=cid, channel="web", limit=10)
        latencies.append((time.perf_counter() - t0) * 1000)
    print(f"  full recommend() with its database reads, {len(latencies)} customers: p50 "
          f"{percentile(latencies, 0.5):.1f} ms, p99 {percentile(latencies, 0.99):.1f} ms")


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="bench_recommendations", description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=3000)
    parser.add_argument("--big-orders", type=int, default=100_000)
    parser.add_argument("--db", action="store_true", help="also evaluate on the configured database's history")
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "omnicanal.web.settings")
    import django

    django.setup()
    generated(args)
    if args.db:
        from_database()


if __name__ == "__main__":
    main(sys.argv[1:])
