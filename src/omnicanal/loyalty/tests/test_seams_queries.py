"""Reads loyalty's own modules (presence, the QR) stand on: queries, not services (no import cycle)."""

from decimal import Decimal

import pytest
from django.db import transaction

from omnicanal.core.money import Money
from omnicanal.customers import services as customer_services
from omnicanal.loyalty import queries
from omnicanal.loyalty.models import Program
from omnicanal.loyalty.services import program
from omnicanal.loyalty.services.common import Line

pytestmark = pytest.mark.django_db


def _customer(email: str) -> str:
    found = customer_services.do_identify(channel="web", identities=[{"kind": "email", "value": email}])
    return found.customer_id


def test_survivor_id_follows_a_merge_and_keeps_unknown_ids_as_given():
    # given two customers, the second merged into the first
    ana, alias = _customer("ana@example.cl"), _customer("ana.rojas@example.cl")
    with transaction.atomic():
        customer_services.do_merge_customers(survivor=ana, other=alias)
    # then the merged id answers the survivor, the survivor itself, and ids customers never knew stay as given
    assert queries.survivor_id(alias) == ana
    assert queries.survivor_id(ana) == ana
    assert queries.survivor_id("cus_00000000000000000000000000") == "cus_00000000000000000000000000"
    assert queries.survivor_id("") == ""


def test_qr_ttl_is_the_programs_setting_else_the_default_without_creating_a_program():
    # given no program yet: the field's default, and reading it writes nothing
    assert queries.qr_ttl_seconds() == 300
    assert not Program.objects.exists()
    # when the program sets two minutes
    program.do_configure_program(name="Club", earn_per=Decimal(100), earn_points=1, point_value=Decimal(1),
                                 points_expire_months=12, expiry_notice_days=30, qr_ttl_seconds=120)
    # then the QR lives two minutes
    assert queries.qr_ttl_seconds() == 120


def test_current_tier_is_the_refreshed_one_else_the_entry_tier():
    # given a program with an entry tier (0) and a silver one; nobody has spent yet
    assert queries.current_tier("cus_nobody") is None  # no program, no tier
    program.do_configure_program(name="Club", earn_per=Decimal(100), earn_points=1, point_value=Decimal(1),
                                 points_expire_months=12, expiry_notice_days=30)
    program.do_set_tier(code="base", name="Base", min_spend=Decimal(0))
    program.do_set_tier(code="plata", name="Plata", min_spend=Decimal(500_000))
    # then a customer never refreshed is Base
    assert queries.current_tier("cus_nobody").code == "base"
    # and one refreshed after spending enough is Plata
    program.do_earn_for_order(customer_id="cus_big", order_ref="o1", channel="web",
                              lines=[Line(sku="BICI", amount=Money.of(600_000, "CLP"), quantity=1, category="")])
    assert queries.current_tier("cus_big").code == "plata"


def test_standings_of_everyone_are_those_of_each_id_without_a_list_the_others_holding_the_entry_one():
    # given a program with an entry tier; one customer earned into silver, another never seen
    program.do_configure_program(name="Club", earn_per=Decimal(100), earn_points=1, point_value=Decimal(1),
                                 points_expire_months=12, expiry_notice_days=30)
    program.do_set_tier(code="base", name="Base", min_spend=Decimal(0))
    program.do_set_tier(code="plata", name="Plata", min_spend=Decimal(500_000))
    program.do_earn_for_order(customer_id="cus_big", order_ref="o1", channel="web",
                              lines=[Line(sku="BICI", amount=Money.of(600_000, "CLP"), quantity=1, category="")])
    # when segments read every standing at once (None) rather than per list of ids
    everyone, by_id = queries.standings(None), queries.standings(["cus_big", "cus_nobody"])
    # then the customers the program saw are as per id, and the others hold the entry standing
    assert everyone["cus_big"] == by_id["cus_big"] and everyone["cus_big"].tier == "plata"
    assert everyone["cus_big"].points > 0
    assert "cus_nobody" not in everyone and queries.entry_standing() == by_id["cus_nobody"]
    assert by_id["cus_nobody"] == queries.Standing(tier="base", points=0)


def test_customer_gift_cards_lists_the_cards_they_bought_masked_with_their_balance():
    from omnicanal.loyalty.services import stored_value

    ana, other = _customer("ana@example.cl"), _customer("other@example.cl")
    with transaction.atomic():
        issued = stored_value.do_issue_gift_card(amount=Money.of(20000, "CLP"), purchaser_id=ana,
                                                 code="ABCD2345EFGH6789")
        stored_value.do_issue_gift_card(amount=Money.of(5000, "CLP"), purchaser_id=other)

    cards = queries.customer_gift_cards(ana)

    assert [(c.balance, c.initial, c.blocked) for c in cards] == [(Money.of(20000, "CLP"), Money.of(20000, "CLP"), False)]
    assert cards[0].masked_code == "ABCD…6789" and issued.code not in cards[0].masked_code
    assert queries.customer_gift_cards(_customer("nobody@example.cl")) == []
