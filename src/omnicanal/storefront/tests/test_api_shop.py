"""Store API cart, checkout, orders, curbside, returns, loyalty and the staff side's sign-in-as."""

from omnicanal.core.models import AuditEntry
from omnicanal.orders.tests.helpers import act, pay_by_webhook
from omnicanal.storefront.models import ShopperSession
from omnicanal.storefront.tests.conftest import STORE

PICKUP = {"delivery": {"method": "pickup", "location": "SCL"}}


def _lines(cart):
    return {line["sku"]: line["quantity"] for line in cart["lines"]}


def test_an_anonymous_device_fills_its_own_cart_with_live_availability(device):
    phone = device()

    cart = phone.add("SHOE-40", 1)

    assert _lines(cart) == {"SHOE-40": 1}
    assert cart["lines"][0]["available"] > 0 and cart["lines"][0]["in_stock"] is True
    assert cart["customer_id"] is None and phone.get("/cart").json()["id"] == cart["id"]
    assert phone.put("/cart/lines", {"sku": "SHOE-40", "quantity": 0}).json()["lines"] == []


def test_an_unknown_sku_or_a_bad_quantity_is_422(device):
    phone = device()

    assert phone.put("/cart/lines", {"sku": "NOPE", "quantity": 1}).status_code == 422
    assert phone.put("/cart/lines", {"sku": "SHOE-40", "quantity": -1}).status_code == 422
    assert phone.put("/cart/lines", {"sku": "SHOE-40", "quantity": "2"}).status_code == 422


def test_an_empty_cart_answers_no_lines(device):
    assert device().get("/cart").json()["lines"] == []


def test_signing_in_merges_the_devices_cart_into_the_customers_one_cart_lines_combined(device, ana, inboxes):
    laptop = device()
    laptop.sign_in(email="ana@example.cl")
    laptop.add("SHOE-40", 1)
    laptop.add("SOCK-1", 3)
    phone = device()
    phone.add("SHOE-40", 2)
    phone.add("SHOE-41", 1)

    phone.sign_in(email="ana@example.cl")

    merged = phone.get("/cart").json()
    assert _lines(merged) == {"SHOE-40": 2, "SOCK-1": 3, "SHOE-41": 1}
    assert merged["customer_id"] == ana
    assert laptop.get("/cart").json()["id"] == merged["id"]  # one cart across devices
    assert ShopperSession.objects.filter(customer_id=ana).count() == 2


def test_a_signed_in_device_changes_the_customers_one_cart(device, ana, inboxes):
    phone, laptop = device(), device()
    phone.sign_in(email="ana@example.cl")
    laptop.sign_in(email="ana@example.cl")

    phone.add("SOCK-1", 2)

    assert _lines(laptop.get("/cart").json()) == {"SOCK-1": 2}


def test_checkout_for_pickup_places_the_cart_as_an_order_on_the_sessions_channel(device, ana, inboxes):
    app = device("app")
    app.sign_in(email="ana@example.cl")
    app.add("SHOE-40", 1)

    response = app.post("/checkout", PICKUP, headers={"Idempotency-Key": "chk-1"})

    assert response.status_code == 201, response.content
    order = response.json()
    assert order["channel"] == "app" and order["customer_id"] == ana
    assert order["delivery"]["method"] == "pickup" and order["fulfillments"][0]["location"] == "SCL"
    assert order["fulfillments"][0]["pickup_code"]  # the customer's own order shows its pickup code
    assert app.get("/cart").json()["lines"] == []  # the cart became the order
    again = app.post("/checkout", PICKUP, headers={"Idempotency-Key": "chk-1"})
    assert again.status_code == 201 and again.json()["id"] == order["id"]


def test_checkout_is_for_signed_in_shoppers_and_an_empty_cart_is_422(device, ana, inboxes):
    anonymous = device()
    anonymous.add("SHOE-40", 1)
    assert anonymous.post("/checkout", PICKUP).status_code == 401
    empty = device()
    empty.sign_in(email="ana@example.cl")
    assert empty.post("/checkout", PICKUP).status_code == 422


