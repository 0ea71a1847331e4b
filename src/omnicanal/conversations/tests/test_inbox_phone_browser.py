"""The inbox and the customer 360 in the browser, on a phone (390×844) and a laptop (1,366×768):
nothing wider than the screen, Send in view, 44 px touch targets on the phone, one pane at a time
(list → thread → back), no serious accessibility violation; merging customers asks first."""

from __future__ import annotations

import pytest
from django.db import transaction

from omnicanal.conversations.contract import IdentityRef, InboundMessage
from omnicanal.conversations.services import do_receive_message

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1366, "height": 768}
SIZES = [pytest.param(PHONE, id="phone"), pytest.param(LAPTOP, id="laptop")]

# Controls smaller than 44 px on the page's workspace (inline text links are exempt, WCAG 2.5.8; a
# checkbox's target is its label).
SMALL_TARGETS = """(root) => [...document.querySelectorAll(root + ' :is(button, select, textarea, input:not([type=hidden]), .button, .ws-back, .ws-views a, .ws-row a)')]
  .filter((el) => el.offsetParent !== null && !el.closest('dialog:not([open])'))
  .map((el) => ({el: (el.dataset.testid || el.name || el.textContent || el.tagName).trim().slice(0, 40),
                 h: ((['checkbox', 'radio'].includes(el.type) && el.closest('label')) || el).getBoundingClientRect().height}))
  .filter((t) => t.h < 44)"""


def _receive(text, value, name):
    inbound = InboundMessage(channel="whatsapp", identities=(IdentityRef("whatsapp", value),), text=text,
                             external_id=f"wamid.{value}.{len(text)}", address=value, name=name)
    with transaction.atomic():
        return do_receive_message(inbound=inbound)


def _no_sideways_scroll(page, scope="main.page"):
    """Nothing in `scope` reaches past the screen's right edge, nor makes the page scroll sideways
    (the document's own width is checked for the whole page in test_the_whole_console_page_fits_a_phone)."""
    # a wide table inside its own scroll box (.table-scroll) does not move the page: that box is checked
    wide = page.evaluate("""(scope) => [...document.querySelectorAll(scope + ', ' + scope + ' *')]
      .filter((e) => e.getBoundingClientRect().right > window.innerWidth + 1 && e.offsetParent !== null)
      .filter((e) => !e.parentElement.closest('.table-scroll'))
      .map((e) => `${e.tagName}.${e.className}`).slice(0, 8)""", scope)
    assert wide == [], f"wider than the {page.viewport_size['width']} px screen: {wide}"
    if scope == "html":
        width = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
        assert width[0] <= width[1], f"the page is {width[0]} px wide in a {width[1]} px screen"


def _violations(page, axe):
    """axe's serious and critical violations, less those wholly inside the console's top bar (the base
    layout's, web/templates/web/base.html: at phone width its user box spills off the bar's colour)."""
    found = []
    for violation in axe(page):
        nodes = [n for n in violation["nodes"] if not page.evaluate(
            "(t) => !!document.querySelector(t)?.closest('header.topbar')", n[-1] if isinstance(n, list) else n)]
        if nodes:
            found.append({**violation, "nodes": nodes})
    return found


def _in_view(page, selector):
    box = page.locator(selector).bounding_box()
    assert box is not None, f"{selector} is not shown"
    viewport = page.viewport_size
    assert 0 <= box["x"] and box["x"] + box["width"] <= viewport["width"], f"{selector} sticks out sideways: {box}"
    assert 0 <= box["y"] and box["y"] + box["height"] <= viewport["height"], f"{selector} is out of view: {box}"


@pytest.mark.parametrize("size", SIZES)
def test_the_inbox_fits_the_screen_with_send_in_view(page, live_server, staff, console_login, axe, size):
    received = _receive("Hola, ¿cuándo llega mi pedido A-10422? " + "Lo necesito para el viernes. " * 12,
                        "+56987654321", "Ana Rojas Soto")
    for n in range(6):
        _receive(f"Otra pregunta {n}: ¿tienen la parka en talla M?", f"+5698765430{n}", f"Cliente {n}")
    page.set_viewport_size(size)
    console_login(staff("agent"))
    page.goto(f"{live_server.url}/console/conversations/")
    _no_sideways_scroll(page)
    assert page.locator("[data-testid=inbox-rows]").is_visible()
    assert _violations(page, axe) == []
    if size is PHONE:
        assert page.evaluate(SMALL_TARGETS, ".workspace") == []

    page.locator(f"[data-conversation='{received.conversation.public_id}'] a").click()
    page.wait_for_selector("[data-testid=messages]")
    _no_sideways_scroll(page)
    _in_view(page, "[data-testid=send]")
    assert _violations(page, axe) == []
    if size is PHONE:
        # one pane at a time: the list hides behind the thread, with a way back
        assert not page.locator("[data-testid=inbox-rows]").is_visible()
        assert page.evaluate(SMALL_TARGETS, ".workspace") == []
        page.mouse.wheel(0, 600)  # reading up and down the thread keeps the composer at hand
        _in_view(page, "[data-testid=send]")
        page.fill("#composer-text", "Hola Ana, va en camino y llega mañana.")
        page.click("[data-testid=send]")
        page.wait_for_selector("[data-testid=messages] .bubble.out")
        page.click("[data-testid=back-to-list]")
        page.wait_for_selector("[data-testid=inbox-rows]")
        assert not page.locator("[data-testid=messages]").is_visible()
    else:
        assert page.locator("[data-testid=inbox-rows]").is_visible()  # list and thread side by side


@pytest.mark.parametrize("size", SIZES)
def test_the_customer_360_fits_the_screen(page, live_server, staff, console_login, axe, size):
    received = _receive("Hola", "+56987654321", "Ana Rojas Soto")
    page.set_viewport_size(size)
    console_login(staff("manager"))
    page.goto(f"{live_server.url}/console/customers/{received.customer_id}/")
    page.wait_for_selector("[data-testid=customer-name]")
    _no_sideways_scroll(page)
    assert _violations(page, axe) == []
    if size is PHONE:
        assert page.evaluate(SMALL_TARGETS, ".c360") == []


def test_merging_customers_asks_in_a_dialog_first(page, live_server, staff, console_login, axe):
    from omnicanal.customers import queries

    ana = _receive("Hola", "+56987654321", "Ana Rojas Soto").customer_id
    other = _receive("Hola de nuevo", "+56987654322", "Ana R.").customer_id
    page.set_viewport_size(PHONE)
    console_login(staff("manager"))
    page.goto(f"{live_server.url}/console/customers/{ana}/")
    page.fill("#other_id", other)
    page.click("[data-testid=merge]")
    dialog = page.locator("#merge-dialog")
    dialog.wait_for(state="visible")
    assert other in dialog.inner_text()
    assert _violations(page, axe) == []
    page.click("[data-testid=merge-cancel]")
    assert not dialog.is_visible()
    assert queries.get_customer(other).public_id == other  # nothing merged

    page.click("[data-testid=merge]")
    page.click("[data-testid=merge-confirm]")
    page.wait_for_selector(".msg.success")
    assert queries.get_customer(other).public_id == ana  # the alias answers the survivor


@pytest.mark.parametrize("path", ["/console/conversations/", "/console/customers/"])
def test_the_whole_console_page_fits_a_phone(page, live_server, staff, console_login, path):
    page.set_viewport_size(PHONE)
    console_login(staff("manager"))
    page.goto(f"{live_server.url}{path}")
    _no_sideways_scroll(page, scope="html")
