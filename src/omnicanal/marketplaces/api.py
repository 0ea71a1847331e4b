"""The marketplace connector's API: connect a seller, see the accounts' status, link and publish
listings. Parse, call one service or query, answer (docs/integrations.md, "Mercado Libre")."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal

from django.db import transaction
from ninja import Router, Schema, Status
from pydantic import Field

from omnicanal.core import audit
from omnicanal.core.auth import require_role
from omnicanal.core.schemas import Out
from omnicanal.marketplaces import queries, roles, services, tasks

router = Router(tags=["marketplaces"])


class AccountIn(Schema):
    seller_id: str = Field(min_length=1, max_length=40, examples=["468424240"])
    access_token: str = Field(min_length=1, max_length=500)
    refresh_token: str = Field(min_length=1, max_length=500)
    expires_in: int = Field(default=21600, ge=0, le=10_000_000)
    site_id: str = Field(default="MLC", pattern=r"^[A-Z]{3}$")
    nickname: str = Field(default="", max_length=100)


class AccountOut(Out):
    id: str
    marketplace: str
    seller_id: str
    nickname: str
    token: str = Field(description="valid, expiring (refreshed at the next call) or missing")
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


class MarketplaceListingIn(Schema):
    item_id: str = Field(min_length=1, max_length=40, examples=["MLC1122334455"])
    user_product_id: str = Field(default="", max_length=40, examples=["MLCU8000000001"],
                                 description="the item's user product: needed for multi-warehouse stock")


class MarketplaceListingOut(Out):
    sku: str
    item_id: str
    state: str = Field(description="active, held (its price is outside the channel's policy) or unlisted")
    held_reason: str
    remote_status: str = Field(description="the item's status on the marketplace (active, paused, closed, "
                                           "under_review); empty until a write answered")
    paused: bool
    created_here: bool = Field(description="created from the catalog (POST /items), not linked")
    pushed_price: Decimal | None
    pushed_quantity: int | None
    last_error: str


class ItemsIn(Schema):
    sku: str = Field(default="", max_length=64, description="one variant; or give `product`")
    product: str = Field(default="", max_length=120, description="every variant of a product (prd_…, handle)")
    category_id: str = Field(min_length=1, max_length=40, examples=["MLC1276"])
    listing_type_id: str = Field(default="gold_special", pattern=r"^[a-z_]{2,30}$")
    condition: str = Field(default="new", pattern=r"^(new|used|not_specified)$")


class WarehouseIn(Schema):
    location: str = Field(min_length=1, max_length=32, examples=["WH"])
    store_id: str = Field(min_length=1, max_length=40, examples=["12345678"])


class WarehousesIn(Schema):
    multi_warehouse: bool
    warehouses: list[WarehouseIn] = Field(default_factory=list, max_length=200)


class WarehousesOut(Out):
    multi_warehouse: bool
    warehouses: list[dict[str, str]]


def _listing_out(row) -> dict:
    return {"sku": row.sku, "item_id": row.item_id, "state": row.state, "held_reason": row.held_reason,
            "remote_status": row.remote_status, "paused": row.paused, "created_here": row.created_here,
            "pushed_price": row.pushed_price, "pushed_quantity": row.pushed_quantity, "last_error": row.last_error}


@router.post("/marketplace-accounts", response={201: AccountOut}, summary="Connect a Mercado Libre seller")
def connect_account(request, body: AccountIn):
    """Store a seller's tokens (encrypted at rest) so notifications for its user id are taken and its
    listings published; the refresh token is spent, one refresh at a time, when the access token
    expires. Admins and integration keys only."""
    principal = require_role(request, *roles.MANAGE)
    account = services.do_connect_account(seller_id=body.seller_id, access_token=body.access_token,
                                          refresh_token=body.refresh_token, expires_in=body.expires_in,
                                          site_id=body.site_id, nickname=body.nickname)
    audit.record(actor=principal, action="marketplace.connect", target_type="marketplace_account",
                 target_id=account.public_id, after={"seller_id": account.seller_id})
    return Status(201, next(dataclasses.asdict(a) for a in queries.accounts() if a.id == account.public_id))


@router.get("/marketplace-accounts", response=list[AccountOut], summary="Marketplace accounts and their status")
def list_accounts(request):
    """Every connected seller with its token's state, the last call that worked, the last error and
    what waits (notifications to process, calls to send, listings held out of policy)."""
    require_role(request, *roles.READ)
    return [dataclasses.asdict(a) for a in queries.accounts()]


@router.put("/marketplace-accounts/{account_id}/listings/{sku}", response=MarketplaceListingOut,
            summary="Link a SKU to a marketplace item and publish it")
def link_listing(request, account_id: str, sku: str, body: MarketplaceListingIn):
    """The seller sells `sku` as this item: its price is published from the catalog's marketplace
    price (held when outside the channel's policy) and its available quantity follows the stock."""
    require_role(request, *roles.MANAGE)
    account = services.get_account(account_id)
    row = services.do_link_listing(account=account, sku=sku, item_id=body.item_id,
                                   user_product_id=body.user_product_id)
    if services.do_publish(listing=row):
        transaction.on_commit(lambda: tasks.send_calls(account.pk))
    row.refresh_from_db()
    return _listing_out(row)


def _send(account) -> None:
    transaction.on_commit(lambda: tasks.send_calls(account.pk))


@router.post("/marketplace-accounts/{account_id}/listings", response={201: list[MarketplaceListingOut]},
             summary="Publish a variant or a product as new marketplace items")
def create_listings(request, account_id: str, body: ItemsIn):
    """Create the seller's items from the catalog (`POST /items` there, by the worker): one item per
    SKU with the catalog's title, pictures and marketplace price, and the quantity the channel may
    promise. A price outside the channel's policy is held (nothing is sent; the consistency audit shows
    it) and published once the catalog brings it back within. Then price and stock follow as for
    linked items."""
    principal = require_role(request, *roles.MANAGE)
    account = services.get_account(account_id)
    skus = queries.product_skus(body.product) if body.product else ([body.sku] if body.sku else [])
    rows = services.do_create_listings(account=account, skus=skus, category_id=body.category_id,
                                       listing_type_id=body.listing_type_id, condition=body.condition)
    audit.record(actor=principal, action="marketplace.publish", target_type="marketplace_account",
                 target_id=account.public_id, after={"skus": skus})
    _send(account)
    return Status(201, [_listing_out(row) for row in rows])


@router.get("/marketplace-accounts/{account_id}/listings", response=list[MarketplaceListingOut],
            summary="The seller's listings and their state")
def list_listings(request, account_id: str, sku: str = ""):
    """The account's listings (one SKU with `sku`): our state and the marketplace's, the last price and
    quantity pushed, why a change is held, the last error."""
    require_role(request, *roles.READ)
    account = services.get_account(account_id)
    return [_listing_out(row) for row in queries.listings(account, sku=sku)]


def _pause(request, account_id: str, sku: str, paused: bool):
    principal = require_role(request, *roles.MANAGE)
    account = services.get_account(account_id)
    row = queries.get_listing(account, sku)
    if services.do_set_paused(listing=row, paused=paused):
        _send(account)
    audit.record(actor=principal, action="marketplace.pause" if paused else "marketplace.resume",
                 target_type="marketplace_listing", target_id=f"{account.public_id}:{sku}")
    row.refresh_from_db()
    return _listing_out(row)


@router.post("/marketplace-accounts/{account_id}/listings/{sku}/pause", response=MarketplaceListingOut,
             summary="Pause a marketplace item")
def pause_listing(request, account_id: str, sku: str):
    """Buyers no longer see it (`status: paused` there); price changes leave it paused."""
    return _pause(request, account_id, sku, True)


@router.post("/marketplace-accounts/{account_id}/listings/{sku}/resume", response=MarketplaceListingOut,
             summary="Activate a paused marketplace item again")
def resume_listing(request, account_id: str, sku: str):
    """Put a paused listing on sale again on the marketplace (its price and quantity pushed as they are now)."""
    return _pause(request, account_id, sku, False)


@router.get("/marketplace-accounts/{account_id}/warehouses", response=WarehousesOut,
            summary="The seller's warehouses and our locations mapped to them")
def get_warehouses(request, account_id: str):
    """Multi-origin stock: whether the seller uses several warehouses, and which of our locations is which
    of the seller's Mercado Libre stores."""
    require_role(request, *roles.READ)
    return queries.warehouses(services.get_account(account_id))


@router.put("/marketplace-accounts/{account_id}/warehouses", response=WarehousesOut,
            summary="Set multi-warehouse stock and map locations to the seller's warehouses")
def set_warehouses(request, account_id: str, body: WarehousesIn):
    """With `multi_warehouse`, the available quantity goes per warehouse (`PUT /user-products/{id}/stock/
    type/seller_warehouse`): each mapped location's availability for the marketplace channel, to its
    warehouse (`store_id`). The mapping replaces the previous one; every listing is pushed again."""
    principal = require_role(request, *roles.MANAGE)
    account = services.get_account(account_id)
    services.do_set_warehouses(account=account, multi_warehouse=body.multi_warehouse,
                               warehouses=[(w.location, w.store_id) for w in body.warehouses])
    audit.record(actor=principal, action="marketplace.warehouses", target_type="marketplace_account",
                 target_id=account.public_id,
                 after={"multi_warehouse": body.multi_warehouse, "warehouses": [w.dict() for w in body.warehouses]})
    transaction.on_commit(lambda: tasks.push_stock.schedule(delay=1.0))
    return queries.warehouses(account)