def test_checkout_without_stock_is_409_and_a_carry_out_is_not_the_shoppers(device, ana, inboxes):
    app = device()
    app.sign_in(email="ana@example.cl")
    app.add("SHOE-40", 50)  # the whole chain holds 13

    assert app.post("/checkout", PICKUP).status_code == 409
    assert app.post("/checkout", {"delivery": {"method": "carry_out", "location": "SCL"}}).status_code == 422


def _ordered(shopper, sku="SHOE-40", body=PICKUP):
    shopper.add(sku, 1)
    response = shopper.post("/checkout", body)
    assert response.status_code == 201, response.content
    return response.json()


def test_orders_list_and_show_only_the_customers_own(device, ana, inboxes):
    mine = device()
    mine.sign_in(email="ana@example.cl")
    order = _ordered(mine)
    other = device()
    other.sign_in(email="other@example.cl")

    assert [o["id"] for o in mine.get("/orders").json()] == [order["id"]]
    shown = mine.get(f"/orders/{order['id']}").json()
    assert shown["number"] == order["number"] and "/track/" in shown["tracking_url"]
    assert mine.get(f"/orders/{order['number']}").status_code == 200
    assert other.get("/orders").json() == []
    assert other.get(f"/orders/{order['id']}").status_code == 404
    assert other.get(f"/orders/{order['number']}").status_code == 404
    assert device().get(f"/orders/{order['id']}").status_code == 404  # anonymous
    assert device().get("/orders").status_code == 401


def test_curbside_im_here_puts_the_fulfilment_in_arrived_with_the_spot(device, api, ana, inboxes):
    shopper = device()
    shopper.sign_in(email="ana@example.cl")
    order = _ordered(shopper, body={"delivery": {"method": "curbside", "location": "SCL"}})
    pay_by_webhook(api.client, order["payments"][0]["id"])
    f = order["fulfillments"][0]
    for step in ("pick", "pack", "ready"):
        assert act(api, f["id"], step).status_code == 200

    response = shopper.post(f"/orders/{order['id']}/arrived", {"spot": "B4"})

    assert response.status_code == 200, response.content
    assert response.json()["status"] == "arrived" and response.json()["parking_spot"] == "B4"
    other = device()
    other.sign_in(email="other@example.cl")
    assert other.post(f"/orders/{order['id']}/arrived", {}).status_code == 404


def test_arrived_on_a_pickup_order_is_409(device, ana, inboxes):
    shopper = device()
    shopper.sign_in(email="ana@example.cl")
    order = _ordered(shopper)

    assert shopper.post(f"/orders/{order['id']}/arrived", {}).status_code == 409


def _delivered(api, shopper):
    order = _ordered(shopper, sku="SHOE-41", body={"delivery": {"method": "ship", "address": {
        "line1": "Av. Apoquindo 4500", "city": "Las Condes", "region": "RM", "country": "CL"}}})
    pay_by_webhook(api.client, order["payments"][0]["id"])
    f = order["fulfillments"][0]
    for step in ("pick", "pack"):
        act(api, f["id"], step)
    act(api, f["id"], "ship", {"carrier": "Starken", "tracking": "S1"})
    act(api, f["id"], "deliver")
    return order


def test_a_delivered_line_is_returned_at_a_store_or_by_mail(device, api, ana, inboxes):
    shopper = device()
    shopper.sign_in(email="ana@example.cl")
    order = _delivered(api, shopper)
    line = [{"sku": "SHOE-41", "quantity": 1, "reason": "too small"}]

    at_store = shopper.post("/returns", {"order_id": order["id"], "lines": line, "method": "store", "location": "SCL"},
                            headers={"Idempotency-Key": "ret-1"})
    assert at_store.status_code == 201, at_store.content
    assert at_store.json()["location"] == "SCL" and at_store.json()["status"] == "requested"
    assert shopper.post("/returns", {"order_id": order["id"], "lines": line, "method": "store"}).status_code == 422


