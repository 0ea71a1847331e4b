"""The shop's reads of the catalog: product search with facets, a product's page, the category tree.

Other domains reach these through catalog.queries, which hands its price rule in. Publication and
price are never decided here: a product page's variants pass through `queries.channel_prices`, the
one rule, and the search reads `queries.priced_variants`, the same rule as SQL annotations, so it
filters, counts, sorts and pages in the database (this module does not import queries, so the two
never form a cycle).

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
import json
import math
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache

from django.db import connection, transaction
from django.db.models import (
    BooleanField,
    Case,
    Count,
    F,
    Max,
    Min,
    OuterRef,
    QuerySet,
    Subquery,
    When,
    Window,
)
from django.db.models.expressions import RawSQL
from django.urls import reverse
from rapidfuzz import fuzz, process

from omnicanal.catalog import facet_counts
from omnicanal.catalog.attributes import attribute_label, color_label
from omnicanal.catalog.models import Category, Product, ProductImage
from omnicanal.core import memo
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
class VariantQuery:
    """Another domain's SQL that selects catalog variant ids (one column), with its parameters: the
    search keeps the variants it selects in the same statement, `variant.id IN (<sql>)`. The domain
    that owns the rule writes the SQL and the catalog only places it (inventory's "free to hand over
    at this store": the database joins the stock rows of the category's candidates, so no store-wide
    list of SKUs travels to Python and back as a parameter, and the answer is as live as the page's
    own read). The catalog promises its variants' `id` column (queries.variant_table_sql)."""
    sql: str
    params: tuple = ()


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
    attributes: dict  # as stored (filters and the Store API use these values)
    price: Money
    label: str = ""  # the attribute values in the reader's language: "42 · black"


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
        return _postgres_trigram_matches(words)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {pid: float(score) for pid, score in cursor.fetchall()}, []


def _postgres_trigram_matches(words: list[str]) -> tuple[dict[int, float], list[tuple[str, str]]]:
    """Each word: a prefix of an indexed word (the tsvector's GIN index), else — a typo — close to a
    word of the names (pg_trgm's <%). Measured (bench_shop, 5,700 products): word similarity costs
    tens of microseconds a row, so it is asked only for the words no indexed word starts with, and
    only of the rows the other words already matched when there are any."""
    prefixes = [f"{w}:*" for w in words]
    with transaction.atomic(), connection.cursor() as cursor:
        # pg_trgm's default (0.6) misses one dropped letter in a short word ("chaqeta" is 0.55).
        cursor.execute(f"SET LOCAL pg_trgm.word_similarity_threshold = {TRIGRAM_THRESHOLD}")
        flags = ", ".join(["bool_or(tsv @@ to_tsquery('simple', %s))"] * len(words))
        cursor.execute(f"SELECT {flags} FROM catalog_product_search WHERE tsv @@ to_tsquery('simple', %s)",
                       [*prefixes, " | ".join(prefixes)])
        hits = cursor.fetchone()  # one row, NULLs when nothing starts so (an aggregate without GROUP BY)
        exact = [p for p, hit in zip(prefixes, hits, strict=True) if hit]
        typos = [w for w, hit in zip(words, hits, strict=True) if not hit]
        where, params = [], []
        if exact:
            where.append("tsv @@ to_tsquery('simple', %s)")
            params.append(" & ".join(exact))
        else:  # every word is a typo: only the trigram index can narrow the rows
            cursor.execute("SET LOCAL enable_seqscan = off")
        where += ["%s <%% names"] * len(typos)
        params += typos
        score = " + ".join(["ts_rank(tsv, to_tsquery('simple', %s))"] + ["word_similarity(%s, names)"] * len(typos))
        cursor.execute(f"SELECT product_id, {score} FROM catalog_product_search WHERE {' AND '.join(where)}",
                       [" | ".join(prefixes), *typos, *params])
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


# The category tree changes a few times a year and every shop page shows it (the menu): read once per
# process, forgotten when any Category row changes (CatalogConfig.ready; core/memo.py).
CATEGORIES = memo.Memo("catalog.categories")


