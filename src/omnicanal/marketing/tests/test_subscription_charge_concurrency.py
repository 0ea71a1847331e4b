"""On PostgreSQL, across processes: two workers running the subscriptions' task at the same moment
place the cycle's order once and send its card charge to Transbank once (issue 18)."""

import pytest

from omnicanal.core import crypto
from omnicanal.core.testing import run_in_processes
from omnicanal.marketing.tests.test_subscription_card import (  # noqa: F401  (sandbox: the autouse fixture)
    sandbox,
    save_card_in_the_shop,
    subscribe_with_card,
)
from omnicanal.marketing.tests.test_subscriptions import FIRST, at_noon, get
from omnicanal.orders.webpay_config import TEST_CARD

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_workers_running_the_due_task_at_once_charge_the_card_once(ana):
    from omnicanal.orders.models import Order, StoredCard

    sub = subscribe_with_card(ana, save_card_in_the_shop(ana))
    card = StoredCard.objects.get(customer_id=ana)
    # when two workers run the hourly task on the cycle's date at the same moment (each process has
    # its own sandbox: a second charge would be approved there, not refused, so it would show)
    args = (at_noon(FIRST).isoformat(), card.username, crypto.decrypt(card.tbk_user), TEST_CARD)
    results = run_in_processes("omnicanal.marketing.tests.workers:run_due_subscriptions_with_a_card", [args] * 2)
    # then one order, charged once, paid; the subscription counts it once
    sent = [buy_order for r in results for buy_order in r["sent"]]
    [order] = Order.objects.all()
    assert sent == [order.payments.get().public_id.removeprefix("pay_")]
    assert order.status == "paid" and sum(r["placed"] for r in results) == 1
    row = get(sub)
    assert (row.orders_placed, row.last_order_id, row.charging_order_id) == (1, order.public_id, "")
