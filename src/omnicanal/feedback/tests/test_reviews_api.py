"""Reviews through the Store API and the staff API: only for a line that reached the customer, one
per line, held when a person must read it first, shown once published (API.md, Store API and Voice
of the customer)."""

import base64

from omnicanal.feedback.tests.conftest import place

PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGNgYGD4DwABBAEAghWn1QAAAABJRU5ErkJggg==")


def test_a_buyer_reviews_a_pos_purchase_and_it_is_published_with_the_verified_badge(ana, shopper, api):
    # given Ana bought socks at the store's POS (carry-out: they reached her at once)
    order_id = place(ana)
    device = shopper(ana)
    # when she reviews them from the app
    response = device.post("/reviews", {"order_id": order_id, "sku": "SOCK-1", "rating": 5,
                                        "text": "Muy cómodos, los uso para correr."})
    # then the review is published at once, as a verified buyer's
    assert response.status_code == 201, response.content
    assert response.json()["status"] == "published" and response.json()["verified_buyer"] is True
    # and the product shows it, its average and distribution, on both APIs
    public = device.get("/products/calcetin/reviews").json()
    assert public["count"] == 1 and public["average"] == 5.0 and public["distribution"]["5"] == 1
    assert public["items"][0]["text"] == "Muy cómodos, los uso para correr."
    staff = api.get("/products/calcetin/reviews").json()
    assert staff["items"][0]["verified_buyer"] is True and staff["items"][0]["author"] == "Ana P."
    assert device.get("/products/calcetin").json()["rating"] == {"average": 5.0, "count": 1}


def test_another_customers_order_is_answered_as_missing(ana, bea, shopper):
    order_id = place(ana)
    response = shopper(bea).post("/reviews", {"order_id": order_id, "sku": "SOCK-1", "rating": 4, "text": ""})
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/problem+json")


def test_a_line_that_has_not_reached_her_cannot_be_reviewed_yet(ana, shopper):
    # given a shipment still on its way
    order_id = place(ana, sku="SHOE-40", method="ship")
    response = shopper(ana).post("/reviews", {"order_id": order_id, "sku": "SHOE-40", "rating": 4, "text": "ok"})
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["sku"]


def test_a_sku_not_in_the_order_cannot_be_reviewed(ana, shopper):
    order_id = place(ana)
    response = shopper(ana).post("/reviews", {"order_id": order_id, "sku": "TENT-1", "rating": 4})
    assert response.status_code == 422


def test_one_review_per_order_line(ana, shopper):
    order_id = place(ana)
    device = shopper(ana)
    assert device.post("/reviews", {"order_id": order_id, "sku": "SOCK-1", "rating": 4}).status_code == 201
    again = device.post("/reviews", {"order_id": order_id, "sku": "SOCK-1", "rating": 1, "text": "cambié de idea"})
    assert again.status_code == 409
    assert again.json()["errors"][0]["field"] == "sku"
    # but the same product bought again, in another order, is another line
    assert device.post("/reviews", {"order_id": place(ana), "sku": "SOCK-1", "rating": 3}).status_code == 201


def test_an_anonymous_session_must_sign_in(world, client):
    from omnicanal.storefront.tests.conftest import Device

    response = Device(client).post("/reviews", {"order_id": "ord_x", "sku": "SOCK-1", "rating": 4})
    assert response.status_code == 401


def test_bad_rating_is_a_field_error(ana, shopper):
    response = shopper(ana).post("/reviews", {"order_id": place(ana), "sku": "SOCK-1", "rating": 6})
    assert response.status_code == 422 and response.json()["errors"][0]["field"].endswith("rating")


def test_profanity_and_personal_data_are_held_until_staff_publish(ana, shopper, api):
    device = shopper(ana)
    rude = device.post("/reviews", {"order_id": place(ana), "sku": "SOCK-1", "rating": 4,
                                    "text": "Buenos calcetines, pero la talla es una mierda"}).json()
    contact = device.post("/reviews", {"order_id": place(ana), "sku": "SOCK-1", "rating": 5,
                                       "text": "Escríbanme a ana.perez@example.cl o al +56 9 8765 4321"}).json()
    assert rude["status"] == "pending" and contact["status"] == "pending"
    # nothing shows until a person decides
    assert device.get("/products/calcetin/reviews").json()["count"] == 0
    queue = api.get("/reviews?status=pending").json()
    assert {r["id"]: r["flags"] for r in queue} == {rude["id"]: ["profanity"], contact["id"]: ["personal_data"]}
    # when a moderator publishes one, rejects the other and replies
    assert api.post(f"/reviews/{rude['id']}/approve").json()["status"] == "published"
    assert api.post(f"/reviews/{contact['id']}/reject", {"reason": "datos personales"}).json()["status"] == "rejected"
    api.post(f"/reviews/{rude['id']}/reply", {"text": "Gracias, revisaremos la tabla de tallas."})
    # then only the published one shows, with the reply
    shown = device.get("/products/calcetin/reviews").json()
    assert [r["id"] for r in shown["items"]] == [rude["id"]]
    assert shown["items"][0]["reply"] == "Gracias, revisaremos la tabla de tallas."


def test_a_marketer_may_moderate_a_clerk_may_not(ana, shopper, api, issue_key):
    review = shopper(ana).post("/reviews", {"order_id": place(ana), "sku": "SOCK-1", "rating": 4,
                                            "text": "shit socks"}).json()
    assert api.as_(issue_key("store_staff", ["SCL"])).post(f"/reviews/{review['id']}/approve").status_code == 403
    assert api.as_(issue_key("marketer")).post(f"/reviews/{review['id']}/approve").status_code == 200


def test_a_photo_is_kept_by_its_bytes_and_a_non_image_is_refused(ana, shopper, client):
    device = shopper(ana)
    ok = device.post("/reviews", {"order_id": place(ana), "sku": "SOCK-1", "rating": 5, "text": "Mira",
                                  "photos": [{"filename": "foto.png", "data": base64.b64encode(PNG).decode()}]})
    assert ok.status_code == 201, ok.content
    (photo,) = ok.json()["photos"]
    served = client.get(photo["url"])
    assert served.status_code == 200 and served["Content-Type"] == "image/png"
    bad = device.post("/reviews", {"order_id": place(ana), "sku": "SOCK-1", "rating": 5,
                                   "photos": [{"filename": "x.png", "data": base64.b64encode(b"<svg onload=x>").decode()}]})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "photos[0]"


def test_eligibility_explains_the_decision(ana, api):
    body = api.get(f"/customers/{ana}/surveys/eligibility").json()
    assert body["eligible"] is True and body["next_eligible_at"] is None and body["reason"] == "never_asked"
    assert api.get("/customers/cus_nobody/surveys/eligibility").status_code == 404


def test_a_retried_post_with_the_same_idempotency_key_answers_the_first_review(ana, shopper):
    device = shopper(ana)
    body = {"order_id": place(ana), "sku": "SOCK-1", "rating": 4, "text": "Bien"}
    first = device.post("/reviews", body, headers={"Idempotency-Key": "rev-1"})
    again = device.post("/reviews", body, headers={"Idempotency-Key": "rev-1"})
    assert first.status_code == again.status_code == 201 and first.json()["id"] == again.json()["id"]
