"""Listings: a SKU linked to a marketplace item, or created there from the catalog (POST /items),
and its price published from the catalog.

The price is the catalog's for the `marketplace` channel (catalog.queries.channel_prices: the
listing's own, else the variant's, else the product's). Before it is pushed, the catalog's
consistency audit is asked about that SKU on that channel: a price outside the channel's policy
(the marketplace: at most 8% above the web) is not pushed; the listing is held, and the audit
shows the drift like any other."""

from __future__ import annotations

from django.conf import settings
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _

from omnicanal.catalog import consistency
from omnicanal.catalog import queries as catalog
from omnicanal.core import clock
from omnicanal.core.errors import ValidationFailed
from omnicanal.inventory import queries as inventory
from omnicanal.marketplaces.models import ListingState, MarketplaceAccount, MarketplaceListing
from omnicanal.marketplaces.services import calls, stock
from omnicanal.marketplaces.services.orders import CHANNEL


def do_link_listing(*, account: MarketplaceAccount, sku: str, item_id: str,
                    user_product_id: str = "") -> MarketplaceListing:
    """Our SKU is sold as this marketplace item (an item the seller already has there)."""
    if not catalog.channel_prices([sku], CHANNEL):
        raise ValidationFailed.on("sku", _("No SKU %(sku)s in the catalog.") % {"sku": sku})
    if not item_id.strip():
        raise ValidationFailed.on("item_id", _("Give the marketplace's item id."))
    row, _created = MarketplaceListing.objects.update_or_create(
        account=account, sku=sku,
        defaults={"item_id": item_id.strip(), "state": ListingState.ACTIVE, "held_reason": "", "updated_at": clock.now(),
                  **({"user_product_id": user_product_id.strip()} if user_product_id.strip() else {})})
    stock.do_mark_dirty([sku])
    return row


def price_drift(sku: str) -> str:
    """The audit's verdict on this SKU's marketplace price: "" when within policy."""
    for drift in consistency.consistency_report(stock=False, skus=[sku], channels=[CHANNEL], fields=["price"]):
        if drift.channel == CHANNEL:
            return _("Price %(value)s is outside the channel's policy (reference %(reference)s on %(channel)s).") % {
                "value": drift.value, "reference": drift.reference, "channel": drift.reference_channel or "-"}
    return ""


def _amount(value):
    """Mercado Libre's prices are JSON numbers: whole pesos as integers."""
    return int(value) if value == value.to_integral() else float(value)


def do_publish(*, listing: MarketplaceListing) -> bool:
    """Push the catalog's price (and publication) of one listing; True when a call was queued. A
    listing created from the catalog and not yet on the marketplace is created now."""
    priced = catalog.channel_prices([listing.sku], CHANNEL).get(listing.sku)
    now = clock.now()
    if priced is not None and not listing.item_id and listing.created_here:
        return _queue_create(listing, priced)
    if priced is None or not listing.item_id:
        return False
    reason = price_drift(listing.sku) if priced.sellable else ""
    if reason:
        MarketplaceListing.objects.filter(pk=listing.pk).update(state=ListingState.HELD, held_reason=reason[:300],
                                                                updated_at=now)
        return False
    if not priced.sellable:
        body: dict = {"status": "paused"}
        state = ListingState.UNLISTED
    else:
        body = {"price": _amount(priced.price.amount)}
        if not listing.paused:  # paused by us stays paused when its price changes
            body["status"] = "active"
        state = ListingState.ACTIVE
    calls.do_enqueue(account_pk=listing.account_id, key=f"listing:{listing.item_id}", method="PUT",
                     path=f"/items/{listing.item_id}", body=body)
    MarketplaceListing.objects.filter(pk=listing.pk).update(
        state=state, held_reason="", pushed_price=priced.price.amount if priced.sellable else listing.pushed_price,
        updated_at=now)
    if state == ListingState.ACTIVE:
        stock.do_mark_dirty([listing.sku])
    return True


def do_publish_skus(skus: list[str]) -> list[int]:
    """Publish every listing of these SKUs; answers the accounts with calls queued."""
    accounts = set()
    for listing in MarketplaceListing.objects.filter(Q(sku__in=skus), ~Q(item_id="") | Q(created_here=True)).order_by("pk"):
        if do_publish(listing=listing):
            accounts.add(listing.account_id)
    return sorted(accounts)


# --- items created from the catalog ------------------------------------------------------------
CONDITIONS = ("new", "used", "not_specified")
TITLE_MAX = 60  # Mercado Libre's title limit


def _pictures(sku: str) -> list[dict]:
    """The product's images as public URLs Mercado Libre downloads (PUBLIC_URL + catalog:image)."""
    product = catalog.product_with_variants(sku)
    base = settings.OMNICANAL["PUBLIC_URL"]
    return [{"source": f"{base}{reverse('catalog:image', args=[image.public_id])}"} for image in product.images.all()]


