"""Export (everything held about a person) and erasure (personal data gone everywhere).

Both reach every other domain through customers.registry (on_export, on_erase), and both are
audited. Erasure keeps the customer row, anonymized, so that order totals stay on the books under
the same id; it also erases the aliases (earlier merged profiles of the same person).

Copies that cannot be found by id (a name typed in a memo, an email echoed in an Idempotency-Key or
an event payload) are found by value: the person's former name, identities and address lines, and
every domain's `registry.personal_values`, gathered before anything is erased (core.privacy.Traces),
then scrubbed by core (stored answers, outbox payloads, audit notes) and every `registry.on_scrub`.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from omnicanal.core import audit, clock, outbox, privacy
from omnicanal.core.auth import SYSTEM, Principal
from omnicanal.core.errors import Conflict
from omnicanal.customers import queries, registry
from omnicanal.customers.events import CustomerErased
from omnicanal.customers.models import (
    Consent,
    Customer,
    Identity,
    MergeSuggestion,
    SavedAddress,
    SuggestionStatus,
    TimelineEvent,
)
from omnicanal.customers.services.common import customer_of


def do_export_customer(*, customer: Customer | str, actor: Principal = SYSTEM) -> dict[str, Any]:
    """Everything held about the person, as JSON-ready data; the read is audited."""
    target = customer_of(customer)
    data = queries.export_data(target)
    audit.record(actor=actor, action="customer.export", target_type="customer", target_id=target.public_id,
                 after={"sections": sorted(data.get("domains", {}))})
    return data


def do_erase_customer(*, customer: Customer | str, actor: Principal = SYSTEM, reason: str = "") -> Customer:
    """Remove or anonymize the person's data here and in every domain (order totals are kept)."""
    target = customer_of(customer)
    if target.erased_at:
        raise Conflict(detail=str(_("This customer was already erased.")))
    now = clock.now()
    people = [target.pk, *Customer.objects.filter(merged_into=target).values_list("pk", flat=True)]
    traces = _traces(people)
    identities = Identity.objects.filter(customer_id__in=people).delete()[0]
    consents = Consent.objects.filter(customer_id__in=people).delete()[0]
    addresses = SavedAddress.objects.filter(customer_id__in=people).delete()[0]
    timeline = TimelineEvent.objects.filter(customer_id__in=people).update(summary="", data={})
    for event in TimelineEvent.objects.filter(customer_id__in=people).exclude(ref=""):
        if privacy.free_text(event.ref) or traces.touches(event.ref):
            TimelineEvent.objects.filter(pk=event.pk).update(ref="")
    MergeSuggestion.objects.filter(
        Q(customer_a_id__in=people) | Q(customer_b_id__in=people), status=SuggestionStatus.OPEN
    ).update(status=SuggestionStatus.OBSOLETE, decided_at=now)
    Customer.objects.filter(pk__in=people).update(
        name="", name_key="", language="", time_zone="", contact_from=None, contact_to=None, preferred_channels={},
        address_line1="", address_line2="", address_city="", address_region="", address_postal_code="",
        address_country="", birth_month=None, birth_day=None, birth_year=None, erased_at=now, updated_at=now,
    )
    aliases = list(Customer.objects.filter(merged_into=target).values_list("public_id", flat=True))
    for hook in registry.erase_hooks():
        hook(customer_id=target.public_id)
        for alias in aliases:  # rows another domain did not move on merge still carry the old id
            hook(customer_id=alias)
    for hook in registry.scrub_hooks():
        hook(customer_ids=traces.ids, traces=traces)
    scrubbed = privacy.do_scrub_core(traces)
    notes = audit.forget_subjects(traces.ids)
    audit.record(
        actor=actor, action="customer.erase", target_type="customer", target_id=target.public_id,
        after={"identities": identities, "consents": consents, "addresses": addresses, "timeline_anonymized": timeline, "aliases": aliases,
               "audit_notes": notes, **scrubbed},
        reason="" if traces.touches(reason) else reason,
    )
    outbox.emit(CustomerErased(customer_id=target.public_id))
    target.refresh_from_db()
    return target


def _traces(people: list[int]) -> privacy.Traces:
    """The people's ids and every value of theirs that other rows may have copied as text."""
    customers = list(Customer.objects.filter(pk__in=people))
    ids = [c.public_id for c in customers]
    values = [v for c in customers for v in (c.name, c.address_line1, c.address_line2)]
    for row in SavedAddress.objects.filter(customer_id__in=people):
        values += [row.recipient, row.line1, row.line2]
    values += list(Identity.objects.filter(customer_id__in=people).values_list("value", flat=True))
    for provider in registry.value_providers():
        for customer_id in ids:
            values += [v for v in provider(customer_id) if isinstance(v, str)]
    return privacy.Traces(ids, values)
