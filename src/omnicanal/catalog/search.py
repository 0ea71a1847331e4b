"""The shop's reads of the catalog: product search with facets, a product's page, the category tree.

Other domains reach these through catalog.queries, which hands its price rule in. Publication and
price are never decided here: every variant passes through `queries.channel_prices`, the one rule
(this module does not import queries, so the two never form a cycle).

Text search reads the index the migration 0003 keeps in sync by triggers:
- SQLite: FTS5 (unicode61 with diacritics removed, so "nino" finds "niño"); a word that matches no
  indexed word, not even as a prefix, is corrected against the index's vocabulary with rapidfuzz
  ("zapatila" → "zapatilla").
- PostgreSQL: a weighted tsvector over folded text (unaccent) for full text, and pg_trgm word
  similarity over the names for typos.
Every word of the query must match (by prefix, or its correction).
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache

from django.db import connection, transaction
from django.urls import reverse
from rapidfuzz import fuzz, process

from omnicanal.catalog.models import Category, Product, ProductImage, Variant
from omnicanal.core.errors import ValidationFailed
from omnicanal.core.money import Money

SORTS = ("relevance", "price_asc", "price_desc", "newest")
MAX_TERMS = 8
MAX_PER_PAGE = 100
PRICE_CHUNK = 2000  # SKUs per channel_prices call (one query each)
FUZZY_CUTOFF = 80  # rapidfuzz ratio: "zapatila"/"zapatilla" is 94, "casko"/"casco" 80
TRIGRAM_THRESHOLD = 0.5  # PostgreSQL: word similarity of a typed word to a word of the names
FUZZY_MIN_LENGTH = 4  # shorter words are matched by prefix only (too many neighbours)
SIZE_ORDER = ["XXS", "XS", "S", "M", "L", "XL", "XXL"]


@dataclass(frozen=True)
class FacetValue:
    value: str
    label: str
    count: int  # products of the search (before this page's facet filters) that have it
    selected: bool


@dataclass(frozen=True)
class PriceRange:
    low: Money | None
    high: Money | None


@dataclass(frozen=True)
class Facets:
    sizes: tuple[FacetValue, ...] = ()
    colors: tuple[FacetValue, ...] = ()
    brands: tuple[FacetValue, ...] = ()
    price: PriceRange = PriceRange(None, None)


@dataclass(frozen=True)
class ProductCard:
    """A product as a result list shows it, priced on the channel (the lowest of its matching variants)."""

    handle: str
    name: str
    brand: str
    price: Money
    price_varies: bool  # its matching variants do not all cost the same: "from $…"
    image_url: str
    image_alt: str
    skus: tuple[str, ...]  # the variants that matched the filters


@dataclass(frozen=True)
class SearchResult:
    items: tuple[ProductCard, ...]
    total: int
    page: int
    pages: int
    per_page: int
    sort: str
    facets: Facets = field(default_factory=Facets)
    corrections: tuple[tuple[str, str], ...] = ()  # (typed word, the indexed word it was read as)


@dataclass(frozen=True)
class ShopImage:
    url: str
    alt: str


@dataclass(frozen=True)
class ShopVariant:
    sku: str
    attributes: dict
    price: Money

    @property
    def label(self) -> str:
        return " · ".join(str(v) for v in self.attributes.values())


@dataclass(frozen=True)
class ShopProduct:
    """A product page's facts on one channel: only its published variants, at that channel's price."""

    handle: str
    name: str
    description: str
    brand: str
    category: str  # slug
    category_name: str
    images: tuple[ShopImage, ...]
    variants: tuple[ShopVariant, ...]
    created_at: dt.datetime

    def variant(self, sku: str | None) -> ShopVariant:
        """The chosen variant, else the first one."""
        return next((v for v in self.variants if v.sku == sku), self.variants[0])


@dataclass(frozen=True)
class ShopCategory:
    slug: str
    name: str
    parent: str | None
    children: tuple[ShopCategory, ...] = ()
    path: tuple[tuple[str, str], ...] = ()  # (slug, name) from the root down to this one


# --- text ------------------------------------------------------------------------------------------


def fold(text: str) -> str:
    """Lower case without accents: what the index stores and what a query is compared as."""
    return "".join(c for c in unicodedata.normalize("NFKD", text.lower()) if not unicodedata.combining(c))


def terms(q: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", fold(q or ""))[:MAX_TERMS]


def _correct(term: str, vocabulary: list[str]) -> list[str]:
    """The indexed words a typed word stands for: itself as a prefix when some word starts so,
    else its nearest neighbours by edit ratio (none for very short words)."""
    if any(word.startswith(term) for word in vocabulary):
        return [term + "*"]
    if len(term) < FUZZY_MIN_LENGTH:
        return []
    found = process.extract(term, vocabulary, scorer=fuzz.ratio, score_cutoff=FUZZY_CUTOFF, limit=5)
    return [word for word, _score, _i in found]


def _sqlite_matches(words: list[str]) -> tuple[dict[int, float], list[tuple[str, str]]]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT term FROM catalog_product_fts_vocab")
        vocabulary = [row[0] for row in cursor.fetchall()]
        clauses, corrections = [], []
        for word in words:
            forms = _correct(word, vocabulary)
            if not forms:
                return {}, []
            corrections += [(word, f) for f in forms if not f.endswith("*")][:1]
            clauses.append("(" + " OR ".join(f'"{f[:-1]}"*' if f.endswith("*") else f'"{f}"' for f in forms) + ")")
        # Names weigh most, then brand and category, then descriptions (bm25: lower is better).
        cursor.execute(
            "SELECT rowid, bm25(catalog_product_fts, 10.0, 10.0, 4.0, 3.0, 1.0, 1.0) FROM catalog_product_fts "
            "WHERE catalog_product_fts MATCH %s", [" AND ".join(clauses)])
        return {pid: -score for pid, score in cursor.fetchall()}, corrections


@cache
def _has_trigram() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")
        return cursor.fetchone() is not None


def _postgres_matches(words: list[str]) -> tuple[dict[int, float], list[tuple[str, str]]]:
    if not _has_trigram():  # the extension was refused: correct words against the tsvector's vocabulary
        with connection.cursor() as cursor:
            cursor.execute("SELECT word FROM ts_stat('SELECT tsv FROM catalog_product_search')")
            vocabulary = [row[0] for row in cursor.fetchall()]
        alternatives = [_correct(w, vocabulary) for w in words]
        if not all(alternatives):
            return {}, []
        query = " & ".join("(" + " | ".join(f[:-1] + ":*" if f.endswith("*") else f for f in forms) + ")"
                           for forms in alternatives)
        sql = ("SELECT product_id, ts_rank(tsv, to_tsquery('simple', %s)) FROM catalog_product_search "
               "WHERE tsv @@ to_tsquery('simple', %s)")
        params: list = [query, query]
    else:
        # Each word: a prefix of an indexed word, or close to a word of the names (pg_trgm's <%).
        where = " AND ".join(["(tsv @@ to_tsquery('simple', %s) OR %s <%% names)"] * len(words))
        score = " + ".join(["word_similarity(%s, names)"] * len(words))
        sql = (f"SELECT product_id, ts_rank(tsv, to_tsquery('simple', %s)) + {score} "
               f"FROM catalog_product_search WHERE {where}")
        params = [" | ".join(f"{w}:*" for w in words), *words]
        for word in words:
            params += [f"{word}:*", word]
    with transaction.atomic(), connection.cursor() as cursor:
        # pg_trgm's default (0.6) misses one dropped letter in a short word ("chaqeta" is 0.55).
        cursor.execute(f"SET LOCAL pg_trgm.word_similarity_threshold = {TRIGRAM_THRESHOLD}")
        cursor.execute(sql, params)
        return {pid: float(score) for pid, score in cursor.fetchall()}, []


def text_matches(q: str) -> tuple[dict[int, float] | None, list[tuple[str, str]]]:
    """{product id: relevance} of the products the query's words match; None for no words."""
    words = terms(q)
    if not words:
        return None, []
    if connection.vendor == "postgresql":
        return _postgres_matches(words)
    return _sqlite_matches(words)


