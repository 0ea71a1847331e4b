"""Fixtures of the loyalty tests. Customers are plain `cus_…` ids for the services (the ledger
needs only an owner id); API tests make real ones when the customers app is installed."""

import uuid

import pytest

from omnicanal.core.ids import new_id
from omnicanal.core.money import Money


@pytest.fixture
def cus():
    """cus() -> a fresh customer id for service-level tests."""
    return lambda: new_id("cus")


@pytest.fixture
def make_customer(api):
    """make_customer(name) -> the id of a customer the API knows (created through /customers/identify)."""

    def make(name="Camila Reyes"):
        response = api.post(
            "/customers/identify",
            {"channel": "web", "identities": [{"kind": "email", "value": f"{uuid.uuid4().hex[:12]}@example.com"}],
             "traits": {"name": name}},
        )
        assert response.status_code == 200, response.content
        return response.json()["customer_id"]

    return make


@pytest.fixture
def clp():
    return lambda amount: Money.of(amount, "CLP")
