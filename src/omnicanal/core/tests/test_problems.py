import pytest

from omnicanal.core.models import AuditEntry

pytestmark = [pytest.mark.django_db, pytest.mark.urls("omnicanal.core.tests.testapi")]


def assert_problem(response, status, slug):
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["type"].endswith(slug)
    assert body["status"] == status
    assert body["title"] and isinstance(body["detail"], str)
    return body


def test_invalid_fields_are_listed_field_by_field(api):
    response = api.post("/v1/things", {"name": "", "quantity": 0})
    body = assert_problem(response, 422, "validation")
    assert {e["field"] for e in body["errors"]} == {"name", "quantity"}
    assert all(e["message"] for e in body["errors"])


def test_a_missing_field_is_named(api):
    body = assert_problem(api.post("/v1/things", {"name": "a"}), 422, "validation")
    assert [e["field"] for e in body["errors"]] == ["quantity"]


def test_an_empty_body_where_one_is_required_is_a_validation_problem(api):
    body = assert_problem(api.post("/v1/things"), 422, "validation")
    assert [e["field"] for e in body["errors"]] == ["body"]


def test_malformed_json_is_a_400_problem(api):
    assert_problem(api.post("/v1/things", raw="{not json"), 400, "malformed")


def test_a_missing_key_is_401_and_a_bad_key_too(client):
    assert_problem(client.get("/api/v1/things/x"), 401, "unauthorized")
    response = client.get("/api/v1/things/x", HTTP_AUTHORIZATION="Bearer ok_nope_nope")
    assert_problem(response, 401, "unauthorized")
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_unknown_resource_is_404_problem(api):
    assert_problem(api.get("/v1/things/ghost"), 404, "not-found")


def test_a_domain_conflict_carries_its_own_fields(api):
    body = assert_problem(api.post("/v1/things/half", {"name": "gel", "quantity": 9}), 409, "insufficient-stock")
    assert body["lines"] == [{"sku": "gel", "available": 5}]


def test_an_error_after_a_write_leaves_nothing_written(api):
    assert_problem(api.post("/v1/things/half", {"name": "gel", "quantity": 1}), 422, "validation")
    assert not AuditEntry.objects.filter(target_id="gel").exists()


def test_a_bug_answers_a_500_problem_and_leaves_nothing_written(api):
    assert_problem(api.post("/v1/things/crash", {"name": "bug", "quantity": 1}), 500, "server-error")
    assert not AuditEntry.objects.filter(target_id="bug").exists()


def test_problem_types_document_themselves(client):
    response = client.get("/problems/insufficient-stock")
    assert response.status_code == 404  # testapi urls have no docs; the real urls do (web tests)


def test_an_unknown_currency_is_a_validation_problem_on_currency(api):
    body = assert_problem(api.post("/v1/things/unknown-currency"), 422, "validation")
    assert body["errors"][0]["field"] == "currency"


def test_input_the_database_refuses_is_a_409_and_leaves_nothing_written(api):
    assert_problem(api.post("/v1/things/broken-rule"), 409, "conflict")
    assert not AuditEntry.objects.filter(target_id="rule").exists()


def test_a_number_out_of_range_is_a_validation_problem(api):
    assert_problem(api.post("/v1/things/huge"), 422, "validation")


def test_a_multipart_body_without_a_boundary_is_malformed(api):
    response = api.client.post("/api/v1/things/file", b"--x", content_type="multipart/form-data", **api.auth)
    assert_problem(response, 400, "malformed")
