"""Issue 16, Must show (browser): the shop's web chat widget, as a signed-in customer on a phone, asks
"¿dónde está mi pedido?" and gets the status from the bot; and the bot console (settings, knowledge
base) on a phone and a desktop, with axe-core finding no serious or critical violation."""

import pytest
from django.db import transaction
from django.test import Client

from omnicanal.core.auth import SYSTEM
from omnicanal.orders.tests.helpers import place
from omnicanal.storefront.auth import COOKIE
from omnicanal.storefront.tests.browse_data import make_shop
from omnicanal.storefront.tests.conftest import Device

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


def _inboxes():
    from omnicanal.bot import services as bot
    from omnicanal.channels.services import do_create_inbox

    with transaction.atomic():
        do_create_inbox(channel="email", name="email", config={"sandbox": True})
        web = do_create_inbox(channel="webchat", name="Web", config={"identity_secret": "shop-secret"})
        bot.do_save_settings(inbox_id=web.public_id, enabled=True, actor=SYSTEM)
    return web


def test_a_signed_in_customer_asks_the_shop_chat_where_her_order_is(_chromium, live_server, api):
    with transaction.atomic():
        make_shop()
    _inboxes()
    shopper = Device(Client())
    customer_id = shopper.sign_in(email="ana@example.cl")
    order = place(api, lines=[("CER-42", 1)], method="pickup", location="CENTRO", customer_id=customer_id).json()
    context = _chromium.new_context(locale="es-CL", viewport=PHONE, is_mobile=True, has_touch=True)
    context.add_cookies([{"name": COOKIE, "value": shopper.token, "url": live_server.url}])
    page = context.new_page()
    page.set_default_timeout(15000)
    try:
        page.goto(f"{live_server.url}/")
        page.locator("[data-testid=webchat-open]").click()
        page.wait_for_selector("[data-testid=webchat][data-transport]", state="attached")
        page.fill("[data-testid=webchat-input]", "¿dónde está mi pedido?")
        page.click("[data-testid=webchat-send]")
        answer = page.wait_for_selector(f"[data-testid=webchat-messages] >> text={order['number']}")
        assert "pago" in answer.inner_text()  # placed, not paid yet: "está esperando el pago"
    finally:
        context.close()


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_the_bot_console_settings_and_knowledge_base(_chromium, live_server, staff, axe, viewport):
    _inboxes()
    staff("manager", username="gerente")
    context = _chromium.new_context(locale="es-CL", viewport=viewport, is_mobile=viewport is PHONE,
                                    has_touch=viewport is PHONE)
    page = context.new_page()
    page.set_default_timeout(15000)
    try:
        page.goto(f"{live_server.url}/console/login/")
        page.fill("#id_username", "gerente")
        page.fill("#id_password", "secret-pass")
        page.click("button[type=submit]")
        page.wait_for_url(f"{live_server.url}/console/**")
        page.goto(f"{live_server.url}/console/bot/")
        page.wait_for_selector("[data-testid=bot-settings-webchat]")
        assert axe(page) == []
        form = page.locator("[data-testid=bot-settings-webchat]")
        form.locator("input[name=greeting_es]").fill("¡Hola! Soy Andy.")
        form.locator("button[type=submit]").click()
        page.wait_for_selector("[data-testid=bot-settings-webchat] input[value='¡Hola! Soy Andy.']")
        page.goto(f"{live_server.url}/console/bot/knowledge/")
        page.fill("#a-question", "¿Hacen envíos a regiones?")
        page.fill("#a-answer", "Sí, a todo Chile.")
        page.click("[data-testid=article-form] button[type=submit]")
        page.wait_for_selector("[data-testid=articles] >> text=¿Hacen envíos a regiones?")
        assert axe(page) == []
        page.goto(f"{live_server.url}/console/bot/try/?text=hacen+envios+a+regiones")
        assert page.locator("[data-testid=answer]").inner_text() == "Sí, a todo Chile."
        assert axe(page) == []
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    finally:
        context.close()
