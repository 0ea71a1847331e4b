"""The account's own pages without JavaScript: preferences (consent per channel and purpose, preferred
channel, language), the address book (and checkout offering it), disputes on an order, the wishlist
(kept by an anonymous device, merged on sign-in), recently viewed across devices, "download my data"
and "delete my account"."""

import datetime as dt
import json

from django.db import transaction
from django.test import Client

from omnicanal.catalog import queries as catalog
from omnicanal.core import clock
from omnicanal.customers import queries as customers
from omnicanal.customers import services as customer_services
from omnicanal.orders import queries as orders_queries
from omnicanal.orders import services as orders
from omnicanal.orders.tests.conftest import make_customer
from omnicanal.storefront import queries as storefront_queries
from omnicanal.storefront.auth import COOKIE
from omnicanal.storefront.browsing import RECENT_COOKIE
from omnicanal.storefront.tests.conftest import last_code
from omnicanal.storefront.tests.test_account_more import delivered_order, signed_in

HOME = {"label": "Casa", "line1": "Av. Apoquindo 4500", "city": "Las Condes", "country": "CL"}


def handles():
    return {item.name: item.handle for item in catalog.search_catalog(channel="web", per_page=50).items}


# --- preferences ---------------------------------------------------------------------------------------


def test_preferences_record_each_changed_consent_the_preferred_channel_and_the_language(client, ana):
    signed_in(client, ana)
    page = client.get("/account/preferences/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="consent_email_marketing"' in html and 'name="consent_whatsapp_transactional" checked' not in html
    assert 'data-testid="consent-email-transactional" checked' in html  # order updates are on by default

    response = client.post("/account/preferences/", {
        "consent_email_transactional": "on", "consent_email_marketing": "on", "consent_sms_transactional": "on",
        "consent_whatsapp_transactional": "on", "consent_push_transactional": "on",  # sms/whatsapp offers stay off
        "preferred_channel": "whatsapp", "language": "en"})

    assert response.status_code == 302 and response["Location"] == "/account/preferences/"
    assert customers.may_contact(ana, "email", "marketing")
    assert not customers.may_contact(ana, "sms", "marketing")
    states = {(c.channel, c.purpose): c for c in customers.consent_states(ana)}
    assert states[("email", "marketing")].explicit and not states[("sms", "marketing")].explicit  # unchanged cells stay unsaid
    summary = customers.customer_summary(ana)
    assert summary.preferred_channel == "whatsapp" and summary.preferred_for("marketing") == "whatsapp"
    assert summary.language == "en" and response.cookies["omnicanal_language"].value == "en"

    client.post("/account/preferences/", {"preferred_channel": "", "language": "es"})  # every box unticked
    assert not customers.may_contact(ana, "email", "transactional")  # withdrawn, as the form said
    assert customers.customer_summary(ana).preferred_channel is None


def test_bad_preferences_are_a_422_next_to_the_field_and_change_nothing(client, ana):
    signed_in(client, ana)

    response = client.post("/account/preferences/", {"consent_email_marketing": "on", "preferred_channel": "pigeon",
                                                     "language": "xx"})

    assert response.status_code == 422
    html = response.content.decode()
    assert 'id="preferred-error"' in html and 'id="language-error"' in html
    assert not customers.may_contact(ana, "email", "marketing")


def test_the_account_pages_send_an_anonymous_shopper_to_sign_in(client, world):
    for path in ("/account/preferences/", "/account/addresses/", "/account/data/", "/account/data/download/"):
        response = client.get(path)
        assert response.status_code == 302 and response["Location"].startswith("/account/sign-in/?next="), path
    assert client.post("/account/delete/", {"confirm": "DELETE MY ACCOUNT"}).status_code == 302


# --- address book -----------------------------------------------------------------------------------


def test_the_address_book_adds_edits_makes_default_and_deletes(client, ana):
    signed_in(client, ana)

    added = client.post("/account/addresses/", HOME)
    client.post("/account/addresses/", {"label": "Oficina", "line1": "Huérfanos 1160", "city": "Santiago",
                                        "country": "CL"})

    assert added.status_code == 302
    home, work = customers.address_book(ana)
    assert (home.label, home.is_default, work.is_default) == ("Casa", True, False)
    page = client.get("/account/addresses/").content.decode()
    assert 'data-testid="address-book"' in page and "Huérfanos 1160" in page
    assert client.get(f"/account/addresses/{work.id}/").status_code == 200

    client.post(f"/account/addresses/{work.id}/", {**HOME, "label": "Oficina", "line1": "Agustinas 1000",
                                                    "default": "on"})
    assert [(a.label, a.line1, a.is_default) for a in customers.address_book(ana)] == [
        ("Oficina", "Agustinas 1000", True), ("Casa", "Av. Apoquindo 4500", False)]
    assert customers.customer_summary(ana).address.line1 == "Agustinas 1000"

    client.post(f"/account/addresses/{home.id}/action/", {"action": "default"})
    client.post(f"/account/addresses/{work.id}/action/", {"action": "delete"})
    assert [(a.id, a.is_default) for a in customers.address_book(ana)] == [(home.id, True)]


def test_a_bad_address_is_a_422_with_each_field_marked(client, ana):
    signed_in(client, ana)

    response = client.post("/account/addresses/", {"line1": "", "city": "", "country": "Chile"})

    assert response.status_code == 422
    html = response.content.decode()
    for name in ("line1", "city", "country"):
        assert f'data-testid="error-{name}"' in html and f'aria-describedby="address-{name}-error"' in html
    assert customers.address_book(ana) == []


def test_another_customers_address_is_404_on_every_page(client, ana):
    other = make_customer(phone="+56987654000", name="Otra", email="otra@example.cl")
    with transaction.atomic():
        theirs = customer_services.do_add_address(customer_id=other, address=HOME)
    signed_in(client, ana)

    assert client.get(f"/account/addresses/{theirs.public_id}/").status_code == 404
    assert client.post(f"/account/addresses/{theirs.public_id}/", HOME).status_code == 404
    assert client.post(f"/account/addresses/{theirs.public_id}/action/", {"action": "delete"}).status_code == 404
    assert len(customers.address_book(other)) == 1


def test_checkout_offers_the_saved_addresses_and_ships_to_the_one_chosen(client, ana):
    with transaction.atomic():
        customer_services.do_add_address(customer_id=ana, address=HOME)
        work = customer_services.do_add_address(customer_id=ana, address={"label": "Oficina", "line1": "Huérfanos 1160",
                                                                           "city": "Santiago", "country": "CL"})
    signed_in(client, ana)
    client.post("/cart/lines/", {"sku": "SHOE-41", "quantity": "1"})

    page = client.get("/checkout/?method=ship").content.decode()
    assert 'data-testid="saved-addresses"' in page and f'value="{work.public_id}"' in page

    response = client.post("/checkout/", {"method": "ship", "saved_address": work.public_id})

    assert response.status_code == 302, response.content.decode()[:2000]
    [order] = orders_queries.customer_orders(ana, limit=5)
    assert order.address["line1"] == "Huérfanos 1160" and order.address["city"] == "Santiago"


def test_checkout_refuses_an_address_that_is_not_the_customers(client, ana):
    other = make_customer(phone="+56987654000", name="Otra", email="otra@example.cl")
    with transaction.atomic():
        customer_services.do_add_address(customer_id=ana, address=HOME)
        theirs = customer_services.do_add_address(customer_id=other, address=HOME)
    signed_in(client, ana)
    client.post("/cart/lines/", {"sku": "SHOE-41", "quantity": "1"})

    response = client.post("/checkout/", {"method": "ship", "saved_address": theirs.public_id})

    assert response.status_code == 422 and 'id="saved-address-error"' in response.content.decode()
    assert orders_queries.customer_orders(ana, limit=5) == []


# --- disputes ------------------------------------------------------------------------------------------


def test_a_delivered_order_can_be_disputed_as_defective_and_shows_its_status(client, ana):
    order = delivered_order(ana)
    signed_in(client, ana)
    page = client.get(f"/account/orders/{order.public_id}/").content.decode()
    assert 'data-testid="dispute-form"' in page and 'data-testid="dispute-defective"' in page
    assert 'data-testid="dispute-not_received"' not in page  # it arrived

    response = client.post(f"/account/orders/{order.public_id}/dispute/", {"kind": "defective", "note": "Suela rota"})

    assert response.status_code == 302
    [dispute] = order.disputes.all()
    assert (dispute.kind, dispute.status, dispute.note) == ("defective", "open", "Suela rota")
    assert dispute.opened_by.startswith("shopper:")
    page = client.get(f"/account/orders/{order.public_id}/").content.decode()
    assert 'data-testid="dispute-status"' in page and "En revisión" in page
    assert 'data-testid="dispute-form"' not in page  # one open dispute per kind


def test_a_late_order_can_be_disputed_as_not_received(client, ana):
    with transaction.atomic():
        order = orders.do_place_order(channel="web", customer_id=ana, lines=[orders.LineIn("SHOE-41", 1)],
                                      delivery={"method": "ship", "address": HOME},
                                      payments=[orders.PaymentIn(method="card")])
    signed_in(client, ana)
    assert client.post(f"/account/orders/{order.public_id}/dispute/", {"kind": "not_received"}).status_code == 302
    assert not order.disputes.exists()  # not late yet: the message says why

    with clock.frozen(clock.now() + dt.timedelta(days=20)):
        client.post(f"/account/orders/{order.public_id}/dispute/", {"kind": "not_received"})

    assert [d.kind for d in order.disputes.all()] == ["not_received"]


def test_another_customers_order_cannot_be_disputed(client, ana):
    order = delivered_order(ana)
    other = make_customer(phone="+56987654000", name="Otra", email="otra@example.cl")
    signed_in(client, other)

    assert client.post(f"/account/orders/{order.public_id}/dispute/", {"kind": "defective"}).status_code == 404
    assert not order.disputes.exists()


# --- wishlist and recently viewed ----------------------------------------------------------------------


def test_an_anonymous_wishlist_joins_the_customers_on_sign_in(client, ana, inboxes):
    trail = handles()["Zapatilla Trail"]
    client.post("/wishlist/", {"handle": trail, "action": "add", "next": f"/p/{trail}/"})
    product = client.get(f"/p/{trail}/").content.decode()
    assert "Guardado en tu lista de deseos" in product
    assert trail in client.get("/wishlist/").content.decode()

    client.post("/account/sign-in/", {"address": "ana@example.cl"})
    client.post("/account/sign-in/verify/", {"address": "ana@example.cl", "code": last_code()})

    other_device = signed_in(Client(), ana)
    page = other_device.get("/wishlist/").content.decode()
    assert f'data-handle="{trail}"' in page
    other_device.post("/wishlist/", {"handle": trail, "action": "remove"})
    assert 'data-testid="wishlist-empty"' in client.get("/wishlist/").content.decode()


def test_an_unknown_product_is_not_kept(client, world):
    client.post("/wishlist/", {"handle": "no-such-thing", "action": "add"})
    assert 'data-testid="wishlist-empty"' in client.get("/wishlist/").content.decode()


def test_recently_viewed_follows_the_customer_to_another_device(client, ana, inboxes):
    names = handles()
    client.get(f"/p/{names['Calcetín']}/")  # anonymous on the phone
    client.post("/account/sign-in/", {"address": "ana@example.cl"})
    client.post("/account/sign-in/verify/", {"address": "ana@example.cl", "code": last_code()})
    client.get(f"/p/{names['Zapatilla Trail']}/")  # now signed in: the phone's list joins hers

    desktop = signed_in(Client(), ana)
    home = desktop.get("/").content.decode()

    recent = home[home.index('aria-labelledby="recent-title"'):] if 'aria-labelledby="recent-title"' in home else home
    assert recent.index(f"/p/{names['Zapatilla Trail']}/") < recent.index(f"/p/{names['Calcetín']}/")


# --- my data, my account -----------------------------------------------------------------------------------


def test_download_my_data_is_my_own_export(client, ana):
    with transaction.atomic():
        customer_services.do_add_address(customer_id=ana, address=HOME)
    signed_in(client, ana)

    response = client.get("/account/data/download/")

    assert response.status_code == 200 and response["Content-Disposition"].startswith("attachment")
    data = json.loads(response.content)
    assert data["customer"]["id"] == ana and data["addresses"][0]["line1"] == HOME["line1"]
    assert "shop_sessions" in data["domains"] and "shop_lists" in data["domains"]


def test_delete_my_account_needs_the_phrase_then_erases_and_signs_out_everywhere(client, ana):
    signed_in(client, ana)
    phone = signed_in(Client(), ana)
    page = client.get("/account/data/").content.decode()
    assert "BORRAR MI CUENTA" in page

    wrong = client.post("/account/delete/", {"confirm": "borrar"})
    assert wrong.status_code == 422 and 'aria-invalid="true"' in wrong.content.decode()
    assert not customers.customer_summary(ana).erased

    done = client.post("/account/delete/", {"confirm": " borrar  mi cuenta "})

    assert done.status_code == 302 and done["Location"] == "/"
    assert done.cookies[COOKIE].value == ""
    assert done.cookies[RECENT_COOKIE]["max-age"] == 0  # this device's own "recently viewed" goes too
    assert customers.customer_summary(ana).erased and customers.customer_summary(ana).name == ""
    assert storefront_queries.sessions_of(ana) == []
    assert phone.get("/account/").status_code == 302  # the other device is signed out too