def item_body(listing: MarketplaceListing, priced) -> dict:
    """The POST /items body of one SKU: the catalog's title, price (the channel's price policy) and
    pictures, the quantity the marketplace channel may promise (availability, never on-hand), and
    what the seller chose (category, listing type, condition)."""
    variant = catalog.get_variant(listing.sku)
    title = f"{priced.title} {priced.options}".strip()[:TITLE_MAX]
    attributes = [{"id": "SELLER_SKU", "value_name": listing.sku}]
    brand = variant.product.brand
    if brand is not None:
        attributes.append({"id": "BRAND", "value_name": brand.name})
    if variant.gtin:
        attributes.append({"id": "GTIN", "value_name": variant.gtin})
    fields = listing.item_fields
    return {
        "title": title, "category_id": fields["category_id"], "price": _amount(priced.price.amount),
        "currency_id": priced.price.currency,
        "available_quantity": inventory.availability(sku=listing.sku, channel=CHANNEL).available,
        "buying_mode": "buy_it_now", "listing_type_id": fields.get("listing_type_id") or "gold_special",
        "condition": fields.get("condition") or "new", "pictures": _pictures(listing.sku),
        "seller_custom_field": listing.sku, "attributes": attributes,
    }


def _queue_create(listing: MarketplaceListing, priced) -> bool:
    now = clock.now()
    reason = price_drift(listing.sku) if priced.sellable else _("Not published on the marketplace channel.")
    if reason:  # out of policy (or not for sale there): nothing leaves, the audit shows the drift
        MarketplaceListing.objects.filter(pk=listing.pk).update(state=ListingState.HELD, held_reason=reason[:300],
                                                                updated_at=now)
        return False
    body = item_body(listing, priced)
    calls.do_enqueue(account_pk=listing.account_id, key=f"create:{listing.sku}", method="POST", path="/items",
                     body=body)
    MarketplaceListing.objects.filter(pk=listing.pk).update(
        state=ListingState.UNLISTED, held_reason="", last_error="", pushed_price=priced.price.amount,
        pushed_quantity=body["available_quantity"], updated_at=now)
    return True


def do_create_listings(*, account: MarketplaceAccount, skus: list[str], category_id: str,
                       listing_type_id: str = "gold_special", condition: str = "new") -> list[MarketplaceListing]:
    """Publish these SKUs (a variant, or every variant of a product) as new items of the seller: one
    item per SKU, created by the worker (POST /items); a price outside the channel's policy is held
    and nothing is sent until the catalog brings it back within."""
    if not skus:
        raise ValidationFailed.on("sku", _("Give a SKU or a product."))
    if not category_id.strip():
        raise ValidationFailed.on("category_id", _("Give the marketplace's category."))
    if condition not in CONDITIONS:
        raise ValidationFailed.on("condition", _("Unknown condition %(value)s.") % {"value": condition})
    prices = catalog.channel_prices(skus, CHANNEL)
    for sku in skus:
        if sku not in prices:
            raise ValidationFailed.on("sku", _("No SKU %(sku)s in the catalog.") % {"sku": sku})
    linked = MarketplaceListing.objects.filter(account=account, sku__in=skus).exclude(item_id="")
    if linked.exists():
        raise ValidationFailed.on("sku", _("%(sku)s is already on the marketplace as %(item)s.") % {
            "sku": linked[0].sku, "item": linked[0].item_id})
    rows = []
    fields = {"category_id": category_id.strip(), "listing_type_id": listing_type_id, "condition": condition}
    for sku in skus:
        row, _created = MarketplaceListing.objects.update_or_create(
            account=account, sku=sku, defaults={"created_here": True, "item_fields": fields, "paused": False,
                                                "updated_at": clock.now()})
        _queue_create(row, prices[sku])
        row.refresh_from_db()
        rows.append(row)
    return rows


def do_set_paused(*, listing: MarketplaceListing, paused: bool) -> bool:
    """Pause the item on the marketplace (buyers no longer see it) or activate it again; True when a
    call was queued (an item not yet created only remembers the wish)."""
    MarketplaceListing.objects.filter(pk=listing.pk).update(paused=paused, updated_at=clock.now())
    listing.paused = paused
    if not listing.item_id:
        return False
    calls.do_enqueue(account_pk=listing.account_id, key=f"status:{listing.item_id}", method="PUT",
                     path=f"/items/{listing.item_id}", body={"status": "paused" if paused else "active"})
    return True


def _landed(call, answer, error: str = "") -> None:
    """A write about an item landed (its answer is the item) or was refused for good."""
    kind, _sep, ref = call.key.partition(":")
    rows = MarketplaceListing.objects.filter(account_id=call.account_id)
    rows = rows.filter(sku=ref) if kind == "create" else rows.filter(item_id=ref)
    now = clock.now()
    if error:
        rows.update(last_error=error, updated_at=now)
        return
    fields: dict = {"last_error": "", "pushed_at": now, "updated_at": now}
    if isinstance(answer, dict) and answer.get("status"):
        fields["remote_status"] = str(answer["status"])[:30]
    if kind == "create" and isinstance(answer, dict) and answer.get("id"):
        fields.update(item_id=str(answer["id"]), user_product_id=str(answer.get("user_product_id") or ""),
                      state=ListingState.ACTIVE)
        skus = list(rows.values_list("sku", flat=True))
        rows.update(**fields)
        paused = MarketplaceListing.objects.filter(account_id=call.account_id, sku__in=skus, paused=True)
        for row in paused:  # paused before it existed there
            do_set_paused(listing=row, paused=True)
        stock.do_mark_dirty(skus)  # per-warehouse quantities follow (multi-origin sellers)
        return
    rows.update(**fields)


for _kind in ("create", "listing", "status", "quantity"):
    calls.on_outcome(_kind, _landed)
