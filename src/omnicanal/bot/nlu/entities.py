"""Entities in a customer's message: order numbers, SKUs, products, locations, sizes, email, phone.

Products and locations come from their owners (catalog.queries.product_names,
inventory.queries.location_infos), indexed once per process and rebuilt after CACHE_SECONDS, so
a new product or store is understood within a minute without a query per message. Names are
matched word by word with rapidfuzz (typos, missing accents) and each matched word votes with its
rarity: "Pampa" picks a product, "zapatilla" alone picks none.
"""

from __future__ import annotations

import math
import re
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import phonenumbers
from email_validator import EmailNotValidError, validate_email
from rapidfuzz import fuzz, process

from omnicanal.bot.nlu.text import fold

CACHE_SECONDS = 60.0
WORD_SIMILARITY = 84  # rapidfuzz ratio for a word to count as the same word (one typo in 6 letters)
MIN_FUZZY_LENGTH = 5  # shorter words must match exactly ("sur" is not "sol")
PHONE_REGION = "CL"

STOPWORDS = frozenset(fold(w) for w in """
a al algo alguna alguno and are at busco de del do donde el en es esta este for got have hay i in is it la
las le les lo los me mi mis my of on para po por que quedan queda quiero sus stock store talla the tienda
tiendas tienen tiene to un una uno unos unas y you your size sizes color local shop sucursal andes sport
hoy today any""".split())

# What Chileans call their cities; the locations' own cities and names are matched as written.
CITY_ALIASES = {"valpo": "valparaiso", "conce": "concepcion", "stgo": "santiago", "santiasco": "santiago",
                "provi": "providencia", "pto montt": "puerto montt", "downtown": "centro"}

_ORDER = re.compile(r"(?<![\w-])#?\s?(?:[A-Za-z]{1,4}-?)?\d{6,9}\b")
_SKU_LIKE = re.compile(r"\b[A-Za-z0-9]+(?:-[A-Za-z0-9]+)+\b")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_SIZE_WORDS = {"xxs": "XXS", "xs": "XS", "s": "S", "m": "M", "l": "L", "xl": "XL", "xxl": "XXL",
               "small": "S", "medium": "M", "large": "L", "chica": "S", "chico": "S", "mediana": "M",
               "mediano": "M", "grande": "L"}
_SIZE_AFTER = re.compile(
    r"\b(?:talla|tallas|size|sizes|numero|nro|n°|num|en|in|in a|a)\s+(\d{1,2}(?:[.,]5)?|xxs|xs|s|m|l|xl|xxl|"
    r"small|medium|large|chica|chico|mediana|mediano|grande)\b")
_SIZE_BARE = re.compile(r"\b(xxs|xs|xl|xxl)\b")
_SIZE_ALONE = re.compile(r"((?:[1-9]|[1-4]\d)(?:[.,]5)?|xxs|xs|s|m|l|xl|xxl|small|medium|large)")


@dataclass(frozen=True)
class Entry:
    value: str  # what the entity says: a product handle, a location code
    phrases: tuple[str, ...]  # the names it goes by


