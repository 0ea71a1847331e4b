"""Listings: a SKU linked to a marketplace item, and its price published from the catalog.

The price is the catalog's for the `marketplace` channel (catalog.queries.channel_prices: the
listing's own, else the variant's, else the product's). Before it is pushed, the catalog's
consistency audit is asked about that SKU on that channel: a price outside the channel's policy
(the marketplace: at most 8% above the web) is not pushed; the listing is held, and the audit
shows the drift like any other."""

from __future__ import annotations

from django.utils.translation import gettext as _

from omnicanal.catalog import consistency
from omnicanal.catalog import queries as catalog
from omnicanal.core import clock
from omnicanal.core.errors import ValidationFailed
from omnicanal.marketplaces.models import ListingState, MarketplaceAccount, MarketplaceListing
from omnicanal.marketplaces.services import calls, stock
from omnicanal.marketplaces.services.orders import CHANNEL


def do_link_listing(*, account: MarketplaceAccount, sku: str, item_id: str) -> MarketplaceListing:
    """Our SKU is sold as this marketplace item (an item the seller already has there)."""
    if not catalog.channel_prices([sku], CHANNEL):
        raise ValidationFailed.on("sku", _("No SKU %(sku)s in the catalog.") % {"sku": sku})
    if not item_id.strip():
        raise ValidationFailed.on("item_id", _("Give the marketplace's item id."))
    row, _created = MarketplaceListing.objects.update_or_create(
        account=account, sku=sku,
        defaults={"item_id": item_id.strip(), "state": ListingState.ACTIVE, "held_reason": "", "updated_at": clock.now()})
    stock.do_mark_dirty([sku])
    return row


def price_drift(sku: str) -> str:
    """The audit's verdict on this SKU's marketplace price: "" when within policy."""
    for drift in consistency.consistency_report(stock=False, skus=[sku], channels=[CHANNEL], fields=["price"]):
        if drift.channel == CHANNEL:
            return _("Price %(value)s is outside the channel's policy (reference %(reference)s on %(channel)s).") % {
                "value": drift.value, "reference": drift.reference, "channel": drift.reference_channel or "-"}
    return ""


def do_publish(*, listing: MarketplaceListing) -> bool:
    """Push the catalog's price (and publication) of one listing; True when a call was queued."""
    priced = catalog.channel_prices([listing.sku], CHANNEL).get(listing.sku)
    now = clock.now()
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
        body = {"price": int(priced.price.amount) if priced.price.amount == priced.price.amount.to_integral()
                else float(priced.price.amount), "status": "active"}
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
    for listing in MarketplaceListing.objects.filter(sku__in=skus).exclude(item_id="").order_by("pk"):
        if do_publish(listing=listing):
            accounts.add(listing.account_id)
    return sorted(accounts)
