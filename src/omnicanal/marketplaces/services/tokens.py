"""The seller's OAuth tokens: stored encrypted (core.crypto), refreshed when they expire.

Mercado Libre's refresh token is single-use: spending it returns a new one and the old one is dead.
Two processes refreshing at once would each spend it, and the loser's seller would be logged out,
so a refresh happens only under the account's row lock, and whoever gets the lock second finds a
fresh token already there and uses it without calling the marketplace.
"""

from __future__ import annotations

import datetime as dt
import time

from django.db import transaction
from django.utils.translation import gettext as _

from omnicanal.core import clock
from omnicanal.core.errors import NotFound, ValidationFailed
from omnicanal.marketplaces import client, locks
from omnicanal.marketplaces.models import MarketplaceAccount

# A token this close to its end is refreshed before use (a call must not die halfway).
MARGIN = dt.timedelta(minutes=5)


def get_account(public_id: str) -> MarketplaceAccount:
    account = MarketplaceAccount.objects.filter(public_id=public_id).first()
    if account is None:
        raise NotFound(_("No such marketplace account."))
    return account


def _store_tokens(account: MarketplaceAccount, answer: dict) -> None:
    now = clock.now()
    account.tokens = {"access_token": str(answer["access_token"]),
                      "refresh_token": str(answer.get("refresh_token") or account.tokens.get("refresh_token") or "")}
    lifetime = answer.get("expires_in")
    account.token_expires_at = now + dt.timedelta(seconds=21600 if lifetime is None else int(lifetime))
    account.refreshed_at = now
    account.last_error = ""
    account.save()


def do_connect_account(*, seller_id: str, access_token: str, refresh_token: str, expires_in: int = 21600,
                       site_id: str = "MLC", nickname: str = "") -> MarketplaceAccount:
    """Register (or re-connect) a seller with tokens already obtained (the CLI, the demo, tests)."""
    if not str(seller_id).strip().isdigit():
        raise ValidationFailed.on("seller_id", _("Give the seller's numeric user id."))
    account, _created = MarketplaceAccount.objects.get_or_create(
        marketplace="mercadolibre", seller_id=str(seller_id).strip(),
        defaults={"created_at": clock.now(), "site_id": site_id, "nickname": nickname})
    account.site_id, account.nickname, account.active = site_id, nickname or account.nickname, True
    _store_tokens(account, {"access_token": access_token, "refresh_token": refresh_token, "expires_in": expires_in})
    return account


def do_authorize(*, code: str, redirect_uri: str) -> MarketplaceAccount:
    """The OAuth callback: exchange the authorization code for the seller's tokens."""
    conf = client.config()
    answer = client.request("POST", "/oauth/token", form={
        "grant_type": "authorization_code", "client_id": conf["CLIENT_ID"], "client_secret": conf["CLIENT_SECRET"],
        "code": code, "redirect_uri": redirect_uri})
    return do_connect_account(seller_id=str(answer["user_id"]), access_token=answer["access_token"],
                              refresh_token=answer.get("refresh_token", ""), expires_in=int(answer.get("expires_in") or 0))


def _fresh(account: MarketplaceAccount, failed: str) -> str:
    """The stored token when it is usable: not expiring and not the one the marketplace just refused."""
    token = str(account.tokens.get("access_token") or "")
    if not token or account.token_expires_at is None or account.token_expires_at <= clock.now() + MARGIN:
        return ""
    return "" if token == failed else token


def access_token(account_pk: int, *, failed: str = "") -> str:
    """A usable access token for the seller, refreshing it (once, under the lock) when needed.
    `failed`: the token a call was just refused with (401), refreshed even if not yet expired."""
    account = MarketplaceAccount.objects.get(pk=account_pk)
    return _fresh(account, failed) or do_refresh(account_pk, failed=failed)


def do_refresh(account_pk: int, *, failed: str = "") -> str:
    """Spend the refresh token under the account's row lock; answers the new access token. The
    lock is held across the call on purpose: the token is single-use."""
    try:
        with transaction.atomic():
            account = locks.account(account_pk)
            token = _fresh(account, failed)
            if token:  # another process refreshed while we waited for the lock
                return token
            conf = client.config()
            answer = client.request("POST", "/oauth/token", form={
                "grant_type": "refresh_token", "client_id": conf["CLIENT_ID"],
                "client_secret": conf["CLIENT_SECRET"], "refresh_token": str(account.tokens.get("refresh_token") or "")})
            account.refresh_count += 1
            _store_tokens(account, answer)
            return str(answer["access_token"])
    except client.ApiError as exc:
        note_error(account_pk, _("Token refresh failed: %(error)s") % {"error": exc})
        raise


def note_error(account_pk: int, message: str) -> None:
    MarketplaceAccount.objects.filter(pk=account_pk).update(last_error=message[:500], last_error_at=clock.now())


def note_ok(account_pk: int) -> None:
    MarketplaceAccount.objects.filter(pk=account_pk).update(last_sync_at=clock.now())


def retry_delays() -> tuple[float, ...]:
    return tuple(float(d) for d in client.config()["RETRY_DELAYS"])


def call(account_pk: int, method: str, path: str, body=None):
    """One API call as the seller: an expired or refused token is refreshed once and the call
    retried; 429 and 5xx are retried in place with backoff (RETRY_DELAYS, longer when the answer
    says Retry-After), then raised for the caller's queue to try again later."""
    token = access_token(account_pk)
    delays = retry_delays()
    refreshed = False
    attempt = 0
    while True:
        try:
            answer = client.request(method, path, token=token, body=body)
        except client.ApiError as exc:
            if exc.invalid_token and not refreshed:
                refreshed = True
                token = access_token(account_pk, failed=token)
                continue
            if exc.retryable and attempt < len(delays):
                time.sleep(max(delays[attempt], min(exc.retry_after or 0, 30)))
                attempt += 1
                continue
            note_error(account_pk, f"{method} {path}: {exc}")
            raise
        note_ok(account_pk)
        return answer