def test_a_return_by_mail_gets_its_label(device, api, ana, inboxes):
    shopper = device()
    shopper.sign_in(email="ana@example.cl")
    order = _delivered(api, shopper)

    response = shopper.post("/returns", {"order_id": order["id"], "method": "mail",
                                         "lines": [{"sku": "SHOE-41", "quantity": 1, "reason": "defective"}]})

    assert response.status_code == 201, response.content
    assert response.json()["label_url"] and response.json()["tracking"]


def test_another_shoppers_order_cannot_be_returned(device, api, ana, inboxes):
    shopper = device()
    shopper.sign_in(email="ana@example.cl")
    order = _delivered(api, shopper)
    other = device()
    other.sign_in(email="other@example.cl")

    response = other.post("/returns", {"order_id": order["id"], "method": "store", "location": "SCL",
                                       "lines": [{"sku": "SHOE-41", "quantity": 1, "reason": "x"}]})

    assert response.status_code == 404


def test_loyalty_shows_points_tier_stored_value_and_a_signed_qr_card(client, device, ana, inboxes):
    from omnicanal.loyalty import qr

    shopper = device()
    shopper.sign_in(email="ana@example.cl")

    response = shopper.get("/loyalty")

    assert response.status_code == 200
    body = response.json()
    assert body["points"] == 0 and body["stored_value"]["amount"] == "0"
    card = client.get(body["card_qr_url"].replace("http://testserver", ""))
    assert card.status_code == 200
    token = body["card_qr_url"].split("token=")[1]
    assert qr.read_token(token.replace("%3A", ":")) == ana
    assert device().get("/loyalty").status_code == 401
    assert client.get(f"{STORE}/loyalty/card", {"token": "forged:token"}).status_code == 422


def test_staff_sign_a_new_session_in_as_the_customer_audited(client, api, device, ana, issue_key):
    response = api.post(f"/customers/{ana}/sessions", {})

    assert response.status_code == 201, response.content
    token = response.json()["token"]
    orders = client.get(f"{STORE}/orders", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert orders.status_code == 200
    assert AuditEntry.objects.filter(action="storefront.sign_in_as", target_id=ana).count() == 1


def test_staff_sign_an_existing_device_in_and_its_cart_merges(client, api, device, ana):
    phone = device()
    phone.add("SOCK-1", 2)

    response = api.post(f"/customers/{ana}/sessions", {"token": phone.token})

    assert response.status_code == 201 and response.json()["token"] == phone.token
    cart = phone.get("/cart").json()
    assert cart["customer_id"] == ana and _lines(cart) == {"SOCK-1": 2}


def test_only_admin_and_integration_keys_with_personal_data_may_sign_in_as(api, ana, issue_key):
    for role in ("manager", "agent", "marketer"):
        assert api.as_(issue_key(role)).post(f"/customers/{ana}/sessions", {}).status_code == 403
    assert api.as_(issue_key("store_staff", ["SCL"])).post(f"/customers/{ana}/sessions", {}).status_code == 403
    assert api.as_(issue_key("integration")).post(f"/customers/{ana}/sessions", {}).status_code == 403
    partner = api.as_(issue_key("integration", scopes=["orders", "customers-pii"]))
    assert partner.post(f"/customers/{ana}/sessions", {}).status_code == 201
    assert api.post("/customers/cus_nobody/sessions", {}).status_code == 404
    assert api.post(f"/customers/{ana}/sessions", {"token": "shp_unknown"}).status_code == 422


def test_the_staff_sign_in_never_keeps_its_token_for_an_idempotent_replay(api, ana):
    from omnicanal.core.models import IdempotencyRecord

    first = api.post(f"/customers/{ana}/sessions", {}, headers={"Idempotency-Key": "k1"})
    second = api.post(f"/customers/{ana}/sessions", {}, headers={"Idempotency-Key": "k1"})

    assert first.status_code == second.status_code == 201
    assert first.json()["token"] != second.json()["token"]
    assert ShopperSession.objects.count() == 2
    assert not IdempotencyRecord.objects.exists()
