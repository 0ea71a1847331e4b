from dataclasses import dataclass
from typing import Any

import pytest
from django.db import transaction


@dataclass(frozen=True)
class Identified:
    """do_identify's answer with the resolved customer's row: the service hands other domains a frozen
    IdentifiedCustomer; the customers domain's own tests load the row to hand it to its services."""

    result: Any  # IdentifyResult
    customer: Any  # customers.models.Customer

    def __getattr__(self, name: str) -> Any:  # created, customer_id, merged_ids, suggestion_ids
        return getattr(self.result, name)


@pytest.fixture
def identify(db):
    """identify(channel, *identities, **traits) -> Identified; identities as (kind, value[, verified])."""
    from omnicanal.customers.models import Customer
    from omnicanal.customers.services import do_identify

    def call(channel, *identities, **traits):
        items = [{"kind": i[0], "value": i[1], "verified": bool(i[2]) if len(i) > 2 else False} for i in identities]
        with transaction.atomic():
            result = do_identify(channel=channel, identities=items, traits=traits or None)
        return Identified(result, Customer.objects.get(public_id=result.customer_id))

    return call


@pytest.fixture
def customer(identify):
    """A known customer: verified email, phone, a name."""
    return identify("web", ("email", "ana.rojas@example.cl", True), ("phone", "+56987654321"), name="Ana Rojas").customer
