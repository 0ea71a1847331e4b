"""Every SELECT … FOR UPDATE of the loyalty domain, always in primary-key order.

Two transfers that touch the same accounts lock them in the same order, so they queue instead of
deadlocking. System accounts are never locked: they carry no cached balance (see models.Account).
On SQLite these are plain reads: its IMMEDIATE transactions already serialize writers.
"""

from __future__ import annotations

from collections.abc import Iterable

from omnicanal.loyalty.models import Account, Coupon, OwnerKind


def lock_accounts(accounts: Iterable[Account]) -> dict[int, Account]:
    """Lock the non-system accounts among `accounts`; fresh copies keyed by pk."""
    pks = sorted({a.pk for a in accounts if a.owner_kind != OwnerKind.SYSTEM})
    if not pks:
        return {}
    rows = Account.objects.select_for_update().filter(pk__in=pks).order_by("pk")
    return {row.pk: row for row in rows}


def lock_account(account: Account) -> Account:
    return lock_accounts([account])[account.pk]


def lock_coupon(code: str) -> Coupon | None:
    return Coupon.objects.select_for_update().filter(code=code).first()


def lock_grant(public_id: str):
    from omnicanal.loyalty.models import ValueGrant

    return ValueGrant.objects.select_for_update().filter(public_id=public_id).first()
