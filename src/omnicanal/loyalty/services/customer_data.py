"""What loyalty does when the customers domain merges, exports or erases a person. Called from
handlers.py through customers.registry, inside the customers domain's transaction."""

from __future__ import annotations

from django.db.models import Q, Sum

from omnicanal.core import privacy
from omnicanal.loyalty.models import (
    Account,
    CouponUse,
    Entry,
    GiftCard,
    Lot,
    OwnerKind,
    Spend,
    TierState,
    Transfer,
    ValueGrant,
)
from omnicanal.loyalty.services import ledger, program


def do_merge_customers(*, survivor_id: str, merged_id: str) -> list[Transfer]:
    """Lose nothing: balances (with their lots' expiry dates) and open holds move through balanced
    transfers; spend history (tiers), coupon uses (per-customer limits) and gift cards follow."""
    if survivor_id == merged_id:
        return []
    moved = ledger.do_move_owner(from_owner=merged_id, to_owner=survivor_id)
    Spend.objects.filter(owner_id=merged_id).update(owner_id=survivor_id)
    CouponUse.objects.filter(customer_id=merged_id).update(customer_id=survivor_id)
    GiftCard.objects.filter(purchaser_id=merged_id).update(purchaser_id=survivor_id)
    ValueGrant.objects.filter(customer_id=merged_id).update(customer_id=survivor_id)
    TierState.objects.filter(owner_id=merged_id).delete()
    program.do_refresh_tier(customer_id=survivor_id)
    return moved


def do_erase_customer(*, customer_id: str) -> list[Transfer]:
    """Erasure keeps the books balanced: balances close through transfers (points forfeited, money
    to the liability account), entries stay under the pseudonymous id; spend history and the
    link from coupon uses and gift cards to the person go."""
    closed = ledger.do_close_owner(owner_id=customer_id)
    cards = GiftCard.objects.filter(purchaser_id=customer_id).values_list("account_id", flat=True)
    accounts = Account.objects.filter(Q(owner_kind=OwnerKind.CUSTOMER, owner_id=customer_id) | Q(pk__in=cards))
    _erase_text(Transfer.objects.filter(Q(debit__in=accounts) | Q(credit__in=accounts)))
    Spend.objects.filter(owner_id=customer_id).delete()
    TierState.objects.filter(owner_id=customer_id).delete()
    CouponUse.objects.filter(customer_id=customer_id).update(customer_id="")
    GiftCard.objects.filter(purchaser_id=customer_id).update(purchaser_id="")
    ValueGrant.objects.filter(customer_id=customer_id).update(note="")  # staff notes may name the person
    for grant in ValueGrant.objects.filter(customer_id=customer_id).exclude(reference="").only("pk", "reference"):
        if privacy.free_text(grant.reference):
            ValueGrant.objects.filter(pk=grant.pk).update(reference="")
    return closed


def do_scrub_transfers(*, traces: privacy.Traces) -> None:
    """Transfers anywhere (a gift card the person spent, a system account) whose memo, reference or
    metadata holds one of the person's former values lose that text."""
    _erase_text(Transfer.objects.filter(traces.q("memo", "reference", "metadata")), drop=traces.touches)


def _erase_text(transfers, *, drop=None) -> None:
    """Without `drop` (the person's own transfers): the memo goes, and free-text references and
    metadata (ids and codes stay: the books find orders by them). With it: whatever text it picks."""
    def gone(text: str, memo: bool = False) -> bool:
        if drop is not None:
            return drop(text)
        return memo or privacy.free_text(text)

    for transfer in transfers.only("pk", "memo", "reference", "metadata"):
        memo = "" if transfer.memo and gone(transfer.memo, memo=True) else transfer.memo
        reference = "" if transfer.reference and gone(transfer.reference) else transfer.reference
        metadata = {k: v for k, v in (transfer.metadata or {}).items()
                    if not (k == "reason" and drop is None) and not (isinstance(v, str) and gone(v))}
        if (memo, reference, metadata) != (transfer.memo, transfer.reference, transfer.metadata):
            Transfer.objects.filter(pk=transfer.pk).erase_text(memo=memo, reference=reference, metadata=metadata)


def export_customer(customer_id: str) -> dict:
    """Everything loyalty holds about a customer, JSON-ready."""
    accounts = Account.objects.filter(owner_kind=OwnerKind.CUSTOMER, owner_id=customer_id).order_by("pk")
    state = TierState.objects.filter(owner_id=customer_id).select_related("tier").first()
    return {
        "accounts": [
            {"id": a.public_id, "kind": a.kind, "unit": a.unit, "balance": str(a.balance), "held": str(a.pending),
             "closed_at": a.closed_at.isoformat() if a.closed_at else None}
            for a in accounts
        ],
        "entries": [
            {"at": e.created_at.isoformat(), "account": e.account.public_id, "transfer": e.transfer.public_id,
             "kind": e.transfer.kind, "unit": e.unit, "amount": str(e.amount), "reference": e.transfer.reference,
             "memo": e.transfer.memo}
            for e in Entry.objects.filter(account__in=accounts).select_related("account", "transfer").order_by("pk")
        ],
        "lots": [
            {"account": lot.account.public_id, "remaining": str(lot.remaining), "expires_at": lot.expires_at.isoformat() if lot.expires_at else None}
            for lot in Lot.objects.filter(account__in=accounts, remaining__gt=0).select_related("account").order_by("pk")
        ],
        "tier": {"code": state.tier.code if state and state.tier else None, "spend_12m": str(state.spend_12m) if state else "0"},
        "spend": [
            {"reference": s.reference, "amount": str(s.amount), "currency": s.currency, "at": s.at.isoformat()}
            for s in Spend.objects.filter(owner_id=customer_id).order_by("at")
        ],
        "coupon_uses": [
            {"code": u.coupon.code, "order_ref": u.order_ref, "channel": u.channel, "discount": str(u.discount),
             "used_at": u.used_at.isoformat(), "released_at": u.released_at.isoformat() if u.released_at else None}
            for u in CouponUse.objects.filter(customer_id=customer_id).select_related("coupon").order_by("used_at")
        ],
        "gift_cards_bought": [
            {"id": g.public_id, "initial_amount": str(g.initial_amount), "currency": g.currency, "issued_at": g.issued_at.isoformat()}
            for g in GiftCard.objects.filter(purchaser_id=customer_id).order_by("issued_at")
        ],
        "total_points_earned": str(
            Entry.objects.filter(account__in=accounts.filter(kind="points"), amount__gt=0).aggregate(s=Sum("amount"))["s"] or 0
        ),
    }
