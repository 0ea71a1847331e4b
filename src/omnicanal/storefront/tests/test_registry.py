"""Merges, erasure and export reach the shopper's sessions (customers' registry hooks)."""

from django.db import transaction

from omnicanal.customers import services as customers
from omnicanal.storefront import queries
from omnicanal.storefront.models import ShopperSession


def test_a_merged_customers_devices_stay_signed_in_as_the_survivor(device, ana, inboxes):
    phone = device()
    with transaction.atomic():
        other = customers.do_identify(channel="web", identities=[{"kind": "email", "value": "ana2@example.cl"}],
                                      traits={"name": "Ana P"}).customer_id
    phone.sign_in(email="ana2@example.cl")

    with transaction.atomic():
        customers.do_merge_customers(survivor=ana, other=other, reason="test")

    assert queries.shopper_for_token(phone.token).customer_id == ana
    assert phone.get("/orders").status_code == 200


def test_erasure_signs_every_device_out_and_forgets_whose_it_was(device, ana, inboxes):
    phone = device()
    phone.sign_in(email="ana@example.cl")

    with transaction.atomic():
        customers.do_erase_customer(customer=ana)

    assert phone.get("/cart").status_code == 401
    assert not ShopperSession.objects.filter(customer_id=ana).exists()


def test_the_export_lists_the_customers_devices(device, ana, inboxes):
    phone = device("app")
    phone.sign_in(email="ana@example.cl")

    with transaction.atomic():
        exported = customers.do_export_customer(customer=ana)

    assert [s["channel"] for s in exported["domains"]["shop_sessions"]] == ["app"]
