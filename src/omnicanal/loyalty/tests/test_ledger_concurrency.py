"""The ledger's no-overdraft and idempotency promises across processes on PostgreSQL, where every
transfer is one call of loyalty_transfer and a batch one call of loyalty_transfers (loyalty.hot)."""

import pytest
from django.db import transaction

from omnicanal.core.testing import run_in_processes
from omnicanal.loyalty import queries
from omnicanal.loyalty.models import POINTS, AccountKind, Transfer, TransferKind
from omnicanal.loyalty.services import ledger

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_100_points_pay_exactly_100_of_200_concurrent_one_point_redeems(cus):
    # given a customer with 100 points, and 8 processes spending 1 point 25 times each
    ana = cus()
    with transaction.atomic():
        ledger.do_transfer(key="fund", kind=TransferKind.EARN, debit=ledger.system_account(AccountKind.ISSUANCE, POINTS),
                           credit=ledger.customer_account(ana, AccountKind.POINTS), amount=100)
    # when they all race
    results = run_in_processes("omnicanal.loyalty.tests.workers:redeem_points", [(ana, i, 25) for i in range(8)])
    # then exactly 100 were paid, 100 refused, the balance is zero (never below) and the books sound
    assert sum(r["spent"] for r in results) == 100
    assert sum(r["refused"] for r in results) == 100
    assert ledger.customer_account(ana, AccountKind.POINTS).balance == 0
    assert queries.books_problems() == []


def test_batches_racing_over_the_same_accounts_in_opposite_orders_all_post_without_deadlock(cus):
    # given three customers, and 4 processes posting batches over all three (two in reverse order),
    # each batch also carrying one key every process sends
    customers = [cus() for _ in range(3)]
    args = [(customers if i % 2 else customers[::-1], i, 5) for i in range(4)]
    # when they race
    results = run_in_processes("omnicanal.loyalty.tests.workers:post_batches", args)
    # then every batch posted (none deadlocked), each shared key once, and each customer holds what
    # 4 × 5 batches of (+3, -1) leave, one of them also the 5 shared earns
    assert sum(r["posted"] for r in results) == 4 * 5 * 7
    assert Transfer.objects.filter(key__startswith="shared:").count() == 5
    balances = [ledger.customer_account(c, AccountKind.POINTS).balance for c in customers]
    shared_to = {t.credit.owner_id for t in Transfer.objects.filter(key__startswith="shared:").select_related("credit")}
    assert sum(balances) == 3 * 4 * 5 * 2 + 5
    assert sorted(balances) == [40, 40, 45] and len(shared_to) == 1
    assert queries.books_problems() == []
