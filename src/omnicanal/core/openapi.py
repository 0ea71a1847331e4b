"""How both APIs document their errors in OpenAPI (docs/architecture.md, "API conventions").

Every error answer is problem+json (core.problems). An operation declares the problems its own
rules raise next to its success answer:

    @router.post("/orders", response={201: OrderOut, **errors(InsufficientStock, CouponExhausted)})

and `document()` (installed on each NinjaAPI by core.problems.install) completes the document with
what every operation may answer because the handlers are global: 401 and 403 where a credential is
required, 422 `validation` where there is input, 400 `malformed` where there is a body, 404
`not-found` where the path names something, and on every write 422 `idempotency-conflict` and 409
`request-in-progress` (an `Idempotency-Key` reused with another body, or still being answered). Each answer reads `application/problem+json`, its schema
is `Problem` with `type` limited to the problem types that status may carry.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from typing import Literal

from ninja import Schema
from pydantic import ConfigDict, Field, create_model

from omnicanal.core.errors import (
    Forbidden,
    IdempotencyConflict,
    MalformedRequest,
    NotFound,
    Problem,
    RequestInProgress,
    Unauthorized,
    ValidationFailed,
)

PROBLEM_JSON = "application/problem+json"
_REF = "#/components/schemas/"
_declared: dict[str, tuple[str, ...]] = {}  # component name of an errors() schema -> its problem slugs


class FieldErrorOut(Schema):
    field: str = Field(description="the input's path, dotted: `lines.0.sku`", examples=["channel"])
    message: str = Field(examples=["unknown channel"])


class ProblemOut(Schema):
    """RFC 9457 problem details."""

    model_config = ConfigDict(extra="allow", title="Problem")  # a problem may add members (retry_after)

    type: str = Field(description="a relative URI under /problems/ naming the problem", examples=["/problems/validation"])
    title: str = Field(description="the problem's kind, in the reader's language")
    status: int = Field(ge=400, le=599)
    detail: str = Field(description="what went wrong this time, in the reader's language")
    instance: str | None = Field(default=None, description="the request's path")
    errors: list[FieldErrorOut] | None = Field(default=None, description="field by field, for `validation`")



def inline_schema(model) -> dict:
    """A model's JSON schema with its nested models written in place, for an operation's own
    `openapi_extra` body: a `$ref` there would point at a component Ninja never registered."""
    schema = model.model_json_schema()
    definitions = schema.pop("$defs", {})

    def resolve(node):
        if isinstance(node, dict):
            if "$ref" in node:
                return resolve(definitions[node["$ref"].rsplit("/", 1)[1]])
            return {key: resolve(value) for key, value in node.items()}
        if isinstance(node, list):
            return [resolve(value) for value in node]
        return node

    return resolve(schema)


def errors(*problems: type[Problem]) -> dict[int, type[Schema]]:
    """The `response={...}` entries of the problems an operation's rules raise, grouped by status."""
    by_status: dict[int, set[str]] = defaultdict(set)
    for problem in problems:
        by_status[problem.status].add(problem.slug)
    return {status: _schema(status, tuple(sorted(slugs))) for status, slugs in by_status.items()}


@functools.cache
def _schema(status: int, slugs: tuple[str, ...]) -> type[Schema]:
    name = f"Problem{status}" + "".join(slug.title().replace("-", "") for slug in slugs)
    _declared[name] = slugs
    kinds = Literal[tuple(f"/problems/{slug}" for slug in slugs)]  # type: ignore[valid-type]
    return create_model(name, __base__=ProblemOut, type=(kinds, ...))  # type: ignore[arg-type]


def _defaults(method: str, operation: dict) -> dict[int, set[str]]:
    found: dict[int, set[str]] = defaultdict(set)
    if method in ("post", "put", "patch", "delete"):  # core.middleware: any write may carry an Idempotency-Key
        found[422].add(IdempotencyConflict.slug)
        found[409].add(RequestInProgress.slug)
    parameters = operation.get("parameters") or []
    if operation.get("security"):
        found[401].add(Unauthorized.slug)
        found[403].add(Forbidden.slug)
    if parameters or operation.get("requestBody"):
        found[422].add(ValidationFailed.slug)
    if operation.get("requestBody"):
        found[400].add(MalformedRequest.slug)
    if any(p.get("in") == "path" for p in parameters):
        found[404].add(NotFound.slug)
    return found


def _declared_slugs(response: dict) -> set[str]:
    for media in (response.get("content") or {}).values():
        ref = (media.get("schema") or {}).get("$ref", "")
        if ref.startswith(_REF) and ref[len(_REF):] in _declared:
            return set(_declared[ref[len(_REF):]])
    return set()


def _answer(status: int, slugs: set[str]) -> dict:
    kinds = sorted(f"/problems/{slug}" for slug in slugs)
    return {
        "description": "problem+json: " + ", ".join(f"`{kind}`" for kind in kinds),
        "content": {PROBLEM_JSON: {"schema": {"allOf": [
            {"$ref": f"{_REF}Problem"},
            {"type": "object", "properties": {"type": {"type": "string", "enum": kinds},
                                              "status": {"type": "integer", "enum": [status]}}},
        ]}}},
    }


def document(schema: dict) -> dict:
    """Complete every operation's error answers (see the module's docstring); returns `schema`."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components.update(ProblemOut.model_json_schema(ref_template=_REF + "{model}").pop("$defs", {}))
    components["Problem"] = ProblemOut.model_json_schema(ref_template=_REF + "{model}")
    components["Problem"].pop("$defs", None)
    for methods in schema.get("paths", {}).values():
        for method, operation in methods.items():
            responses = operation.setdefault("responses", {})
            wanted = _defaults(method, operation)
            for code, response in list(responses.items()):
                slugs = _declared_slugs(response)
                if slugs:
                    wanted[int(code)] |= slugs
                    del responses[code]
            for status, slugs in sorted(wanted.items()):
                responses[status] = _answer(status, slugs)
    for name in _declared:
        components.pop(name, None)
    return schema


def install(api) -> None:
    """Route the API's OpenAPI document through `document()`."""
    build = api.get_openapi_schema

    @functools.wraps(build)
    def get_openapi_schema(*args, **kwargs):
        return document(build(*args, **kwargs))

    api.get_openapi_schema = get_openapi_schema