# --- categories ------------------------------------------------------------------------------------


def _name(es: str, en: str, language: str) -> str:
    return en if language.startswith("en") and en else es


def shop_categories(*, language: str = "es") -> tuple[ShopCategory, ...]:
    """The category tree, roots first, children by name."""
    rows = list(Category.objects.values_list("slug", "name_es", "name_en", "parent__slug"))
    kids: dict[str | None, list[tuple]] = {}
    for row in rows:
        kids.setdefault(row[3], []).append(row)

    def build(parent: str | None, path: tuple) -> tuple[ShopCategory, ...]:
        out = []
        for slug, es, en, _p in sorted(kids.get(parent, []), key=lambda r: _name(r[1], r[2], language)):
            name = _name(es, en, language)
            here = (*path, (slug, name))
            out.append(ShopCategory(slug=slug, name=name, parent=parent, children=build(slug, here), path=here))
        return tuple(out)

    return build(None, ())


def shop_category(slug: str, *, language: str = "es") -> ShopCategory | None:
    stack = list(shop_categories(language=language))
    while stack:
        node = stack.pop()
        if node.slug == slug:
            return node
        stack.extend(node.children)
    return None


def _subtree_ids(slug: str) -> list[int]:
    rows = list(Category.objects.values_list("id", "slug", "parent_id"))
    root = next((pk for pk, s, _p in rows if s == slug), None)
    if root is None:
        return []
    found, frontier = {root}, {root}
    while frontier:
        frontier = {pk for pk, _s, parent in rows if parent in frontier and pk not in found}
        found |= frontier
    return sorted(found)