# The facet counts of a listing (a category, a search) do not change with its page, sort or the
# shopper's facet choices, and cost the listing's biggest query: held per process, forgotten when a
# product, variant, listing, brand or category is written (CatalogConfig.ready, and the catalog's bulk
# writers), at most MAX_AGE behind writes no signal sees.
FACET_COUNTS = memo.Memo("catalog.facet_counts", max_entries=512)


def _category_rows() -> tuple[tuple[int, str, str, str, int | None], ...]:
    """Every category's (id, slug, name_es, name_en, parent id), memoized."""
    return CATEGORIES.get("rows", lambda: tuple(Category.objects.values_list("id", "slug", "name_es", "name_en",
                                                                             "parent_id")))


def shop_categories(*, language: str = "es") -> tuple[ShopCategory, ...]:
    """The category tree, roots first, children by name."""
    return CATEGORIES.get(("tree", language), lambda: _build_tree(_category_rows(), language))


def _build_tree(rows, language: str) -> tuple[ShopCategory, ...]:
    slugs = {pk: slug for pk, slug, _es, _en, _p in rows}
    kids: dict[str | None, list[tuple]] = {}
    for _pk, slug, es, en, parent in rows:
        kids.setdefault(slugs.get(parent) if parent is not None else None, []).append((slug, es, en))

    def build(parent: str | None, path: tuple) -> tuple[ShopCategory, ...]:
        out = []
        for slug, es, en in sorted(kids.get(parent, []), key=lambda r: _name(r[1], r[2], language)):
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
    """The category and every one below it, from the memoized rows (no query once read)."""
    rows = [(pk, s, parent) for pk, s, _es, _en, parent in _category_rows()]
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


PricedVariants = Callable[[str], QuerySet]  # queries.priced_variants: the rule as SQL annotations


def _facet(counts: dict[str, int], labels: dict[str, str], selected: Iterable[str], key=None) -> tuple[FacetValue, ...]:
    chosen = set(selected)
    return tuple(FacetValue(value=v, label=labels.get(v, v), count=counts[v], selected=v in chosen)
                 for v in sorted(counts, key=key or (lambda v: labels.get(v, v).lower())))


def _facets(rows: QuerySet, *, key: tuple, sizes, colors, brands, language: str) -> Facets:
    """Counts over the search before this page's facet filters: one scan on PostgreSQL
    (catalog.facet_counts), memoized under `key` (what selects `rows`)."""
    counts = FACET_COUNTS.get(key, lambda: facet_counts.count(rows))
    price = (PriceRange(Money(counts.lowest, counts.currency), Money(counts.highest, counts.currency))
             if counts.currency
             else PriceRange(None, None))
    return Facets(sizes=_facet(counts.sizes, {}, sizes, key=_size_key),
                  colors=_facet(counts.colors, {v: color_label(v, language) for v in counts.colors}, colors),
                  brands=_facet(counts.brands, counts.brand_names, brands), price=price)


def _shop_name(language: str):
    """The product's name in the reader's language, as an expression (English falls back to Spanish)."""
    if not language.startswith("en"):
        return F("product__name_es")
    return Case(When(product__name_en="", then=F("product__name_es")), default=F("product__name_en"))


_attribute = facet_counts.attribute


def _matching(rows: QuerySet, *, sizes, colors, brands, only_skus, only_variants: VariantQuery | None = None) -> QuerySet:
    if sizes:
        rows = rows.annotate(f_size=_attribute("size")).filter(f_size__in=sizes)
    if colors:
        rows = rows.annotate(f_color=_attribute("color")).filter(f_color__in=colors)
    if brands:
        rows = rows.filter(product__brand__slug__in=brands)
    if only_skus is not None:
        rows = rows.alias(listed=_one_of(sorted(only_skus))).filter(listed=True)
    if only_variants is not None:
        rows = rows.alias(chosen=_selected_by(only_variants)).filter(chosen=True)
    return rows


def _selected_by(query: VariantQuery) -> RawSQL:
    """`catalog_variant.id IN (<another domain's SQL>)`: a semi-join the planner runs from the
    candidates it already narrowed (category, facets) through the other table's index."""
    quoted = f"{connection.ops.quote_name('catalog_variant')}.{connection.ops.quote_name('id')}"
    return RawSQL(f"{quoted} IN ({query.sql})", list(query.params), output_field=BooleanField())


