"""Issue 16 item 3: an unknown sender who proved an order (its number and the email or phone on it)
starts a return of that order from WhatsApp; never of another customer's order (WhatsApp's webhook
format, the provider on loopback)."""

import pytest

from omnicanal.orders.models import Return
from omnicanal.orders.tests.helpers import act, pay_by_webhook, place

from .test_conversations import delivered_order

pytestmark = pytest.mark.django_db

STRANGER = "56945678123"  # not Ana's number: a customer of its own, with no orders


def test_a_verified_stranger_starts_a_return_by_mail_with_the_label_link(api, client, ana, whatsapp):
    order = delivered_order(api, client, ana)
    asked = whatsapp("quiero devolver unas zapatillas", sender=STRANGER)
    assert "número" in asked[0] and "correo" in asked[0] and order["number"] not in asked[0]
    proof = whatsapp(f"el pedido es {order['number']}", sender=STRANGER)
    assert "correo" in proof[0] and "SHOE-41" not in proof[0]  # the email or phone first, no lines yet
    mode = whatsapp("ana@example.cl", sender=STRANGER)
    assert order["number"] in mode[0] and "tienda" in mode[0] and "correo" in mode[0]  # in a store or by mail?
    started = whatsapp("por correo", sender=STRANGER)
    assert "/returns/label/" in started[0]
    (ret,) = Return.objects.all()
    assert ret.order.public_id == order["id"] and ret.by_mail and ret.public_id in started[0]


def test_a_stranger_who_proved_the_order_for_its_status_can_return_it_in_a_store(api, client, ana, whatsapp, world):
    order = delivered_order(api, client, ana)
    status = whatsapp(f"¿dónde está mi pedido {order['number']}? mi teléfono es +56 9 8765 4321", sender=STRANGER)
    assert "/track/" in status[0]
    mode = whatsapp("quiero devolverlo", sender=STRANGER)
    assert order["number"] in mode[0]  # no second proof asked: proved in this conversation
    store = whatsapp("en tienda", sender=STRANGER)
    assert "¿A qué tienda" in store[0]  # which store?
    started = whatsapp("en Providencia", sender=STRANGER)
    assert "Tienda Providencia" in started[0]
    assert Return.objects.get().order.public_id == order["id"]


def test_never_another_customers_order(api, client, ana, whatsapp):
    from omnicanal.orders.tests.conftest import make_customer

    berta = make_customer(phone="+56933334444", name="Berta Soto", email="berta@example.cl")
    hers = place(api, lines=[("SHOE-41", 1)], customer_id=berta,
                 contact={"name": "Berta Soto", "email": "berta@example.cl", "phone": "+56933334444"}).json()
    pay_by_webhook(client, hers["payments"][0]["id"])
    for step in ("pick", "pack", "ship", "deliver"):
        act(api, hers["fulfillments"][0]["id"], step, {"carrier": "Starken", "tracking": "STK1"} if step == "ship" else None)
    anas = delivered_order(api, client, ana)
    # proving Ana's order says nothing of Berta's: her number with Ana's email is refused
    whatsapp(f"quiero devolver el pedido {anas['number']}, mi correo es ana@example.cl", sender=STRANGER)
    other = whatsapp(f"no, quiero devolver el pedido {hers['number']}", sender=STRANGER)
    assert hers["number"] in other[0] and "correo" in other[0]  # must prove that one too
    wrong = whatsapp("ana@example.cl", sender=STRANGER)
    assert "SHOE-41" not in wrong[0] and "/returns/label/" not in wrong[0]
    whatsapp("por correo", sender=STRANGER)
    assert not Return.objects.filter(order__public_id=hers["id"]).exists()
    assert "/returns/label/" not in " ".join(whatsapp("otra@example.cl", sender=STRANGER))
    assert not Return.objects.filter(order__public_id=hers["id"]).exists()


def test_orders_checks_the_proof_itself(api, client, ana):
    from omnicanal.core.errors import NotFound
    from omnicanal.customers import services as customers
    from omnicanal.orders import services

    order = delivered_order(api, client, ana)
    stranger = customers.do_identify(channel="whatsapp", identities=[{"kind": "phone", "value": "+56945678123"}]
                                     ).customer_id
    lines = [{"sku": "SHOE-41", "quantity": 1}]
    for proof in ("", "otra@example.cl", "+56911112222"):
        with pytest.raises(NotFound):
            services.do_start_return(order_id=order["id"], customer_id=stranger, lines=lines, by_mail=True, proof=proof)
    assert not Return.objects.exists()
    services.do_start_return(order_id=order["id"], customer_id=stranger, lines=lines, by_mail=True,
                             proof="ANA@example.cl")
    assert Return.objects.count() == 1
