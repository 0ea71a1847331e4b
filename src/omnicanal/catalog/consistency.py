"""The consistency audit: every place where channels show one product differently than the policy
allows ("no coordinar publicación de catálogo").

Each channel is held to its reference channel (the app and the marketplace to the web; the web to
the product itself):

- price     the channel's price lies outside [reference − below%, reference + above%]
- title, description   the channel shows other text than its reference, and may not override it
- published published here while unpublished on the reference (or, for a mirror such as the app,
            any difference in publication)
- stock     published here while this channel cannot promise a single unit (needs a stock
            provider: inventory registers one in catalog.registry; the audit works without)
- name_en, description_en, title_en   a missing English translation

Price, title and description are checked only where the variant is published: a hidden listing
misleads nobody. Prices and publication come from `queries.channel_prices` (one query per channel),
the texts from the listings. Read-only; three queries, one per channel, plus the stock provider's.
"""

from __future__ import annotations

import csv
import io
from dataclasses import asdict, dataclass
from decimal import Decimal

from omnicanal.catalog import registry
from omnicanal.catalog.models import Channel, Listing, Variant
from omnicanal.catalog.queries import ChannelPrice, EffectiveListing, channel_prices, effective
from omnicanal.catalog.registry import StockProvider

ALL_CHANNELS = "*"
FIELDS = ("price", "title", "description", "published", "stock", "name_en", "description_en", "title_en")


@dataclass(frozen=True)
class Drift:
    sku: str
    channel: str
    field: str
    value: str
    reference: str
    reference_channel: str  # the channel compared with; "" for the product itself
    product_id: str


def _price_ok(price: Decimal, reference: Decimal, channel: Channel) -> bool:
    low = reference * (1 - channel.price_below_pct / 100)
    high = reference * (1 + channel.price_above_pct / 100)
    return low <= price <= high


def _variant_drifts(variant: Variant, chans: dict[str, Channel], shown: dict[str, EffectiveListing],
                    priced: dict[str, ChannelPrice], stock: dict[tuple[str, str], int] | None) -> list[Drift]:
    product = variant.product
    out: list[Drift] = []

    def drift(channel: str, field: str, value, reference, ref_channel: str = "") -> None:
        out.append(Drift(variant.sku, channel, field, str(value), str(reference), ref_channel, product.public_id))

    if not product.name_en:
        drift(ALL_CHANNELS, "name_en", "", product.name_es)
    if product.description_es and not product.description_en:
        drift(ALL_CHANNELS, "description_en", "", product.description_es[:120])
    for code, channel in chans.items():
        mine, my_price = shown[code], priced[code]
        ref = shown.get(channel.reference_id) if channel.reference_id else None
        ref_price_of = priced.get(channel.reference_id) if ref is not None else None
        ref_code = channel.reference_id if ref is not None else ""
        if my_price.published:
            ref_price = ref_price_of.price.amount if ref_price_of else my_price.base_price.amount
            if not _price_ok(my_price.price.amount, ref_price, channel):
                drift(code, "price", my_price.price.amount, ref_price, ref_code)
            ref_title = ref.title if ref else product.name_es
            if mine.title != ref_title and not channel.allow_title_override:
                drift(code, "title", mine.title, ref_title, ref_code)
            ref_desc = ref.description if ref else product.description_es
            if mine.description != ref_desc and not channel.allow_description_override:
                drift(code, "description", mine.description[:200], ref_desc[:200], ref_code)
            if mine.title_overridden and not mine.title_en:
                drift(code, "title_en", "", mine.title)
            if stock is not None and stock.get((variant.sku, code), 0) <= 0:
                drift(code, "stock", 0, "published")
        if ref_price_of is not None and (
            (my_price.published and not ref_price_of.published)
            or (channel.mirror_reference and my_price.published != ref_price_of.published)
        ):
            drift(code, "published", str(my_price.published).lower(), str(ref_price_of.published).lower(), ref_code)
    return out


def consistency_report(
    *,
    stock: StockProvider | None | bool = True,
    skus: list[str] | None = None,
    channels: list[str] | None = None,
    fields: list[str] | None = None,
) -> list[Drift]:
    """Every drift outside policy, sorted by SKU, channel and field.

    `stock=True` asks the registered provider (inventory's), `False`/`None` skips the stock check,
    a callable is used as the provider.
    """
    provider = registry.current_stock_provider() if stock is True else (stock or None)
    chans = {c.code: c for c in Channel.objects.filter(active=True)}
    variants = Variant.objects.select_related("product", "product__category").filter(product__active=True).order_by("sku")
    if skus:
        variants = variants.filter(sku__in=skus)
    variants = list(variants)
    listings = Listing.objects.filter(channel_id__in=list(chans), variant__product__active=True)
    if skus:
        listings = listings.filter(variant__sku__in=skus)
    by_key = {(row.variant_id, row.channel_id): row for row in listings}
    available = provider(skus or None, list(chans)) if provider else None
    sku_list = [v.sku for v in variants]
    prices = {code: channel_prices(sku_list, code) for code in chans}
    wanted_channels = set(channels) if channels else None
    wanted_fields = set(fields) if fields else None
    report: list[Drift] = []
    for variant in variants:
        shown = {code: effective(variant, variant.product, c, by_key.get((variant.pk, code))) for code, c in chans.items()}
        priced = {code: prices[code][variant.sku] for code in chans}
        for item in _variant_drifts(variant, chans, shown, priced, available):
            if wanted_channels and item.channel not in wanted_channels and item.channel != ALL_CHANNELS:
                continue
            if wanted_fields and item.field not in wanted_fields:
                continue
            report.append(item)
    order = {code: i for i, code in enumerate([ALL_CHANNELS, *chans])}
    report.sort(key=lambda d: (d.sku, order.get(d.channel, 99), FIELDS.index(d.field) if d.field in FIELDS else 99))
    return report


CSV_COLUMNS = ["sku", "channel", "field", "value", "reference", "reference_channel", "product_id"]


def as_csv(report: list[Drift]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for item in report:
        writer.writerow(asdict(item))
    return buffer.getvalue()
