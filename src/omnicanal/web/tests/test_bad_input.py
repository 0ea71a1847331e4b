"""Bad input found by fuzzing the OpenAPI document (schemathesis) answers a clear 4xx, never a 500."""

import pytest

pytestmark = pytest.mark.django_db

PRODUCT = {"name": "Zapatilla Trail", "description": "Para cerro", "category": "zapatillas",
           "price": {"amount": "59990", "currency": "CLP"}, "variants": [{"sku": "TRAIL-40"}]}


def test_two_products_with_one_name_both_get_a_handle(api):
    first = api.post("/products", PRODUCT)
    second = api.post("/products", {**PRODUCT, "variants": [{"sku": "TRAIL-41"}]})
    assert first.status_code == second.status_code == 201, second.content


def test_nulls_where_a_value_is_required_are_field_errors(api):
    api.post("/products", PRODUCT)
    response = api.patch("/products/TRAIL-40", {"price": None})
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "price"
    response = api.put("/channels/pos", {"active": None})
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "active"


def test_a_negative_offset_is_refused(api):
    for path in ("/movements?offset=-1", "/stock?offset=-1"):
        response = api.get(path)
        assert response.status_code == 422 and response.json()["errors"][0]["field"] == "offset"


def test_contact_hours_are_local_times(api):
    customer = api.post("/customers/identify", {"channel": "web", "identities": [{"kind": "email", "value": "a@b.cl"}]})
    response = api.put(f"/customers/{customer.json()['customer_id']}/preferences", {"contact_from": "09:00:00+03:00"})
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "contact_from"


def test_an_unknown_currency_is_a_field_error(api):
    response = api.post("/gift-cards", {"amount": {"amount": "20000", "currency": "AAA"}})
    assert response.status_code == 422, response.content
    assert response["Content-Type"] == "application/problem+json"
