"""The demo's shopper login: printed by the loader, and the address signs in with the code the
sandboxed inbox records."""

import io
import random

from django.test import Client

from omnicanal.orders.tests.conftest import make_customer
from omnicanal.storefront import demo
from omnicanal.storefront.tests.conftest import last_code


def test_the_demo_prints_a_shopper_login_whose_code_signs_in(world, inboxes):
    out = io.StringIO()
    demo.load(seed=1, rng=random.Random(1), out=out)
    assert demo.DEMO_SHOPPER in out.getvalue() and "/account/sign-in/" in out.getvalue()
    customer_id = make_customer(email=demo.DEMO_SHOPPER, name="Ana Rojas Soto", phone="+56987654321")
    browser = Client()

    browser.post("/account/sign-in/", {"address": demo.DEMO_SHOPPER})
    signed_in = browser.post("/account/sign-in/verify/", {"address": demo.DEMO_SHOPPER,
                                                          "code": last_code(demo.DEMO_SHOPPER)})

    assert signed_in.status_code == 302 and "Ana Rojas Soto" in browser.get("/account/").content.decode()
    assert customer_id
