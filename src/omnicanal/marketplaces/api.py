"""The marketplace connector's API: connect a seller, see the accounts' status, link and publish
listings. Parse, call one service or query, answer (docs/integrations.md, "Mercado Libre")."""

from __future__ import annotations

import dataclasses
import datetime as dt

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


class MarketplaceListingOut(Out):
    sku: str
    item_id: str
    state: str = Field(description="active, held (its price is outside the channel's policy) or unlisted")
    held_reason: str


def _listing_out(row) -> dict:
    return {"sku": row.sku, "item_id": row.item_id, "state": row.state, "held_reason": row.held_reason}


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
    row = services.do_link_listing(account=account, sku=sku, item_id=body.item_id)
    if services.do_publish(listing=row):
        transaction.on_commit(lambda: tasks.send_calls(account.pk))
    row.refresh_from_db()
    return _listing_out(row)
