"""Concurrency promises on PostgreSQL, across processes (not only threads)."""

import pytest
from django.db import transaction

from omnicanal.core.money import Money
from omnicanal.core.testing import run_in_processes
from omnicanal.loyalty import queries
from omnicanal.loyalty.models import Coupon, CouponUse
from omnicanal.loyalty.services import coupons, stored_value

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

CHANNELS = ["web", "app", "pos", "whatsapp"]


def test_a_one_use_coupon_is_used_once_by_200_concurrent_checkouts_in_4_channels(issue_key):
    # given one coupon with one use, and 8 processes (4 through the service, 4 through the API), 25 orders each
    with transaction.atomic():
        coupons.do_create_coupon(code="SOLO-UNA-VEZ", terms=coupons.Terms(kind="amount", value=5000), max_uses=1)
    auth = issue_key("integration")["HTTP_AUTHORIZATION"]
    args = [("SOLO-UNA-VEZ", CHANNELS[i % 4], i, 25, auth if i >= 4 else None) for i in range(8)]
    # when they all try at once
    results = run_in_processes("omnicanal.loyalty.tests.workers:use_coupon", args)
    # then exactly one order got it, and the 199 others were told coupon-exhausted
    assert sum(r["used"] for r in results) == 1
    assert sum(r["exhausted"] for r in results) == 199
    assert [r["other"] for r in results] == [[]] * 8
    assert Coupon.objects.get(code="SOLO-UNA-VEZ").uses == 1
    assert CouponUse.objects.count() == 1


def test_a_gift_card_covering_10_spends_pays_exactly_10_of_100_concurrent_ones():
    # given a card of 10.000 and 100 spends of 1.000 in 8 processes
    with transaction.atomic():
        issued = stored_value.do_issue_gift_card(amount=Money.of(10_000))
    args = [(issued.code, issued.pin, i, 13 if i < 4 else 12) for i in range(8)]
    results = run_in_processes("omnicanal.loyalty.tests.workers:spend_gift_card", args)
    # then exactly 10 were paid and the card is at zero, never below
    assert sum(r["spent"] for r in results) == 10
    assert sum(r["refused"] for r in results) == 90
    assert stored_value.gift_card_balance(issued.card) == Money.of(0)
    assert queries.books_problems() == []


def test_one_agent_racing_in_8_processes_never_passes_the_daily_cap(make_customer):
    # given an agent's daily cap of 50.000 and 40 grants of 10.000 by that agent from 8 processes at once
    customer_id = make_customer()
    results = run_in_processes("omnicanal.loyalty.tests.workers:grant_goodwill", [(customer_id, 5)] * 8)
    # then exactly 5 were issued (50.000) and the 35 others wait for a manager
    assert sum(r["issued"] for r in results) == 5 and sum(r["pending"] for r in results) == 35
    assert queries.summary(customer_id).store_credit == Money.of(50_000)
    assert queries.books_problems() == []
