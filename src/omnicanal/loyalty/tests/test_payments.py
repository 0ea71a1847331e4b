"""The service API orders will call: hold at checkout, capture on payment, release on cancel,
refund on return; gift cards, store credit and wallet usable in any channel."""

from datetime import timedelta

import pytest

from omnicanal.core import clock
from omnicanal.core.errors import Conflict, InsufficientBalance, InvalidTransition, NotFound
from omnicanal.core.models import AuditEntry
from omnicanal.core.money import Money
from omnicanal.loyalty import presence, queries
from omnicanal.loyalty.services import coupons, payments, program, stored_value
from omnicanal.loyalty.services.common import Line

pytestmark = pytest.mark.django_db


def clp(amount):
    return Money.of(amount, "CLP")


def give_points(customer_id, amount):
    program.do_earn_for_order(customer_id=customer_id, order_ref=f"seed-{customer_id}",
                              lines=[Line(sku="SEED", amount=clp(amount * 100))], channel="web")


def test_points_pay_for_an_order_in_any_channel(cus):
    ana = cus()
    give_points(ana, 5000)
    # held at checkout in the store, captured when paid
    hold = payments.do_hold_payment(payment="ord-1:pay:1", method="points", amount=clp(3000), order_ref="ord-1",
                                    customer_id=ana, presence=presence.session(ana), channel="pos")
    assert [h.amount for h in hold.holds] == [3000]
    assert queries.summary(ana).points_held == 3000
    payments.do_capture_payment(payment="ord-1:pay:1")
    assert queries.summary(ana).points == 2000
    assert queries.books_problems() == []


def test_a_cancelled_checkout_releases_the_hold(cus):
    ana = cus()
    give_points(ana, 1000)
    payments.do_hold_payment(payment="ord-2:pay", method="points", amount=clp(800), order_ref="ord-2", customer_id=ana, presence=presence.session(ana))
    payments.do_cancel_for_order(order_ref="ord-2")
    summary = queries.summary(ana)
    assert (summary.points, summary.points_held) == (1000, 0)


def test_an_unpaid_checkout_expires(cus):
    ana = cus()
    give_points(ana, 1000)
    payments.do_hold_payment(payment="ord-3:pay", method="points", amount=clp(800), order_ref="ord-3", customer_id=ana, presence=presence.session(ana))
    from omnicanal.loyalty.services import ledger

    ledger.do_expire_holds(now=clock.now() + timedelta(hours=1))
    assert queries.summary(ana).points_held == 0
    with pytest.raises(InvalidTransition):
        payments.do_capture_payment(payment="ord-3:pay")


def test_a_partial_return_refunds_part_of_the_payment(cus):
    ana = cus()
    give_points(ana, 1000)
    payments.do_hold_payment(payment="ord-4:pay", method="points", amount=clp(1000), order_ref="ord-4", customer_id=ana, presence=presence.session(ana))
    payments.do_capture_payment(payment="ord-4:pay")
    payments.do_refund_payment(payment="ord-4:pay", refund_ref="ret-1", amount=clp(400))
    payments.do_refund_payment(payment="ord-4:pay", refund_ref="ret-1", amount=clp(400))  # retried: once
    assert queries.summary(ana).points == 400
    payments.do_refund_payment(payment="ord-4:pay", refund_ref="ret-2")  # the rest
    payments.do_refund_payment(payment="ord-4:pay", refund_ref="ret-3")  # nothing left to give back
    assert queries.summary(ana).points == 1000
    assert queries.books_problems() == []


def test_stored_value_pays_store_credit_first_then_the_wallet(cus):
    ana = cus()
    stored_value.do_grant_store_credit(customer_id=ana, amount=clp(3000), reason="return", reference="ret-9")
    stored_value.do_top_up_wallet(customer_id=ana, amount=clp(5000), reference="webpay-1")
    with pytest.raises(InsufficientBalance):
        payments.do_hold_payment(payment="big", method="stored_value", amount=clp(9000), order_ref="o", customer_id=ana, presence=presence.session(ana))
    payments.do_hold_payment(payment="ord-5:pay", method="stored_value", amount=clp(4000), order_ref="ord-5", customer_id=ana, presence=presence.session(ana))
    payments.do_capture_payment(payment="ord-5:pay")
    summary = queries.summary(ana)
    assert (summary.store_credit, summary.wallet) == (clp(0), clp(4000))
    assert AuditEntry.objects.filter(action="loyalty.store_credit.grant").count() == 1


def test_a_gift_card_needs_its_pin_and_never_pays_more_than_it_holds():
    issued = stored_value.do_issue_gift_card(amount=clp(20000))
    assert issued.card.pin_hash != issued.pin and issued.pin not in issued.card.pin_hash
    with pytest.raises(NotFound):
        stored_value.find_gift_card(issued.code, "000000" if issued.pin != "000000" else "111111")
    payments.do_hold_payment(payment="ord-6:pay", method="gift_card", amount=clp(15000), order_ref="ord-6",
                             gift_card_code=issued.code, pin=issued.pin, channel="web")
    with pytest.raises(InsufficientBalance):
        stored_value.do_spend_gift_card(code=issued.code, pin=issued.pin, amount=clp(6000), key="pos-1", channel="pos")
    stored_value.do_spend_gift_card(code=issued.code, pin=issued.pin, amount=clp(5000), key="pos-2", channel="pos")
    payments.do_capture_payment(payment="ord-6:pay")
    assert stored_value.gift_card_balance(issued.card) == clp(0)
    assert queries.books_problems() == []


def test_an_expired_gift_card_is_refused():
    issued = stored_value.do_issue_gift_card(amount=clp(1000), expires_at=clock.now() + timedelta(days=1))
    with clock.frozen(clock.now() + timedelta(days=2)), pytest.raises(Conflict):
        stored_value.do_spend_gift_card(code=issued.code, pin=issued.pin, amount=clp(100), key="late")


def test_cancelling_a_paid_order_gives_everything_back(cus):
    ana = cus()
    give_points(ana, 1000)
    coupons.do_create_coupon(code="VUELVE", terms=coupons.Terms(kind="amount", value=2000), max_uses=1)
    lines = [Line(sku="ZAP", amount=clp(50000))]
    coupons.do_use_coupon(code="VUELVE", order_ref="ord-7", channel="web", lines=lines, customer_id=ana)
    payments.do_hold_payment(payment="ord-7:pay", method="points", amount=clp(1000), order_ref="ord-7", customer_id=ana, presence=presence.session(ana))
    payments.do_capture_payment(payment="ord-7:pay")
    program.do_earn_for_order(customer_id=ana, order_ref="ord-7", lines=lines, channel="web")
    assert queries.summary(ana).points == 500
    payments.do_cancel_for_order(order_ref="ord-7")
    assert queries.summary(ana).points == 1000
    assert coupons.find_coupon("VUELVE").uses == 0
    assert queries.books_problems() == []
