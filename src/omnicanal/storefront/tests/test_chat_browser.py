"""The web chat widget on the shop's home in Debian's chromium on a phone: it loads without blocking
the page, opens, and a signed-in shopper's message lands in their own conversation; axe-core
(vendored) finds no serious or critical violation with the widget closed and open."""

import pytest
from django.db import transaction
from django.test import Client

from omnicanal.conversations.models import Conversation
from omnicanal.storefront.auth import COOKIE
from omnicanal.storefront.tests.conftest import Device

from .browse_data import make_shop

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


def _inboxes():
    from omnicanal.channels.services import do_create_inbox

    with transaction.atomic():
        do_create_inbox(channel="email", name="email", config={"sandbox": True})
        do_create_inbox(channel="webchat", name="Web", config={"identity_secret": "shop-secret"})


def test_a_signed_in_shopper_on_a_phone_chats_from_the_home_as_themselves(_chromium, live_server, axe):
    with transaction.atomic():
        make_shop()
    _inboxes()
    shopper = Device(Client())
    customer_id = shopper.sign_in(email="ana@example.cl")
    context = _chromium.new_context(locale="es-CL", viewport=PHONE, is_mobile=True, has_touch=True)
    context.add_cookies([{"name": COOKIE, "value": shopper.token, "url": live_server.url}])
    page = context.new_page()
    page.set_default_timeout(15000)
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" and "ws/webchat" not in m.text else None)
    try:
        page.goto(f"{live_server.url}/")
        opener = page.locator("[data-testid=webchat-open]")
        opener.wait_for()
        assert axe(page) == []
        opener.click()
        panel = page.locator("[data-testid=webchat]")
        assert panel.is_visible()
        page.wait_for_selector("[data-testid=webchat][data-transport]", state="attached")
        assert axe(page) == []
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        page.fill("[data-testid=webchat-input]", "¿Tienen la parka en talla L?")
        page.click("[data-testid=webchat-send]")
        # The server's copy (with its id), not the widget's pending bubble.
        page.wait_for_selector("[data-testid=webchat-messages] .ocw-msg[data-id] >> text=talla L")
        conversation = Conversation.objects.get(messages__text="¿Tienen la parka en talla L?")
        assert conversation.customer_id == customer_id
        assert [e for e in errors if "Content Security Policy" in e] == []
    finally:
        context.close()
