"""Demo marketing for Andes Sport: the recommender trained on the demo's order history and views,
so the shop, the 360 and the console show recommendations from the start; and two subscriptions
(energy gels picked up at Santiago Centro, paid with the card the demo shopper saved in orders'
demo; protein shipped home, paid with the balance) so the account page, the 360 and the console's
list have something to show. Needs the orders demo."""

from __future__ import annotations

import dataclasses
import datetime as dt
import random

from omnicanal.catalog import queries as catalog
from omnicanal.customers import queries as customers
from omnicanal.marketing import services, subscriptions
from omnicanal.orders import queries as order_queries

# (category, quantity, every N days, pickup store or "" to ship to the customer's address)
DEMO_SUBSCRIPTIONS = (("geles-energeticos", 6, 30, "SCL-CENTRO"), ("proteinas", 1, 45, ""))


def load(*, seed: int, rng: random.Random, out) -> None:
    row = services.do_train_recommender()
    out.write(f"  recommender trained on {row.purchases} bought lines, {row.products} products "
              f"in {row.seconds:.2f} s\n")
    made = _subscriptions(rng)
    if made:
        out.write(f"  {made} subscriptions (account page, 360 and Marketing → Subscriptions)\n")


def _subscriptions(rng: random.Random) -> int:
    """Two of the oldest demo customers subscribed on the web (a few queries: the catalog's SKUs once)."""
    people = customers.customer_ids(limit=2)
    by_category: dict[str, list[str]] = {}
    for variant in catalog.variant_summaries():
        by_category.setdefault(variant.category, []).append(variant.sku)
    made = 0
    for customer_id, (category, quantity, days, store) in zip(people, DEMO_SUBSCRIPTIONS, strict=False):
        sold = catalog.channel_prices(by_category.get(category, [])[:4], "web")
        skus = [sku for sku, price in sold.items() if price.active and price.published]
        address = customers.customer_summary(customer_id).address
        if not skus or (not store and (address is None or not address.line1)):
            continue
        card = next(iter(order_queries.stored_cards(customer_id)), None)  # the demo shopper's (orders' demo)
        subscriptions.do_subscribe(
            payment_source="card" if card is not None else "stored_value", card_id=card.id if card is not None else "",
            customer_id=customer_id, lines=[subscriptions.LineSpec(sku=rng.choice(sorted(skus)), quantity=quantity)],
            interval_days=days, delivery_method="pickup" if store else "ship", location=store,
            address=dataclasses.asdict(address) if address is not None and not store else None,
            next_date=subscriptions.today() + dt.timedelta(days=rng.randrange(3, 12)), by="demo")
        made += 1
    return made
