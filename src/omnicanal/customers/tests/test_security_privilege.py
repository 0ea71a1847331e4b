"""Issue 13, least privilege: an integration key without `customers-pii` gets no personal data in
customers answers (it never reads profiles at all: GET /customers is for staff)."""

import pytest

pytestmark = pytest.mark.django_db

PROOF = "STOP recibido desde +56987654321"


def test_an_integration_without_customers_pii_gets_consents_without_their_proof(api, issue_key):
    # given a customer, and integration keys with and without customers-pii
    customer = api.post("/customers/identify", {"channel": "web", "identities": [
        {"kind": "phone", "value": "+56987654321"}], "traits": {"name": "Ana Pérez"}}).json()["customer_id"]
    masked = api.as_(issue_key("integration", scopes=["orders"]))
    full = api.as_(issue_key("integration", scopes=["orders", "customers-pii"]))
    body = {"channel": "sms", "purpose": "marketing", "granted": False, "proof": PROOF, "source": "erp"}
    # when each records a consent
    first = masked.put(f"/customers/{customer}/consents", body)
    second = full.put(f"/customers/{customer}/consents", body)
    # then the answer without the scope leaves the proof (which quotes a phone) out
    assert first.status_code == 200 and first.json()["proof"] is None and first.json()["granted"] is False
    assert second.json()["proof"] == PROOF
    # and neither reads the profile
    assert masked.get(f"/customers/{customer}").status_code == 403
    assert full.get(f"/customers/{customer}").status_code == 403