class FuzzyIndex:
    """Word-level fuzzy lookup of named things; each matched word votes with its inverse frequency."""

    def __init__(self, entries: Iterable[Entry]):
        self.entries = list(entries)
        self.postings: dict[str, set[int]] = {}
        for i, entry in enumerate(self.entries):
            for phrase in entry.phrases:
                for word in _words(phrase):
                    self.postings.setdefault(word, set()).add(i)
        n = max(1, len(self.entries))
        self.weight = {w: math.log(1 + n / len(ids)) for w, ids in self.postings.items()}
        self.distinctive = {w for w, ids in self.postings.items() if len(ids) == 1 or len(ids) <= n // 10}
        self.vocabulary = list(self.postings)

    def _match_word(self, word: str) -> str | None:
        if word in self.postings:
            return word
        if len(word) < MIN_FUZZY_LENGTH or not self.vocabulary:
            return None
        found = process.extractOne(word, self.vocabulary, scorer=fuzz.ratio, score_cutoff=WORD_SIMILARITY)
        return found[0] if found and len(found[0]) >= MIN_FUZZY_LENGTH else None

    def best(self, text: str) -> str | None:
        votes: dict[int, float] = {}
        distinctive: set[int] = set()
        for word in set(_words(text)):
            known = self._match_word(word)
            if known is None:
                continue
            for i in self.postings[known]:
                votes[i] = votes.get(i, 0.0) + self.weight[known]
                if known in self.distinctive:
                    distinctive.add(i)
        candidates = [i for i in votes if i in distinctive]
        if not candidates:
            return None
        return self.entries[max(candidates, key=lambda i: (votes[i], -i))].value


def _words(text: str) -> list[str]:
    folded = fold(text)
    for alias, name in CITY_ALIASES.items():
        folded = re.sub(rf"\b{re.escape(alias)}\b", name, folded)
    return [w for w in re.findall(r"[a-z0-9ñ]+", folded) if w not in STOPWORDS and not w.isdigit()]


# --- the process-wide indexes ------------------------------------------------------------------


@dataclass
class _Cached:
    built_at: float
    products: FuzzyIndex
    skus: dict[str, str]  # folded SKU -> SKU
    locations: FuzzyIndex


def _catalog_entries() -> tuple[list[Entry], dict[str, str]]:
    from omnicanal.catalog import queries as catalog

    entries, skus = [], {}
    for product in catalog.product_names():
        entries.append(Entry(product.handle, (product.name_es, product.name_en)))
        for sku in product.skus:
            skus[sku.lower()] = sku
    return entries, skus


def _location_entries() -> list[Entry]:
    from omnicanal.inventory import queries as inventory

    return [Entry(info.code, (info.name, info.city)) for info in inventory.location_infos().values()]


_lock = threading.Lock()
_cache: _Cached | None = None
_sources: dict[str, Callable] = {"catalog": _catalog_entries, "locations": _location_entries}


def use_sources(*, catalog: Callable | None = None, locations: Callable | None = None) -> None:
    """Swap where names come from (the benchmark feeds the demo names without a database)."""
    if catalog is not None:
        _sources["catalog"] = catalog
    if locations is not None:
        _sources["locations"] = locations
    forget()


def forget() -> None:
    """Drop the indexes (tests; the next message rebuilds them)."""
    global _cache
    with _lock:
        _cache = None


def _indexes() -> _Cached:
    global _cache
    cached = _cache
    now = time.monotonic()
    if cached is not None and now - cached.built_at < CACHE_SECONDS:
        return cached
    with _lock:
        if _cache is None or now - _cache.built_at >= CACHE_SECONDS:
            entries, skus = _sources["catalog"]()
            _cache = _Cached(built_at=now, products=FuzzyIndex(entries), skus=skus,
                             locations=FuzzyIndex(_sources["locations"]()))
        return _cache


# --- extraction --------------------------------------------------------------------------------


def order_numbers(text: str) -> list[str]:
    from omnicanal.orders import queries as orders

    found = []
    for match in _ORDER.finditer(text):
        number = orders.order_number(match.group(0))
        if number and number not in found:
            found.append(number)
    return found


def sizes(text: str) -> list[str]:
    folded = fold(text)
    alone = _SIZE_ALONE.fullmatch(folded.strip(" .!?¿¡"))
    if alone:  # the answer to "¿en qué talla?" is often just "42" or "M"
        raw = alone.group(1)
        return [_SIZE_WORDS.get(raw) or raw.replace(",", ".")]
    found = []
    for match in _SIZE_AFTER.finditer(folded):
        raw = match.group(1)
        size = _SIZE_WORDS.get(raw) or raw.replace(",", ".")
        loose = match.group(0).split()[0] in ("en", "in", "a")  # "en 44", "in a 40": not "en 2 días"
        if raw.isdigit() and not (34 <= int(raw) <= 48 if loose else 1 <= int(raw) <= 50):
            continue
        if loose and raw in ("s", "l", "m"):
            continue  # "en s" / "in l" are too often not sizes
        if size not in found:
            found.append(size)
    for match in _SIZE_BARE.finditer(folded):
        size = _SIZE_WORDS[match.group(1)]
        if size not in found:
            found.append(size)
    return found


def emails(text: str) -> list[str]:
    found = []
    for candidate in _EMAIL.findall(text):
        try:
            found.append(validate_email(candidate, check_deliverability=False).normalized)
        except EmailNotValidError:
            continue
    return found


def phones(text: str) -> list[str]:
    return [phonenumbers.format_number(m.number, phonenumbers.PhoneNumberFormat.E164)
            for m in phonenumbers.PhoneNumberMatcher(text, PHONE_REGION)]


def extract(text: str) -> list[tuple[str, str]]:
    """(kind, value) pairs in ENTITY_KINDS order; values are canonical (AS-100123, a handle, a code)."""
    indexes = _indexes()
    without_contacts = _EMAIL.sub(" ", text)
    found_phones = phones(without_contacts)
    # A Chilean mobile (9 8765 4321) is a phone, never order 987654321.
    phone_digits = {p.lstrip("+").removeprefix("56") for p in found_phones}
    numbers = [n for n in order_numbers(without_contacts) if re.sub(r"\D", "", n) not in phone_digits]
    found: list[tuple[str, str]] = [("order_number", n) for n in numbers]
    skus = [indexes.skus[m.group(0).lower()] for m in _SKU_LIKE.finditer(without_contacts)
            if m.group(0).lower() in indexes.skus]
    found += [("sku", s) for s in dict.fromkeys(skus)]
    product = indexes.products.best(without_contacts)
    if product:
        found.append(("product", product))
    location = indexes.locations.best(without_contacts)
    if location:
        found.append(("location", location))
    found += [("size", s) for s in sizes(without_contacts)]
    found += [("email", e) for e in emails(text)]
    found += [("phone", p) for p in found_phones]
    return found
