"""The batched form (do_transfers) and the hot path's promises, on both engines: on PostgreSQL the
ledger posts through loyalty_transfer(s) (loyalty.hot), on SQLite through the ORM; the same tests
hold for both."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection, transaction

from omnicanal.core import clock
from omnicanal.core.errors import Conflict, InsufficientBalance
from omnicanal.loyalty import hot, queries
from omnicanal.loyalty.models import POINTS, AccountKind, Lot, Transfer, TransferKind
from omnicanal.loyalty.services import ledger
from omnicanal.loyalty.services.ledger import Posting

pytestmark = pytest.mark.django_db


def points(customer_id):
    return ledger.customer_account(customer_id, AccountKind.POINTS)


def earn(customer_id, amount, key, expires_at=None):
    return Posting(key=key, kind=TransferKind.EARN, debit=ledger.system_account(AccountKind.ISSUANCE, POINTS),
                   credit=points(customer_id), amount=amount, lot_expires_at=expires_at)


def redeem(customer_id, amount, key):
    return Posting(key=key, kind=TransferKind.REDEEM, debit=points(customer_id),
                   credit=ledger.system_account(AccountKind.REDEMPTION, POINTS), amount=amount)


def test_a_batch_posts_every_transfer_in_order_each_seeing_the_ones_before(cus):
    # given two customers, and a batch that earns to both and then spends from the first
    ana, ben = cus(), cus()
    soon = clock.now() + timedelta(days=10)
    postings = [earn(ana, 100, "b:1", expires_at=soon), earn(ana, 50, "b:2"), earn(ben, 30, "b:3"), redeem(ana, 120, "b:4")]
    # when it is posted in one go
    with transaction.atomic():
        transfers = ledger.do_transfers(postings)
    # then four transfers, in order, as asked; the spend took the lot expiring first, then the other
    assert [t.key for t in transfers] == ["b:1", "b:2", "b:3", "b:4"]
    assert [t.amount for t in transfers] == [100, 50, 30, 120]
    assert [Transfer.objects.get(pk=t.pk).key for t in transfers] == ["b:1", "b:2", "b:3", "b:4"]
    assert (points(ana).balance, points(ben).balance) == (30, 30)
    remaining = dict(Lot.objects.filter(account=points(ana)).values_list("transfer__key", "remaining"))
    assert remaining == {"b:1": 0, "b:2": 30}
    assert queries.books_problems() == []


def test_a_batch_posted_again_moves_nothing_more(cus):
    ana = cus()
    first = ledger.do_transfers([earn(ana, 10, "r:1"), earn(ana, 20, "r:2")])
    again = ledger.do_transfers([earn(ana, 10, "r:1"), earn(ana, 20, "r:2")])
    assert [t.pk for t in again] == [t.pk for t in first]
    assert [t.public_id for t in again] == [t.public_id for t in first]
    assert points(ana).balance == 30


def test_one_refused_transfer_of_a_batch_leaves_the_callers_transaction_to_undo_them_all(cus):
    # given a customer with 10 points
    ana = cus()
    ledger.do_transfer(**earn(ana, 10, "u:0").__dict__)
    # when a batch earns 5 and then spends 100
    with pytest.raises(InsufficientBalance) as refused, transaction.atomic():
        ledger.do_transfers([earn(ana, 5, "u:1"), redeem(ana, 100, "u:2")])
    # then the refusal says what was available after the first, and nothing of the batch stayed
    assert refused.value.extra["available"] == "15"
    assert not Transfer.objects.filter(key__in=["u:1", "u:2"]).exists()
    assert points(ana).balance == 10
    assert queries.books_problems() == []


def test_a_key_reused_for_another_transfer_in_a_batch_is_refused(cus):
    ana = cus()
    ledger.do_transfers([earn(ana, 10, "c:1")])
    with pytest.raises(Conflict), transaction.atomic():
        ledger.do_transfers([earn(ana, 11, "c:1")])
    assert points(ana).balance == 10


def test_a_closed_account_takes_no_credit(cus):
    ana = cus()
    ledger.do_transfer(**earn(ana, 10, "z:1").__dict__)
    ledger.do_close_owner(owner_id=ana)
    with pytest.raises(Conflict), transaction.atomic():
        ledger.do_transfer(**earn(ana, 5, "z:2").__dict__)
    assert points(ana).balance == 0
    assert queries.books_problems() == []


def test_the_returned_transfer_is_the_row_written(cus):
    # the hot path builds the Transfer it returns instead of reading it back: it must be the row
    ana = cus()
    returned = ledger.do_transfer(**earn(ana, 7, "w:1").__dict__ | {"memo": "m" * 400, "metadata": {"a": "b"}})
    stored = Transfer.objects.get(pk=returned.pk)
    fields = ["public_id", "key", "kind", "status", "unit", "amount", "debit_id", "credit_id", "reverses_id", "memo",
              "metadata", "created_at"]
    assert {f: getattr(returned, f) for f in fields} == {f: getattr(stored, f) for f in fields}
    assert len(stored.memo) == 300


@pytest.mark.postgres
def test_on_postgresql_a_transfer_is_one_call_and_no_orm_query(cus, django_assert_num_queries, monkeypatch):
    # given the accounts, looked up beforehand (as a caller holds them)
    ana = cus()
    posting = earn(ana, 12, "one:1")
    spent = redeem(ana, 5, "one:2")
    calls = []
    real = hot.HotStatement.run
    monkeypatch.setattr(hot.HotStatement, "run", lambda self, params: calls.append(self.name) or real(self, params))
    # when an earn and a spend are posted
    with django_assert_num_queries(0):
        ledger.do_transfer(**posting.__dict__)
        ledger.do_transfer(**spent.__dict__)
    # then each was one call of the function, and nothing else went to the database through Django
    assert connection.vendor == "postgresql"
    assert calls == [b"omnicanal_loyalty_transfer"] * 2
    assert points(ana).balance == Decimal(7)
    assert queries.books_problems() == []
