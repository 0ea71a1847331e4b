"""Merging two customers into one, losing nothing.

The survivor takes every identity, consent, timeline event and preference of the other; every other
domain moves its rows through the merge hooks of customers.registry, inside this transaction. The
merged customer's row stays as an alias (`merged_into`) so its id keeps answering, with the survivor.
Merging a customer into itself (or into an alias of itself) changes nothing.
"""

from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from omnicanal.core import audit, clock, outbox
from omnicanal.core.auth import SYSTEM, Principal
from omnicanal.core.errors import Conflict
from omnicanal.customers import locks, registry
from omnicanal.customers.events import CustomersMerged
from omnicanal.customers.models import (
    Consent,
    Customer,
    Identity,
    MergeRecord,
    MergeSuggestion,
    SuggestionStatus,
    TimelineEvent,
)
from omnicanal.customers.services.addresses import move_addresses
from omnicanal.customers.services.common import actor_label, customer_of

PROFILE_FIELDS = [
    "name", "name_key", "language", "time_zone", "contact_from", "contact_to", "address_line1", "address_line2",
    "address_city", "address_region", "address_postal_code", "address_country", "birth_month", "birth_day",
    "birth_year",
]
ADDRESS_FIELDS = [f for f in PROFILE_FIELDS if f.startswith("address_")]
BIRTH_FIELDS = ["birth_month", "birth_day", "birth_year"]


def do_merge_customers(
    *, survivor: Customer | str, other: Customer | str, actor: Principal = SYSTEM, reason: str = "api",
    suggestion: MergeSuggestion | None = None,
) -> Customer:
    """Merge `other` into `survivor` (both may be ids or aliases); returns the survivor."""
    # Resolve by id every time: a Customer object in hand may have been merged since it was read.
    survivor_id = survivor.public_id if isinstance(survivor, Customer) else survivor
    other_id = other.public_id if isinstance(other, Customer) else other
    for _attempt in range(5):
        keep, gone = customer_of(customer_id=survivor_id), customer_of(customer_id=other_id)
        if keep.pk == gone.pk:
            return keep
        rows = locks.lock_customers([keep.pk, gone.pk])
        keep, gone = rows.get(keep.pk), rows.get(gone.pk)
        if keep is None or gone is None or keep.merged_into_id or gone.merged_into_id:
            continue  # merged elsewhere between our read and the lock: resolve again
        return _merge(keep, gone, actor, reason, suggestion)
    raise Conflict(detail="The customers changed concurrently; retry the merge.")


def _merge(keep: Customer, gone: Customer, actor: Principal, reason: str, suggestion) -> Customer:
    if keep.erased_at or gone.erased_at:
        raise Conflict(detail=str(_("An erased customer cannot be merged.")))
    now = clock.now()
    identities = list(Identity.objects.filter(customer=gone).values_list("pk", "kind"))
    Identity.objects.filter(customer=gone).update(customer=keep)
    moved_consents, superseded = _merge_consents(keep, gone)
    timeline_count = TimelineEvent.objects.filter(customer=gone).update(customer=keep)
    # Earlier aliases of the merged customer now point straight at the survivor: one hop to resolve.
    aliases = list(Customer.objects.filter(merged_into=gone).values_list("public_id", flat=True))
    Customer.objects.filter(merged_into=gone).update(merged_into=keep)
    _merge_profile(keep, gone, now)
    addresses = move_addresses(keep=keep, gone=gone)
    _repoint_suggestions(keep, gone, actor, now, suggestion)

    Customer.objects.filter(pk=gone.pk).update(merged_into=keep, merged_at=now, updated_at=now)
    gone.merged_into, gone.merged_at = keep, now
    for hook in registry.merge_hooks():
        hook(survivor_id=keep.public_id, merged_id=gone.public_id)

    moved = {
        "identities": [{"id": pk, "kind": kind} for pk, kind in identities],
        "consents": moved_consents,
        "consents_superseded": superseded,
        "timeline": timeline_count,
        "aliases": aliases,
        "addresses": addresses,
    }
    MergeRecord.objects.create(survivor=keep, merged=gone, at=now, actor=actor_label(actor), reason=reason, moved=moved)
    TimelineEvent.objects.create(
        customer=keep, at=now, type="customer.merged", channel="",
        summary=f"Merged with {gone.public_id}", ref=gone.public_id, data={"merged_id": gone.public_id, "reason": reason},
    )
    audit.record(
        actor=actor, action="customer.merge", target_type="customer", target_id=keep.public_id,
        before={"merged_id": gone.public_id},
        after={"identities": len(identities), "consents": len(moved_consents), "timeline": timeline_count,
               "aliases": aliases},
        reason=reason,
    )
    outbox.emit(CustomersMerged(survivor_id=keep.public_id, merged_id=gone.public_id))
    return keep