def _one_of(values: list, column: str = "sku") -> RawSQL:
    """`catalog_variant.<column> IN (…)` as ONE parameter: a store's "pickup today" can hand over
    thousands of SKUs and a common word matches thousands of products, and thousands of placeholders
    cost more to bind than the query costs to run (bench_shop)."""
    quoted = f"{connection.ops.quote_name('catalog_variant')}.{connection.ops.quote_name(column)}"
    if connection.vendor == "postgresql":
        return RawSQL(f"{quoted} = ANY(%s)", [values], output_field=BooleanField())
    return RawSQL(f"{quoted} IN (SELECT value FROM json_each(%s))", [json.dumps(values)], output_field=BooleanField())


_ORDER = {"price_asc": ("low", "name", "product_id"), "price_desc": ("-low", "name", "product_id")}
_NEWEST = ("-created", "-product_id")  # newest, and relevance without words


def _ranked(grouped: QuerySet, *, sort: str, scores: dict[int, float] | None, page: int,
            per_page: int, few: bool = False) -> tuple[list[tuple[int, Decimal, Decimal, str]], int, int, int]:
    """(the page's rows (product id, lowest, highest price, currency), total, page, pages). The
    database sorts and pages; only relevance to typed words (scores from the text index) sorts here."""
    columns = ("product_id", "low", "high", "cur")
    # Few rows at most (the handles of "recently viewed"): one read, counted here, saves the COUNT.
    if few and scores is None:
        rows = list(grouped.order_by(*_ORDER.get(sort, _NEWEST)).values_list(*columns))
        return rows, len(rows), 1, 1
    if scores is not None and sort == "relevance":
        every = sorted(grouped.values_list(*columns, "name"), key=lambda r: (-scores.get(r[0], 0.0), r[4], r[0]))
        total = len(every)
        pages = max(1, math.ceil(total / per_page))
        page = max(1, min(page, pages))
        return [r[:4] for r in every[(page - 1) * per_page: page * per_page]], total, page, pages
    # The page and the total in one read (COUNT(*) OVER () counts the products, not the page); a
    # page past the end (an old link) asks the count alone, then reads the last page.
    counted = grouped.annotate(total=Window(Count("*"))).order_by(*_ORDER.get(sort, _NEWEST))
    window = list(counted.values_list(*columns, "total")[(page - 1) * per_page: page * per_page])
    if not window and page > 1:
        pages = max(1, math.ceil(grouped.count() / per_page))
        return _ranked(grouped, sort=sort, scores=scores, page=pages, per_page=per_page)
    total = window[0][4] if window else 0
    return [row[:4] for row in window], total, page, max(1, math.ceil(total / per_page))


def _first_image(column: str) -> Subquery:
    return Subquery(ProductImage.objects.filter(product_id=OuterRef("product_id")).order_by("position", "id")
                    .values(column)[:1])


def _cards(window: list[tuple], kept: QuerySet, language: str) -> tuple[ProductCard, ...]:
    """The page's cards in one read: each matching variant's SKU with its product's handle, names,
    brand and first image (a page, a home's "new in", "recently viewed" cost one query, not three)."""
    pids = [row[0] for row in window]
    if not pids:
        return ()
    rows = (kept.filter(product_id__in=pids)
            .annotate(image_id=_first_image("public_id"), image_es=_first_image("alt_es"),
                      image_en=_first_image("alt_en"))
            .order_by("product_id", "position", "id")
            .values_list("product_id", "sku", "product__handle", "product__name_es", "product__name_en",
                         "product__brand__name", "image_id", "image_es", "image_en"))
    facts: dict[int, tuple] = {}
    skus: dict[int, list[str]] = {}
    for pid, sku, handle, es, en, brand, image_id, alt_es, alt_en in rows:
        skus.setdefault(pid, []).append(sku)
        if pid not in facts:
            image = ShopImage(url=reverse("catalog:image", args=[image_id]),
                              alt=_name(alt_es, alt_en, language)) if image_id else None
            facts[pid] = (handle, _name(es, en, language), brand or "", image)
    cards = []
    for pid, low, high, currency in window:
        handle, name, brand, image = facts[pid]
        cards.append(ProductCard(handle=handle, name=name, brand=brand, price=Money(low, currency),
                                 price_varies=low != high, image_url=image.url if image else "",
                                 image_alt=image.alt if image else name, skus=tuple(skus.get(pid, ()))))
    return tuple(cards)