# --- search ----------------------------------------------------------------------------------------


def _size_key(value: str) -> tuple:
    if value.upper() in SIZE_ORDER:
        return (1, SIZE_ORDER.index(value.upper()), value)
    try:
        return (0, float(value), value)
    except ValueError:
        return (2, 0, value)


PriceRule = Callable[[list[str], str], dict]  # queries.channel_prices: {sku: ChannelPrice}


def _prices(skus: list[str], channel: str, rule: PriceRule) -> dict:
    out: dict = {}
    for start in range(0, len(skus), PRICE_CHUNK):
        out.update(rule(skus[start:start + PRICE_CHUNK], channel))
    return out


@dataclass
class _Hit:
    pid: int
    handle: str
    name: str
    brand_slug: str
    brand: str
    created_at: dt.datetime
    score: float = 0.0
    variants: list[tuple[str, dict, Money]] = field(default_factory=list)  # published ones only


def _facet(counts: dict[str, int], labels: dict[str, str], selected: Iterable[str], key=None) -> tuple[FacetValue, ...]:
    chosen = set(selected)
    return tuple(FacetValue(value=v, label=labels.get(v, v), count=counts[v], selected=v in chosen)
                 for v in sorted(counts, key=key or (lambda v: labels.get(v, v).lower())))


