"""Bad input at the API's edge gets a 4xx problem+json, never a 500, and writes nothing."""

import json

import pytest

from omnicanal.core.models import AuditEntry
from omnicanal.core.request_limits import MAX_JSON_DEPTH, UnreadableJson, loads
from omnicanal.core.schemas import check_amount

pytestmark = pytest.mark.urls("omnicanal.core.tests.testapi")

THING = {"name": "tent", "quantity": 2}


def made() -> int:
    return AuditEntry.objects.filter(action="thing.make").count()


def assert_problem(response, status: int, slug: str) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["type"] == f"/problems/{slug}" and body["status"] == status
    return body


@pytest.mark.django_db
def test_a_text_plain_body_is_refused_with_415(api):
    # given a JSON body sent as text/plain (what a cross-site form or fetch without preflight sends)
    response = api.client.post("/api/v1/things", json.dumps(THING), content_type="text/plain", **api.auth)
    # then it is refused as unsupported, and nothing is written
    assert_problem(response, 415, "unsupported-media-type")
    assert made() == 0


@pytest.mark.django_db
def test_a_form_body_is_refused_with_415_and_multipart_only_where_an_endpoint_takes_files(api):
    form = api.client.post("/api/v1/things", "name=tent&quantity=2",
                           content_type="application/x-www-form-urlencoded", **api.auth)
    assert_problem(form, 415, "unsupported-media-type")
    multipart = api.client.post("/api/v1/things", {"name": "tent", "quantity": "2"}, **api.auth)
    assert_problem(multipart, 415, "unsupported-media-type")
    assert made() == 0


@pytest.mark.django_db
def test_json_with_a_charset_is_json(api):
    response = api.client.post("/api/v1/things", json.dumps(THING), content_type="application/json; charset=utf-8",
                               **api.auth)
    assert response.status_code == 201, response.content


@pytest.mark.django_db
def test_a_five_megabyte_body_is_refused_with_413_before_it_is_read(api):
    # given a 5 MB JSON body
    body = json.dumps({"name": "tent", "quantity": 2, "note": "x" * (5 * 1024 * 1024)})
    # when it is posted, with or without an Idempotency-Key
    plain = api.client.post("/api/v1/things", body, content_type="application/json", **api.auth)
    keyed = api.client.post("/api/v1/things", body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="big",
                            **api.auth)
    # then both answer 413 problem+json saying the limit
    for response in (plain, keyed):
        problem = assert_problem(response, 413, "payload-too-large")
        assert problem["limit"] == 2 * 1024 * 1024
    assert made() == 0


@pytest.mark.django_db
def test_json_nested_a_hundred_thousand_deep_is_a_400(api):
    # given arrays nested 100,000 deep (Python's own parser would raise RecursionError)
    body = "[" * 100_000 + "]" * 100_000
    response = api.client.post("/api/v1/things", body, content_type="application/json", **api.auth)
    # then a malformed-request problem, not a server error
    problem = assert_problem(response, 400, "malformed")
    assert "deeper" in problem["detail"]


@pytest.mark.django_db
def test_nan_and_infinity_are_not_json_numbers(api):
    response = api.client.post("/api/v1/things", '{"name": "tent", "quantity": NaN}', content_type="application/json",
                               **api.auth)
    assert_problem(response, 400, "malformed")


def test_the_safe_reader_counts_only_brackets_outside_strings():
    deep = "[" * (MAX_JSON_DEPTH + 1) + "]" * (MAX_JSON_DEPTH + 1)
    with pytest.raises(UnreadableJson):
        loads(deep)
    ok = "[" * MAX_JSON_DEPTH + "]" * MAX_JSON_DEPTH
    assert loads(ok) is not None
    # brackets inside strings (escaped quotes too) are text, not nesting
    text = json.dumps({"note": '[[[[{{{{"\\' * 100})
    assert loads(text) == json.loads(text)
    with pytest.raises(UnreadableJson):
        loads(b"\xff\xfe{}")


@pytest.mark.parametrize("value", ["1e400", "1E5", "Infinity", "-inf", "NaN", "12,5", " ", "0x10", True, False,
                                   float("inf"), float("nan"), "9" * 40, None, [1]])
def test_an_amount_is_a_plain_finite_decimal(value):
    with pytest.raises(ValueError):
        check_amount(value)


@pytest.mark.parametrize(("value", "expected"), [("12990", "12990"), ("-200", "-200"), ("12.50", "12.50"),
                                                 (12990, "12990"), (12.5, "12.5")])
def test_plain_amounts_are_read_exactly(value, expected):
    assert str(check_amount(value)) == expected