def search_catalog(*, priced: PricedVariants, channel: str, q: str = "", category: str = "",
                   brands: Iterable[str] = (), sizes: Iterable[str] = (), colors: Iterable[str] = (),
                   price_min: Decimal | None = None, price_max: Decimal | None = None,
                   only_skus: Iterable[str] | None = None, only_variants: VariantQuery | None = None,
                   handles: Iterable[str] | None = None,
                   sort: str = "relevance", page: int = 1, per_page: int = 24, language: str = "es",
                   facets: bool = True) -> SearchResult:
    """Products published on `channel` matching the words of `q` (typos and accents forgiven), in
    `category` or below, with facets over that set (unless `facets` is False: the home page shows
    none); then filtered by brand, size, colour, price, `only_skus` (a list of SKUs) and `only_variants`
    (another domain's SQL over variant ids, e.g. what a store can hand over today, from inventory) and paged. `priced` is the catalog's rule as a queryset,
    queries.priced_variants, handed in by catalog.queries (which owns it). Set-based: the database
    filters, counts, sorts and pages; Python sees one page of products, never every variant."""
    if sort not in SORTS:
        raise ValidationFailed.on("sort", f"one of {', '.join(SORTS)}")
    per_page = max(1, min(per_page, MAX_PER_PAGE))
    handles = list(handles) if handles is not None else None
    rows = priced(channel)  # an unknown channel is a 422 even when nothing matches
    scores, corrections = text_matches(q)
    if scores == {} or (category and not (subtree := _subtree_ids(category))):
        return SearchResult(items=(), total=0, page=1, pages=1, per_page=per_page, sort=sort,
                            corrections=tuple(corrections))
    if category:
        rows = rows.filter(product__category_id__in=subtree)
    if scores is not None:
        rows = rows.alias(matched=_one_of(sorted(scores), "product_id")).filter(matched=True)
    if handles is not None:
        rows = rows.filter(product__handle__in=handles)
    sizes, colors, brands = set(sizes), set(colors), set(brands)
    listing = (channel, category, " ".join(q.lower().split()), tuple(handles) if handles is not None else None)
    found = (_facets(rows, key=listing, sizes=sizes, colors=colors, brands=brands, language=language)
             if facets else Facets())
    kept = _matching(rows, sizes=sizes, colors=colors, brands=brands, only_skus=only_skus, only_variants=only_variants)
    grouped = kept.values("product_id").annotate(
        low=Min("shop_price"), high=Max("shop_price"), cur=Max("currency"), created=Max("product__created_at"),
        name=Max(_shop_name(language)))
    if price_min is not None:
        grouped = grouped.filter(low__gte=price_min)
    if price_max is not None:
        grouped = grouped.filter(low__lte=price_max)
    window, total, page, pages = _ranked(grouped, sort=sort, scores=scores, page=page, per_page=per_page,
                                         few=handles is not None and len(set(handles)) <= per_page)
    return SearchResult(items=_cards(window, kept, language), total=total, page=page, pages=pages,
                        per_page=per_page, sort=sort, facets=found, corrections=tuple(corrections))


def shop_product(handle: str, *, prices: PriceRule, channel: str, language: str = "es") -> ShopProduct | None:
    """The product page's facts on `channel`; None when it is unknown, inactive or has no variant
    published there (the page is a 404, as if it did not exist)."""
    product = Product.objects.select_related("brand", "category").filter(handle=handle, active=True).first()
    if product is None:
        return None
    rows = list(product.variants.order_by("position", "id").values_list("sku", "attributes"))
    priced = _prices([sku for sku, _a in rows], channel, prices)
    variants = tuple(ShopVariant(sku=sku, attributes=attrs or {}, price=priced[sku].price,
                                 label=" · ".join(attribute_label(k, v, language) for k, v in (attrs or {}).items()))
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
