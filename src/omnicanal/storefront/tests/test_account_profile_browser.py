"""In the browser, on a phone: a shopper keeps a product in the wishlist before signing in, signs in
and finds it, adds and edits addresses, sets preferences (consent per channel and purpose, preferred
channel, language), opens a claim on a delivered order, and deletes the account. No serious or
critical accessibility violation on any of the new pages, and nothing wider than the phone."""

import pytest
from django.db import transaction

from omnicanal.catalog import queries as catalog
from omnicanal.channels.services import do_create_inbox
from omnicanal.customers import queries as customers
from omnicanal.orders.tests.conftest import make_customer, make_world
from omnicanal.storefront.tests.conftest import last_code
from omnicanal.storefront.tests.test_account_more import delivered_order

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def _checked(page, axe, found, name):
    found[name] = axe(page)
    assert _fits(page), f"{name} is wider than the phone"


def test_a_shopper_walks_wishlist_addresses_preferences_a_claim_and_deletes_the_account(phone, live_server, axe):
    make_world()
    customer_id = make_customer()
    order = delivered_order(customer_id)
    with transaction.atomic():
        do_create_inbox(channel="email", name="email", config={"sandbox": True})
    trail = next(i.handle for i in catalog.search_catalog(channel="web").items if i.name == "Zapatilla Trail")
    found: dict[str, list] = {}
    base = live_server.url

    # anonymous: keeps a product in the wishlist on this device
    phone.goto(f"{base}/p/{trail}/")
    phone.click("[data-testid=wishlist-toggle]")
    phone.wait_for_selector(".msg.success")
    assert "Guardado en tu lista de deseos" in phone.inner_text("[data-testid=wishlist-toggle]")
    phone.goto(f"{base}/wishlist/")
    _checked(phone, axe, found, "wishlist (anonymous)")

    # signs in with a one-time code: the device's wishlist is now the customer's
    phone.goto(f"{base}/account/sign-in/")
    phone.fill("#address", "ana@example.cl")
    phone.click(".stack button[type=submit]")
    phone.fill("#code", last_code())
    phone.click("form[action='/account/sign-in/verify/'] button[type=submit]")
    phone.wait_for_url(f"{base}/account/")
    phone.click("[data-testid=account-nav] a[href='/wishlist/']")
    phone.wait_for_url(f"{base}/wishlist/")
    phone.wait_for_selector(f"[data-handle='{trail}']")  # waits for the new page: a bare is_visible() may read the old one
    _checked(phone, axe, found, "wishlist")

    # the address book: a mistake shown next to its field, then two addresses, the second made default
    phone.goto(f"{base}/account/")
    phone.click("[data-testid=account-nav] a[href='/account/addresses/']")
    phone.fill("#address-label", "Casa")
    phone.click("[data-testid=save-address]")
    phone.wait_for_selector("[data-testid=error-line1]")
    assert phone.get_attribute("#address-line1", "aria-invalid") == "true"
    _checked(phone, axe, found, "addresses (errors)")
    phone.fill("#address-line1", "Av. Apoquindo 4500")
    phone.fill("#address-city", "Las Condes")
    phone.click("[data-testid=save-address]")
    phone.wait_for_selector("[data-testid=address-book]")
    phone.fill("#address-label", "Oficina")
    phone.fill("#address-line1", "Huérfanos 1160")
    phone.fill("#address-city", "Santiago")
    phone.click("[data-testid=save-address]")
    phone.wait_for_selector("[data-address] >> text=Huérfanos 1160")
    _checked(phone, axe, found, "addresses")
    office = phone.locator("[data-address]", has_text="Huérfanos 1160")
    office.locator("[data-testid=edit-address]").click()
    phone.fill("#address-line2", "piso 3")
    phone.check("[data-testid=address-default]")
    _checked(phone, axe, found, "edit address")
    phone.click("[data-testid=save-address]")
    phone.wait_for_selector("[data-testid=default-badge]")
    assert customers.customer_summary(customer_id).address.line1 == "Huérfanos 1160"
    assert "piso 3" in phone.locator("[data-address]").first.inner_text()

    # preferences: offers by WhatsApp, WhatsApp preferred, English
    phone.goto(f"{base}/account/preferences/")
    _checked(phone, axe, found, "preferences")
    phone.check("[data-testid=consent-whatsapp-marketing]")
    phone.select_option("#preferred-channel", "whatsapp")
    phone.select_option("#language", "en")
    phone.click("[data-testid=save-preferences]")
    phone.wait_for_selector(".msg.success")
    assert "Your preferences were saved." in phone.inner_text(".messages")
    assert customers.may_contact(customer_id, "whatsapp", "marketing")
    assert customers.customer_summary(customer_id).preferred_channel == "whatsapp"

    # a claim on the delivered order
    phone.goto(f"{base}/account/orders/{order.public_id}/")
    phone.check("[data-testid=dispute-defective]")
    phone.fill("#dispute-note", "The sole came off")
    phone.click("[data-testid=dispute-submit]")
    phone.wait_for_selector("[data-testid=dispute-status]")
    assert phone.inner_text("[data-testid=dispute-status]") == "Under review"
    _checked(phone, axe, found, "order with a claim")

    # delete the account: the phrase is asked first
    phone.goto(f"{base}/account/data/")
    _checked(phone, axe, found, "my data")
    phone.fill("#confirm", "delete")
    phone.click("[data-testid=delete-account]")
    phone.wait_for_selector("#confirm-error")
    _checked(phone, axe, found, "my data (error)")
    phone.fill("#confirm", "DELETE MY ACCOUNT")
    phone.click("[data-testid=delete-account]")
    phone.wait_for_url(f"{base}/")
    assert customers.customer_summary(customer_id).erased
    phone.goto(f"{base}/account/")
    assert "/account/sign-in/" in phone.url

    assert {name: violations for name, violations in found.items() if violations} == {}


def test_the_new_account_pages_on_a_desktop_have_no_serious_accessibility_violations(page, live_server, axe):
    from omnicanal.customers import services as customer_services
    from omnicanal.storefront.tests.test_account_more_browser import _sign_in

    make_world()
    customer_id = make_customer()
    order = delivered_order(customer_id)
    with transaction.atomic():
        customer_services.do_add_address(customer_id=customer_id, address={
            "label": "Casa", "line1": "Av. Apoquindo 4500", "city": "Las Condes"})
    page.set_viewport_size({"width": 1280, "height": 900})
    _sign_in(page, live_server, customer_id)
    found = {}

    for path in ("/account/", "/account/preferences/", "/account/addresses/", "/wishlist/", "/account/data/",
                 f"/account/orders/{order.public_id}/"):
        page.goto(f"{live_server.url}{path}")
        found[path] = axe(page)
    trail = next(i.handle for i in catalog.search_catalog(channel="web").items if i.name == "Zapatilla Trail")
    page.goto(f"{live_server.url}/p/{trail}/")  # the wishlist button
    found["product"] = axe(page)
    page.click("[data-testid=add-to-cart] button[type=submit]")
    page.wait_for_selector(".msg.success")
    page.goto(f"{live_server.url}/checkout/?method=ship")  # the saved addresses
    assert page.locator("[data-testid=saved-addresses]").is_visible()
    found["checkout"] = axe(page)

    assert {path: violations for path, violations in found.items() if violations} == {}
