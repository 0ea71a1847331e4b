"""Reads of the marketplaces domain, for the console and the API."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from omnicanal.catalog import queries as catalog
from omnicanal.core import clock
from omnicanal.core.errors import NotFound, ValidationFailed
from omnicanal.marketplaces.models import (
    ApiCall,
    ListingState,
    MarketplaceAccount,
    MarketplaceListing,
    Notification,
    WarehouseMapping,
    WorkStatus,
)


@dataclass(frozen=True)
class AccountStatus:
    id: str
    marketplace: str
    seller_id: str
    nickname: str
    token: str  # "valid", "expiring" (refreshed at the next call), "missing"
    token_expires_at: dt.datetime | None
    refreshed_at: dt.datetime | None
    refresh_count: int
    last_sync_at: dt.datetime | None
    last_error: str
    last_error_at: dt.datetime | None
    pending_notifications: int
    pending_calls: int
    failed_calls: int
    held_listings: int
    active_listings: int


def _token_state(account: MarketplaceAccount, now: dt.datetime) -> str:
    if not account.tokens.get("access_token") or account.token_expires_at is None:
        return "missing"
    return "valid" if account.token_expires_at > now + dt.timedelta(minutes=5) else "expiring"


def accounts() -> list[AccountStatus]:
    now = clock.now()
    out = []
    for account in MarketplaceAccount.objects.order_by("pk"):
        out.append(AccountStatus(
            id=account.public_id, marketplace=account.marketplace, seller_id=account.seller_id,
            nickname=account.nickname, token=_token_state(account, now), token_expires_at=account.token_expires_at,
            refreshed_at=account.refreshed_at, refresh_count=account.refresh_count, last_sync_at=account.last_sync_at,
            last_error=account.last_error, last_error_at=account.last_error_at,
            pending_notifications=Notification.objects.filter(account=account, status=WorkStatus.PENDING).count(),
            pending_calls=ApiCall.objects.filter(account=account, status=WorkStatus.PENDING).count(),
            failed_calls=ApiCall.objects.filter(account=account, status=WorkStatus.FAILED).count(),
            held_listings=account.listings.filter(state=ListingState.HELD).count(),
            active_listings=account.listings.filter(state=ListingState.ACTIVE).count(),
        ))
    return out


def product_skus(ref: str) -> list[str]:
    """Every variant's SKU of a product (prd_…, handle or one of its SKUs), in catalog order; an
    unknown product is a field error on `product`."""
    try:
        product = catalog.product_with_variants(ref)
    except NotFound:
        raise ValidationFailed.on("product", _("No product %(ref)s.") % {"ref": ref}) from None
    return [variant.sku for variant in product.variants.all()]


def listings(account: MarketplaceAccount, *, sku: str = "") -> list[MarketplaceListing]:
    rows = MarketplaceListing.objects.filter(account=account)
    return list(rows.filter(sku=sku) if sku else rows.order_by("sku"))


def get_listing(account: MarketplaceAccount, sku: str) -> MarketplaceListing:
    row = MarketplaceListing.objects.filter(account=account, sku=sku).first()
    if row is None:
        raise NotFound(detail=f"No listing of {sku} on {account.public_id}.")
    return row


def warehouses(account: MarketplaceAccount) -> dict:
    rows = WarehouseMapping.objects.filter(account=account).order_by("location")
    return {"multi_warehouse": MarketplaceAccount.objects.filter(pk=account.pk).values_list(
        "multi_warehouse", flat=True).get(),
        "warehouses": [{"location": row.location, "store_id": row.store_id} for row in rows]}


@dataclass(frozen=True)
class Publication:
    """One SKU of a product on one seller account, as the publication page shows it."""

    sku: str
    options: str
    account: AccountStatus
    listing: MarketplaceListing | None
    waiting: bool  # a write to the marketplace is queued for it


def publications(ref: str) -> tuple[Any, list[Publication]]:
    """A product and, for each of its variants × each account, its listing (or none yet)."""
    product = catalog.product_with_variants(ref)
    variants = list(product.variants.all())
    skus = [v.sku for v in variants]
    prices = catalog.channel_prices(skus, "marketplace")
    by_key = {(row.account_id, row.sku): row for row in MarketplaceListing.objects.filter(sku__in=skus)}
    pending = ApiCall.objects.filter(status=WorkStatus.PENDING)
    out = []
    statuses = {a.id: a for a in accounts()}
    for account in MarketplaceAccount.objects.order_by("pk"):
        keys = pending.filter(account=account).values_list("key", flat=True)
        waiting = set(keys)
        for variant in variants:
            row = by_key.get((account.pk, variant.sku))
            mine = {f"create:{variant.sku}"} | ({f"{kind}:{row.item_id}" for kind in ("listing", "quantity", "status")}
                                                 if row and row.item_id else set())
            out.append(Publication(sku=variant.sku, options=prices[variant.sku].options if variant.sku in prices else "",
                                   account=statuses[account.public_id], listing=row,
                                   waiting=bool(mine & waiting)))
    return product, out
