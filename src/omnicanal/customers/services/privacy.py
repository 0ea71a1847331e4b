"""Export (everything held about a person) and erasure (personal data gone everywhere).

Both reach every other domain through customers.registry (on_export, on_erase), and both are
audited. Erasure keeps the customer row, anonymized, so that order totals stay on the books under
the same id; it also erases the aliases (earlier merged profiles of the same person).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from omnicanal.core import audit, clock, outbox
from omnicanal.core.auth import SYSTEM, Principal
from omnicanal.core.errors import Conflict
from omnicanal.customers import queries, registry
from omnicanal.customers.events import CustomerErased
from omnicanal.customers.models import (
    Consent,
    Customer,
    Identity,
    MergeSuggestion,
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
    identities = Identity.objects.filter(customer_id__in=people).delete()[0]
    consents = Consent.objects.filter(customer_id__in=people).delete()[0]
    timeline = TimelineEvent.objects.filter(customer_id__in=people).update(summary="", data={})
    MergeSuggestion.objects.filter(
        Q(customer_a_id__in=people) | Q(customer_b_id__in=people), status=SuggestionStatus.OPEN
    ).update(status=SuggestionStatus.OBSOLETE, decided_at=now)
    Customer.objects.filter(pk__in=people).update(
        name="", name_key="", language="", time_zone="", contact_from=None, contact_to=None, preferred_channels={},
        address_line1="", address_line2="", address_city="", address_region="", address_postal_code="",
        address_country="", erased_at=now, updated_at=now,
    )
    aliases = list(Customer.objects.filter(merged_into=target).values_list("public_id", flat=True))
    for hook in registry.erase_hooks():
        hook(customer_id=target.public_id)
        for alias in aliases:  # rows another domain did not move on merge still carry the old id
            hook(customer_id=alias)
    audit.record(
        actor=actor, action="customer.erase", target_type="customer", target_id=target.public_id,
        after={"identities": identities, "consents": consents, "timeline_anonymized": timeline, "aliases": aliases},
        reason=reason,
    )
    outbox.emit(CustomerErased(customer_id=target.public_id))
    target.refresh_from_db()
    return target
