"""The population segments are counted over: every countable customer's facts (`segments.Facts`:
what they bought on every channel, RFM among all buyers, language, city, consent, loyalty, carts),
built in one pass, and kept a short while per process for the live count (issue 18).

Why: RFM scores rank a customer among every buyer, so any count read the whole order history and
the facts of every customer, and the console's builder asks a count on every change of a row. Now
the first count of a window builds the population; the others only filter it (bench/bench_segments.py).

What is kept, and for how long:

- per process (`core.memo`: the facts never leave the process; Django's cache, Redis when several
  processes share one, holds only a version token), per database, per window of the clock of
  `OMNICANAL["MARKETING"]["SEGMENT_COUNT_SECONDS"]` (60) seconds: a count reads the facts as the
  window's first count found them, **at most that many seconds old**. A new order, a consent, a tier
  change shows in the next window's counts.
- A merge or an erasure forgets it in every process at once (`forget`, from marketing's handlers:
  customers' registry): a merged-away or erased customer is never counted again once known.
- Registered fields (feedback's survey answers) are kept the same way, each once a rule names it.

Only counts read the kept population (`count`): the builder's live count, the API's
`POST /segments/count` and a saved segment's `size`. Whoever acts on the members (a campaign's
enrolment, the CSV export and ad audiences, feedback's triggers) and a save (its recorded size) build
it fresh (`members`), from the database as it is now.

There are no tenants: one deployment serves one business (docs/architecture.md); the key names the
database, so processes sharing a cache but not a database (a test run, a second deployment on the
same Redis without its own CACHE_KEY_PREFIX) never serve each other's."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Hashable, Iterable
from decimal import Decimal
from typing import Any, TypeVar

from django.db import connection

from omnicanal.core import clock, memo
from omnicanal.customers import queries as customers
from omnicanal.loyalty import queries as loyalty
from omnicanal.marketing import governance, registry, segments
from omnicanal.orders import queries as orders

T = TypeVar("T")
BATCH = 1000  # customers whose facts are read from the owners per round (a few queries each)


class _WindowMemo(memo.Memo):
    """A memo whose keys carry the clock's window (third part): once a window's value is stored, the
    older windows' (never read again, each a whole population) leave this process's memory."""

    def get(self, key: Hashable, compute: Callable[[], T]) -> T:
        value = super().get(key, compute)
        window = key[2] if isinstance(key, tuple) else None
        for old in [k for k in self._values if isinstance(k, tuple) and k[2] != window]:
            del self._values[old]
        return value


KEPT = _WindowMemo("marketing.segment_population", max_age=3600.0)  # the window bounds the age

Extra = dict[str, frozenset[str] | Decimal]  # a registered field's value per customer


def window_seconds() -> int:
    """How long a kept population serves counts (the staleness bound)."""
    return max(1, int(governance.setting("SEGMENT_COUNT_SECONDS")))


def forget(*_args: Any, **_kwargs: Any) -> None:
    """A merge or an erasure: no process counts from what it kept (a receiver: any arguments)."""
    KEPT.forget()


def _key(*parts: Hashable) -> tuple:
    window = clock.now().timestamp() // window_seconds()
    return (connection.alias, str(connection.settings_dict.get("NAME")), int(window), *parts)


def by_customer(history: Iterable[orders.PurchasedLine]) -> dict[str, list[orders.PurchasedLine]]:
    """The bought lines grouped per customer (each customer's oldest first, as given)."""
    out: dict[str, list[orders.PurchasedLine]] = {}
    for line in history:
        out.setdefault(line.customer_id, []).append(line)
    return out


def rfm_population(history: Iterable[orders.PurchasedLine]) -> dict[str, tuple[int, int, int]]:
    """RFM scores over every customer who bought (segments.rfm_scores)."""
    stats: dict[str, list] = {}
    for line in history:
        held = stats.setdefault(line.customer_id, [line.placed_at, set(), Decimal(0)])
        held[0] = max(held[0], line.placed_at)
        held[1].add(line.order_id)
        held[2] += line.amount
    return segments.rfm_scores({cid: (last, len(order_ids), spend) for cid, (last, order_ids, spend) in stats.items()})


class _Interned(dict):
    """One object per distinct set (most customers share their channels, consents, stores): a kept
    population of 100k customers holds a few thousand sets, not 400k."""

    def __call__(self, items: Iterable[str]) -> frozenset[str]:
        found = frozenset(items)
        return self.setdefault(found, found)


def facts_of(customer_ids: list[str], bought: dict[str, list[orders.PurchasedLine]],
             rfm: dict[str, tuple[int, int, int]], intern: _Interned | None = None) -> list[segments.Facts]:
    """The facts of these customers (erased and unknown ones left out), in their order, from the owners
    in a few queries; `bought` and `rfm` were read once for many batches. Registered fields are not
    read here (`extra_values`)."""
    intern = intern if intern is not None else _Interned()
    summaries = customers.customer_summaries(customer_ids)
    consents = customers.granted_channels(customer_ids, "marketing")
    standings = loyalty.standings(customer_ids)
    carts = orders.abandoned_carts(customer_ids)
    out = []
    for cid in customer_ids:
        summary = summaries.get(cid)
        if summary is None or summary.erased:
            continue
        lines = bought.get(cid, [])
        standing = standings.get(cid)
        out.append(segments.Facts(
            customer_id=cid, categories=intern(line.category for line in lines),
            channels=intern(line.channel for line in lines), orders=len({line.order_id for line in lines}),
            spend=sum((line.amount for line in lines), Decimal(0)),
            last_purchase_at=max((line.placed_at for line in lines), default=None), language=summary.language,
            city=summary.address.city if summary.address else "", consents=intern(consents.get(cid, ())),
            stores=intern(line.store for line in lines if line.store),
            tier=standing.tier if standing else "", points=standing.points if standing else 0,
            cart_abandoned_at=carts.get(cid), rfm=rfm.get(cid)))
    return out


def build() -> tuple[segments.Facts, ...]:
    """Every customer's facts (not merged away, not erased), oldest first, read now in a few whole-table
    queries of a few columns each: purchases summed per customer by orders (`purchase_totals`), no
    list of ids sent (a batch's `IN (…)` and whole customer rows were most of the first count)."""
    profiles = customers.countable_profiles()
    bought = orders.purchase_totals()
    rfm = segments.rfm_scores({cid: (t.last_purchase_at, t.orders, t.spend) for cid, t in bought.items()})
    intern, nothing = _Interned(), frozenset[str]()
    consents = {cid: intern(found) for cid, found in customers.granted_channels(None, "marketing").items()}
    standings, entry, carts = loyalty.standings(None), loyalty.entry_standing(), orders.abandoned_carts()
    found = []
    for cid, (language, city) in profiles.items():
        totals, standing = bought.get(cid), standings.get(cid, entry)
        found.append(segments.Facts(
            customer_id=cid, categories=totals.categories if totals else nothing,
            channels=totals.channels if totals else nothing, orders=totals.orders if totals else 0,
            spend=totals.spend if totals else Decimal(0), last_purchase_at=totals.last_purchase_at if totals else None,
            language=language, city=city, consents=consents.get(cid, nothing),
            stores=totals.stores if totals else nothing, tier=standing.tier, points=standing.points,
            cart_abandoned_at=carts.get(cid), rfm=rfm.get(cid)))
    return tuple(found)


def extra_values(field: str, customer_ids: list[str]) -> Extra:
    """A registered field's value for these customers, asked of its source per batch."""
    source = registry.rule_sources().get(field)
    values: Extra = {}
    if source is None:
        return values
    for start in range(0, len(customer_ids), BATCH):
        values.update(source.values(customer_ids[start:start + BATCH]))
    return values


def kept() -> tuple[segments.Facts, ...]:
    """The population as this window's first count built it (at most window_seconds() old)."""
    return KEPT.get(_key(), build)


def _registered(rules: list[segments.Rule]) -> set[str]:
    sources = registry.rule_sources()
    return {rule.field for rule in rules if rule.field in sources}


def count(rules: list[segments.Rule], *, at: dt.datetime | None = None) -> int:
    """How many customers the rules select, from the kept population (the live count)."""
    at = at or clock.now()
    facts = kept()

    def read(field: str) -> Extra:
        return KEPT.get(_key("extra", field), lambda: extra_values(field, [f.customer_id for f in facts]))

    extra = {field: read(field) for field in _registered(rules)}
    return sum(1 for f in facts if segments.matches(f, rules, at=at, extra=extra))


def members(rules: list[segments.Rule], *, at: dt.datetime | None = None) -> list[str]:
    """Every customer (not merged away, not erased) the rules select, oldest first, read now."""
    at = at or clock.now()
    facts = build()
    ids = [f.customer_id for f in facts]
    extra = {field: extra_values(field, ids) for field in _registered(rules)}
    return [f.customer_id for f in facts if segments.matches(f, rules, at=at, extra=extra)]
