"""Issue 21 item 3: the API fuzzed in every run. schemathesis reads each OpenAPI document (/api/v1 and the
Store API), generates requests that fit it (positive) and requests that break it (negative), sends them
in-process through Django's WSGI handler (no server) with an admin key (a signed-in shopper for the Store
API), and checks every answer: never a 5xx, and a body that matches the schema the document gives for
that status. The document declares no OpenAPI links, so there is no stateful phase to run.

FUZZ_EXAMPLES bounds the examples per operation and mode: small on SQLite (`make test`), larger in the
PostgreSQL pass (FUZZ_EXAMPLES_POSTGRES). Generation is derandomized: a run is reproducible, and a
failure names the operation and the request that broke it.
"""

from __future__ import annotations

import json
import os
import time
from contextlib import contextmanager
from dataclasses import dataclass, field

import pytest
from django.db import connection, transaction
from hypothesis import HealthCheck, Phase, given, settings

pytestmark = pytest.mark.django_db

schemathesis = pytest.importorskip("schemathesis")

from schemathesis.checks import not_a_server_error  # noqa: E402
from schemathesis.core.failures import FailureGroup  # noqa: E402
from schemathesis.generation import GenerationMode  # noqa: E402
from schemathesis.specs.openapi.checks import response_schema_conformance  # noqa: E402

CHECKS = [not_a_server_error, response_schema_conformance]
MODES = (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)


def examples() -> int:
    if connection.vendor == "postgresql":
        return int(os.environ.get("FUZZ_EXAMPLES_POSTGRES", "6"))
    return int(os.environ.get("FUZZ_EXAMPLES", "3"))


@dataclass
class Tally:
    operations: int = 0
    cases: int = 0
    server_errors: list[str] = field(default_factory=list)
    schema_violations: list[str] = field(default_factory=list)
    slowest: list[tuple[float, str]] = field(default_factory=list)

    def report(self, name: str) -> str:
        return (f"schemathesis {name} on {connection.vendor}: {self.operations} operations, {self.cases} cases, "
                f"{len(self.server_errors)} server errors, {len(self.schema_violations)} schema violations; slowest: "
                + ", ".join(f"{label} {seconds:.1f}s" for seconds, label in sorted(self.slowest)[-3:]))


@contextmanager
def wsgi_app():
    """Django's own WSGI handler, as a server runs it, minus the per-request connection closing that the
    test client also switches off: the test's transaction must outlive each request. (The test client
    puts the closing back after each of its own requests, so this wraps the fuzzing alone.)"""
    from django.core.handlers.wsgi import WSGIHandler
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield WSGIHandler()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def _describe(case, response, error) -> str:
    body = case.body if not isinstance(case.body, bytes | bytearray) else "<bytes>"
    lines = [line.strip(" |+-") for line in str(error).splitlines()]
    why = "; ".join(line for line in lines if line and not line.startswith(("Reproduce", "curl", "`")))[:400]
    return (f"{case.operation.label} → {response.status_code}: {why}\n"
            f"    path={case.path_parameters} query={case.query} body={json.dumps(body, default=str)[:300]}")


def fuzz(path: str, headers: dict[str, str]) -> Tally:
    with wsgi_app() as app:
        return _fuzz(schemathesis.openapi.from_wsgi(path, app), headers)


def _fuzz(schema, headers: dict[str, str]) -> Tally:
    tally = Tally()
    count = examples()
    for result in schema.get_all_operations():
        operation = result.ok()
        tally.operations += 1
        started = time.perf_counter()
        for mode in MODES:
            @settings(max_examples=count, deadline=None, database=None, derandomize=True,
                      phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
            @given(case=operation.as_strategy(generation_mode=mode))
            def run(case):
                tally.cases += 1
                # Each case from the same starting data: a savepoint rolled back after the answer.
                with transaction.atomic():
                    response = case.call(headers=headers)
                    transaction.set_rollback(True)
                if response.status_code >= 500:
                    tally.server_errors.append(_describe(case, response, response.text[:300]))
                    return
                try:
                    case.validate_response(response, checks=CHECKS, headers=headers)
                except (AssertionError, FailureGroup) as error:  # keep going: report all at the end
                    tally.schema_violations.append(_describe(case, response, error))

            run()
        tally.slowest.append((time.perf_counter() - started, operation.label))
    return tally


def _assert_clean(tally: Tally, name: str, ci_report) -> None:
    ci_report(tally.report(name))  # the figures belong in `make test`'s output, passed or not
    assert tally.operations > 0 and tally.cases >= tally.operations
    assert tally.server_errors == [], "\n".join(tally.server_errors)
    assert tally.schema_violations == [], "\n".join(tally.schema_violations)


def test_the_staff_api_answers_no_5xx_and_keeps_its_schema(issue_key, ci_report):
    from omnicanal.orders.tests.conftest import make_customer, make_world

    make_world()
    make_customer()
    token = issue_key("admin")["HTTP_AUTHORIZATION"]
    _assert_clean(fuzz("/api/openapi.json", {"Authorization": token}), "/api/v1", ci_report)


def test_the_store_api_answers_no_5xx_and_keeps_its_schema(api, ci_report):
    from omnicanal.orders.tests.conftest import make_customer, make_world

    make_world()
    customer_id = make_customer()
    session = api.post(f"/customers/{customer_id}/sessions", {})
    assert session.status_code in (200, 201), session.content
    _assert_clean(fuzz("/api/store/v1/openapi.json", {"Authorization": f"Bearer {session.json()['token']}"}),
                  "/api/store/v1", ci_report)


@pytest.mark.parametrize("module, name", [("omnicanal.web.api", "api"), ("omnicanal.storefront.store_api", "store_api")])
def test_one_schema_name_means_one_model_in_a_document(module, name, monkeypatch):
    """Django Ninja keys a document's components by class name: two classes of one name (loyalty's and
    inventory's MovementOut) silently became one, so the document described the wrong body. The fuzzer
    found the first; this finds them all."""
    import importlib

    from ninja.openapi.schema import OpenAPISchema

    clashes: set[str] = set()
    add = OpenAPISchema.add_schema_definitions

    def checked(self, definitions):
        clashes.update(key for key, value in definitions.items() if self.schemas.get(key, value) != value)
        add(self, definitions)

    monkeypatch.setattr(OpenAPISchema, "add_schema_definitions", checked)
    document = getattr(importlib.import_module(module), name).get_openapi_schema()
    assert document["components"]["schemas"]
    assert clashes == set()
    # and every reference resolves (an `openapi_extra` body pointing at an unregistered component did not)
    import re

    text = json.dumps(document)
    assert set(re.findall(r"#/components/schemas/(\w+)", text)) <= set(document["components"]["schemas"])