def _facets(hits: list[_Hit], *, sizes, colors, brands) -> Facets:
    size_n: dict[str, int] = {}
    color_n: dict[str, int] = {}
    brand_n: dict[str, int] = {}
    brand_names: dict[str, str] = {}
    low = high = None
    for hit in hits:
        for attr, counter in (("size", size_n), ("color", color_n)):
            for value in {str(a[attr]) for _s, a, _p in hit.variants if a.get(attr) not in (None, "")}:
                counter[value] = counter.get(value, 0) + 1
        if hit.brand_slug:
            brand_n[hit.brand_slug] = brand_n.get(hit.brand_slug, 0) + 1
            brand_names[hit.brand_slug] = hit.brand
        cheapest = min(p for _s, _a, p in hit.variants)
        low = cheapest if low is None or cheapest.amount < low.amount else low
        high = cheapest if high is None or cheapest.amount > high.amount else high
    return Facets(sizes=_facet(size_n, {}, sizes, key=_size_key), colors=_facet(color_n, {}, colors),
                  brands=_facet(brand_n, brand_names, brands), price=PriceRange(low, high))


def _keep(hit: _Hit, *, sizes, colors, only_skus) -> list[tuple[str, dict, Money]]:
    return [(sku, attrs, price) for sku, attrs, price in hit.variants
            if (not sizes or str(attrs.get("size")) in sizes) and (not colors or str(attrs.get("color")) in colors)
            and (only_skus is None or sku in only_skus)]


def _candidates(*, channel: str, scores: dict[int, float] | None, category: str, handles: Iterable[str] | None,
                language: str, prices: PriceRule) -> list[_Hit]:
    rows = Variant.objects.filter(product__active=True)
    if category:
        rows = rows.filter(product__category_id__in=_subtree_ids(category))
    if scores is not None:
        rows = rows.filter(product_id__in=list(scores))
    if handles is not None:
        rows = rows.filter(product__handle__in=list(handles))
    rows = rows.order_by("product_id", "position", "id").values_list(
        "product_id", "sku", "attributes", "product__handle", "product__name_es", "product__name_en",
        "product__brand__slug", "product__brand__name", "product__created_at")
    listed = list(rows)
    priced_skus = _prices([r[1] for r in listed], channel, prices)
    hits: dict[int, _Hit] = {}
    for pid, sku, attrs, handle, name_es, name_en, brand_slug, brand, created in listed:
        priced = priced_skus.get(sku)
        if priced is None or not priced.sellable:  # the channel's rule: not published there, not shown
            continue
        hit = hits.get(pid)
        if hit is None:
            hit = hits[pid] = _Hit(pid=pid, handle=handle, name=_name(name_es, name_en, language),
                                   brand_slug=brand_slug or "", brand=brand or "", created_at=created,
                                   score=(scores or {}).get(pid, 0.0))
        hit.variants.append((sku, attrs or {}, priced.price))
    return list(hits.values())


def _images(pids: list[int], language: str) -> dict[int, ShopImage]:
    out: dict[int, ShopImage] = {}
    rows = ProductImage.objects.filter(product_id__in=pids).order_by("product_id", "position", "id").values_list(
        "product_id", "public_id", "alt_es", "alt_en")
    for pid, public_id, alt_es, alt_en in rows:
        if pid not in out:
            out[pid] = ShopImage(url=reverse("catalog:image", args=[public_id]), alt=_name(alt_es, alt_en, language))
    return out


def _sort(cards: list[tuple[_Hit, Money]], sort: str) -> None:
    if sort == "price_asc":
        cards.sort(key=lambda c: (c[1].amount, c[0].name))
    elif sort == "price_desc":
        cards.sort(key=lambda c: (-c[1].amount, c[0].name))
    elif sort == "newest":
        cards.sort(key=lambda c: (c[0].created_at, c[0].pid), reverse=True)
    else:
        cards.sort(key=lambda c: (-c[0].score, c[0].name))


