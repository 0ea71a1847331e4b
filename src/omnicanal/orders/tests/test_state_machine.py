"""Any sequence of fulfilment actions: each one succeeds exactly when the method's state machine
allows it and, for goods leaving, the order owes nothing (payment-due otherwise, dues.check_paid);
anything else is invalid-transition, and the stock always adds up."""

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from omnicanal.core.errors import InvalidTransition, PaymentDue, ValidationFailed
from omnicanal.orders import services
from omnicanal.orders.models import Fulfillment
from omnicanal.orders.tests.conftest import stock

DELIVERIES = {
    "ship": {"method": "ship", "address": {"line1": "x", "city": "Santiago", "country": "CL"}},
    "pickup": {"method": "pickup", "location": "SCL"},
    "curbside": {"method": "curbside", "location": "SCL"},
    "pickup_point": {"method": "pickup_point", "location": "LOCK"},
    "ship_to_store": {"method": "pickup", "location": "VAP"},
}


@pytest.mark.django_db
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(kind=st.sampled_from(sorted(DELIVERIES)), actions=st.lists(st.sampled_from(services.ACTIONS), max_size=8))
def test_random_action_sequences_follow_the_state_machine(world, kind, actions):
    with transaction.atomic():
        sku = "SHOE-41" if kind == "ship_to_store" else "SOCK-1"
        order = services.do_place_order(channel="web", delivery=DELIVERIES[kind], lines=[services.LineIn(sku, 1)])
        f = Fulfillment.objects.get(order=order)
        assert f.method == kind
        for action in actions:
            step = services.GRAPH[f.method].get(action)
            allowed = step is not None and f.status in step[0]
            data = {"carrier": "X", "tracking": "1", "code": f.pickup_code, "parking_spot": "A1"}
            try:
                f = services.do_transition(fulfillment_id=f.public_id, action=action, data=data)
                assert allowed, (kind, action)
                assert f.status == step[1]
            except InvalidTransition:
                assert not allowed, (kind, action, f.status)
            except PaymentDue:  # an unpaid order (pay at the pickup point): the goods may not leave yet
                assert allowed and action in ("ship", "handover"), (kind, action, f.status)
                assert services.amount_due(f.order).amount > 0
            except ValidationFailed:  # pragma: no cover - every field is given
                raise
            for code in ("WH", "SCL", "VAP", "DS"):
                level = stock(code, sku)
                assert 0 <= level["reserved"] <= level["on_hand"]
        transaction.set_rollback(True)
