"""Issue 14 item 6: the customers API answers typed schemas (customers/schemas.py) and the wire is
still what queries.py builds, key for key."""

import json

import pytest
from ninja.responses import NinjaJSONEncoder

from omnicanal.core.auth import SYSTEM
from omnicanal.customers import queries
from omnicanal.customers.tests.test_api import identify

pytestmark = pytest.mark.django_db


def wire(data):
    """`data` as the API's JSON encoder writes it."""
    return json.loads(json.dumps(data, cls=NinjaJSONEncoder))


def a_known_customer(api):
    customer_id = identify(api, ("email", "ana@example.cl", True), ("phone", "+56987654321"), name="Ana",
                           address={"line1": "Av. Brasil 100", "city": "Valparaíso"})["customer_id"]
    assert api.put(f"/customers/{customer_id}/consents", {"channel": "sms", "purpose": "marketing",
                                                         "granted": True}).status_code == 200
    assert api.put(f"/customers/{customer_id}/preferences", {"contact_from": "09:00", "contact_to": "20:00"}) \
        .status_code == 200
    return customer_id


def test_the_single_view_is_the_query_dict_key_for_key(api):
    customer_id = a_known_customer(api)
    got = api.get(f"/customers/{customer_id}").json()
    assert got == wire(queries.single_view(queries.get_customer(customer_id), SYSTEM))
    assert got["preferences"]["contact_hours"] == {"from": "09:00", "to": "20:00"}
    assert got["address"]["line1"] == "Av. Brasil 100" and got["consents"][0]["purpose"] == "marketing"


def test_the_export_is_the_query_dict_key_for_key(api):
    customer_id = a_known_customer(api)
    got = api.get(f"/customers/{customer_id}/export").json()
    expected = wire(queries.export_data(queries.get_customer(customer_id)))
    assert {**got, "exported_at": None} == {**expected, "exported_at": None}  # read a moment apart
    assert got["customer"]["id"] == customer_id and got["identities"] and got["timeline"]


def test_the_openapi_document_names_the_customer_schemas(client):
    document = client.get("/api/openapi.json").json()
    assert {"CustomerOut", "ExportOut", "TimelineOut", "ConsentOut", "PreferencesOut", "ContactHoursOut"} \
        <= set(document["components"]["schemas"])
    answer = document["paths"]["/api/v1/customers/{customer_id}"]["get"]["responses"]["200"]
    assert answer["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/CustomerOut"}
