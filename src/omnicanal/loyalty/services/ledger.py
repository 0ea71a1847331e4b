"""The ledger: balanced, immutable, idempotent transfers between accounts.

Knows nothing of customers, orders or programs: accounts belong to an owner id string. Every writer
here runs inside the caller's transaction and locks the customer-side accounts it touches
(locks.py, by primary key) before it reads a balance; the CHECK constraints on Account refuse an
overdraft even if this code had a bug.

- do_transfer: a posted transfer (two entries, debit negative, credit positive).
- do_hold / do_post / do_void: a pending transfer holds an amount until it is posted (all or part),
  voided, or expires (do_expire_holds).
- Lots: every credit to a non-system account opens a lot (with an expiry date or none); every debit
  spends lots oldest-expiry first; do_expire_lots moves what is left of expired lots to the
  expiry account.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, IntegrityError, transaction
from django.db.models import F, Q, Sum
from django.utils.translation import gettext as _

from omnicanal.core import clock
from omnicanal.core.errors import Conflict, InsufficientBalance, InvalidTransition, ValidationFailed
from omnicanal.core.ids import new_id
from omnicanal.core.money import business_currency, check_currency, minor_units, to_decimal
from omnicanal.loyalty import hot, locks
from omnicanal.loyalty.models import (
    COINS,
    POINTS,
    Account,
    AccountKind,
    Entry,
    Lot,
    OwnerKind,
    Transfer,
    TransferKind,
    TransferStatus,
)

WHOLE_UNITS = (POINTS, COINS)
_FIFO = (F("expires_at").asc(nulls_last=True), "pk")


# --- accounts --------------------------------------------------------------------------------


def default_unit(kind: str) -> str:
    return {AccountKind.POINTS: POINTS, AccountKind.COINS: COINS}.get(kind) or business_currency()


def system_account(kind: str, unit: str) -> Account:
    account, _created = Account.objects.get_or_create(
        owner_kind=OwnerKind.SYSTEM, owner_id=kind, kind=kind, unit=unit,
        defaults={"balance": None, "created_at": clock.now()},
    )
    return account


def owner_account(*, owner_kind: str, owner_id: str, kind: str, unit: str | None = None) -> Account:
    unit = unit or default_unit(kind)
    account, _created = Account.objects.get_or_create(
        owner_kind=owner_kind, owner_id=owner_id, kind=kind, unit=unit,
        defaults={"balance": Decimal(0), "created_at": clock.now()},
    )
    return account


def customer_account(customer_id: str, kind: str, unit: str | None = None) -> Account:
    return owner_account(owner_kind=OwnerKind.CUSTOMER, owner_id=customer_id, kind=kind, unit=unit)


def customer_accounts(customer_ids: list[str], kind: str, unit: str | None = None) -> dict[str, Account]:
    """customer_account for many customers (an import): one read, one INSERT of the missing ones
    (a twin created meanwhile is kept), one read back."""
    unit = unit or default_unit(kind)
    mine = Account.objects.filter(owner_kind=OwnerKind.CUSTOMER, kind=kind, unit=unit)
    found = {a.owner_id: a for a in mine.filter(owner_id__in=customer_ids)}
    missing = [c for c in dict.fromkeys(customer_ids) if c not in found]
    if missing:
        now = clock.now()
        Account.objects.bulk_create([
            Account(owner_kind=OwnerKind.CUSTOMER, owner_id=c, kind=kind, unit=unit, balance=Decimal(0), created_at=now)
            for c in missing], ignore_conflicts=True, batch_size=500)
        found.update({a.owner_id: a for a in mine.filter(owner_id__in=missing)})
    return found


def check_amount(unit: str, amount: Decimal | int | str, field: str = "amount") -> Decimal:
    """A positive amount valid for the unit: whole for points and coins, minor units for money."""
    try:
        value = to_decimal(amount)
    except (TypeError, ValueError):
        raise ValidationFailed.on(field, _("must be a number")) from None
    if value <= 0:
        raise ValidationFailed.on(field, _("must be more than zero"))
    if unit in WHOLE_UNITS:
        if value != value.to_integral_value():
            raise ValidationFailed.on(field, _("must be a whole number"))
        return value.quantize(Decimal(1))
    places = minor_units(check_currency(unit))
    if value != value.quantize(Decimal(1).scaleb(-places)):
        raise ValidationFailed.on(field, _("has more decimals than the currency allows"))
    return value.quantize(Decimal(1).scaleb(-places))


def actor_label(actor) -> str:
    """'user:7', 'apikey:ab12cd34' or 'system' for a core.auth.Principal (or a plain string)."""
    if actor is None:
        return ""
    if isinstance(actor, str):
        return actor
    return "system" if actor.kind == "system" else f"{actor.kind}:{actor.id}"


def key_part(text: str) -> str:
    """A caller's free text (a reference) as a part of a transfer's idempotency key: a keyed digest,
    so that a key never holds personal data (the reference column keeps the text until erasure)."""
    digest = hmac.new(settings.SECRET_KEY.encode(), text.encode(), hashlib.sha256).hexdigest()
    return f"h{digest[:40]}"


# --- transfers -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Moved:
    """Lots taken from the debited account: (expiry, amount) pairs, oldest first."""

    parts: list[tuple[datetime | None, Decimal]]


def _existing(key: str) -> Transfer | None:
    return Transfer.objects.filter(key=key).first()


def _same(existing: Transfer, *, kind: str, debit: Account, credit: Account, amount: Decimal) -> Transfer:
    if (existing.kind, existing.debit_id, existing.credit_id, existing.amount) != (kind, debit.pk, credit.pk, amount):
        raise Conflict(detail=_("The transfer key %(key)s was already used for another transfer.") % {"key": existing.key})
    return existing


def _check_pair(debit: Account, credit: Account) -> None:
    if debit.unit != credit.unit:
        raise ValidationFailed.on("unit", _("both accounts of a transfer must hold the same unit"))
    if debit.pk == credit.pk:
        raise ValidationFailed.on("account", _("a transfer needs two different accounts"))


def _check_available(account: Account, amount: Decimal) -> None:
    if account.is_system:
        return
    available = account.balance - account.pending
    if amount > available:
        raise _short(account.unit, available, amount)


def _short(unit: str, available: Decimal, amount: Decimal) -> InsufficientBalance:
    return InsufficientBalance(
        detail=_("The balance is %(available)s %(unit)s; %(amount)s %(unit)s were asked.")
        % {"available": _plain(available), "amount": _plain(amount), "unit": unit},
        extra={"available": _plain(available), "unit": unit},
    )


def _check_open(account: Account) -> None:
    if account.closed_at is not None:
        raise Conflict(detail=_("The account %(id)s is closed.") % {"id": account.public_id})


def _plain(value: Decimal) -> str:
    normalized = value.normalize()
    return f"{normalized:f}" if normalized == normalized.to_integral_value() else str(value)


def _create(fields: dict, *, locked: bool) -> tuple[Transfer, bool]:
    """Insert, or find the concurrent twin that won the race for the same key (created False).

    When a customer account was locked first, a twin with the same key (a retry) has committed
    before we got the lock and the check after the lock found it: no savepoint needed."""
    if locked:
        return Transfer.objects.create(**fields), True
    try:
        with transaction.atomic():
            return Transfer.objects.create(**fields), True
    except IntegrityError:
        existing = _existing(fields["key"])
        if existing is None:
            raise
        twin = _same(existing, kind=fields["kind"], debit=fields["debit"], credit=fields["credit"], amount=fields["amount"])
        return twin, False


def _take_lots(account: Account, amount: Decimal) -> Moved:
    parts: list[tuple[datetime | None, Decimal]] = []
    left = amount
    for lot in Lot.objects.filter(account=account, remaining__gt=0).order_by(*_FIFO):
        if left <= 0:
            break
        taken = min(lot.remaining, left)
        Lot.objects.filter(pk=lot.pk).update(remaining=F("remaining") - taken)
        parts.append((lot.expires_at, taken))
        left -= taken
    if left > 0:  # lots always add up to the balance; the balance check came first
        raise RuntimeError(f"lots of account {account.pk} are short by {left}")
    return Moved(parts)


def _open_lots(account: Account, transfer: Transfer, parts: list[tuple[datetime | None, Decimal]]) -> None:
    now = clock.now()
    Lot.objects.bulk_create(
        [Lot(account=account, transfer=transfer, amount=q, remaining=q, expires_at=exp, created_at=now) for exp, q in parts if q > 0]
    )


def _apply(transfer: Transfer, locked: dict[int, Account], *, lot_expires_at: datetime | None, carry_lots: bool) -> None:
    """Write the two entries of a posted transfer and bring cached balances and lots along."""
    now = transfer.created_at
    entries = []
    moved = Moved([])
    for account_id, sign in ((transfer.debit_id, -1), (transfer.credit_id, 1)):
        delta = transfer.amount * sign
        account = locked.get(account_id)
        balance_after = None
        if account is not None:
            balance_after = account.balance + delta
            Account.objects.filter(pk=account_id).update(balance=F("balance") + delta)
            account.balance = balance_after
            if sign < 0:
                moved = _take_lots(account, transfer.amount)
            else:
                parts = moved.parts if carry_lots and moved.parts else [(lot_expires_at, transfer.amount)]
                _open_lots(account, transfer, parts)
        entries.append(
            Entry(transfer=transfer, account_id=account_id, unit=transfer.unit, amount=delta, balance_after=balance_after, created_at=now)
        )
    Entry.objects.bulk_create(entries)


@dataclass(frozen=True)
class Posting:
    """One transfer to post now (do_transfer's arguments; do_transfers takes a list of them)."""

    key: str
    kind: str
    debit: Account
    credit: Account
    amount: Decimal | int | str
    reference: str = ""
    payment: str = ""
    channel: str = ""
    memo: str = ""
    actor: str = ""
    metadata: dict | None = None
    reverses: Transfer | None = None
    lot_expires_at: datetime | None = None
    carry_lots: bool = False


def do_transfer(
    *,
    key: str,
    kind: str,
    debit: Account,
    credit: Account,
    amount: Decimal | int | str,
    reference: str = "",
    payment: str = "",
    channel: str = "",
    memo: str = "",
    actor: str = "",
    metadata: dict | None = None,
    reverses: Transfer | None = None,
    lot_expires_at: datetime | None = None,
    carry_lots: bool = False,
) -> Transfer:
    """Move `amount` from `debit` to `credit` now. Same key again: the first transfer (or a Conflict
    if the key was used for something else). `carry_lots` gives the credited account the debited
    lots' expiry dates (merges); otherwise the credit opens one lot expiring at `lot_expires_at`.

    On PostgreSQL one call of loyalty_transfer (loyalty.hot) does it all; on SQLite the ORM does the
    same steps (_transfer_orm)."""
    posting = Posting(key=key, kind=kind, debit=debit, credit=credit, amount=amount, reference=reference,
                      payment=payment, channel=channel, memo=memo, actor=actor, metadata=metadata, reverses=reverses,
                      lot_expires_at=lot_expires_at, carry_lots=carry_lots)
    [transfer] = do_transfers([posting])
    return transfer


def do_transfers(postings: list[Posting]) -> list[Transfer]:
    """Post many transfers in the caller's transaction, in order (the batched form: an import, the
    earn of many paid orders). On PostgreSQL one call of loyalty_transfers for the lot; a refused
    one (short, closed, a key used for another transfer) raises, and the caller's transaction undoes
    the others."""
    checked = []
    for posting in postings:
        _check_pair(posting.debit, posting.credit)
        checked.append((posting, check_amount(posting.debit.unit, posting.amount)))
    if not hot.in_use():
        return [_transfer_orm(posting, amount) for posting, amount in checked]
    calls = [_call(posting, amount) for posting, amount in checked]
    try:
        if len(calls) == 1:
            outcomes = [hot.post_at_once(calls[0])]
        else:
            outcomes = hot.post_many_at_once(calls) if calls else []
    except hot.ClosedMeanwhile:
        closed = sorted({posting.credit.public_id for posting, _amount in checked if not posting.credit.is_system})
        raise Conflict(detail=_("The account %(id)s is closed.") % {"id": ", ".join(closed)}) from None
    return [_answer(posting, call, outcome) for (posting, _amount), call, outcome in zip(checked, calls, outcomes, strict=True)]


def _call(posting: Posting, amount: Decimal) -> hot.Call:
    return hot.Call(
        key=posting.key, public_id=new_id("trx"), kind=posting.kind, unit=posting.debit.unit, amount=amount,
        debit=posting.debit.pk, debit_system=posting.debit.is_system, credit=posting.credit.pk,
        credit_system=posting.credit.is_system, reverses=posting.reverses.pk if posting.reverses else None,
        reference=posting.reference, payment=posting.payment, channel=posting.channel, memo=posting.memo[:300],
        actor=posting.actor, metadata=posting.metadata or {}, now=clock.now(), lot_expires_at=posting.lot_expires_at,
        carry_lots=posting.carry_lots,
    )


def _answer(posting: Posting, call: hot.Call, outcome: hot.Outcome) -> Transfer:
    """The Transfer the function wrote or found, or the refusal the ORM path would raise."""
    if outcome.outcome == hot.SHORT:
        assert outcome.available is not None
        raise _short(posting.debit.unit, outcome.available, call.amount)
    if outcome.outcome == hot.CLOSED:
        raise Conflict(detail=_("The account %(id)s is closed.") % {"id": posting.credit.public_id})
    assert outcome.transfer_id is not None  # posted or existing: the function names the transfer
    if outcome.outcome == hot.EXISTING:
        existing = Transfer.objects.get(pk=outcome.transfer_id)
        return _same(existing, kind=call.kind, debit=posting.debit, credit=posting.credit, amount=call.amount)
    # Written as asked: the row is what we sent, so it is built here instead of read back.
    transfer = Transfer(
        pk=outcome.transfer_id, public_id=call.public_id, key=call.key, kind=call.kind, status=TransferStatus.POSTED,
        unit=call.unit, amount=call.amount, debit=posting.debit, credit=posting.credit, reverses=posting.reverses,
        reference=call.reference, payment=call.payment, channel=call.channel, memo=call.memo, actor=call.actor,
        metadata=call.metadata, created_at=call.now,
    )
    transfer._state.adding = False
    transfer._state.db = DEFAULT_DB_ALIAS
    return transfer


def _transfer_orm(posting: Posting, amount: Decimal) -> Transfer:
    """The same steps as loyalty_transfer (sql/transfer.sql), one query at a time (SQLite)."""
    debit, credit, key, kind = posting.debit, posting.credit, posting.key, posting.kind
    locked = locks.lock_accounts([debit, credit])
    if (existing := _existing(key)) is not None:  # a retry, or a twin that committed while we waited
        return _same(existing, kind=kind, debit=debit, credit=credit, amount=amount)
    if debit.pk in locked:
        _check_available(locked[debit.pk], amount)
    if credit.pk in locked:
        _check_open(locked[credit.pk])
    transfer, created = _create(
        {
            "key": key, "kind": kind, "status": TransferStatus.POSTED, "unit": debit.unit, "amount": amount,
            "debit": debit, "credit": credit, "reverses": posting.reverses, "reference": posting.reference,
            "payment": posting.payment, "channel": posting.channel, "memo": posting.memo[:300], "actor": posting.actor,
            "metadata": posting.metadata or {}, "created_at": clock.now(),
        },
        locked=bool(locked),
    )
    if created:
        _apply(transfer, locked, lot_expires_at=posting.lot_expires_at, carry_lots=posting.carry_lots)
    return transfer


# --- pending transfers (holds) ---------------------------------------------------------------


def do_hold(
    *,
    key: str,
    debit: Account,
    credit: Account,
    amount: Decimal | int | str,
    expires_at: datetime | None,
    reference: str = "",
    payment: str = "",
    channel: str = "",
    memo: str = "",
    actor: str = "",
    metadata: dict | None = None,
) -> Transfer:
    """Hold `amount` on `debit` (a pending transfer): unavailable to anything else until posted,
    voided or expired; the balance itself moves only when it is posted."""
    _check_pair(debit, credit)
    if debit.is_system:
        raise ValidationFailed.on("account", _("holds are taken on customer accounts only"))
    amount = check_amount(debit.unit, amount)
    kind = TransferKind.HOLD
    locked = locks.lock_accounts([debit, credit])
    if (existing := _existing(key)) is not None:
        return _same(existing, kind=kind, debit=debit, credit=credit, amount=amount)
    _check_available(locked[debit.pk], amount)
    transfer, created = _create(
        {
            "key": key, "kind": kind, "status": TransferStatus.PENDING, "unit": debit.unit, "amount": amount,
            "debit": debit, "credit": credit, "expires_at": expires_at, "reference": reference, "payment": payment,
            "channel": channel, "memo": memo[:300], "actor": actor, "metadata": metadata or {}, "created_at": clock.now(),
        },
        locked=True,
    )
    if created:
        Account.objects.filter(pk=debit.pk).update(pending=F("pending") + amount)
    return transfer


def resolution_of(hold: Transfer) -> Transfer | None:
    return Transfer.objects.filter(resolves=hold).first()


def _lock_hold(hold: Transfer) -> tuple[Transfer, dict[int, Account]]:
    if hold.status != TransferStatus.PENDING:
        raise InvalidTransition(detail=_("Only a pending transfer can be posted or voided."))
    locked = locks.lock_accounts([hold.debit])
    return hold, locked


def do_post(*, hold: Transfer, amount: Decimal | int | str | None = None, actor: str = "") -> Transfer:
    """Post a hold, in full or in part (the rest is released). Posting twice returns the first
    posting; posting a voided or expired hold is refused."""
    hold, locked = _lock_hold(hold)
    resolution = resolution_of(hold)
    if resolution is not None:
        if resolution.status == TransferStatus.POSTED:
            return resolution
        raise InvalidTransition(detail=_("The hold was already released."))
    if hold.expires_at is not None and hold.expires_at <= clock.now():
        raise InvalidTransition(detail=_("The hold has expired."))
    value = hold.amount if amount is None else check_amount(hold.unit, amount)
    if value > hold.amount:
        raise ValidationFailed.on("amount", _("cannot post more than was held"))
    account = locked[hold.debit_id]
    Account.objects.filter(pk=account.pk).update(pending=F("pending") - hold.amount)
    account.pending -= hold.amount
    transfer = Transfer.objects.create(
        key=f"post:{hold.key}", kind=TransferKind.POST, status=TransferStatus.POSTED, unit=hold.unit, amount=value,
        debit_id=hold.debit_id, credit_id=hold.credit_id, resolves=hold, reference=hold.reference, payment=hold.payment,
        channel=hold.channel, memo=hold.memo, actor=actor or hold.actor, metadata=hold.metadata, created_at=clock.now(),
    )
    _apply(transfer, locked, lot_expires_at=None, carry_lots=False)
    return transfer


def do_void(*, hold: Transfer, kind: str = TransferKind.VOID, memo: str = "", actor: str = "") -> Transfer:
    """Release a hold. Voiding twice returns the first release; a posted hold cannot be voided
    (refund it instead)."""
    hold, _locked = _lock_hold(hold)
    resolution = resolution_of(hold)
    if resolution is not None:
        if resolution.status == TransferStatus.VOID:
            return resolution
        raise InvalidTransition(detail=_("The hold was already posted; refund it instead."))
    Account.objects.filter(pk=hold.debit_id).update(pending=F("pending") - hold.amount)
    return Transfer.objects.create(
        key=f"{kind}:{hold.key}", kind=kind, status=TransferStatus.VOID, unit=hold.unit, amount=hold.amount,
        debit_id=hold.debit_id, credit_id=hold.credit_id, resolves=hold, reference=hold.reference, payment=hold.payment,
        channel=hold.channel, memo=(memo or hold.memo)[:300], actor=actor, metadata=hold.metadata, created_at=clock.now(),
    )


def open_holds(**filters) -> list[Transfer]:
    return list(
        Transfer.objects.filter(status=TransferStatus.PENDING, resolution__isnull=True, **filters).order_by("pk")
    )


def do_expire_holds(*, now: datetime | None = None, limit: int = 500) -> list[Transfer]:
    """Release the holds whose time ran out (a checkout that never paid)."""
    now = now or clock.now()
    due = Transfer.objects.filter(status=TransferStatus.PENDING, resolution__isnull=True, expires_at__lte=now)
    released = []
    for hold in due.order_by("expires_at", "pk")[:limit]:
        released.append(do_void(hold=hold, kind=TransferKind.HOLD_EXPIRED, actor="system"))
    return released


# --- lots and expiry -------------------------------------------------------------------------


def expiring_lots(*, before: datetime):
    return Lot.objects.filter(remaining__gt=0, expires_at__isnull=False, expires_at__lte=before)


@dataclass(frozen=True)
class Expired:
    account: Account
    transfer: Transfer


def do_expire_account(*, account: Account, now: datetime | None = None) -> Transfer | None:
    """Move what is left of the account's expired lots to the expiry account, oldest first; never
    what an open hold still needs (that part expires when the hold is released)."""
    now = now or clock.now()
    locked = locks.lock_account(account)
    due = expiring_lots(before=now).filter(account=account).aggregate(total=Sum("remaining"))["total"] or Decimal(0)
    amount = min(due, locked.balance - locked.pending)
    if amount <= 0:
        return None
    return do_transfer(
        key=f"expire:{account.public_id}:{new_id('exp')}", kind=TransferKind.EXPIRE, debit=account,
        credit=system_account(AccountKind.EXPIRY, account.unit), amount=amount, actor="system",
        metadata={"expired_before": now.isoformat()},
    )


def do_expire_lots(*, now: datetime | None = None, limit: int = 1000) -> list[Expired]:
    now = now or clock.now()
    account_ids = expiring_lots(before=now).values_list("account_id", flat=True).distinct().order_by("account_id")[:limit]
    done = []
    for account in Account.objects.filter(pk__in=list(account_ids)).order_by("pk"):
        transfer = do_expire_account(account=account, now=now)
        if transfer is not None:
            done.append(Expired(account=account, transfer=transfer))
    return done


# --- moving and closing an owner's accounts --------------------------------------------------


def owner_accounts(owner_id: str, owner_kind: str = OwnerKind.CUSTOMER) -> list[Account]:
    return list(Account.objects.filter(owner_kind=owner_kind, owner_id=owner_id).order_by("pk"))


def do_move_owner(*, from_owner: str, to_owner: str, actor: str = "system") -> list[Transfer]:
    """Move every balance of one customer to another (a merge) through balanced transfers, keeping
    each lot's expiry date. Open holds move too: released on the old account and taken again on
    the new one, under the same reference and payment, so an order in flight still finds them."""
    if from_owner == to_owner:
        return []
    moved = []
    for account in owner_accounts(from_owner):
        holds = open_holds(debit=account)
        for hold in holds:
            do_void(hold=hold, memo=f"merge into {to_owner}", actor=actor)
        target = customer_account(to_owner, account.kind, account.unit)
        balance = locks.lock_account(account).balance
        if balance > 0:
            moved.append(
                do_transfer(
                    key=f"merge:{account.public_id}:{to_owner}:{new_id('mrg')}", kind=TransferKind.MERGE, debit=account,
                    credit=target, amount=balance, carry_lots=True, actor=actor,
                    memo=f"merge {from_owner} -> {to_owner}", metadata={"from": from_owner, "to": to_owner},
                )
            )
        for hold in holds:
            moved.append(
                do_hold(
                    key=f"{hold.key}>{to_owner}"[-200:], debit=target, credit=hold.credit, amount=hold.amount,
                    expires_at=hold.expires_at, reference=hold.reference, payment=hold.payment, channel=hold.channel,
                    memo=hold.memo, actor=actor, metadata={**hold.metadata, "moved_from": hold.public_id},
                )
            )
    return moved


def do_close_owner(*, owner_id: str, owner_kind: str = OwnerKind.CUSTOMER, actor: str = "system") -> list[Transfer]:
    """Close an owner's accounts (erasure): holds released, points and coins forfeited to the
    expiry account, money moved to the liability account (the business still owes it and settles it
    outside the ledger). The books stay balanced; the entries stay."""
    closed = []
    now = clock.now()
    for account in owner_accounts(owner_id, owner_kind):
        for hold in open_holds(debit=account):
            do_void(hold=hold, memo="erasure", actor=actor)
        balance = locks.lock_account(account).balance
        if balance > 0:
            sink = AccountKind.EXPIRY if account.unit in WHOLE_UNITS else AccountKind.LIABILITY
            closed.append(
                do_transfer(
                    key=f"forfeit:{account.public_id}", kind=TransferKind.FORFEIT, debit=account,
                    credit=system_account(sink, account.unit), amount=balance, actor=actor, memo="erasure",
                )
            )
        Account.objects.filter(pk=account.pk, closed_at__isnull=True).update(closed_at=now)
    return closed


def sum_entries(**filters) -> Decimal:
    return Entry.objects.filter(**filters).aggregate(total=Sum("amount"))["total"] or Decimal(0)


def open_held(account: Account) -> Decimal:
    total = Transfer.objects.filter(
        Q(status=TransferStatus.PENDING) & Q(resolution__isnull=True), debit=account
    ).aggregate(total=Sum("amount"))["total"]
    return total or Decimal(0)
