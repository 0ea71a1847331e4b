import pytest
from django.db import transaction


@pytest.fixture
def identify(db):
    """identify(channel, *identities, **traits) -> IdentifyResult; identities as (kind, value[, verified])."""
    from omnicanal.customers.services import do_identify

    def call(channel, *identities, **traits):
        items = [{"kind": i[0], "value": i[1], "verified": bool(i[2]) if len(i) > 2 else False} for i in identities]
        with transaction.atomic():
            return do_identify(channel=channel, identities=items, traits=traits or None)

    return call


@pytest.fixture
def customer(identify):
    """A known customer: verified email, phone, a name."""
    return identify("web", ("email", "ana.rojas@example.cl", True), ("phone", "+56987654321"), name="Ana Rojas").customer
