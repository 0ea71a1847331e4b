"""Stored value: gift cards (a code on the card, a hashed PIN, a ledger account of their own),
store credit (returns, service recovery) and wallet top-ups. All of it spends in any channel."""

from __future__ import annotations

import functools
import secrets
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.utils.translation import gettext as _

from omnicanal.core import audit, clock, outbox, throttle
from omnicanal.core.auth import SYSTEM, Principal, require_role, role_allows
from omnicanal.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from omnicanal.core.ids import new_id
from omnicanal.core.money import Money
from omnicanal.loyalty import events, funding, limits, roles
from omnicanal.loyalty.models import AccountKind, GiftCard, OwnerKind, Transfer, TransferKind
from omnicanal.loyalty.queries import survivor_id
from omnicanal.loyalty.services import ledger
from omnicanal.loyalty.services.common import announce, audit_ref, check_business_currency

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud at a till
CREDIT_REASONS = ("return", "service_recovery")  # what staff may grant (approvals, the API)
# What the platform may grant: staff's reasons, and a survey's reward (feedback, once per completed response).
GRANT_REASONS = (*CREDIT_REASONS, "survey")


def normalize_card_code(code: str) -> str:
    return "".join(ch for ch in (code or "").upper() if ch.isalnum())


@dataclass(frozen=True)
class IssuedGiftCard:
    card: GiftCard
    code: str
    pin: str  # shown once; only its hash is kept
    transfer: Transfer


def do_issue_gift_card(
    *,
    amount: Money,
    purchaser_id: str = "",
    expires_at: datetime | None = None,
    reference: str = "",
    code: str | None = None,
    pin: str | None = None,
    actor: Principal = SYSTEM,
) -> IssuedGiftCard:
    """Issue a card loaded with `amount` (the sale itself is the orders domain's business): against
    a captured payment `reference` (pay_… or ord_…, once), or without one by a manager (within the
    role's per-action cap) or an admin (loyalty/limits.py). Audited."""
    check_business_currency(amount)
    if amount.amount <= 0:
        raise ValidationFailed.on("amount", _("must be more than zero"))
    funded_key = _check_issue_rights(actor=actor, amount=amount, reference=reference)
    if expires_at is not None and expires_at <= clock.now():
        raise ValidationFailed.on("expires_at", _("must be in the future"))
    code = normalize_card_code(code) if code else "".join(secrets.choice(CODE_ALPHABET) for _ in range(16))
    if not 8 <= len(code) <= 32:
        raise ValidationFailed.on("code", _("must have 8 to 32 letters or digits"))
    if GiftCard.objects.filter(code=code).exists():
        raise ValidationFailed.on("code", _("is taken"))
    pin = pin or f"{secrets.randbelow(10**6):06d}"
    if not (pin.isdigit() and 4 <= len(pin) <= 8):
        raise ValidationFailed.on("pin", _("must be 4 to 8 digits"))
    public_id = new_id("gft")
    account = ledger.owner_account(owner_kind=OwnerKind.GIFT_CARD, owner_id=public_id, kind=AccountKind.GIFT_CARD, unit=amount.currency)
    card = GiftCard.objects.create(
        public_id=public_id, code=code, pin_hash=make_password(pin), currency=amount.currency, initial_amount=amount.amount,
        purchaser_id=survivor_id(purchaser_id), issued_at=clock.now(), expires_at=expires_at, account=account,
    )
    with funding.once(reference) if funded_key else nullcontext():
        transfer = ledger.do_transfer(
            key=funded_key or f"issue:{public_id}", kind=TransferKind.ISSUE,
            debit=ledger.system_account(AccountKind.ISSUANCE, amount.currency), credit=account, amount=amount.amount,
            reference=reference, actor=ledger.actor_label(actor), lot_expires_at=expires_at,
        )
    outbox.emit(events.GiftCardIssued(gift_card_id=public_id, amount=amount.as_dict(), purchaser_id=card.purchaser_id,
                                      expires_at=expires_at.isoformat() if expires_at else None))
    audit.record(actor=actor, action="loyalty.gift_card.issue", target_type="gift_card", target_id=public_id,
                 after={"amount": amount.as_dict(), "funded_by": reference if funded_key else "", "transfer": transfer.public_id})
    return IssuedGiftCard(card=card, code=code, pin=pin, transfer=transfer)


@functools.cache
def _dummy_pin_hash(hasher: str) -> str:
    return make_password(secrets.token_hex(8))


def _check_issue_rights(*, actor: Principal, amount: Money, reference: str) -> str:
    """The funding key when a captured payment funds the card; "" for an allowed unfunded issue;
    else 403/422."""
    if funding.looks_like_payment(reference):
        require_role(actor, *roles.GIFT_CARDS)
        return funding.check_funding(reference, amount)
    if actor.kind == "system":  # the demo, imports: trusted code, not a person or a key
        return ""
    if not role_allows(actor, roles.UNFUNDED_GIFT_CARD):
        raise Forbidden(detail=_("A gift card is issued against a captured payment: give its reference (pay_… or "
                                 "ord_…) in `reference`, or ask a manager."))
    cap = limits.limits_for(actor.role).credit_per_action
    if not limits.within(cap, amount.amount):
        raise Forbidden(detail=_("Without a payment, your role may issue gift cards of at most %(limit)s; ask an admin.")
                        % {"limit": Money.of(cap, amount.currency).format()})
    return ""


