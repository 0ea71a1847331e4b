"""Issue 14 item 6: every staff API handler answers a typed `Out` schema, so the OpenAPI document
describes every answer. An operation's success (2xx) answer with no schema, a bare object (no
properties: `{"type": "object"}` or additionalProperties only) or an array of such fails here."""

import pytest

from omnicanal.web.discovery import api_routers

pytestmark = pytest.mark.django_db

METHODS = ("get", "post", "put", "patch", "delete")


@pytest.fixture(scope="module")
def openapi(django_db_blocker):
    from django.test import Client

    with django_db_blocker.unblock():
        return Client().get("/api/openapi.json").json()


def _resolve(schema: dict, document: dict) -> dict:
    while "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        schema = document["components"]["schemas"][name]
    return schema


def _untyped(schema: dict | None, document: dict) -> str | None:
    """Why `schema` does not describe an answer (None: it does)."""
    if not schema:
        return "no schema"
    schema = _resolve(schema, document)
    for key in ("anyOf", "oneOf"):
        if key in schema:  # e.g. `Thing | None`: every typed branch must be typed
            reasons = [_untyped(s, document) for s in schema[key] if _resolve(s, document).get("type") != "null"]
            return next((r for r in reasons if r), None) if reasons else "only null"
    if "allOf" in schema:
        return next((r for r in (_untyped(s, document) for s in schema["allOf"]) if r), None)
    kind = schema.get("type")
    if kind == "array":
        reason = _untyped(schema.get("items"), document)
        return f"an array of {reason}" if reason else None
    if kind == "object" or kind is None:
        return None if schema.get("properties") else "a bare object without properties"
    return None  # a string, number or boolean is described by its type


def _operations(document: dict):
    for path, item in document["paths"].items():
        for method in METHODS:
            if method in item:
                yield path, method, item[method]


def _problems(document: dict) -> list[str]:
    found = []
    for path, method, operation in _operations(document):
        answers = {code: r for code, r in operation.get("responses", {}).items() if str(code).startswith("2")}
        if not answers:
            found.append(f"{method.upper()} {path}: no 2xx answer described")
        for code, answer in answers.items():
            content = answer.get("content") or {}
            if not content and str(code) != "204":  # 204 No Content: no body to describe
                found.append(f"{method.upper()} {path} {code}: no schema")
            for media, body in content.items():
                if media != "application/json":
                    if not body.get("schema"):
                        found.append(f"{method.upper()} {path} {code} {media}: no schema")
                    continue
                reason = _untyped(body.get("schema"), document)
                if reason:
                    found.append(f"{method.upper()} {path} {code}: {reason}")
    return found


def test_every_staff_api_answer_is_a_typed_schema(openapi):
    assert _problems(openapi) == []


def test_the_document_covers_every_router_of_v1(openapi):
    """Each discovered router's operations are in the document (so the check above saw them all)."""
    paths = {p.rstrip("/") for p in openapi["paths"]}
    for label, router in api_routers():
        for route in router.path_operations:
            assert ("/api/v1" + route).rstrip("/") in paths, (label, route)


def test_the_check_refuses_an_untyped_answer():
    """The check itself: a bare `dict`, a list of them, or no content are refused; a typed one passes."""
    document = {"components": {"schemas": {"Thing": {"type": "object", "properties": {"id": {"type": "string"}}},
                                           "Bare": {"type": "object", "additionalProperties": True}}},
                "paths": {}}

    def answer(schema):
        return {"responses": {"200": {"content": {"application/json": {"schema": schema}}}}}

    document["paths"] = {
        "/a": {"get": answer({"type": "object"})},
        "/b": {"get": answer({"type": "array", "items": {"$ref": "#/components/schemas/Bare"}})},
        "/c": {"get": {"responses": {"200": {"description": "OK"}}}},
        "/d": {"get": answer({"$ref": "#/components/schemas/Thing"})},
        "/e": {"get": answer({"anyOf": [{"$ref": "#/components/schemas/Thing"}, {"type": "null"}]})},
        "/f": {"get": answer({"anyOf": [{"type": "object"}, {"type": "null"}]})},
    }
    assert _problems(document) == [
        "GET /a 200: a bare object without properties",
        "GET /b 200: an array of a bare object without properties",
        "GET /c 200: no schema",
        "GET /f 200: a bare object without properties",
    ]
