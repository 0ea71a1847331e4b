"""The recommender: trained offline from order history, shop views and the catalog, scored in
process. Pure Python over plain values (no database, no numpy: dicts of a few thousand products
are fast enough at this scale; bench/bench_recommendations.py measures it).

Training builds, for every product, its nearest neighbours by a blend of
- co-purchase: customers who bought both (cosine over customers, damped for rare pairs; the same
  order counts double: "frequently bought together"),
- co-view: signed-in customers who viewed both (the shop's "recently viewed" lists),
- content: same category, same family (parent category), same brand, shared attribute values;
and the most bought products per channel (recent purchases weigh more): the fallback.

Scoring sums, over the customer's seeds (what they bought, most recent first; viewed; in the cart;
the product on screen), each seed's weight times its neighbours' similarity, and keeps, for every
candidate, the seed that gave it most: the reason shown ("porque compraste …"). What may not be
shown (unpublished, unavailable, suppressed) is the caller's to filter: `score` takes a predicate.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

NEIGHBOURS = 40  # kept per product
MAX_HISTORY = 50  # a customer's most recent distinct products that pair up (bounds the training cost)
DAMPING = 1.0  # co-occurrence count that halves a pair's similarity: two strangers' coincidence is weak
# How much a neighbour's own popularity is divided out: 0.5 is the cosine; lower leans toward what
# sells (a better hit rate), higher toward the niche (more coverage).
POPULARITY_ALPHA = 0.5
WEIGHTS = {"bought": 1.0, "viewed": 0.6, "similar": 0.05, "next": 1.0}
POPULAR = 60  # kept per channel
POPULAR_HALF_LIFE_DAYS = 90
SEED_DECAY = 0.9  # each older purchase counts this much less
SEED_WEIGHT = {"bought": 1.0, "viewed": 0.5, "cart": 1.3, "product": 2.0}
ANY_CHANNEL = "*"


@dataclass(frozen=True)
class Item:
    handle: str
    category: str
    parent: str
    brand: str
    attributes: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Purchase:
    customer_id: str
    order_id: str
    handle: str
    channel: str
    at: dt.datetime


@dataclass(frozen=True)
class View:
    customer_id: str
    handle: str
    at: dt.datetime


@dataclass
class Model:
    """{handle: [(neighbour, similarity, link)]} best first; link: bought | viewed | next | similar."""

    neighbours: dict[str, list[tuple[str, float, str]]] = field(default_factory=dict)
    popular: dict[str, list[tuple[str, float]]] = field(default_factory=dict)  # channel ("*": all) -> best first
    trained_at: str = ""
    purchases: int = 0

    def as_json(self) -> dict:
        return {"neighbours": {h: [[n, round(s, 5), k] for n, s, k in found] for h, found in self.neighbours.items()},
                "popular": {c: [[h, round(s, 4)] for h, s in found] for c, found in self.popular.items()},
                "trained_at": self.trained_at, "purchases": self.purchases}

    @classmethod
    def from_json(cls, data: dict) -> Model:
        return cls(neighbours={h: [(n, float(s), k) for n, s, k in found] for h, found in data.get("neighbours", {}).items()},
                   popular={c: [(h, float(s)) for h, s in found] for c, found in data.get("popular", {}).items()},
                   trained_at=data.get("trained_at", ""), purchases=int(data.get("purchases", 0)))


def _cooccurrence(baskets: Iterable[list[str]], *, bonus: dict[tuple[str, str], int] | None = None
                  ) -> dict[str, dict[str, float]]:
    """Cosine similarity between items over baskets (a customer's distinct products), damped."""
    counts: Counter[str] = Counter()
    pairs: dict[str, Counter[str]] = defaultdict(Counter)
    for basket in baskets:
        items = basket[:MAX_HISTORY]
        counts.update(items)
        for i, a in enumerate(items):
            row = pairs[a]
            for b in items[i + 1:]:
                row[b] += 1
                pairs[b][a] += 1
    for (a, b), extra in (bonus or {}).items():
        pairs[a][b] += extra
        pairs[b][a] += extra
    out: dict[str, dict[str, float]] = {}
    for a, row in pairs.items():
        out[a] = {b: (c / ((counts[a] or 1) ** (1 - POPULARITY_ALPHA) * (counts[b] or 1) ** POPULARITY_ALPHA))
                     * (c / (c + DAMPING)) for b, c in row.items()}
    return out


def _content(items: list[Item]) -> dict[str, dict[str, float]]:
    """Similarity from the catalog, compared within a family (a parent category) or a brand only."""
    groups: dict[str, list[Item]] = defaultdict(list)
    for item in items:
        groups[f"f:{item.parent or item.category}"].append(item)
    out: dict[str, dict[str, float]] = defaultdict(dict)
    for members in groups.values():
        for i, a in enumerate(members):
            for b in members[i + 1:]:
                union = len(a.attributes | b.attributes)
                score = (0.5 * (a.category == b.category) + 0.2 + 0.2 * (bool(a.brand) and a.brand == b.brand)
                         + 0.1 * (len(a.attributes & b.attributes) / union if union else 0))
                out[a.handle][b.handle] = out[b.handle][a.handle] = score
    return out


def _sequences(purchases: list[Purchase]) -> dict[str, dict[str, float]]:
    """What customers buy AFTER a product (a bicycle, then its accessories): for every product b a
    customer first bought later than a, P(b after a) = c / n_a, damped. Co-purchase has no direction;
    this does (benchmark: +1.3 points of hit rate at 10 over co-purchase alone)."""
    firsts: dict[str, dict[str, dt.datetime]] = defaultdict(dict)
    for p in purchases:
        seen = firsts[p.customer_id]
        if p.handle not in seen or p.at < seen[p.handle]:
            seen[p.handle] = p.at
    counts: Counter[str] = Counter()
    after: dict[str, Counter[str]] = defaultdict(Counter)
    for seen in firsts.values():
        ordered = sorted(seen, key=seen.__getitem__)[-MAX_HISTORY:]
        counts.update(ordered)
        for i, a in enumerate(ordered):
            for b in ordered[i + 1:]:
                if seen[b] > seen[a]:  # the same order is co-purchase's, not a sequence
                    after[a][b] += 1
    return {a: {b: c / counts[a] * (c / (c + DAMPING)) for b, c in row.items()} for a, row in after.items()}


def _baskets(events: Iterable[tuple[str, str, dt.datetime]]) -> list[list[str]]:
    """Per customer, their distinct handles, most recent first."""
    latest: dict[str, dict[str, dt.datetime]] = defaultdict(dict)
    for customer, handle, at in events:
        seen = latest[customer]
        if handle not in seen or seen[handle] < at:
            seen[handle] = at
    return [sorted(found, key=found.__getitem__, reverse=True) for found in latest.values()]


def _popular(purchases: list[Purchase], now: dt.datetime) -> dict[str, list[tuple[str, float]]]:
    scores: dict[str, Counter[str]] = defaultdict(Counter)
    for p in purchases:
        weight = 0.5 ** (max(0.0, (now - p.at).total_seconds()) / 86400 / POPULAR_HALF_LIFE_DAYS)
        scores[p.channel][p.handle] += weight
        scores[ANY_CHANNEL][p.handle] += weight
    return {channel: [(h, s) for h, s in found.most_common(POPULAR)] for channel, found in scores.items()}


def train(*, items: list[Item], purchases: list[Purchase], views: list[View], now: dt.datetime) -> Model:
    known = {item.handle for item in items}
    purchases = [p for p in purchases if p.handle in known]
    same_order: Counter[tuple[str, str]] = Counter()
    orders: dict[str, set[str]] = defaultdict(set)
    for p in purchases:
        orders[p.order_id].add(p.handle)
    for handles in orders.values():
        if 1 < len(handles) <= 10:
            ordered = sorted(handles)
            for i, a in enumerate(ordered):
                for b in ordered[i + 1:]:
                    same_order[(a, b)] += 1
    bought = _cooccurrence(_baskets((p.customer_id, p.handle, p.at) for p in purchases), bonus=same_order)
    viewed = _cooccurrence(_baskets((v.customer_id, v.handle, v.at) for v in views if v.handle in known))
    similar = _content(items)
    following = _sequences(purchases)
    neighbours: dict[str, list[tuple[str, float, str]]] = {}
    for handle in known:
        blend: dict[str, tuple[float, str, float]] = {}
        for link, table in (("bought", bought), ("viewed", viewed), ("similar", similar), ("next", following)):
            for other, sim in table.get(handle, {}).items():
                part = WEIGHTS[link] * sim
                total, best_link, best = blend.get(other, (0.0, link, 0.0))
                blend[other] = (total + part, link if part > best else best_link, max(best, part))
        ranked = sorted(blend.items(), key=lambda kv: (-kv[1][0], kv[0]))[:NEIGHBOURS]
        if ranked:
            neighbours[handle] = [(other, total, link) for other, (total, link, _best) in ranked]
    return Model(neighbours=neighbours, popular=_popular(purchases, now), trained_at=now.isoformat(),
                 purchases=len(purchases))


@dataclass(frozen=True)
class Seed:
    handle: str
    kind: str  # bought | viewed | cart | product
    weight: float


@dataclass(frozen=True)
class Scored:
    handle: str
    score: float
    seed: str  # the seed's handle that gave most ("" for a popular pick)
    seed_kind: str  # bought | viewed | cart | product | popular
    link: str  # bought | viewed | next | similar | popular


def seeds_for(*, bought: Sequence[str], viewed: Sequence[str] = (), cart: Sequence[str] = (), product: str = "",
              max_seeds: int = 20) -> list[Seed]:
    """Seeds from most recent first lists of handles."""
    out: list[Seed] = []
    if product:
        out.append(Seed(product, "product", SEED_WEIGHT["product"]))
    out += [Seed(h, "cart", SEED_WEIGHT["cart"]) for h in dict.fromkeys(cart)]
    out += [Seed(h, "bought", SEED_WEIGHT["bought"] * SEED_DECAY ** i) for i, h in enumerate(dict.fromkeys(bought))]
    out += [Seed(h, "viewed", SEED_WEIGHT["viewed"] * SEED_DECAY ** i) for i, h in enumerate(dict.fromkeys(viewed))]
    return out[:max_seeds]


def score(model: Model, seeds: list[Seed], *, channel: str, limit: int,
          allowed: Callable[[str], bool] = lambda handle: True) -> list[Scored]:
    """The best `limit` products for these seeds that `allowed` lets through, topped up with the
    channel's popular products (then any channel's)."""
    totals: dict[str, float] = defaultdict(float)
    best: dict[str, tuple[float, Seed, str]] = {}
    seeded = {s.handle for s in seeds if s.kind in ("product", "cart")}
    for seed in seeds:
        for other, sim, link in model.neighbours.get(seed.handle, ()):
            part = seed.weight * sim
            totals[other] += part
            if other not in best or part > best[other][0]:
                best[other] = (part, seed, link)
    out: list[Scored] = []
    taken: set[str] = set()
    for handle in sorted(totals, key=lambda h: (-totals[h], h)):
        if handle in seeded or not allowed(handle):
            continue
        _part, seed, link = best[handle]
        out.append(Scored(handle=handle, score=totals[handle], seed=seed.handle, seed_kind=seed.kind, link=link))
        taken.add(handle)
        if len(out) >= limit:
            return out
    for source in (channel, ANY_CHANNEL):
        for handle, _weight in model.popular.get(source, ()):
            if handle in taken or handle in seeded or not allowed(handle):
                continue
            out.append(Scored(handle=handle, score=0.0, seed="", seed_kind="popular", link="popular"))
            taken.add(handle)
            if len(out) >= limit:
                return out
    return out
