"""Every field an API takes has a name in words (core.labels.field): a guard so a new input field
can't slip onto a console page as humanised English ("Min spend") on a Spanish screen.

It reads the request bodies of both OpenAPI documents (every domain's
ninja In-schemas, nested ones included) and asks each field path of the "<app>.field"
vocabularies."""

import pytest
from django.utils import translation

from omnicanal.core import labels

DOCUMENTS = ["/api/openapi.json", "/api/store/v1/openapi.json"]


def resolve(document, schema):
    while "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def field_paths(document, schema, prefix="", seen=()):
    """Each field path ("lines.sku") a body schema declares, nested objects and lists included."""
    ref = schema.get("$ref")
    if ref in seen:
        return
    schema = resolve(document, schema)
    seen = (*seen, ref)
    for combined in ("allOf", "anyOf", "oneOf"):
        for part in schema.get(combined, []):
            yield from field_paths(document, part, prefix, seen)
    if "items" in schema:
        yield from field_paths(document, schema["items"], prefix, seen)
    for name, inner in schema.get("properties", {}).items():
        path = f"{prefix}{name}"
        yield path
        yield from field_paths(document, inner, f"{path}.", seen)


def input_fields(document):
    for route, methods in document["paths"].items():
        for method, operation in methods.items():
            where = f"{method.upper()} {route}"
            for media in operation.get("requestBody", {}).get("content", {}).values():
                for path in field_paths(document, media.get("schema", {})):
                    yield where, path


@pytest.mark.parametrize("url", DOCUMENTS)
def test_every_input_field_of_the_api_has_a_field_label(client, url):
    document = client.get(url).json()
    unnamed = sorted({f"{path}  ({where.split(' ', 1)[1].split('/')[3]})" for where, path in input_fields(document) if not labels.field_named(path)})
    assert unnamed == [], "add these to <app>/wording.py's '<app>.field' vocabulary:\n" + "\n".join(unnamed)


def test_a_registered_field_reads_in_spanish_not_humanised():
    with translation.override("es"):
        assert labels.field_named("identities.0.value")
        assert labels.field("identities.0.value") == "Identidad 1"
        assert not labels.field_named("no_such_field_anywhere")
