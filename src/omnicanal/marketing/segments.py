"""Segment rules over the one customer: every condition must hold (AND). Pure functions over a
customer's facts (queries.customer_facts gathers them from the owners); services validate.

A rule is `{field, op, value}`:

| field | ops | value |
|---|---|---|
| categories_bought, channels_used | any_of, none_of | list of category slugs / sales channels |
| orders | gte, lte | a count of orders (any channel) |
| spend | gte, lte | total spent, business currency, a decimal string or number |
| days_since_last_purchase | gte, lte | days (a customer who never bought matches no bound) |
| language | any_of, none_of | list of codes (es, en) |
| city | any_of, none_of | list of city names (case and accents ignored) |
| consent | any_of | list of channels where the customer granted marketing |
| stores_visited | any_of, none_of | store codes where they bought at the POS or picked up / curbside |
| tier | any_of, none_of | loyalty tier codes |
| points | gte, lte | loyalty points balance |
| days_since_cart_abandoned | gte, lte | days since their cart was left (no abandoned cart: no bound) |
| rfm_recency, rfm_frequency, rfm_monetary | gte, lte | 1–5, the quintile among customers who bought |
| <owner>.<name> (registry) | by the source's kind | fields registered by higher domains (survey answers) |

RFM: a score is ⌈5 × the fraction of buying customers whose value is ≤ theirs⌉ (ties share a score;
recency's value is the last purchase's time, so the most recent get 5); never bought: no score.
"""

from __future__ import annotations

import datetime as dt
import math
import unicodedata
from bisect import bisect_right
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

LIST_FIELDS = {"categories_bought", "channels_used", "language", "city", "consent", "stores_visited", "tier"}
RFM_FIELDS = {"rfm_recency", "rfm_frequency", "rfm_monetary"}
NUMBER_FIELDS = {"orders", "spend", "days_since_last_purchase", "points", "days_since_cart_abandoned"} | RFM_FIELDS
FIELDS = LIST_FIELDS | NUMBER_FIELDS
LIST_OPS = ("any_of", "none_of")
NUMBER_OPS = ("gte", "lte")
MAX_RULES = 20


@dataclass(frozen=True)
class Rule:
    field: str
    op: str
    value: tuple[str, ...] | Decimal


@dataclass(frozen=True)
class Facts:
    customer_id: str
    categories: frozenset[str]
    channels: frozenset[str]
    orders: int
    spend: Decimal
    last_purchase_at: dt.datetime | None
    language: str
    city: str
    consents: frozenset[str]  # channels with a marketing grant
    stores: frozenset[str] = frozenset()  # store codes visited (POS, pickup, curbside)
    tier: str = ""
    points: int = 0
    cart_abandoned_at: dt.datetime | None = None
    rfm: tuple[int, int, int] | None = None  # recency, frequency, monetary 1–5; None: never bought
    extra: dict = field(default_factory=dict)  # registered fields' values (registry.RuleSource)


def rfm_scores(stats: dict[str, tuple[dt.datetime, int, Decimal]]) -> dict[str, tuple[int, int, int]]:
    """{customer: (R, F, M)} from {customer: (last purchase, orders, spend)} over the buying customers."""
    n = len(stats)
    if not n:
        return {}
    columns: list[list[Any]] = [sorted(last.timestamp() for last, _, _ in stats.values()),
               sorted(orders for _, orders, _ in stats.values()),
               sorted(spend for _, _, spend in stats.values())]

    def score(i: int, value) -> int:
        return max(1, math.ceil(5 * bisect_right(columns[i], value) / n))

    return {cid: (score(0, last.timestamp()), score(1, orders), score(2, spend))
            for cid, (last, orders, spend) in stats.items()}

def fold(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text.strip().lower()) if not unicodedata.combining(c))


def parse(raw: list, extra: dict[str, str] | None = None) -> tuple[list[Rule], list[tuple[str, str]]]:
    """(rules, errors as (field path, problem code)); codes: not_a_list, too_many, unknown_field,
    unknown_op, bad_value. `extra`: registered fields and their kind ("list" or "number")."""
    extra = extra or {}
    list_fields = LIST_FIELDS | {f for f, kind in extra.items() if kind == "list"}
    fields = FIELDS | set(extra)
    if not isinstance(raw, list):
        return [], [("rules", "not_a_list")]
    if len(raw) > MAX_RULES:
        return [], [("rules", "too_many")]
    rules, errors = [], []
    for i, item in enumerate(raw):
        item = item if isinstance(item, dict) else {}
        field, op, value = item.get("field"), item.get("op"), item.get("value")
        if not isinstance(field, str) or field not in fields:
            errors.append((f"rules.{i}.field", "unknown_field"))
            continue
        if op not in (LIST_OPS if field in list_fields else NUMBER_OPS) or (field == "consent" and op != "any_of"):
            errors.append((f"rules.{i}.op", "unknown_op"))
            continue
        if field in list_fields:
            if not isinstance(value, list) or not value or not all(isinstance(v, str) and 0 < len(v) <= 80 for v in value):
                errors.append((f"rules.{i}.value", "bad_value"))
                continue
            rules.append(Rule(field, op, tuple(fold(v) if field == "city" else v for v in value[:100])))
        else:
            try:
                number = Decimal(str(value)) if isinstance(value, int | float | str) and not isinstance(value, bool) else None
            except InvalidOperation:
                number = None
            if (number is None or not number.is_finite() or number < 0 or number > Decimal("1e12")
                    or (field in RFM_FIELDS and not (1 <= number <= 5))):
                errors.append((f"rules.{i}.value", "bad_value"))
                continue
            rules.append(Rule(field, op, number))
    return rules, errors


def _value(facts: Facts, field: str, at: dt.datetime, extra: Mapping[str, Mapping[str, Any]] | None):
    if extra is not None and field in extra:
        return extra[field].get(facts.customer_id)
    if field in facts.extra or "." in field:
        return facts.extra.get(field)
    if field in RFM_FIELDS:
        return Decimal(facts.rfm[("rfm_recency", "rfm_frequency", "rfm_monetary").index(field)]) if facts.rfm else None
    if field == "stores_visited":
        return facts.stores
    if field == "tier":
        return frozenset([facts.tier]) if facts.tier else frozenset()
    if field == "points":
        return Decimal(facts.points)
    if field == "days_since_cart_abandoned":
        return Decimal((at - facts.cart_abandoned_at).days) if facts.cart_abandoned_at else None
    if field == "categories_bought":
        return facts.categories
    if field == "channels_used":
        return facts.channels
    if field == "language":
        return frozenset([facts.language]) if facts.language else frozenset()
    if field == "city":
        return frozenset([fold(facts.city)]) if facts.city else frozenset()
    if field == "consent":
        return facts.consents
    if field == "orders":
        return Decimal(facts.orders)
    if field == "spend":
        return facts.spend
    if facts.last_purchase_at is None:
        return None
    return Decimal((at - facts.last_purchase_at).days)


def matches(facts: Facts, rules: list[Rule], *, at: dt.datetime,
            extra: Mapping[str, Mapping[str, Any]] | None = None) -> bool:
    """Whether every rule holds for the customer at `at`. `extra`: registered fields' values
    {field: {customer id: value}} read apart from the facts (a kept population's), else facts.extra."""
    for rule in rules:
        value = _value(facts, rule.field, at, extra)
        if isinstance(rule.value, tuple):
            hit = bool(value and set(value) & set(rule.value))
            if hit != (rule.op == "any_of"):
                return False
        elif value is None or (value < rule.value if rule.op == "gte" else value > rule.value):
            return False
    return True
