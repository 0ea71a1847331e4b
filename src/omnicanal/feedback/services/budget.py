"""The fatigue governor's ledger: the interactions it measures, and every time a customer was asked
(docs/feedback.md). Every survey send and the inbox's CSAT question claim the customer's budget
here, under a per-customer row lock, so two triggers at once never both pass."""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction

from omnicanal.core import clock, outbox
from omnicanal.feedback import queries
from omnicanal.feedback.events import SurveyContacted
from omnicanal.feedback.models import BudgetLock, Interaction, SurveyContact


def do_record_interaction(*, customer_id: str, kind: str, ref: str, channel: str = "",
                          at: dt.datetime | None = None) -> bool:
    """Tally an interaction once (by kind and reference); False when it was already counted."""
    if not customer_id:
        return False
    try:
        with transaction.atomic():
            _interaction(customer_id=customer_id, kind=kind, ref=ref, channel=channel, at=at).save()
    except IntegrityError:
        return False
    return True


def do_record_interactions(interactions: list[dict]) -> None:
    """Tally several interactions at once (do_record_interaction's keyword arguments each), each once,
    in one INSERT: those already counted, or without a customer, are left out."""
    Interaction.objects.bulk_create([_interaction(**i) for i in interactions if i["customer_id"]],
                                    ignore_conflicts=True)


def _interaction(*, customer_id: str, kind: str, ref: str, channel: str = "",
                 at: dt.datetime | None = None) -> Interaction:
    return Interaction(customer_id=customer_id, kind=kind, ref=ref[:64], channel=channel[:30], at=at or clock.now())


def _lock(customer_id: str) -> None:
    BudgetLock.objects.get_or_create(customer_id=customer_id)
    BudgetLock.objects.select_for_update().get(customer_id=customer_id)


def do_claim_contact(*, customer_id: str, kind: str, ref: str, at: dt.datetime | None = None) -> queries.Budget:
    """Ask the governor and, when the customer may be asked now, write it down (in the caller's
    transaction): the answer says whether the caller may ask. The same (kind, ref) claimed twice
    answers the first claim's yes."""
    now = at or clock.now()
    _lock(customer_id)
    if SurveyContact.objects.filter(kind=kind, ref=ref[:64], customer_id=customer_id).exists():
        budget = queries.eligibility(customer_id, at=now)
        return queries.Budget(True, budget.next_eligible_at, budget.interactions_per_month, budget.interval_days,
                              budget.last_contact_at, "already_claimed")
    budget = queries.eligibility(customer_id, at=now, claiming=True)
    if budget.eligible:
        SurveyContact.objects.create(customer_id=customer_id, kind=kind, ref=ref[:64], at=now)
        outbox.emit(SurveyContacted(customer_id=customer_id, kind=kind, ref=ref[:64]))
    return budget


def do_move_ledger(*, survivor_id: str, merged_id: str) -> None:
    """A merge: the survivor's budget counts both people's interactions and contacts."""
    Interaction.objects.filter(customer_id=merged_id).update(customer_id=survivor_id)
    SurveyContact.objects.filter(customer_id=merged_id).update(customer_id=survivor_id)
    BudgetLock.objects.filter(customer_id=merged_id).delete()


def do_erase_ledger(*, customer_id: str) -> None:
    Interaction.objects.filter(customer_id=customer_id).delete()
    SurveyContact.objects.filter(customer_id=customer_id).delete()
    BudgetLock.objects.filter(customer_id=customer_id).delete()
