"""Store API: the shopper's own account (preferences, addresses, disputes, wishlist, recently viewed,
my data, delete my account): only ever their own data (anyone else's → 404), an anonymous session
→ 401 where a customer is needed, bad input → 422 problem+json field by field."""

import datetime as dt

from django.db import transaction

from omnicanal.catalog import queries as catalog
from omnicanal.core import clock
from omnicanal.customers import queries as customers
from omnicanal.orders import services as orders
from omnicanal.orders.tests.conftest import make_customer
from omnicanal.storefront.tests.test_account_more import delivered_order

HOME = {"label": "Casa", "line1": "Av. Apoquindo 4500", "city": "Las Condes", "country": "CL"}
OTHER = {"phone": "+56987654000", "name": "Otra", "email": "otra@example.cl"}


def handles():
    return {item.name: item.handle for item in catalog.search_catalog(channel="web", per_page=50).items}


def problem(response, status):
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/problem+json")
    return response.json()


def signed_in(device, email):
    phone = device()
    phone.sign_in(email=email)
    return phone


def test_an_anonymous_session_gets_401_where_a_customer_is_needed(device):
    phone = device()
    for path in ("/preferences", "/addresses", "/recently-viewed", "/account/export"):
        problem(phone.get(path), 401)
    problem(phone.post("/addresses", HOME), 401)
    problem(phone.post("/account/erase", {"confirm": "DELETE MY ACCOUNT"}), 401)


def test_preferences_read_and_change_consent_preferred_channel_and_language(device, ana, inboxes):
    phone = signed_in(device, "ana@example.cl")
    before = phone.get("/preferences").json()
    cell = next(c for c in before["consents"] if (c["channel"], c["purpose"]) == ("whatsapp", "marketing"))
    assert cell == {"channel": "whatsapp", "purpose": "marketing", "granted": False, "explicit": False,
                    "changed_at": None}

    after = phone.put("/preferences", {"language": "en", "preferred_channel": "whatsapp", "consents": [
        {"channel": "whatsapp", "purpose": "marketing", "granted": True},
        {"channel": "email", "purpose": "transactional", "granted": False}]})

    assert after.status_code == 200, after.content
    body = after.json()
    assert body["language"] == "en" and body["preferred_channel"] == "whatsapp"
    assert customers.may_contact(ana, "whatsapp", "marketing") and not customers.may_contact(ana, "email", "transactional")


def test_bad_preferences_are_422_field_by_field_and_change_nothing(device, ana, inboxes):
    phone = signed_in(device, "ana@example.cl")

    body = problem(phone.put("/preferences", {"language": "klingon", "preferred_channel": "pigeon"}), 422)
    assert {e["field"] for e in body["errors"]} == {"language", "preferred_channel"}
    body = problem(phone.put("/preferences", {"consents": [{"channel": "fax", "purpose": "marketing", "granted": True}]}), 422)
    assert body["errors"][0]["field"] == "consents.fax.marketing"
    problem(phone.put("/preferences", {"consents": [{"channel": "email", "purpose": "spam", "granted": True}]}), 422)
    assert customers.customer_summary(ana).language == "" and not customers.may_contact(ana, "email", "marketing")


def test_the_birth_date_over_the_api(device, ana, inboxes):
    phone = signed_in(device, "ana@example.cl")
    assert phone.get("/preferences").json()["birth_date"] is None
    assert phone.put("/preferences", {"birth_date": "--05-17"}).json()["birth_date"] == "--05-17"
    assert phone.put("/preferences", {"language": "es"}).json()["birth_date"] == "--05-17"  # not sent: kept
    body = problem(phone.put("/preferences", {"birth_date": "1990-02-30"}), 422)
    assert [e["field"] for e in body["errors"]] == ["birth_date"]
    assert phone.put("/preferences", {"birth_date": None}).json()["birth_date"] is None


def test_the_address_book_over_the_api(device, ana, inboxes):
    phone = signed_in(device, "ana@example.cl")

    home = phone.post("/addresses", HOME)
    work = phone.post("/addresses", {"label": "Oficina", "line1": "Huérfanos 1160", "city": "Santiago"})

    assert home.status_code == 201 and home.json()["is_default"] is True
    work_id = work.json()["id"]
    assert work.json()["country"] == "CL" and work.json()["is_default"] is False
    assert [a["label"] for a in phone.get("/addresses").json()["items"]] == ["Casa", "Oficina"]
    changed = phone.put(f"/addresses/{work_id}", {"label": "Oficina", "line1": "Agustinas 1000", "city": "Santiago",
                                                  "country": "CL"})
    assert changed.json()["line1"] == "Agustinas 1000"
    assert phone.post(f"/addresses/{work_id}/default").json()["is_default"] is True
    assert customers.customer_summary(ana).address.line1 == "Agustinas 1000"
    assert phone.delete(f"/addresses/{work_id}").status_code == 204
    assert [a["is_default"] for a in phone.get("/addresses").json()["items"]] == [True]
    problem(phone.get(f"/addresses/{work_id}"), 404)


def test_a_bad_address_is_422_field_by_field(device, ana, inboxes):
    phone = signed_in(device, "ana@example.cl")

    body = problem(phone.post("/addresses", {"line1": "", "city": "Santiago", "country": "Chile"}), 422)
    assert {e["field"].split(".")[-1] for e in body["errors"]} >= {"line1", "country"}
    body = problem(phone.post("/addresses", {"line1": "   ", "city": "  "}), 422)  # blank after trimming
    assert {e["field"] for e in body["errors"]} == {"line1", "city"}
    assert phone.get("/addresses").json()["items"] == []


