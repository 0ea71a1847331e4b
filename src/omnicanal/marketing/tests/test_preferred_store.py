"""The customer's preferred store: customers holds it, the shop sets it when a signed-in shopper
chooses a store (and a new device of theirs starts from it), and a campaign checks its promoted
products' stock at that store."""

from django.db import transaction

from omnicanal.core.auth import SYSTEM
from omnicanal.customers import queries as customers
from omnicanal.customers import services as customer_services
from omnicanal.marketing.tests.conftest import grant
from omnicanal.marketing.tests.test_campaigns import compose, launch, recipient
from omnicanal.storefront import services as storefront
from omnicanal.storefront.auth import COOKIE
from omnicanal.storefront.browsing import STORE_KEY


def sign_in(client, customer_id):
    with transaction.atomic():
        client.cookies[COOKIE] = storefront.do_sign_in_as(customer_id=customer_id, channel="web", actor=SYSTEM).token


def test_a_signed_in_shoppers_chosen_store_becomes_their_preferred_store(client, ana):
    from django.test import Client

    assert customers.customer_summary(ana).preferred_store == ""
    client.get("/p/casco-ruta/", {"store": "SCL"})  # anonymous: only the device remembers it
    assert customers.customer_summary(ana).preferred_store == ""
    sign_in(client, ana)
    assert client.get("/p/casco-ruta/", {"store": "SCL"}).status_code == 200
    assert customers.customer_summary(ana).preferred_store == "SCL"
    client.get("/p/casco-ruta/", {"store": "NOPE"})  # not a pickup store: ignored
    assert customers.customer_summary(ana).preferred_store == "SCL"
    # another device of hers starts from it
    other = Client()
    sign_in(other, ana)
    assert other.get("/p/casco-ruta/").status_code == 200
    assert other.session.get(STORE_KEY) == "SCL"


def test_set_preferred_store_checks_the_code(ana):
    import pytest

    from omnicanal.core.errors import ValidationFailed

    with transaction.atomic():
        assert customer_services.do_set_preferred_store(customer_id=ana, store="VAP") is True
        assert customer_services.do_set_preferred_store(customer_id=ana, store="VAP") is False
        with pytest.raises(ValidationFailed):
            customer_services.do_set_preferred_store(customer_id=ana, store="no spaces here")
    assert customers.customer_summary(ana).preferred_store == "VAP"


def test_a_campaign_checks_stock_at_the_preferred_store(ana, bea):
    from omnicanal.inventory import services as inventory

    grant(ana, "email")
    grant(bea, "email")
    with transaction.atomic():
        inventory.do_receive_stock(location="VAP", lines=[("PUMP-1", 2)])  # VAP has pumps, no helmets
        customer_services.do_set_preferred_store(customer_id=ana, store="VAP")
        customer_services.do_set_preferred_store(customer_id=bea, store="SCL")
    helmets = compose(name="Cascos", promote_skus=["HELMET-1"])
    launch(helmets)
    assert (recipient(helmets, ana).status, recipient(helmets, ana).reason) == ("suppressed", "unavailable")
    assert recipient(helmets, bea).status == "sent"  # SCL has helmets
    pumps = compose(name="Bombines", promote_skus=["PUMP-1"])
    launch(pumps)
    assert recipient(pumps, ana).status == "sent"