def search_catalog(*, prices: PriceRule, channel: str, q: str = "", category: str = "", brands: Iterable[str] = (),
                   sizes: Iterable[str] = (), colors: Iterable[str] = (), price_min: Decimal | None = None,
                   price_max: Decimal | None = None, only_skus: Iterable[str] | None = None,
                   handles: Iterable[str] | None = None, sort: str = "relevance", page: int = 1,
                   per_page: int = 24, language: str = "es") -> SearchResult:
    """Products published on `channel` matching the words of `q` (typos and accents forgiven), in
    `category` or below, with facets over that set; then filtered by brand, size, colour, price and
    `only_skus` (e.g. the SKUs a store can hand over today, from inventory) and paged. `prices` is
    the catalog's rule, queries.channel_prices, handed in by catalog.queries (which owns it)."""
    if sort not in SORTS:
        raise ValidationFailed.on("sort", f"one of {', '.join(SORTS)}")
    per_page = max(1, min(per_page, MAX_PER_PAGE))
    scores, corrections = text_matches(q)
    if scores == {}:
        hits: list[_Hit] = []
    else:
        hits = _candidates(channel=channel, scores=scores, category=category, handles=handles, language=language,
                           prices=prices)
    sizes, colors, brands = set(sizes), set(colors), set(brands)
    wanted = frozenset(only_skus) if only_skus is not None else None
    facets = _facets(hits, sizes=sizes, colors=colors, brands=brands)
    kept: list[tuple[_Hit, Money, list]] = []
    for hit in hits:
        if brands and hit.brand_slug not in brands:
            continue
        variants = _keep(hit, sizes=sizes, colors=colors, only_skus=wanted)
        if not variants:
            continue
        price = min((p for _s, _a, p in variants), key=lambda m: m.amount)
        if (price_min is not None and price.amount < price_min) or (price_max is not None and price.amount > price_max):
            continue
        kept.append((hit, price, variants))
    ranked = [(hit, price) for hit, price, _v in kept]
    _sort(ranked, "newest" if sort == "relevance" and scores is None else sort)  # no words: newest first
    matched = {hit.pid: v for hit, _p, v in kept}
    pages = max(1, math.ceil(len(ranked) / per_page))
    page = max(1, min(page, pages))
    window = ranked[(page - 1) * per_page: page * per_page]
    images = _images([hit.pid for hit, _p in window], language)
    items = tuple(
        ProductCard(handle=hit.handle, name=hit.name, brand=hit.brand, price=price,
                    price_varies=len({p.amount for _s, _a, p in matched[hit.pid]}) > 1,
                    image_url=images[hit.pid].url if hit.pid in images else "",
                    image_alt=images[hit.pid].alt if hit.pid in images else hit.name,
                    skus=tuple(s for s, _a, _p in matched[hit.pid]))
        for hit, price in window)
    return SearchResult(items=items, total=len(ranked), page=page, pages=pages, per_page=per_page, sort=sort,
                        facets=facets, corrections=tuple(corrections))


def shop_product(handle: str, *, prices: PriceRule, channel: str, language: str = "es") -> ShopProduct | None:
    """The product page's facts on `channel`; None when it is unknown, inactive or has no variant
    published there (the page is a 404, as if it did not exist)."""
    product = Product.objects.select_related("brand", "category").filter(handle=handle, active=True).first()
    if product is None:
        return None
    rows = list(product.variants.order_by("position", "id").values_list("sku", "attributes"))
    priced = _prices([sku for sku, _a in rows], channel, prices)
    variants = tuple(ShopVariant(sku=sku, attributes=attrs or {}, price=priced[sku].price)
                     for sku, attrs in rows if sku in priced and priced[sku].sellable)
    if not variants:
        return None
    images = tuple(ShopImage(url=reverse("catalog:image", args=[img.public_id]),
                             alt=_name(img.alt_es, img.alt_en, language) or product.name_es)
                   for img in product.images.order_by("position", "id"))
    return ShopProduct(
        handle=product.handle, name=_name(product.name_es, product.name_en, language),
        description=_name(product.description_es, product.description_en, language),
        brand=product.brand.name if product.brand else "", category=product.category.slug,
        category_name=_name(product.category.name_es, product.category.name_en, language),
        images=images, variants=variants, created_at=product.created_at)
