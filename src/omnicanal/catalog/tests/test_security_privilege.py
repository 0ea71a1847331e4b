"""Issue 13, least privilege: an integration key reaches the catalogue only with the `catalog` scope."""

import pytest

pytestmark = pytest.mark.django_db


def test_an_integration_key_needs_the_catalog_scope(api, issue_key):
    refused = api.as_(issue_key("integration", scopes=["orders"])).get("/products")
    assert refused.status_code == 403 and refused.json()["type"] == "/problems/forbidden"
    assert api.as_(issue_key("integration", scopes=["catalog"])).get("/products").status_code == 200
