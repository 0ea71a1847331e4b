import os
from pathlib import Path

import pytest

from omnicanal.conversations.services import do_save_agent

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(__file__).resolve().parents[4] / "docs" / "screenshots"


def test_a_visitor_writes_in_the_widget_the_agent_sees_it_live_and_the_reply_reaches_the_widget(
    asgi_server, page, _chromium, staff, make_inbox
):
    # given an available agent with the console open, and a web chat on the shop
    agent = staff("agent", username="agente")
    do_save_agent(user=agent, languages=["es"], skills=[], teams=[], available=True)
    make_inbox("webchat", name="Chat tienda web")
    page.goto(f"{asgi_server}/console/login/")
    page.fill("#id_username", "agente")
    page.fill("#id_password", "secret-pass")
    page.click("button[type=submit]")
    page.wait_for_url(f"{asgi_server}/console/**")
    page.goto(f"{asgi_server}/console/conversations/")
    page.wait_for_selector("#workspace[data-live='1']")
    visitor_context = _chromium.new_context(locale="es-CL")
    visitor = visitor_context.new_page()
    visitor.set_default_timeout(15000)
    try:
        visitor.goto(f"{asgi_server}/shop/chat-demo/")
        visitor.click("[data-testid=webchat-open]")
        visitor.wait_for_selector("[data-testid=webchat][data-transport=websocket]")
        # when the visitor writes
        visitor.fill("[data-testid=webchat-input]", "Hola, ¿tienen la parka en talla L?")
        visitor.click("[data-testid=webchat-send]")
        # then the agent's inbox shows it without a reload
        page.wait_for_selector("[data-testid=inbox-rows] >> text=¿tienen la parka en talla L?")
        page.click("[data-testid=inbox-rows] a")
        page.wait_for_selector("[data-testid=messages] >> text=¿tienen la parka en talla L?")
        page.wait_for_selector("#workspace[data-live='1']")
        # and a second message appears in the open thread live
        visitor.fill("[data-testid=webchat-input]", "Es para un regalo")
        visitor.click("[data-testid=webchat-send]")
        page.wait_for_selector("[data-testid=messages] >> text=Es para un regalo")
        # when the agent replies
        page.fill("#composer-text", "¡Hola! Sí, nos quedan 2 en talla L.")
        page.click("[data-testid=send]")
        # then the widget shows the reply
        visitor.wait_for_selector("[data-testid=webchat-messages] >> text=nos quedan 2 en talla L")
        page.wait_for_selector("[data-testid=messages] >> text=nos quedan 2 en talla L")
        if os.environ.get("SCREENSHOTS") == "1":
            page.screenshot(path=str(SCREENSHOTS / "inbox-workspace.png"), full_page=True)
            visitor.screenshot(path=str(SCREENSHOTS / "inbox-webchat-widget.png"))
    finally:
        visitor_context.close()
