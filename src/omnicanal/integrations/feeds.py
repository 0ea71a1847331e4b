"""Product feeds per channel: Google Merchant Center's RSS 2.0 XML and a generic CSV, built from that
channel's listings, prices (catalog.queries.feed_items) and availability (inventory), served at a
URL signed per channel and format, with each product's rating from its published reviews
(feedback.queries.ratings: the syndication of reviews). Built on each request, so a feed is never older
than the data."""

from __future__ import annotations

import csv
import io
from xml.etree import ElementTree as ET

from django.conf import settings
from django.core import signing
from django.urls import reverse

from omnicanal.catalog import queries as catalog
from omnicanal.feedback import queries as feedback
from omnicanal.inventory import queries as inventory

FORMATS = ("xml", "csv")
_SALT = "omnicanal.integrations.feeds"
G = "http://base.google.com/ns/1.0"
CSV_COLUMNS = ("id", "title", "description", "link", "image_link", "availability", "price", "brand", "gtin",
               "condition", "product_type", "product_rating", "product_review_count")


def _value(channel: str, fmt: str) -> str:
    return f"{channel}.{fmt}"


def signature(channel: str, fmt: str) -> str:
    return signing.Signer(salt=_SALT).signature(_value(channel, fmt))


def signature_ok(channel: str, fmt: str, token: str) -> bool:
    try:  # unsign() also accepts signatures made under SECRET_KEY_FALLBACKS (rotation)
        return signing.Signer(salt=_SALT).unsign(f"{_value(channel, fmt)}:{token}") == _value(channel, fmt)
    except signing.BadSignature:
        return False


def feed_path(channel: str, fmt: str) -> str:
    return f"{reverse('integration-feed', args=[channel, fmt])}?token={signature(channel, fmt)}"


def _absolute(path: str) -> str:
    return f"{settings.OMNICANAL['PUBLIC_URL']}{path}"


def _price(money) -> str:
    return f"{money.amount} {money.currency}"


def rows(channel: str) -> list[dict[str, str]]:
    """The channel's sellable variants as feed rows (Google's attribute names)."""
    items = [item for item in catalog.feed_items(channel) if item.sellable]
    units = inventory.available_by_channel([item.sku for item in items], [channel]) if items else {}
    ratings = feedback.ratings(item.handle for item in items)
    return [{
        "id": item.sku, "title": item.title, "description": item.description or item.title,
        "link": _absolute(f"/products/{item.handle}"),
        "image_link": _absolute(reverse("catalog:image", args=[item.image_id])) if item.image_id else "",
        "availability": "in_stock" if units.get((item.sku, channel), 0) > 0 else "out_of_stock",
        "price": _price(item.price), "brand": item.brand, "gtin": item.gtin, "condition": "new",
        "product_type": item.category, **_rating(ratings.get(item.handle)),
    } for item in items]


def _rating(rating) -> dict[str, str]:
    """The product's published reviews: average on 1-5 (one decimal) and count; empty without any (a
    feed leaves an empty attribute out: no review is not a zero rating)."""
    if rating is None or not rating.count:
        return {"product_rating": "", "product_review_count": ""}
    return {"product_rating": f"{rating.average:.1f}", "product_review_count": str(rating.count)}


def as_csv(channel: str) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows(channel))
    return out.getvalue()


def as_xml(channel: str) -> bytes:
    ET.register_namespace("g", G)
    rss = ET.Element("rss", {"version": "2.0"})
    feed = ET.SubElement(rss, "channel")
    ET.SubElement(feed, "title").text = f"{settings.OMNICANAL['BUSINESS_NAME']} · {channel}"
    ET.SubElement(feed, "link").text = _absolute("/") or "/"
    ET.SubElement(feed, "description").text = f"{channel} product feed"
    for row in rows(channel):
        item = ET.SubElement(feed, "item")
        for name in CSV_COLUMNS:
            if row[name]:
                ET.SubElement(item, f"{{{G}}}{name}").text = row[name]
    return ET.tostring(rss, encoding="utf-8", xml_declaration=True)
