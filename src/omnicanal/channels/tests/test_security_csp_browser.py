"""In chromium: the console works under its Content-Security-Policy with nothing refused: the inbox, its
live socket, htmx actions, the behaviours of web/console.js, and the shop page with the chat widget."""

import pytest
from django.db import transaction
from playwright.sync_api import expect

from omnicanal.conversations.contract import IdentityRef, InboundMessage
from omnicanal.conversations.models import CannedReply, Conversation, Message
from omnicanal.conversations.services import do_receive_message, do_save_agent

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Every violation the page reports, whatever its kind (script, style, connect, frame...).
WATCH_VIOLATIONS = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", (e) => window.__csp.push(e.violatedDirective + " " + e.blockedURI));
"""


def _watch(page) -> list[str]:
    errors: list[str] = []
    page.add_init_script(WATCH_VIOLATIONS)
    page.on("console", lambda m: "Content Security Policy" in m.text and errors.append(m.text))
    return errors


def test_the_console_works_under_its_policy_with_no_violation(asgi_server, page, _chromium, staff, make_inbox):
    # given a customer's WhatsApp conversation, a canned reply and an available agent
    agent = staff("agent", username="agente")
    do_save_agent(user=agent, languages=["es"], skills=[], teams=[], available=True)
    CannedReply.objects.create(shortcut="saludo", title="Saludo", language="es", body="¡Hola! ¿En qué te ayudo?")
    with transaction.atomic():
        conversation = do_receive_message(inbound=InboundMessage(
            channel="whatsapp", identities=(IdentityRef("whatsapp", "+56987654321"),), text="¿Tienen la parka en L?",
            external_id="wamid.csp1", address="+56987654321", name="Camila Fuentes")).conversation
    errors = _watch(page)
    # when the agent signs in, opens the inbox (its live socket connects) and the conversation
    page.goto(f"{asgi_server}/console/login/")
    page.fill("#id_username", "agente")
    page.fill("#id_password", "secret-pass")
    page.click("button[type=submit]")
    page.wait_for_url(f"{asgi_server}/console/**")
    page.goto(f"{asgi_server}/console/conversations/")
    page.wait_for_selector("#workspace[data-live='1']")
    page.click("[data-testid=inbox-rows] a")
    page.wait_for_selector("[data-testid=messages] >> text=¿Tienen la parka en L?")
    # and changes the priority (a select that submits its htmx form, console.js)
    page.select_option("select[name=priority]", "high")
    expect(page.locator("select[name=priority]")).to_have_value("high")
    page.wait_for_load_state("networkidle")  # the list refresh it triggers may re-render the thread
    # and picks the canned reply into the composer (console.js) and sends it (an htmx post)
    page.select_option("#canned", index=1)
    expect(page.locator("#composer-text")).to_have_value("¡Hola! ¿En qué te ayudo?")
    page.click("[data-testid=send]")
    page.wait_for_selector("[data-testid=messages] >> text=¿En qué te ayudo?")
    # and filters the list by status (a select that submits its form)
    with page.expect_navigation():
        page.select_option("select[name=status]", "resolved")
    # then everything took effect
    assert Conversation.objects.get(pk=conversation.pk).priority == "high"
    assert Message.objects.filter(direction="out", text="¡Hola! ¿En qué te ayudo?").exists()
    # and the page reported no violation of its policy
    assert page.evaluate("() => window.__csp") == []
    assert errors == []


def test_the_shop_page_with_the_chat_widget_has_no_violation(asgi_server, page, make_inbox):
    # given a web chat inbox / when a visitor opens the shop page and the widget
    make_inbox("webchat", name="Chat tienda web")
    errors = _watch(page)
    answer = page.goto(f"{asgi_server}/shop/chat-demo/")
    page.click("[data-testid=webchat-open]")
    page.wait_for_selector("[data-testid=webchat][data-transport=websocket]")
    # then the page is under the policy, the widget's styles applied (its <style> carries the nonce)
    assert "script-src 'self' 'nonce-" in answer.headers["content-security-policy"]
    assert page.locator("[data-testid=webchat]").evaluate("e => getComputedStyle(e).position") == "fixed"
    assert page.evaluate("() => window.__csp") == [] and errors == []


def test_the_channel_form_shows_the_chosen_channels_settings_without_inline_handlers(page, live_server, staff,
                                                                                     console_login):
    # given a manager on the channels page (its settings fieldsets switch with the channel, console.js)
    errors = _watch(page)
    console_login(staff("manager", username="gerente"))
    page.goto(f"{live_server.url}/console/channels/")
    expect(page.locator("fieldset.cfg-email")).to_be_visible()
    # when they pick WhatsApp
    page.select_option("#i-channel", "whatsapp")
    # then WhatsApp's settings show and email's hide, with no violation of the policy
    expect(page.locator("fieldset.cfg-whatsapp")).to_be_visible()
    expect(page.locator("fieldset.cfg-email")).to_be_hidden()
    assert page.evaluate("() => window.__csp") == [] and errors == []
