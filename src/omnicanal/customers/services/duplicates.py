"""Duplicate suggestions for staff: find pairs that may be one person; accept merges, reject forgets.

Candidate pairs come from blocks (the same mailbox however written, the same phone number under
another kind, the same house number in the same city), so the finder stays near-linear at 100k
customers; each pair is then judged by customers.matching.compare. A pair is suggested once ever:
a rejected pair is never suggested again.
"""

from __future__ import annotations

import re
from collections import defaultdict
from itertools import combinations

from django.utils.translation import gettext_lazy as _

from omnicanal.core import audit, clock, outbox
from omnicanal.core.auth import SYSTEM, Principal
from omnicanal.core.errors import InvalidTransition, NotFound
from omnicanal.customers import matching
from omnicanal.customers.events import MergeSuggested
from omnicanal.customers.models import Customer, Identity, MergeSuggestion, SuggestionStatus
from omnicanal.customers.normalize import PHONE_KINDS
from omnicanal.customers.services.common import actor_label, customer_of

MAX_BLOCK = 60  # a block larger than this is a common value (a shop's own address), not a person


def do_suggest_merge(*, customer: Customer, other: Customer, score: int, reasons: list[dict]) -> MergeSuggestion | None:
    """Open a suggestion for the pair unless one exists (open, decided or rejected)."""
    if customer.pk == other.pk:
        return None
    a, b = sorted([customer.pk, other.pk])
    suggestion, created = MergeSuggestion.objects.get_or_create(
        customer_a_id=a, customer_b_id=b,
        defaults={"score": score, "reasons": reasons, "created_at": clock.now()},
    )
    if not created:
        return suggestion if suggestion.status == SuggestionStatus.OPEN else None
    ids = dict(Customer.objects.filter(pk__in=[a, b]).values_list("pk", "public_id"))
    outbox.emit(MergeSuggested(suggestion.public_id, ids[a], ids[b], score))
    return suggestion


def _profiles(pks: set[int] | None) -> dict[int, matching.Profile]:
    customers = Customer.objects.filter(merged_into__isnull=True, erased_at__isnull=True, anonymous=False)
    if pks is not None:
        customers = customers.filter(pk__in=pks)
    profiles = {
        pk: matching.Profile(pk=pk, name=name, address=matching.address_key(line1, city) if line1 else "")
        for pk, name, line1, city in customers.values_list("pk", "name", "address_line1", "address_city")
    }
    rows = Identity.objects.filter(kind__in=["email", *PHONE_KINDS])
    if pks is not None:
        rows = rows.filter(customer_id__in=pks)
    for customer_pk, kind, value in rows.values_list("customer_id", "kind", "value"):
        profile = profiles.get(customer_pk)
        if profile is None:
            continue
        if kind == "email":
            profile.emails.add(value)
        else:
            profile.phones.setdefault(value, set()).add(kind)
    return profiles


def _blocks(profiles: dict[int, matching.Profile]) -> dict[str, list[int]]:
    blocks: dict[str, list[int]] = defaultdict(list)
    for profile in profiles.values():
        for email in profile.emails:
            blocks[f"e:{matching.email_key(email)}"].append(profile.pk)
        for phone in profile.phones:
            blocks[f"p:{phone}"].append(profile.pk)
        if profile.address:
            numbers = " ".join(re.findall(r"\d+", profile.address))
            if numbers:
                blocks[f"a:{numbers}"].append(profile.pk)
    return blocks


def do_find_duplicates(*, customer_ids: list[str] | None = None, actor: Principal = SYSTEM) -> list[MergeSuggestion]:
    """Suggest the likely duplicates among all customers, or among pairs involving `customer_ids`."""
    profiles = _profiles(None)
    focus = None
    if customer_ids is not None:
        focus = set(Customer.objects.filter(public_id__in=customer_ids).values_list("pk", flat=True))
    known = set(MergeSuggestion.objects.values_list("customer_a_id", "customer_b_id"))
    verdicts: dict[tuple[int, int], matching.Verdict] = {}
    for members in _blocks(profiles).values():
        unique = sorted(set(members))
        if len(unique) < 2 or len(unique) > MAX_BLOCK:
            continue
        for a, b in combinations(unique, 2):
            if (a, b) in known or (a, b) in verdicts:
                continue
            if focus is not None and a not in focus and b not in focus:
                continue
            verdict = matching.compare(profiles[a], profiles[b])
            if verdict is not None:
                verdicts[(a, b)] = verdict
    now = clock.now()
    created = MergeSuggestion.objects.bulk_create(
        [MergeSuggestion(customer_a_id=a, customer_b_id=b, score=v.score, reasons=v.reasons, created_at=now)
         for (a, b), v in sorted(verdicts.items())],
        ignore_conflicts=True,
    )
    if verdicts:
        audit.record(actor=actor, action="customer.find_duplicates", target_type="customer", target_id="*",
                     after={"suggested": len(verdicts)})
    return created


def _suggestion(suggestion_id: str) -> MergeSuggestion:
    suggestion = (
        MergeSuggestion.objects.select_for_update().select_related("customer_a", "customer_b")
        .filter(public_id=suggestion_id).first()
    )
    if suggestion is None:
        raise NotFound(detail=f"No merge suggestion {suggestion_id}.")
    if suggestion.status != SuggestionStatus.OPEN:
        raise InvalidTransition(detail=str(_("This suggestion was already decided.")))
    return suggestion


def do_accept_suggestion(*, suggestion_id: str, actor: Principal = SYSTEM) -> Customer:
    """Merge the pair (the older customer survives); returns the survivor."""
    from omnicanal.customers.services.merge import do_merge_customers

    suggestion = _suggestion(suggestion_id)
    survivor = do_merge_customers(
        survivor=suggestion.customer_a, other=suggestion.customer_b, actor=actor, reason="suggestion",
        suggestion=suggestion,
    )
    MergeSuggestion.objects.filter(pk=suggestion.pk).update(
        status=SuggestionStatus.ACCEPTED, decided_at=clock.now(), decided_by=actor_label(actor)
    )
    return customer_of(survivor)


def do_reject_suggestion(*, suggestion_id: str, actor: Principal = SYSTEM) -> MergeSuggestion:
    """Not one person: this pair is never suggested again."""
    suggestion = _suggestion(suggestion_id)
    suggestion.status, suggestion.decided_at, suggestion.decided_by = (
        SuggestionStatus.REJECTED, clock.now(), actor_label(actor))
    suggestion.save(update_fields=["status", "decided_at", "decided_by"])
    audit.record(actor=actor, action="customer.reject_suggestion", target_type="suggestion",
                 target_id=suggestion.public_id,
                 after={"a": suggestion.customer_a.public_id, "b": suggestion.customer_b.public_id})
    return suggestion
