"""A text holding NUL (U+0000), which PostgreSQL cannot store, is a 422 on its field at the API's edge,
never a 500 (the PostgreSQL fuzzing pass found three: a coupon release, the feedback list, a
subscription)."""

import pytest


@pytest.mark.django_db
def test_a_text_holding_nul_is_a_422_on_its_field_never_a_500(client, issue_key):
    headers = {**issue_key("admin"), "HTTP_ACCEPT_LANGUAGE": "en"}
    body = '{"order_ref": "ord\\u0000x", "code": "X"}'
    answer = client.post("/api/v1/coupons/release", body, content_type="application/json", **headers)
    assert answer.status_code == 422 and answer["Content-Type"] == "application/problem+json"
    assert [e["field"] for e in answer.json()["errors"]] == ["order_ref"]
    nested = client.post("/api/v1/orders", '{"channel": "web", "lines": [{"sku": "A\\u0000", "quantity": 1}]}',
                         content_type="application/json", **headers)
    assert nested.status_code == 422 and [e["field"] for e in nested.json()["errors"]] == ["lines.0.sku"]
    query = client.get("/api/v1/feedback?customer_id=cus%00x", **headers)
    assert query.status_code == 422 and [e["field"] for e in query.json()["errors"]] == ["customer_id"]


@pytest.mark.database_free
def test_the_nul_walk_names_the_first_field_holding_one():
    from omnicanal.core.request_limits import nul_at

    assert nul_at({"a": "ok", "b": [{"c": "x"}, {"d": "y\x00"}]}) == "b.1.d"
    assert nul_at("\x00") == "body" and nul_at({"ok": ["fine", 1, None]}) is None
