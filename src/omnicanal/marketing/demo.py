"""Demo marketing for Andes Sport: the recommender trained on the demo's order history and views,
so the shop, the 360 and the console show recommendations from the start. Needs the orders demo."""

from __future__ import annotations

import random

from omnicanal.marketing import services


def load(*, seed: int, rng: random.Random, out) -> None:
    row = services.do_train_recommender()
    out.write(f"  recommender trained on {row.purchases} bought lines, {row.products} products "
              f"in {row.seconds:.2f} s\n")
