"""Back in stock at my store from the shop: the product page's form (through storefront's product
panel registry) and the Store API's route subscribe a signed-in customer; the flow must be on."""

import json

from django.db import transaction
from django.test import Client
from django.urls import reverse

from omnicanal.core.auth import SYSTEM
from omnicanal.marketing import flows
from omnicanal.marketing.models import FlowEntry, FlowKind

STORE = "/api/store/v1"


def session(api, customer_id):
    answer = api.post(f"/customers/{customer_id}/sessions", {})
    assert answer.status_code == 201, answer.content
    return answer.json()["token"]


def enable():
    with transaction.atomic():
        flows.do_update_flow(kind=FlowKind.BACK_IN_STOCK, actor=SYSTEM, enabled=True)


def test_the_product_page_form_subscribes_at_the_chosen_store(api, ana):
    browser = Client()
    browser.cookies["shop_session"] = session(api, ana)
    page = reverse("shop-product", args=["casco-ruta"])
    assert "back-in-stock" not in browser.get(page).content.decode()  # the flow is off: no form
    enable()
    html = browser.get(page).content.decode()
    assert 'action="/alerts/back-in-stock/"' in html and 'value="SCL"' in html
    answer = browser.post(reverse("shop-back-in-stock"), {"handle": "casco-ruta", "sku": "HELMET-1", "location": "SCL"})
    assert answer.status_code == 302 and answer["Location"].endswith("?alert=ok")
    entry = FlowEntry.objects.get(customer_id=ana)
    assert (entry.key, entry.status, entry.due_at) == ("HELMET-1@SCL", "waiting", None)


def test_the_store_api_subscribes_a_signed_in_customer_only(api, ana):
    enable()
    headers = {"HTTP_AUTHORIZATION": f"Bearer {session(api, ana)}"}
    body = json.dumps({"sku": "HELMET-1", "location": "SCL"})
    made = Client().post(f"{STORE}/back-in-stock", body, content_type="application/json", **headers)
    assert made.status_code == 201, made.content
    assert made.json() == {"sku": "HELMET-1", "location": "SCL", "status": "waiting"}
    anonymous = Client().post(f"{STORE}/sessions", "{}", content_type="application/json").json()["token"]
    refused = Client().post(f"{STORE}/back-in-stock", body, content_type="application/json",
                            HTTP_AUTHORIZATION=f"Bearer {anonymous}")
    assert refused.status_code == 401
    unknown = Client().post(f"{STORE}/back-in-stock", json.dumps({"sku": "NOPE", "location": "SCL"}),
                            content_type="application/json", **headers)
    assert unknown.status_code == 404
