from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from omnicanal.core import clock
from omnicanal.core.errors import CouponExhausted, NotFound, ValidationFailed
from omnicanal.core.money import Money
from omnicanal.loyalty import queries
from omnicanal.loyalty.models import Coupon
from omnicanal.loyalty.services import coupons
from omnicanal.loyalty.services.common import Line

pytestmark = pytest.mark.django_db


def clp(amount):
    return Money.of(amount, "CLP")


def lines(*items):
    return [Line(sku=sku, amount=clp(amount), quantity=qty, category=cat) for sku, amount, qty, cat in items]


ORDER = lines(("ZAP-42", 60000, 1, "running"), ("CALCETIN", 9000, 3, "running"), ("CARPA", 120000, 1, "camping"))


def make(code, **terms):
    max_uses = terms.pop("max_uses", None)
    return coupons.do_create_coupon(code=code, terms=coupons.Terms(**terms), max_uses=max_uses)


def discount(code, order=ORDER, channel="web", customer_id=""):
    return coupons.check_coupon(coupon=coupons.find_coupon(code), channel=channel, lines=order, customer_id=customer_id)


def test_percent_and_amount_discounts_on_the_whole_order_or_a_scope():
    make("DIEZ", kind="percent", value=Decimal(10))
    make("RUN5000", kind="amount", value=Decimal(5000), categories=("running",))
    make("ZAP20", kind="percent", value=Decimal(20), skus=("ZAP-42",))
    assert discount("DIEZ").amount == clp(18900)
    assert discount("RUN5000").amount == clp(5000)
    assert discount("ZAP20").amount == clp(12000)


def test_free_shipping_and_buy_x_get_y():
    make("ENVIO", kind="free_shipping")
    make("3X2", kind="buy_x_get_y", buy_quantity=2, get_quantity=1, skus=("CALCETIN",))
    assert discount("ENVIO").free_shipping and discount("ENVIO").amount == clp(0)
    assert discount("3X2").amount == clp(3000)  # three socks at 3.000: one free


def test_minimum_spend_channels_and_validity_window():
    make("MIN", kind="amount", value=Decimal(1000), min_spend=Decimal(500000))
    make("SOLOAPP", kind="percent", value=Decimal(5), channels=("app",))
    make("LUEGO", kind="percent", value=Decimal(5), starts_at=clock.now() + timedelta(days=1))
    for code, channel in (("MIN", "web"), ("SOLOAPP", "pos"), ("LUEGO", "web")):
        with pytest.raises(ValidationFailed):
            discount(code, channel=channel)
    assert discount("SOLOAPP", channel="app").amount == clp(9450)


def test_a_coupon_for_every_channel_works_in_store_and_online_alike():
    make("TODOS", kind="percent", value=Decimal(10))
    assert {discount("TODOS", channel=c).amount for c in ("web", "app", "pos", "whatsapp")} == {clp(18900)}


def test_a_one_use_coupon_is_used_once_and_given_back_on_cancellation():
    make("UNICO", kind="amount", value=Decimal(1000), max_uses=1)
    coupons.do_use_coupon(code="unico", order_ref="o1", channel="pos", lines=ORDER)
    assert coupons.do_use_coupon(code="UNICO", order_ref="o1", channel="pos", lines=ORDER).order_ref == "o1"  # retry
    with pytest.raises(CouponExhausted):
        coupons.do_use_coupon(code="UNICO", order_ref="o2", channel="web", lines=ORDER)
    coupons.do_release_coupon(order_ref="o1")
    coupons.do_release_coupon(order_ref="o1")
    assert coupons.find_coupon("UNICO").uses == 0
    coupons.do_use_coupon(code="UNICO", order_ref="o3", channel="web", lines=ORDER)


def test_the_codes_many_orders_used_are_read_at_once_without_those_given_back(django_assert_num_queries):
    # given an order with two coupons, one whose coupon was given back, and one without any
    make("PRIMERO", kind="amount", value=Decimal(1000))
    make("SEGUNDO", kind="percent", value=Decimal(10))
    coupons.do_use_coupon(code="PRIMERO", order_ref="o1", channel="web", lines=ORDER)
    coupons.do_use_coupon(code="SEGUNDO", order_ref="o1", channel="web", lines=ORDER)
    coupons.do_use_coupon(code="SEGUNDO", order_ref="o2", channel="pos", lines=ORDER)
    coupons.do_release_coupon(order_ref="o2")
    # when marketing asks for the three orders' codes
    with django_assert_num_queries(1):
        codes = queries.codes_used_on_many(["o1", "o2", "o3"])
    # then one query tells each order's codes, every order a key, and the one-order form agrees
    assert {ref: sorted(found) for ref, found in codes.items()} == {"o1": ["PRIMERO", "SEGUNDO"], "o2": [], "o3": []}
    assert sorted(queries.codes_used_on("o1")) == ["PRIMERO", "SEGUNDO"] and queries.codes_used_on("o2") == []
    assert queries.codes_used_on_many([]) == {}


def test_per_customer_limits(cus):
    ana, ben = cus(), cus()
    make("CLIENTE", kind="amount", value=Decimal(1000), max_uses_per_customer=1)
    coupons.do_use_coupon(code="CLIENTE", order_ref="a1", channel="web", lines=ORDER, customer_id=ana)
    with pytest.raises(CouponExhausted):
        coupons.do_use_coupon(code="CLIENTE", order_ref="a2", channel="pos", lines=ORDER, customer_id=ana)
    coupons.do_use_coupon(code="CLIENTE", order_ref="b1", channel="pos", lines=ORDER, customer_id=ben)


def test_the_database_refuses_more_uses_than_allowed():
    coupon = make("TOPE", kind="amount", value=Decimal(1000), max_uses=2)
    with pytest.raises(IntegrityError), transaction.atomic():
        Coupon.objects.filter(pk=coupon.pk).update(uses=3)


def test_a_batch_has_unique_one_use_codes():
    batch = coupons.do_create_batch(name="Black Friday", prefix="BF", count=50,
                                    terms=coupons.Terms(kind="percent", value=Decimal(15)))
    codes = list(batch.coupons.values_list("code", flat=True))
    assert len(set(codes)) == 50 and all(c.startswith("BF-") for c in codes)
    assert set(batch.coupons.values_list("max_uses", flat=True)) == {1}


def test_bad_terms_are_field_errors():
    with pytest.raises(ValidationFailed) as caught:
        make("MAL", kind="percent", value=Decimal(150))
    assert caught.value.errors[0].field == "value"
    with pytest.raises(NotFound):
        coupons.find_coupon("NOEXISTE")
