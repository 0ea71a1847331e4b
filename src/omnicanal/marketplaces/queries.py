"""Reads of the marketplaces domain, for the console and the API."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from omnicanal.core import clock
from omnicanal.marketplaces.models import ApiCall, ListingState, MarketplaceAccount, Notification, WorkStatus


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
