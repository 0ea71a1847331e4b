from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction

from omnicanal.core import clock
from omnicanal.core.errors import Conflict, InsufficientBalance, InvalidTransition, ValidationFailed
from omnicanal.loyalty import queries
from omnicanal.loyalty.models import POINTS, Account, AccountKind, Entry, Transfer, TransferKind
from omnicanal.loyalty.services import ledger

pytestmark = pytest.mark.django_db


def issue(customer_id, amount, key=None, expires_at=None):
    return ledger.do_transfer(
        key=key or f"test-issue:{customer_id}:{amount}:{expires_at}", kind=TransferKind.EARN,
        debit=ledger.system_account(AccountKind.ISSUANCE, POINTS), credit=ledger.customer_account(customer_id, "points"),
        amount=amount, lot_expires_at=expires_at,
    )


def spend(customer_id, amount, key):
    return ledger.do_transfer(
        key=key, kind=TransferKind.REDEEM, debit=ledger.customer_account(customer_id, "points"),
        credit=ledger.system_account(AccountKind.REDEMPTION, POINTS), amount=amount,
    )


def balance(customer_id, kind="points"):
    return ledger.customer_account(customer_id, kind).balance


def test_a_transfer_writes_two_entries_that_sum_to_zero(cus):
    # given a customer
    ana = cus()
    # when 120 points are issued to her
    transfer = issue(ana, 120)
    # then one debit and one credit of the same amount, and her balance is their sum
    amounts = sorted(Entry.objects.filter(transfer=transfer).values_list("amount", flat=True))
    assert amounts == [Decimal(-120), Decimal(120)]
    assert balance(ana) == 120
    assert queries.books_problems() == []


def test_the_same_key_twice_moves_value_once(cus):
    ana = cus()
    first = issue(ana, 50, key="k-1")
    again = issue(ana, 50, key="k-1")
    assert again.pk == first.pk
    assert balance(ana) == 50


def test_a_key_reused_for_another_transfer_is_refused(cus):
    ana = cus()
    issue(ana, 50, key="k-2")
    with pytest.raises(Conflict):
        issue(ana, 51, key="k-2")


def test_a_customer_account_never_goes_below_zero(cus):
    ana = cus()
    issue(ana, 30)
    with pytest.raises(InsufficientBalance):
        spend(ana, 31, key="too-much")
    assert balance(ana) == 30


def test_the_database_refuses_an_overdraft_even_without_the_service(cus):
    ana = cus()
    account = ledger.customer_account(ana, "points")
    with pytest.raises(IntegrityError), transaction.atomic():
        Account.objects.filter(pk=account.pk).update(balance=Decimal(-1))


def test_transfers_and_entries_cannot_be_changed_or_deleted(cus):
    transfer = issue(cus(), 10)
    with pytest.raises(PermissionError):
        transfer.save()
    with pytest.raises(PermissionError):
        Entry.objects.filter(transfer=transfer).delete()
    with pytest.raises(DatabaseError), transaction.atomic():  # the database trigger, below the ORM
        with connection.cursor() as cursor:
            cursor.execute("UPDATE loyalty_entry SET amount = 0 WHERE transfer_id = %s", [transfer.pk])


def test_points_must_be_whole(cus):
    with pytest.raises(ValidationFailed):
        issue(cus(), Decimal("1.5"))


def test_a_hold_makes_points_unavailable_until_it_is_posted(cus):
    ana = cus()
    issue(ana, 100)
    account = ledger.customer_account(ana, "points")
    redemption = ledger.system_account(AccountKind.REDEMPTION, POINTS)
    hold = ledger.do_hold(key="h1", debit=account, credit=redemption, amount=80, expires_at=None)
    # the balance has not moved, but only 20 are available
    assert balance(ana) == 100
    with pytest.raises(InsufficientBalance):
        spend(ana, 21, key="s-over-hold")
    posted = ledger.do_post(hold=hold, amount=60)
    assert balance(ana) == 40
    assert ledger.customer_account(ana, "points").pending == 0
    assert ledger.do_post(hold=hold).pk == posted.pk  # posting again: the first posting
    with pytest.raises(InvalidTransition):
        ledger.do_void(hold=hold)
    assert queries.books_problems() == []


