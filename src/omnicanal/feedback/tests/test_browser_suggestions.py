"""In the browser: a customer proposes a product on a phone from her account, another votes for it on
a desktop, an agent plans it in the console with a reply, and the board shows the new status and the
answer. No serious accessibility violation on the shop's board (phone and desktop) or the console's."""

import pytest
from django.db import transaction

from omnicanal.core.auth import SYSTEM
from omnicanal.feedback.models import Suggestion
from omnicanal.orders.tests.conftest import make_customer, make_world
from omnicanal.storefront import services
from omnicanal.storefront.auth import COOKIE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _sign_in(page, live_server, customer_id):
    with transaction.atomic():
        token = services.do_sign_in_as(customer_id=customer_id, channel="web", actor=SYSTEM).token
    page.context.add_cookies([{"name": COOKIE, "value": token, "url": live_server.url}])


def _fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


@pytest.fixture
def desktop_shop(_chromium):
    context = _chromium.new_context(locale="es-CL", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    context.close()


def test_proposing_and_voting_a_suggestion_on_a_phone_and_a_desktop(phone, desktop_shop, live_server, staff,
                                                                    console_login, axe):
    make_world()
    ana = make_customer()
    bea = make_customer(phone="+56998761234", name="Bea Soto", email="bea@example.cl")
    _sign_in(phone, live_server, ana)

    # from her account, Ana opens the suggestions box and proposes a product
    phone.goto(f"{live_server.url}/account/")
    phone.locator("a[href='/suggestions/']").first.click()
    phone.wait_for_selector("form.suggestion-form")
    assert axe(phone) == [] and _fits(phone)
    form = phone.locator("form.suggestion-form")
    form.locator("input[name=title]").fill("Zapatillas de trail para niños")
    form.locator("textarea[name=text]").fill("Tallas 28 a 34, por favor")
    form.locator("button[type=submit]").click()
    phone.wait_for_selector(".notice[role=status]")
    idea = Suggestion.objects.get()
    item = phone.locator(f"[data-suggestion='{idea.public_id}']")
    assert "1" in item.locator(".votes").inner_text() and item.locator("button[aria-pressed=true]").count() == 1
    assert axe(phone) == [] and _fits(phone)

    # Bea votes for it on a desktop
    _sign_in(desktop_shop, live_server, bea)
    desktop_shop.goto(f"{live_server.url}/suggestions/")
    desktop_shop.locator(f"[data-suggestion='{idea.public_id}'] button[type=submit]").click()
    desktop_shop.wait_for_selector(f"[data-suggestion='{idea.public_id}'] button[aria-pressed=true]")
    assert desktop_shop.locator(f"[data-suggestion='{idea.public_id}'] .votes strong").inner_text() == "2"
    assert axe(desktop_shop) == []

    # an agent plans it in the console, with a reply
    desk = console_login(staff("agent", username="agente-sug"))
    desk.goto(f"{live_server.url}/console/feedback/suggestions/")
    card = desk.locator(f"[data-suggestion='{idea.public_id}']")
    card.locator("select[name=status]").select_option("planned")
    card.locator("textarea[name=reply]").fill("Llegan en marzo.")
    card.locator("form[action$='/status/'] button").click()
    desk.wait_for_selector(".messages, [role=status], .msg")
    assert axe(desk) == []

    # the board shows it planned, with the answer
    phone.goto(f"{live_server.url}/suggestions/?status=planned")
    item = phone.locator(f"[data-suggestion='{idea.public_id}']")
    assert "Planificada" in item.inner_text() and "Llegan en marzo." in item.inner_text()
    assert axe(phone) == [] and _fits(phone)