def find_gift_card(code: str, pin: str) -> GiftCard:
    """The card for a code and its PIN. A wrong code and a wrong PIN answer alike, in the same time
    (an unknown code is checked against a dummy hash): no oracle. Wrong guesses count per code and
    per client address (core.throttle "gift_card", "gift_card_address"); a locked one answers 429
    even to the right PIN until the lockout is over."""
    code = normalize_card_code(code)
    pairs = (("gift_card", code), ("gift_card_address", throttle.current_address()))
    throttle.check(*pairs)
    card = GiftCard.objects.filter(code=code).select_related("account").first()
    encoded = card.pin_hash if card is not None else _dummy_pin_hash(settings.PASSWORD_HASHERS[0])
    if not check_password(str(pin or ""), encoded) or card is None:
        throttle.failed(*pairs)
        raise NotFound(detail=_("No gift card matches that code and PIN."))
    throttle.reset(pairs[0])
    return card


def check_usable(card: GiftCard) -> GiftCard:
    if card.blocked_at is not None:
        raise Conflict(detail=_("The gift card is blocked."))
    if card.expires_at is not None and card.expires_at <= clock.now():
        raise Conflict(detail=_("The gift card has expired."))
    return card


def gift_card_balance(card: GiftCard) -> Money:
    account = card.account.__class__.objects.get(pk=card.account_id)
    return Money(account.balance - account.pending, card.currency)


def do_spend_gift_card(
    *, code: str, pin: str, amount: Money, key: str, reference: str = "", channel: str = "", actor: str = ""
) -> Transfer:
    """Spend from a card at once (a till that captures immediately). Under the card's row lock:
    never more than its balance, whatever runs at the same time."""
    check_business_currency(amount)
    card = check_usable(find_gift_card(code, pin))
    if amount.currency != card.currency:
        raise ValidationFailed.on("amount", _("must be in %(currency)s") % {"currency": card.currency})
    transfer = ledger.do_transfer(
        key=key, kind=TransferKind.SPEND, debit=card.account, credit=ledger.system_account(AccountKind.REDEMPTION, card.currency),
        amount=amount.amount, reference=reference, channel=channel, actor=actor,
    )
    announce(transfer, card.account, -transfer.amount)
    return transfer


def do_block_gift_card(*, gift_card_id: str, actor: Principal) -> GiftCard:
    card = GiftCard.objects.get(public_id=gift_card_id)
    if card.blocked_at is None:
        card.blocked_at = clock.now()
        card.save(update_fields=["blocked_at"])
        audit.record(actor=actor, action="loyalty.gift_card.block", target_type="gift_card", target_id=gift_card_id)
    return card


def do_grant_store_credit(
    *, customer_id: str, amount: Money, reason: str, reference: str = "", key: str | None = None, actor: Principal = SYSTEM
) -> Transfer:
    """Store credit for a return (refund_to=store_credit), as service recovery, or a survey's reward
    (audited). The same `key` grants once."""
    if reason not in GRANT_REASONS:
        raise ValidationFailed.on("reason", _("must be return, service_recovery or survey"))
    check_business_currency(amount)
    customer_id = survivor_id(customer_id)
    account = ledger.customer_account(customer_id, AccountKind.STORE_CREDIT, amount.currency)
    key = key or f"credit:{new_id('crd')}"
    fresh = not Transfer.objects.filter(key=key).exists()
    transfer = ledger.do_transfer(
        key=key, kind=TransferKind.CREDIT, debit=ledger.system_account(AccountKind.ISSUANCE, amount.currency), credit=account,
        amount=amount.amount, reference=reference, actor=ledger.actor_label(actor), memo=reason, metadata={"reason": reason},
    )
    if fresh:
        audit.record(actor=actor, action="loyalty.store_credit.grant", target_type="loyalty_account", target_id=account.public_id,
                     after={"amount": amount.as_dict(), "reason": reason, "customer": customer_id,
                            "reference": audit_ref(reference), "transfer": transfer.public_id})
        announce(transfer, account, transfer.amount)
    return transfer


def do_top_up_wallet(
    *, customer_id: str, amount: Money, reference: str, key: str | None = None, actor: Principal = SYSTEM
) -> Transfer:
    """Load the customer's wallet from a captured payment (`reference`: pay_… or ord_…, verified
    through loyalty.funding, funding once). Trusted internal code (SYSTEM) names its own reference.
    Managers and admins correct a wallet with an audited adjustment instead (program.do_adjust)."""
    if not reference:
        raise ValidationFailed.on("reference", _("name the payment that funds the top-up"))
    check_business_currency(amount)
    if amount.amount <= 0:
        raise ValidationFailed.on("amount", _("must be more than zero"))
    customer_id = survivor_id(customer_id)
    account = ledger.customer_account(customer_id, AccountKind.WALLET, amount.currency)
    if actor.kind != "system":
        require_role(actor, *roles.TOP_UP)
        key = funding.check_funding(reference, amount)
    key = key or f"topup:{ledger.key_part(reference)}"
    fresh = not Transfer.objects.filter(key=key).exists()
    with funding.once(reference):
        transfer = ledger.do_transfer(
            key=key, kind=TransferKind.TOP_UP, debit=ledger.system_account(AccountKind.ISSUANCE, amount.currency),
            credit=account, amount=amount.amount, reference=reference, actor=ledger.actor_label(actor),
        )
    if fresh:
        audit.record(actor=actor, action="loyalty.wallet.top_up", target_type="loyalty_account", target_id=account.public_id,
                     after={"amount": amount.as_dict(), "customer": customer_id, "funded_by": audit_ref(reference),
                            "transfer": transfer.public_id})
        announce(transfer, account, transfer.amount)
    return transfer
