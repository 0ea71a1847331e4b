"""The OpenAPI documents of both APIs describe every operation and its error answers (core.openapi)."""

import pytest

from omnicanal.core.errors import InsufficientStock, InvalidTransition, NotFound
from omnicanal.core.openapi import PROBLEM_JSON, errors

DOCUMENTS = ["/api/openapi.json", "/api/store/v1/openapi.json"]  # /api/v1 and the Store API


def operations(document):
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            yield f"{method.upper()} {path}", method, operation


def problem_types(answer):
    schema = answer["content"][PROBLEM_JSON]["schema"]
    assert schema["allOf"][0] == {"$ref": "#/components/schemas/Problem"}
    return set(schema["allOf"][1]["properties"]["type"]["enum"])


@pytest.fixture(params=DOCUMENTS)
def document(request, client):
    answer = client.get(request.param)
    assert answer.status_code == 200
    return answer.json()


def test_every_operation_is_described_and_documents_its_problem_answers(document):
    undescribed, undocumented, untyped = [], [], []
    for name, method, operation in operations(document):
        if not operation.get("summary") or not (operation.get("description") or "").strip():
            undescribed.append(name)
        answers = operation["responses"]
        problems = {code: answer for code, answer in answers.items() if code.startswith("4")}
        expected = set()
        if operation.get("security"):
            expected |= {"401", "403"}
        if operation.get("parameters") or operation.get("requestBody"):
            expected.add("422")
        if any(p["in"] == "path" for p in operation.get("parameters", [])):
            expected.add("404")
        if method in ("post", "put", "patch", "delete"):
            expected |= {"409", "422"}
        if not problems or not expected <= set(problems):
            undocumented.append(f"{name}: has {sorted(problems)}, needs {sorted(expected)}")
        for code, answer in problems.items():
            if list(answer.get("content", {})) != [PROBLEM_JSON] or not problem_types(answer):
                untyped.append(f"{name} {code}")
        success = [code for code in answers if code.startswith("2")]
        for code in success:  # every answer typed: a schema, or a documented empty/binary body
            content = answers[code].get("content")
            if content is not None:
                assert all("schema" in media for media in content.values()), f"{name} {code} has no schema"
    assert undescribed == []
    assert undocumented == []
    assert untyped == []
    assert "Problem" in document["components"]["schemas"]


def test_the_problem_types_an_operation_declares_are_listed_with_the_global_ones(client):
    document = client.get("/api/openapi.json").json()
    place = document["paths"]["/api/v1/orders"]["post"]["responses"]
    assert {"/problems/insufficient-stock", "/problems/coupon-exhausted"} <= problem_types(place["409"])
    assert {"/problems/validation", "/problems/idempotency-conflict"} <= problem_types(place["422"])
    assert problem_types(document["paths"]["/api/v1/tickets/{ticket_id}"]["put"]["responses"]["404"]) == {
        "/problems/not-found"}
    assert all(not name.startswith("Problem") or name == "Problem" for name in document["components"]["schemas"])


def test_the_main_operations_carry_examples(client):
    schemas = client.get("/api/openapi.json").json()["components"]["schemas"]
    for name in ("OrderIn", "InboundIn", "IdentifyIn"):
        assert schemas[name].get("examples"), name


def test_errors_groups_problems_by_status_for_a_response_dict():
    declared = errors(InsufficientStock, InvalidTransition, NotFound)
    assert sorted(declared) == [404, 409]
    assert declared[409].model_json_schema()["properties"]["type"]["enum"] == [
        "/problems/insufficient-stock", "/problems/invalid-transition"]
