"""The shopper's birthday on the account's preferences page: day, month and an optional year; a
30 February or a date to come is a 422 beside the boxes with what was typed; clearing the boxes
forgets it. In the browser on a phone and a desktop: accessible and no wider than the screen."""

import pytest
from django.db import transaction

from omnicanal.core.auth import SYSTEM
from omnicanal.customers import queries as customers
from omnicanal.orders.tests.conftest import make_customer, make_world
from omnicanal.storefront import services
from omnicanal.storefront.auth import COOKIE
from omnicanal.storefront.tests.test_account_more import signed_in

FORM = {"consent_email_transactional": "on", "preferred_channel": "", "language": "es"}


def birth(customer_id):
    found = customers.birth_date_of(customer_id)
    return found.iso() if found else None


def test_a_shopper_gives_changes_and_clears_their_birthday(client, ana):
    signed_in(client, ana)
    page = client.get("/account/preferences/").content.decode()
    assert 'id="birth-day" name="birth_day"' in page and 'autocomplete="bday-month"' in page
    saved = client.post("/account/preferences/", {**FORM, "birth_day": "7", "birth_month": "5", "birth_year": ""})
    assert saved.status_code == 302 and birth(ana) == "--05-07"
    page = client.get("/account/preferences/").content.decode()
    assert 'value="7"' in page and '<option value="5" selected>' in page
    client.post("/account/preferences/", {**FORM, "birth_day": "7", "birth_month": "5", "birth_year": "1991"})
    assert birth(ana) == "1991-05-07"
    client.post("/account/preferences/", {**FORM, "birth_day": "", "birth_month": "", "birth_year": ""})
    assert birth(ana) is None


@pytest.mark.parametrize(("parts", "message"), [
    (("30", "2", ""), "ese mes no tiene ese día"),
    (("1", "1", "2999"), "una fecha de nacimiento no puede estar en el futuro"),
    (("12", "", ""), "indica el día y el mes (el año es opcional)"),
    (("doce", "3", ""), "una fecha como 1990-05-17, o --05-17 sin el año"),
])
def test_a_bad_birthday_is_a_422_beside_the_boxes_with_what_was_typed(client, ana, parts, message):
    signed_in(client, ana)
    day, month, year = parts
    response = client.post("/account/preferences/", {**FORM, "birth_day": day, "birth_month": month,
                                                     "birth_year": year}, HTTP_ACCEPT_LANGUAGE="es")
    assert response.status_code == 422
    html = response.content.decode()
    assert f'<p class="field-error" id="birth-date-error">{message}</p>' in html
    assert f'value="{day}"' in html and birth(ana) is None


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("device", ["phone", "page"])
def test_the_birthday_boxes_in_a_browser(request, live_server, axe, device):
    browser = request.getfixturevalue(device)
    make_world()
    customer_id = make_customer()
    with transaction.atomic():
        token = services.do_sign_in_as(customer_id=customer_id, channel="web", actor=SYSTEM).token
    browser.context.add_cookies([{"name": COOKIE, "value": token, "url": live_server.url}])
    browser.goto(f"{live_server.url}/account/preferences/")
    browser.fill("#birth-day", "31")
    browser.select_option("#birth-month", "4")
    browser.click("[data-testid=save-preferences]")
    browser.wait_for_selector("#birth-date-error")
    assert axe(browser) == []
    assert browser.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    browser.fill("#birth-day", "30")
    browser.fill("#birth-year", "1988")
    browser.click("[data-testid=save-preferences]")
    browser.wait_for_selector(".msg.success")
    assert birth(customer_id) == "1988-04-30"
    assert axe(browser) == []