def test_a_voided_hold_gives_the_points_back_and_cannot_be_posted(cus):
    ana = cus()
    issue(ana, 100)
    hold = ledger.do_hold(key="h2", debit=ledger.customer_account(ana, "points"),
                          credit=ledger.system_account(AccountKind.REDEMPTION, POINTS), amount=100, expires_at=None)
    ledger.do_void(hold=hold)
    assert ledger.customer_account(ana, "points").available == 100
    with pytest.raises(InvalidTransition):
        ledger.do_post(hold=hold)


def test_holds_expire(cus):
    ana = cus()
    issue(ana, 100)
    now = clock.now()
    hold = ledger.do_hold(key="h3", debit=ledger.customer_account(ana, "points"),
                          credit=ledger.system_account(AccountKind.REDEMPTION, POINTS), amount=70,
                          expires_at=now + timedelta(minutes=30))
    assert ledger.do_expire_holds(now=now + timedelta(minutes=29)) == []
    released = ledger.do_expire_holds(now=now + timedelta(minutes=31))
    assert [t.kind for t in released] == [TransferKind.HOLD_EXPIRED]
    assert ledger.customer_account(ana, "points").available == 100
    with clock.frozen(now + timedelta(minutes=31)), pytest.raises(InvalidTransition):
        ledger.do_post(hold=hold)


def test_points_are_spent_oldest_expiry_first_and_the_rest_expires(cus):
    ana = cus()
    now = clock.now()
    issue(ana, 100, expires_at=now + timedelta(days=60))
    issue(ana, 50, expires_at=now + timedelta(days=10))
    # when she spends 70, the 50 that expire first go first
    spend(ana, 70, key="s-fifo")
    # then after 61 days only what is left of the older-expiring... newer lot (80 of 100) expires
    expired = ledger.do_expire_lots(now=now + timedelta(days=61))
    assert [e.transfer.amount for e in expired] == [Decimal(80)]
    assert balance(ana) == 0
    assert queries.books_problems() == []


def test_expiry_never_takes_what_a_hold_still_needs(cus):
    ana = cus()
    now = clock.now()
    issue(ana, 100, expires_at=now + timedelta(days=1))
    hold = ledger.do_hold(key="h4", debit=ledger.customer_account(ana, "points"),
                          credit=ledger.system_account(AccountKind.REDEMPTION, POINTS), amount=60, expires_at=None)
    ledger.do_expire_lots(now=now + timedelta(days=2))
    assert balance(ana) == 60
    ledger.do_post(hold=hold)
    assert balance(ana) == 0
    assert queries.books_problems() == []


def test_a_merge_moves_balances_lots_and_holds(cus):
    ana, dup = cus(), cus()
    now = clock.now()
    issue(dup, 40, expires_at=now + timedelta(days=5))
    issue(dup, 60, expires_at=now + timedelta(days=50))
    hold = ledger.do_hold(key="h5", debit=ledger.customer_account(dup, "points"),
                          credit=ledger.system_account(AccountKind.REDEMPTION, POINTS), amount=30, expires_at=None,
                          payment="pay-1")
    ledger.do_move_owner(from_owner=dup, to_owner=ana)
    target = ledger.customer_account(ana, "points")
    assert target.balance == 100 and target.pending == 30
    assert sorted(target.lots.values_list("remaining", flat=True)) == [Decimal(40), Decimal(60)]
    moved = Transfer.objects.get(payment="pay-1", debit=target)
    assert ledger.resolution_of(hold).kind == TransferKind.VOID and ledger.resolution_of(moved) is None
    assert queries.books_problems() == []


def test_closing_an_owner_keeps_the_books_balanced(cus):
    ana = cus()
    issue(ana, 100)
    ledger.do_close_owner(owner_id=ana)
    assert balance(ana) == 0
    assert ledger.customer_account(ana, "points").closed_at is not None
    assert queries.books_problems() == []