def test_another_shoppers_address_is_404(device, ana, inboxes):
    make_customer(**OTHER)
    theirs = signed_in(device, "otra@example.cl").post("/addresses", HOME).json()["id"]
    phone = signed_in(device, "ana@example.cl")

    problem(phone.get(f"/addresses/{theirs}"), 404)
    problem(phone.put(f"/addresses/{theirs}", HOME), 404)
    problem(phone.post(f"/addresses/{theirs}/default"), 404)
    problem(phone.delete(f"/addresses/{theirs}"), 404)
    assert phone.get("/addresses").json()["items"] == []


def test_a_dispute_on_my_order_and_its_status(device, ana, inboxes):
    order = delivered_order(ana)
    phone = signed_in(device, "ana@example.cl")
    assert phone.get(f"/orders/{order.public_id}/disputes").json() == {"items": [], "openable": ["defective"]}

    opened = phone.post(f"/orders/{order.public_id}/disputes", {"kind": "defective", "note": "Suela despegada"})

    assert opened.status_code == 201, opened.content
    assert {k: opened.json()[k] for k in ("order_id", "kind", "status")} == {
        "order_id": order.public_id, "kind": "defective", "status": "open"}
    listed = phone.get(f"/orders/{order.public_id}/disputes").json()
    assert [d["status"] for d in listed["items"]] == ["open"] and listed["openable"] == []
    assert "opened_by" not in listed["items"][0]
    problem(phone.post(f"/orders/{order.public_id}/disputes", {"kind": "defective"}), 409)  # one open per kind
    problem(phone.post(f"/orders/{order.public_id}/disputes", {"kind": "not_received"}), 422)  # it arrived
    problem(phone.post(f"/orders/{order.public_id}/disputes", {"kind": "lost_in_space"}), 422)


def test_a_late_order_is_disputed_as_not_received(device, ana, inboxes):
    with transaction.atomic():
        order = orders.do_place_order(channel="web", customer_id=ana, lines=[orders.LineIn("SHOE-41", 1)],
                                      delivery={"method": "ship", "address": HOME},
                                      payments=[orders.PaymentIn(method="card")])
    phone = signed_in(device, "ana@example.cl")

    with clock.frozen(clock.now() + dt.timedelta(days=20)):
        assert phone.get(f"/orders/{order.public_id}/disputes").json()["openable"] == ["not_received"]
        assert phone.post(f"/orders/{order.public_id}/disputes", {"kind": "not_received"}).status_code == 201


def test_another_shoppers_order_cannot_be_disputed_or_read(device, ana, inboxes):
    order = delivered_order(ana)
    make_customer(**OTHER)
    other = signed_in(device, "otra@example.cl")

    problem(other.get(f"/orders/{order.public_id}/disputes"), 404)
    problem(other.post(f"/orders/{order.public_id}/disputes", {"kind": "defective"}), 404)
    assert not order.disputes.exists()


def test_the_wishlist_of_an_anonymous_app_session_joins_the_customers_on_sign_in(device, ana, inboxes):
    trail = handles()["Zapatilla Trail"]
    app = device("app")

    kept = app.put(f"/wishlist/{trail}")
    assert kept.status_code == 200 and [i["handle"] for i in kept.json()["items"]] == [trail]
    problem(app.put("/wishlist/no-such-product"), 404)
    app.sign_in(email="ana@example.cl")

    laptop = signed_in(device, "ana@example.cl")
    assert [i["handle"] for i in laptop.get("/wishlist").json()["items"]] == [trail]
    assert laptop.delete(f"/wishlist/{trail}").status_code == 204
    assert app.get("/wishlist").json()["items"] == []


def test_recently_viewed_follows_the_customer_across_devices(device, ana, inboxes):
    names = handles()
    phone = signed_in(device, "ana@example.cl")
    phone.get(f"/products/{names['Calcetín']}")
    phone.get(f"/products/{names['Zapatilla Trail']}")

    laptop = signed_in(device, "ana@example.cl")

    assert [i["handle"] for i in laptop.get("/recently-viewed").json()["items"]] == [
        names["Zapatilla Trail"], names["Calcetín"]]


def test_export_is_my_own_data(device, ana, inboxes):
    phone = signed_in(device, "ana@example.cl")
    phone.post("/addresses", HOME)

    data = phone.get("/account/export").json()

    assert data["customer"]["id"] == ana and data["addresses"][0]["line1"] == HOME["line1"]
    assert {i["value"] for i in data["identities"]} >= {"ana@example.cl"}


def test_erase_needs_the_phrase_then_every_session_ends(device, ana, inboxes):
    phone = signed_in(device, "ana@example.cl")
    laptop = signed_in(device, "ana@example.cl")

    body = problem(phone.post("/account/erase", {"confirm": "yes"}), 422)
    assert body["errors"][0]["field"] == "confirm"
    problem(phone.post("/account/erase", {}), 422)
    assert not customers.customer_summary(ana).erased

    done = phone.post("/account/erase", {"confirm": "delete my account"})

    assert done.status_code == 200 and done.json() == {"customer_id": ana, "erased": True}
    assert customers.customer_summary(ana).erased
    problem(phone.get("/cart"), 401)
    problem(laptop.get("/preferences"), 401)