def _merge_consents(keep: Customer, gone: Customer) -> tuple[list[dict], list[dict]]:
    """Every (channel, purpose) either has kept: where both do, the latest expressed will wins and
    the other is recorded as superseded."""
    mine = {(c.channel, c.purpose): c for c in Consent.objects.filter(customer=keep)}
    moved, superseded = [], []
    for consent in Consent.objects.filter(customer=gone):
        key = (consent.channel, consent.purpose)
        record = {"channel": consent.channel, "purpose": consent.purpose, "granted": consent.granted,
                  "source": consent.source, "changed_at": consent.changed_at.isoformat()}
        current = mine.get(key)
        if current is None:
            consent.customer = keep
            consent.save(update_fields=["customer"])
            moved.append(record)
        elif consent.changed_at > current.changed_at:
            superseded.append({"channel": current.channel, "purpose": current.purpose, "granted": current.granted,
                               "source": current.source, "changed_at": current.changed_at.isoformat()})
            current.delete()
            consent.customer = keep
            consent.save(update_fields=["customer"])
            moved.append(record)
        else:
            superseded.append(record)
            consent.delete()
    return moved, superseded


def _merge_profile(keep: Customer, gone: Customer, now) -> None:
    changes = {}
    for name in PROFILE_FIELDS:
        if name in ADDRESS_FIELDS or name in BIRTH_FIELDS:
            continue
        if getattr(keep, name) in ("", None) and getattr(gone, name) not in ("", None):
            changes[name] = getattr(gone, name)
    if not keep.address_line1 and gone.address_line1:  # an address moves whole, never field by field
        changes.update({name: getattr(gone, name) for name in ADDRESS_FIELDS})
    if keep.birth_month is None and gone.birth_month is not None:  # a birth date moves whole too
        changes.update({name: getattr(gone, name) for name in BIRTH_FIELDS})
    preferred = {**(gone.preferred_channels or {}), **(keep.preferred_channels or {})}
    if preferred != keep.preferred_channels:
        changes["preferred_channels"] = preferred
    if keep.anonymous and not gone.anonymous:
        changes["anonymous"] = False
    changes["updated_at"] = now
    Customer.objects.filter(pk=keep.pk).update(**changes)
    for name, value in changes.items():
        setattr(keep, name, value)


def _repoint_suggestions(keep: Customer, gone: Customer, actor: Principal, now, accepted) -> None:
    rows = MergeSuggestion.objects.filter(Q(customer_a=gone) | Q(customer_b=gone))
    for row in rows:
        other_pk = row.customer_b_id if row.customer_a_id == gone.pk else row.customer_a_id
        if other_pk == keep.pk:
            if row.status == SuggestionStatus.OPEN:
                row.status = SuggestionStatus.ACCEPTED if accepted and accepted.pk == row.pk else SuggestionStatus.OBSOLETE
                row.decided_at, row.decided_by = now, actor_label(actor)
                row.save(update_fields=["status", "decided_at", "decided_by"])
            continue
        a, b = sorted([keep.pk, other_pk])
        if MergeSuggestion.objects.filter(customer_a_id=a, customer_b_id=b).exists():
            if row.status == SuggestionStatus.OPEN:
                row.status, row.decided_at = SuggestionStatus.OBSOLETE, now
                row.save(update_fields=["status", "decided_at"])
            continue
        # The pair now stands for the survivor; a rejection stays a rejection.
        row.customer_a_id, row.customer_b_id = a, b
        row.save(update_fields=["customer_a", "customer_b"])
