"""The birthday flow's gift: each message carries a unique single-use coupon (loyalty's codes, as
campaigns draw them), its value and how long it lasts from the flow's settings; it is the
customer's own and is redeemed online or at the POS under loyalty's rules; a marketer sets it
through the API (the birthday flow only; their own text must say {{ coupon }}) or gives none."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.db import transaction

from omnicanal.core import clock
from omnicanal.core.errors import Problem
from omnicanal.core.money import Money
from omnicanal.loyalty.models import Coupon
from omnicanal.marketing.models import FlowEntry, FlowKind
from omnicanal.marketing.tests.conftest import PRICES, grant
from omnicanal.marketing.tests.test_flow_birthday_tier import MIDNIGHT, MORNING, born, enrol
from omnicanal.marketing.tests.test_flows import enable, flow_messages, run

CODE = re.compile(r"\bBD-[A-Z0-9]{6,}\b")


def code_sent_to(customer_id) -> str:
    return CODE.search(flow_messages(customer_id).get().text).group(0)


def sale(customer_id, code, *, channel="pos"):
    """A helmet bought with the code: carried out at the SCL store's POS (cash), or online for pickup."""
    from omnicanal.orders import services as orders

    delivery = {"method": "carry_out" if channel == "pos" else "pickup", "location": "SCL"}
    payments = [orders.PaymentIn(method="cash", amount=Money.of(PRICES["HELMET-1"] * Decimal("0.9")))] \
        if channel == "pos" else None
    with clock.frozen(MORNING + dt.timedelta(days=2)), transaction.atomic():
        return orders.do_place_order(channel=channel, delivery=delivery, customer_id=customer_id,
                                     lines=[orders.LineIn(sku="HELMET-1", quantity=1)], coupon=code, payments=payments)


def birthdays(*people):
    enable(FlowKind.BIRTHDAY)
    for person in people:
        grant(person, "email")
        born(person, "--03-03")
    assert enrol(MIDNIGHT) == len(people)
    assert run(MORNING) == len(people)


def test_each_birthday_message_carries_its_own_coupon_redeemable_at_the_pos_and_online(ana, bea):
    birthdays(ana, bea)
    anas, beas = code_sent_to(ana), code_sent_to(bea)
    assert anas != beas and "Feliz cumpleaños, Ana" in flow_messages(ana).get().text
    assert FlowEntry.objects.get(customer_id=ana).context["coupon"] == anas
    coupon = Coupon.objects.get(code=anas)
    assert (coupon.kind, coupon.value, coupon.max_uses, coupon.owner_id) == ("percent", 10, 1, ana)
    assert coupon.ends_at == MORNING + dt.timedelta(days=30) and not coupon.channels
    # Ana at the store's POS: 10% off; once only
    assert sale(ana, anas).total == PRICES["HELMET-1"] * Decimal("0.9")
    with pytest.raises(Problem) as used:
        sale(ana, anas)
    assert used.value.status == 409
    # Bea's code is hers alone; online it takes 10% off her order
    with pytest.raises(Problem) as not_hers:
        sale(ana, beas)
    assert not_hers.value.status == 422
    assert sale(bea, beas, channel="web").total == PRICES["HELMET-1"] * Decimal("0.9")


def test_the_marketer_sets_the_gift_through_the_api_or_gives_none(api, issue_key, ana, bea):
    marketer = api.as_(issue_key("marketer"))
    assert marketer.get("/flows").json()["items"][FlowKind.values.index("birthday")]["coupon"] == {
        "kind": "percent", "value": "10", "days": 30}
    changed = marketer.patch("/flows/birthday", {"enabled": True, "coupon": {"kind": "amount", "value": "5000", "days": 7}})
    assert changed.status_code == 200, changed.content
    assert changed.json()["coupon"] == {"kind": "amount", "value": "5000", "days": 7}
    # another flow gives none; a text of her own that does not say the code is refused; a bad value too
    other = marketer.patch("/flows/win_back", {"coupon": {"kind": "percent", "value": "10"}})
    assert other.status_code == 422 and other.json()["errors"][0]["field"] == "coupon"
    silent = marketer.patch("/flows/birthday", {"message": {"es": "Feliz cumpleaños, {{ name }}"}})
    assert silent.status_code == 422 and silent.json()["errors"][0]["field"] == "message.es"
    assert marketer.patch("/flows/birthday", {"coupon": {"kind": "percent", "value": "150"}}).status_code == 422
    grant(ana, "email")
    born(ana, "--03-03")
    assert enrol(MIDNIGHT) == 1 and run(MORNING) == 1
    coupon = Coupon.objects.get(code=code_sent_to(ana))
    assert (coupon.kind, coupon.value, coupon.ends_at) == ("amount", 5000, MORNING + dt.timedelta(days=7))
    # {} gives none: the greeting without a code, and no coupon made
    assert marketer.patch("/flows/birthday", {"coupon": {}}).json()["coupon"] == {}
    grant(bea, "email")
    born(bea, "--03-03")
    enrol(MIDNIGHT)
    assert run(MORNING) == 1  # Bea's (Ana's was sent)
    assert not CODE.search(flow_messages(bea).get().text) and Coupon.objects.count() == 1
