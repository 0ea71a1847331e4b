"""What orders takes from outside its own rules, and how far: a marketplace's unit price (only on
the marketplace channel), a marketplace's claim as a dispute (its reference once, our timing rule
not applied), and a carrier's report on a shipment (forward only)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import transaction

from omnicanal.core.errors import Conflict, ValidationFailed
from omnicanal.core.money import Money
from omnicanal.orders import services

pytestmark = pytest.mark.django_db

ADDRESS = {"line1": "Av. Providencia 1234", "city": "Providencia"}


def place(channel="marketplace", price=None, sku="SHOE-40", quantity=1):
    with transaction.atomic():
        return services.do_place_order(
            channel=channel, delivery={"method": "ship", "address": ADDRESS},
            lines=[services.LineIn(sku=sku, quantity=quantity, unit_price=price)],
            payments=[services.PaymentIn(method="card", provider="marketplace")])


def field_of(call) -> str:
    with pytest.raises(ValidationFailed) as caught:
        call()
    return caught.value.errors[0].field


def test_a_marketplace_order_takes_the_price_the_buyer_paid_and_no_shipping_fee_of_ours(world):
    order = place(price=Money.of("19990"), quantity=2)
    line = order.lines.get()
    assert (line.unit_price, line.total) == (Decimal("19990"), Decimal("39980"))
    assert (order.shipping, order.total) == (Decimal("0"), Decimal("39980"))
    # without a price the catalog's stands, and our shipping rule applies as always
    plain = place(sku="SOCK-1")
    assert (plain.lines.get().unit_price, plain.shipping) == (Decimal("5000"), Decimal("3990"))


def test_a_price_from_outside_is_refused_elsewhere_or_in_another_currency(world):
    assert field_of(lambda: place(channel="web", price=Money.of("1"))) == "lines.0.unit_price"
    assert field_of(lambda: place(price=Money(Decimal("10"), "USD"))) == "lines.0.unit_price"
    assert field_of(lambda: place(price=Money.of("-1"))) == "lines.0.unit_price"
    # the catalog still decides what the channel sells
    assert field_of(lambda: place(sku="NOPE-1", price=Money.of("1"))) == "lines.0.sku"


def test_a_marketplace_claim_opens_a_dispute_at_once_and_once(world):
    order = place(price=Money.of("50000"))
    # our own rule would refuse: nothing is late yet
    assert field_of(lambda: services.do_open_dispute(order=order, kind="not_received")) == "kind"
    with transaction.atomic():
        first = services.do_open_dispute(order=order, kind="not_received", external_ref="mercadolibre:1")
        again = services.do_open_dispute(order=order, kind="not_received", external_ref="mercadolibre:1")
    assert first.pk == again.pk and first.external_ref == "mercadolibre:1"
    # a second claim of the same kind while the first is open is the usual conflict
    with pytest.raises(Conflict), transaction.atomic():
        services.do_open_dispute(order=order, kind="not_received", external_ref="mercadolibre:2")
    assert field_of(lambda: services.do_open_dispute(order=order, kind="other", external_ref="mercadolibre:3")) \
        == "kind"


def test_a_claim_takes_over_the_open_dispute_staff_opened_of_its_kind(world):
    order = place(price=Money.of("50000"))
    fulfillment = order.fulfillments.get()
    with transaction.atomic():
        services.do_carrier_report(fulfillment_id=fulfillment.public_id, status="delivered", tracking="T1")
        staff = services.do_open_dispute(order=order, kind="defective", note="roto")
        claimed = services.do_open_dispute(order=order, kind="defective", external_ref="mercadolibre:9")
    assert claimed.pk == staff.pk and claimed.external_ref == "mercadolibre:9"


def test_a_claim_refunded_after_its_return_refunded_everything_is_resolved_without_money(world):
    order = place(price=Money.of("50000"))
    with transaction.atomic():
        services.do_carrier_report(fulfillment_id=order.fulfillments.get().public_id, status="delivered")
        dispute = services.do_open_dispute(order=order, kind="defective", external_ref="mercadolibre:5")
        services.do_refund(order=order, amount=Money.of("50000"), reference="ret", actor=services.SYSTEM)
        decided = services.do_decide_dispute(dispute_id=dispute.public_id, decision="refund", actor=services.SYSTEM)
    assert (decided.status, decided.amount) == ("resolved", Decimal("0"))


def test_a_carrier_report_walks_forward_only(world):
    order = place(price=Money.of("50000"))
    fid = order.fulfillments.get().public_id
    with transaction.atomic():
        shipped = services.do_carrier_report(fulfillment_id=fid, status="shipped", carrier="Mercado Envíos",
                                             tracking="MEL1")
    assert (shipped.status, shipped.tracking) == ("shipped", "MEL1")
    with transaction.atomic():
        services.do_carrier_report(fulfillment_id=fid, status="delivered")
        late = services.do_carrier_report(fulfillment_id=fid, status="shipped", tracking="OTHER")
        failed = services.do_carrier_report(fulfillment_id=fid, status="not_delivered", detail="x")
    assert (late.status, late.tracking, failed.status) == ("delivered", "MEL1", "delivered")
    assert not any(h.get("carrier_report") for h in failed.history)
    assert field_of(lambda: services.do_carrier_report(fulfillment_id=fid, status="lost")) == "status"
