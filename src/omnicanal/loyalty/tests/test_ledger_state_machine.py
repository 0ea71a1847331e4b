"""A bounded hypothesis state machine over the ledger: earn, redeem, hold, post, void, expire,
merge and refund, in any order. After every step the books are sound: each unit sums to zero,
each transfer is balanced, no balance is negative or below what it holds, every cached balance
equals the sum of its entries, held amounts equal the open holds, lots add up to balances — and a
plain model of what each customer should have agrees."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from omnicanal.core import clock
from omnicanal.core.errors import InsufficientBalance, InvalidTransition, NotFound
from omnicanal.core.money import Money
from omnicanal.loyalty import presence, queries
from omnicanal.loyalty.models import POINTS, Account, AccountKind, TransferKind
from omnicanal.loyalty.services import ledger, payments

CUSTOMERS = ["cus_state_ana", "cus_state_ben", "cus_state_cata"]
customers = st.sampled_from(CUSTOMERS)
amounts = st.integers(min_value=1, max_value=400)


class LedgerMachine(RuleBasedStateMachine):
    holds = Bundle("holds")

    def __init__(self):
        super().__init__()
        self.atomic = transaction.atomic()
        self.atomic.__enter__()  # each example runs in a savepoint rolled back in teardown
        self.now = clock.now()
        self.counter = 0
        self.expected = dict.fromkeys(CUSTOMERS, 0)  # the model: points each customer should hold
        self.captured: list[str] = []

    def teardown(self):
        transaction.set_rollback(True)
        self.atomic.__exit__(None, None, None)

    def key(self, prefix: str) -> str:
        self.counter += 1
        return f"{prefix}:{self.counter}"

    def account(self, customer: str):
        return ledger.customer_account(customer, AccountKind.POINTS)

    def available(self, customer: str) -> int:
        account = self.account(customer)
        return int(account.balance - account.pending)

    @rule(customer=customers, amount=amounts, valid_days=st.sampled_from([None, 3, 20, 60]))
    def earn(self, customer, amount, valid_days):
        with clock.frozen(self.now):
            ledger.do_transfer(
                key=self.key("earn"), kind=TransferKind.EARN, debit=ledger.system_account(AccountKind.ISSUANCE, POINTS),
                credit=self.account(customer), amount=amount,
                lot_expires_at=self.now + timedelta(days=valid_days) if valid_days else None,
            )
        self.expected[customer] += amount

    @rule(customer=customers, amount=amounts)
    def redeem(self, customer, amount):
        fits = amount <= self.available(customer)
        with clock.frozen(self.now):
            try:
                ledger.do_transfer(
                    key=self.key("redeem"), kind=TransferKind.REDEEM, debit=self.account(customer),
                    credit=ledger.system_account(AccountKind.REDEMPTION, POINTS), amount=amount,
                )
            except InsufficientBalance:
                assert not fits
                return
        assert fits
        self.expected[customer] -= amount

    @rule(target=holds, customer=customers, amount=amounts, minutes=st.sampled_from([None, 30]))
    def hold(self, customer, amount, minutes):
        payment = self.key("pay")
        fits = amount <= self.available(customer)
        with clock.frozen(self.now):
            try:
                payments.do_hold_payment(payment=payment, method="points", amount=Money.of(amount, "CLP"), order_ref=payment,
                                         customer_id=customer, presence=presence.session(customer), hold_for=timedelta(minutes=minutes or 60 * 24 * 365))
            except InsufficientBalance:
                assert not fits
                return payment
        assert fits
        return payment

    @rule(payment=holds, share=st.sampled_from([Decimal(1), Decimal("0.5")]))
    def post(self, payment, share):
        with clock.frozen(self.now):
            try:
                open_holds = payments._open(payment)
            except NotFound:  # the hold was refused: there is no payment
                return
            if not open_holds:
                return
            hold = open_holds[0]
            try:
                posted = payments.do_capture_payment(payment=payment, amount=Money(hold.amount * share, "CLP"))
            except InvalidTransition:
                assert hold.expires_at is not None and hold.expires_at <= self.now
                return
        for transfer in posted:
            self.expected[Account.objects.get(pk=transfer.debit_id).owner_id] -= int(transfer.amount)
        self.captured.append(payment)

    @rule(payment=holds)
    def void(self, payment):
        with clock.frozen(self.now):
            try:
                payments.do_release_payment(payment=payment)
            except NotFound:  # the hold was refused: there is no payment
                pass

    @rule(days=st.integers(min_value=1, max_value=30))
    def expire(self, days):
        self.now += timedelta(days=days)
        with clock.frozen(self.now):
            ledger.do_expire_holds(now=self.now)
            for item in ledger.do_expire_lots(now=self.now):
                self.expected[item.account.owner_id] -= int(item.transfer.amount)

    @precondition(lambda self: len(self.captured) > 0)
    @rule(data=st.data())
    def refund(self, data):
        payment = data.draw(st.sampled_from(self.captured))
        part = data.draw(st.sampled_from([None, 1, 25]))
        with clock.frozen(self.now):
            refunds = payments.do_refund_payment(payment=payment, refund_ref=self.key("ret"),
                                                 amount=Money.of(part, "CLP") if part else None)
        for transfer in refunds:
            self.expected[Account.objects.get(pk=transfer.credit_id).owner_id] += int(transfer.amount)

    @rule(survivor=customers, merged=customers)
    def merge(self, survivor, merged):
        if survivor == merged:
            return
        with clock.frozen(self.now):
            ledger.do_move_owner(from_owner=merged, to_owner=survivor)
        self.expected[survivor] += self.expected[merged]
        self.expected[merged] = 0

    @invariant()
    def books_are_sound(self):
        assert queries.books_problems() == []

    @invariant()
    def balances_match_the_model(self):
        assert {c: int(self.account(c).balance) for c in CUSTOMERS} == self.expected


@pytest.mark.django_db
def test_the_ledger_stays_sound_whatever_happens():
    run_state_machine_as_test(
        LedgerMachine, settings=settings(max_examples=30, stateful_step_count=20, deadline=None, database=None)
    )
